// The convolution kernels: im2col, col2im and the channel-major ↔ batch-major permutations.
//
// A convolution over a whole batch is one GEMM. `im2col` lays out every receptive field as a column:
//
//     cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh·s − p + ki, ow·s − p + kj]   (0 outside the image)
//
// so `cols` is [C·k·k, N·Ho·Wo] and Conv2d's output is W[Cout, C·k·k] · cols = [Cout, N·Ho·Wo].
// `col2im` is the adjoint: it adds each column entry back onto the pixel it came from. Conv2d's
// backward and ConvTranspose2d's forward use col2im; ConvTranspose2d's backward uses im2col.

/// The geometry of a 2-D convolution (square kernel, equal stride and padding on both axes).
public struct ConvolutionGeometry: Sendable, Equatable {
    /// Batch size.
    public let batch: Int
    /// Channels of the image side (the input of Conv2d, the output of ConvTranspose2d).
    public let channels: Int
    /// Image height and width.
    public let height: Int, width: Int
    /// Kernel size, stride and zero padding.
    public let kernelSize: Int, stride: Int, padding: Int
    /// The grid of kernel positions: ⌊(H + 2p − k) / s⌋ + 1 by ⌊(W + 2p − k) / s⌋ + 1.
    public let outputHeight: Int, outputWidth: Int

    /// The geometry of sliding a k×k kernel with `stride` over an H×W image padded by `padding`.
    public init(batch: Int, channels: Int, height: Int, width: Int, kernelSize: Int, stride: Int, padding: Int) {
        precondition(kernelSize > 0 && stride > 0 && padding >= 0, "bad convolution k=\(kernelSize) s=\(stride) p=\(padding)")
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        outputHeight = (height + 2 * padding - kernelSize) / stride + 1
        outputWidth = (width + 2 * padding - kernelSize) / stride + 1
        precondition(height + 2 * padding >= kernelSize && width + 2 * padding >= kernelSize,
                     "kernel \(kernelSize) larger than the padded image \(height)×\(width) (padding \(padding))")
    }

    /// Rows of the column matrix: C·k·k.
    public var columnRows: Int { channels * kernelSize * kernelSize }
    /// Columns of the column matrix: N·Ho·Wo.
    public var columnCount: Int { batch * outputHeight * outputWidth }
}

/// The outputs o in 0..<count whose input position o·stride + offset lies in 0..<size, as a half-open range.
@inline(__always)
func insideRange(size: Int, count: Int, offset: Int, stride: Int) -> (Int, Int) {
    let last = size - 1 - offset  // o·stride ≤ last
    if last < 0 { return (0, 0) }
    let end = min(count, last / stride + 1)
    let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    return (min(start, end), end)
}

