/// Antialiased bilinear resampling of 8-bit planar images, computed like Pillow's `Image.resize`
/// with `BILINEAR` (what torchvision's `Resize` uses on PIL images): a triangle filter stretched by
/// the downscaling factor (so every input pixel contributes — area-like antialiasing), weights
/// normalized and rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each
/// rounded and clamped to 8 bits.
public struct ResampleWeights: Sendable {
    /// First input index used by each output position.
    public let first: [Int32]
    /// Number of input positions used by each output position.
    public let taps: [Int32]
    /// Fixed-point weights, `maxTaps` per output position (zero-padded).
    public let weights: [Int32]
    /// Stride of `weights` between output positions.
    public let maxTaps: Int

    /// When every output uses at most 8 inputs (and there are at least 8): per output, the first of 8
    /// consecutive inputs (moved left near the end so all 8 exist) and the 8 weights aligned to them.
    /// Lets a pass compute each output as one 8-lane dot product; empty otherwise.
    public let first8: [Int32]
    /// The weights aligned to `first8` (zero where an input is not used).
    public let weights8: [SIMD8<Int32>]

    /// Fixed-point precision of the weights (Pillow's PRECISION_BITS for 8-bit images).
    public static let precisionBits: Int32 = 22

    /// Weights mapping `inputSize` samples to `outputSize` samples.
    public init(inputSize: Int, outputSize: Int) {
        precondition(inputSize > 0 && outputSize > 0, "ResampleWeights: sizes must be positive")
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale  // the triangle filter has support 1
        let maxTaps = Int(support.rounded(.up)) * 2 + 1
        var first = [Int32](repeating: 0, count: outputSize)
        var taps = [Int32](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * maxTaps)
        for out in 0..<outputSize {
            let center = (Double(out) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inputSize)
            var w = [Double](repeating: 0, count: max(hi - lo, 0))
            var total = 0.0
            for i in 0..<w.count {
                let x = (Double(i + lo) - center + 0.5) * (1.0 / filterScale)
                w[i] = max(0, 1 - abs(x))
                total += w[i]
            }
            first[out] = Int32(lo)
            taps[out] = Int32(w.count)
            for i in 0..<w.count {
                let normalized = total != 0 ? w[i] / total : 0
                let fixed = normalized * Double(1 << Self.precisionBits)
                weights[out * maxTaps + i] = Int32(fixed < 0 ? fixed - 0.5 : fixed + 0.5)
            }
        }
        self.first = first
        self.taps = taps
        self.weights = weights
        self.maxTaps = maxTaps
        var first8: [Int32] = []
        var weights8: [SIMD8<Int32>] = []
        if maxTaps <= 8 && inputSize >= 8 {
            for out in 0..<outputSize {
                let start = min(Int(first[out]), inputSize - 8)
                var w = SIMD8<Int32>(repeating: 0)
                for t in 0..<Int(taps[out]) { w[Int(first[out]) - start + t] = weights[out * maxTaps + t] }
                first8.append(Int32(start))
                weights8.append(w)
            }
        }
        self.first8 = first8
        self.weights8 = weights8
    }
}

/// Resizes an image so its shorter side is `size`, then crops the central `size`×`size` square —
/// torchvision's `Resize(size)` followed by `CenterCrop(size)` on a PIL image (CelebA's 178×218 →
/// 64×78 → rows 7..<71). Only the cropped outputs are computed.
public struct ResizeCenterCrop: Sendable {
    /// Input width and height.
    public let inputWidth: Int
    /// Input height.
    public let inputHeight: Int
    /// Output side length.
    public let size: Int
    /// Size after resizing, before cropping (torchvision: the longer side is `int(size * long / short)`).
    public let resizedWidth: Int
    /// Height after resizing, before cropping.
    public let resizedHeight: Int
    /// First resized column and row kept by the crop (`int(round((resized - size) / 2))`).
    public let left: Int
    /// First resized row kept by the crop.
    public let top: Int
    private let horizontal: ResampleWeights
    private let vertical: ResampleWeights

    /// The transform for `width`×`height` inputs and a `size`×`size` output.
    public init(width: Int, height: Int, size: Int) {
        precondition(width > 0 && height > 0 && size > 0, "ResizeCenterCrop: sizes must be positive")
        inputWidth = width
        inputHeight = height
        self.size = size
        if width <= height {
            resizedWidth = size
            resizedHeight = Int(Double(size) * Double(height) / Double(width))
        } else {
            resizedHeight = size
            resizedWidth = Int(Double(size) * Double(width) / Double(height))
        }
        // Python's round() rounds halves to even, as torchvision's center_crop does.
        left = Int((Double(resizedWidth - size) / 2).rounded(.toNearestOrEven))
        top = Int((Double(resizedHeight - size) / 2).rounded(.toNearestOrEven))
        horizontal = ResampleWeights(inputSize: width, outputSize: resizedWidth)
        vertical = ResampleWeights(inputSize: height, outputSize: resizedHeight)
    }

    /// Transforms one plane: `source` [inputHeight, inputWidth] → `destination` [size, size].
    /// `scratch` must hold `inputHeight * size` bytes (the horizontally resized rows).
    public func apply(
        plane source: UnsafePointer<UInt8>, into destination: UnsafeMutablePointer<UInt8>,
        scratch: UnsafeMutablePointer<UInt8>
    ) {
        let size = self.size
        let half = Int32(1) << (ResampleWeights.precisionBits - 1)
        let shift = ResampleWeights.precisionBits
        // Rows of the input that the kept output rows need.
        let rowLow = Int(vertical.first[top])
        let lastOut = top + size - 1
        let rowHigh = Int(vertical.first[lastOut] + vertical.taps[lastOut])
        if !horizontal.first8.isEmpty {
            // Each output: 8 consecutive input bytes times 8 weights, summed.
            horizontal.weights8.withUnsafeBufferPointer { w8 in
                horizontal.first8.withUnsafeBufferPointer { f8 in
                    for y in rowLow..<rowHigh {
                        let row = UnsafeRawPointer(source + y * inputWidth)
                        let out = scratch + y * size
                        for x in 0..<size {
                            let o = left + x
                            let bytes = row.loadUnaligned(fromByteOffset: Int(f8[o]), as: SIMD8<UInt8>.self)
                            let sum = (SIMD8<Int32>(truncatingIfNeeded: bytes) &* w8[o]).wrappedSum() &+ half
                            out[x] = UInt8(clamping: sum >> shift)
                        }
                    }
                }
            }
        } else {
            horizontal.weights.withUnsafeBufferPointer { hw in
                horizontal.first.withUnsafeBufferPointer { hf in
                    horizontal.taps.withUnsafeBufferPointer { ht in
                        for y in rowLow..<rowHigh {
                            let row = source + y * inputWidth
                            let out = scratch + y * size
                            for x in 0..<size {
                                let o = left + x
                                let start = Int(hf[o])
                                let k = hw.baseAddress! + o * horizontal.maxTaps
                                var sum = half
                                for t in 0..<Int(ht[o]) { sum &+= Int32(row[start + t]) &* k[t] }
                                out[x] = UInt8(clamping: sum >> shift)
                            }
                        }
                    }
                }
            }
        }
        vertical.weights.withUnsafeBufferPointer { vw in
            var acc = [Int32](repeating: 0, count: size)
            acc.withUnsafeMutableBufferPointer { acc in
                for y in 0..<size {
                    let o = top + y
                    let start = Int(vertical.first[o])
                    let k = vw.baseAddress! + o * vertical.maxTaps
                    for x in 0..<size { acc[x] = half }
                    for t in 0..<Int(vertical.taps[o]) {
                        let w = k[t]
                        let row = scratch + (start + t) * size
                        for x in 0..<size { acc[x] &+= Int32(row[x]) &* w }
                    }
                    let out = destination + y * size
                    for x in 0..<size { out[x] = UInt8(clamping: acc[x] >> shift) }
                }
            }
        }
    }

    /// Transforms a decoded image into `[3, size, size]` bytes (a grayscale image is repeated
    /// into the three channels).
    public func apply(_ image: JPEGImage) -> [UInt8] {
        precondition(image.width == inputWidth && image.height == inputHeight, "ResizeCenterCrop: image size mismatch")
        let plane = size * size
        var output = [UInt8](repeating: 0, count: 3 * plane)
        var scratch = [UInt8](repeating: 0, count: inputHeight * size)
        image.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for c in 0..<3 {
                        let channel = min(c, image.channels - 1)
                        apply(plane: src.baseAddress! + channel * inputWidth * inputHeight,
                              into: dst.baseAddress! + c * plane, scratch: tmp.baseAddress!)
                    }
                }
            }
        }
        return output
    }
}