/// Im2col / col2im over a whole batch, multithreaded with `parallelFor`.
public enum Convolution {
    /// Fills `cols` [C·k·k, N·Ho·Wo] with the receptive fields of `x` [N, C, H, W] (zeros in the padding).
    public static func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
        let shared = UncheckedSendable((x, cols))
        let k = g.kernelSize, s = g.stride, p = g.padding
        let (ho, wo, h, w) = (g.outputHeight, g.outputWidth, g.height, g.width)
        let plane = ho &* wo
        // One item = one (row, image) pair: a contiguous run of Ho·Wo outputs.
        parallelFor(g.columnRows &* g.batch, grain: max(1, 4096 / max(plane, 1))) { range in
            let (x, cols) = shared.value
            for item in range {
                let row = item / g.batch, n = item % g.batch
                let c = row / (k &* k), ki = (row / k) % k, kj = row % k
                let source = x + (n &* g.channels &+ c) &* h &* w
                let destination = cols + (row &* g.columnCount &+ n &* plane)
                // Output columns ow whose input column iw = ow·s − p + kj lies inside [0, w).
                let (owStart, owEnd) = insideRange(size: w, count: wo, offset: kj &- p, stride: s)
                for oh in 0..<ho {
                    let out = destination + oh &* wo
                    let ih = oh &* s &- p &+ ki
                    if ih < 0 || ih >= h {
                        out.update(repeating: 0, count: wo)
                        continue
                    }
                    let inRow = source + ih &* w
                    if owStart > 0 { out.update(repeating: 0, count: owStart) }
                    if s == 1 {
                        (out + owStart).update(from: inRow + (owStart &- p &+ kj), count: owEnd &- owStart)
                    } else {
                        var ow = owStart
                        while ow < owEnd {
                            out[ow] = inRow[ow &* s &- p &+ kj]
                            ow &+= 1
                        }
                    }
                    if owEnd < wo { (out + owEnd).update(repeating: 0, count: wo &- owEnd) }
                }
            }
        }
    }

    /// Overwrites `x` [N, C, H, W] with the sum of `cols` [C·k·k, N·Ho·Wo] folded back onto its pixels.
    public static func col2im(_ cols: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
        let shared = UncheckedSendable((cols, x))
        let k = g.kernelSize, s = g.stride, p = g.padding
        let (ho, wo, h, w) = (g.outputHeight, g.outputWidth, g.height, g.width)
        let plane = ho &* wo
        // One item = one (image, channel) plane of x: its writers are disjoint from other items'.
        parallelFor(g.batch &* g.channels, grain: max(1, 4096 / max(k * k * plane, 1))) { range in
            let (cols, x) = shared.value
            for item in range {
                let n = item / g.channels, c = item % g.channels
                let destination = x + item &* h &* w
                destination.update(repeating: 0, count: h &* w)
                for ki in 0..<k {
                    for kj in 0..<k {
                        let row = (c &* k &+ ki) &* k &+ kj
                        let source = cols + (row &* g.columnCount &+ n &* plane)
                        let (owStart, owEnd) = insideRange(size: w, count: wo, offset: kj &- p, stride: s)
                        for oh in 0..<ho {
                            let ih = oh &* s &- p &+ ki
                            if ih < 0 || ih >= h { continue }
                            let outRow = destination + ih &* w
                            let inRow = source + oh &* wo
                            var ow = owStart
                            if s == 1 {
                                let shift = kj &- p
                                while ow < owEnd {
                                    outRow[ow &+ shift] += inRow[ow]
                                    ow &+= 1
                                }
                            } else {
                                while ow < owEnd {
                                    outRow[ow &* s &- p &+ kj] += inRow[ow]
                                    ow &+= 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Batch-major [N, C, P] → channel-major [C, N·P] (the layout GEMM produces and consumes).
    public static func toChannelMajor(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        let shared = UncheckedSendable((x, out))
        parallelFor(batch &* channels, grain: max(1, 8192 / max(plane, 1))) { range in
            let (x, out) = shared.value
            for item in range {
                let n = item / channels, c = item % channels
                (out + (c &* batch &+ n) &* plane).update(from: x + item &* plane, count: plane)
            }
        }
    }

    /// Channel-major [C, N·P] → batch-major [N, C, P], adding `bias[c]` to every element when given.
    public static func toBatchMajor(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int,
        bias: UnsafePointer<Float>? = nil
    ) {
        let shared = UncheckedSendable((x, out, bias))
        parallelFor(batch &* channels, grain: max(1, 8192 / max(plane, 1))) { range in
            let (x, out, bias) = shared.value
            for item in range {
                let n = item / channels, c = item % channels
                let source = x + (c &* batch &+ n) &* plane
                let destination = out + item &* plane
                if let bias {
                    let b = bias[c]
                    for i in 0..<plane { destination[i] = source[i] + b }
                } else {
                    destination.update(from: source, count: plane)
                }
            }
        }
    }

    /// `sums[c] += Σₙ Σₚ x[n, c, p]` for x [N, C, P] (a convolution's bias gradient).
    public static func addChannelSums(
        _ x: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        let shared = UncheckedSendable((x, sums))
        parallelFor(channels, grain: max(1, 16384 / max(batch * plane, 1))) { range in
            let (x, sums) = shared.value
            for c in range {
                var total = 0.0
                for n in 0..<batch {
                    total += Double(Elementwise.sum(x + (n &* channels &+ c) &* plane, count: plane))
                }
                sums[c] += Float(total)
            }
        }
    }
}
