import Latent

/// Tiles a batch of images into one image, like torchvision's `make_grid`.
///
/// images: [N, C, H, W] → [C, rows·(H + padding) + padding, cols·(W + padding) + padding],
/// with cols = min(nrow, N) and rows = ⌈N / cols⌉; image i goes to row i / cols, column i % cols.
/// A single image comes back unpadded, as in torchvision. Unlike torchvision, one channel stays one
/// channel (it is saved as a grayscale PNG).
///
/// - Parameters:
///   - nrow: images per grid row.
///   - padding: pixels between images and around the border.
///   - padValue: the value of the padding (in the output's range).
///   - normalize: rescale pixels to [0, 1]: from `valueRange` when given (clamping outside it), else
///     from the batch's min and max (or each image's, with `scaleEach`).
///   - valueRange: (low, high) mapped to (0, 1) when `normalize` is on, e.g. (-1, 1) for tanh outputs.
///   - scaleEach: with `normalize` and no `valueRange`, use each image's own min and max.
public func makeGrid(
    _ images: Tensor, nrow: Int = 8, padding: Int = 2, padValue: Float = 0,
    normalize: Bool = false, valueRange: (Float, Float)? = nil, scaleEach: Bool = false
) -> Tensor {
    let batch = asBatch(images)
    precondition(nrow > 0 && padding >= 0, "makeGrid: nrow must be > 0 and padding ≥ 0, got \(nrow), \(padding)")
    let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
    precondition(n > 0, "makeGrid: empty batch \(batch.shape)")
    let size = c * h * w
    var values = batch.scalars
    if normalize {
        func rescale(_ range: Range<Int>, _ low: Float, _ high: Float) {
            let scale = 1 / max(high - low, 1e-5)
            for i in range { values[i] = (min(max(values[i], low), high) - low) * scale }
        }
        if let (low, high) = valueRange {
            rescale(0..<values.count, low, high)
        } else if scaleEach {
            for i in 0..<n {
                let part = values[(i * size)..<((i + 1) * size)]
                rescale((i * size)..<((i + 1) * size), part.min()!, part.max()!)
            }
        } else {
            rescale(0..<values.count, values.min()!, values.max()!)
        }
    }
    // torchvision returns a single image as it is, without padding.
    if n == 1 { return Tensor(shape: [c, h, w], scalars: values) }
    let cols = min(nrow, n)
    let rows = (n + cols - 1) / cols
    let gridH = rows * (h + padding) + padding
    let gridW = cols * (w + padding) + padding
    var grid = [Float](repeating: padValue, count: c * gridH * gridW)
    for i in 0..<n {
        let top = (i / cols) * (h + padding) + padding
        let left = (i % cols) * (w + padding) + padding
        for ch in 0..<c {
            for y in 0..<h {
                let src = i * size + ch * h * w + y * w
                let dst = ch * gridH * gridW + (top + y) * gridW + left
                grid.replaceSubrange(dst..<(dst + w), with: values[src..<(src + w)])
            }
        }
    }
    return Tensor(shape: [c, gridH, gridW], scalars: grid)
}

/// Saves images as one PNG, like torchvision's `save_image`: a grid (see `makeGrid`) of
/// [N, C, H, W] (or a single [C, H, W] or [H, W] image) with values in [0, 1] after normalization,
/// scaled by 255 and rounded. One channel is written as grayscale, three as RGB.
///
/// - Returns: `path`, for printing what was written.
@discardableResult
public func saveImage(
    _ images: Tensor, to path: String, nrow: Int = 8, padding: Int = 2, padValue: Float = 0,
    normalize: Bool = false, valueRange: (Float, Float)? = nil, scaleEach: Bool = false
) throws -> String {
    let grid = makeGrid(images, nrow: nrow, padding: padding, padValue: padValue,
                        normalize: normalize, valueRange: valueRange, scaleEach: scaleEach)
    try PNG.write(PNGImage(chw: grid), to: path)
    return path
}

/// Saves images [N, C, H, W] whose values lie in `range` as a PNG grid `columns` wide with white
/// 2-pixel gaps: the chapters' reconstructions, samples, interpolations and traversals. Images smaller
/// than 64 pixels (digits) are enlarged by pixel repetition (`enlarged`); values outside `range` are
/// clipped. Returns `path`.
@discardableResult
public func writeGrid(_ images: Tensor, columns: Int, range: PixelRange = .zeroToOne, to path: String) throws -> String {
    let (low, high) = range.bounds
    return try saveImage(enlarged(images), to: path, nrow: columns, padding: 2, padValue: 1, normalize: true, valueRange: (low, high))
}

/// Images smaller than `minimumSide` pixels (MNIST's 28) blown up by pixel repetition so a viewer
/// shows them large enough to judge: [N, C, H, W] → [N, C, sH, sW] with s = ⌈minimumSide / H⌉
/// (1, unchanged, for 64×64 faces).
public func enlarged(_ images: Tensor, minimumSide: Int = 64) -> Tensor {
    precondition(images.rank == 4, "enlarged expects [N, C, H, W], got \(images.shape)")
    let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let s = max(1, (minimumSide + h - 1) / max(h, 1))
    if s == 1 { return images }
    return Tensor(shape: [n, c, h * s, w * s]) { out in
        images.withUnsafeBufferPointer { x in
            for plane in 0..<(n * c) {
                for y in 0..<(h * s) {
                    for xx in 0..<(w * s) {
                        out[(plane * h * s + y) * w * s + xx] = x[(plane * h + y / s) * w + xx / s]
                    }
                }
            }
        }
    }
}

extension PNGImage {
    /// An image from a [C, H, W] (or [H, W]) tensor with values in [0, 1]: byte = ⌊255·x + 0.5⌋,
    /// clamped. C must be 1 (grayscale) or 3 (RGB) — or 2/4 with alpha.
    public init(chw image: Tensor) {
        let t = image.rank == 2 ? image.reshaped([1] + image.shape) : image
        precondition(t.rank == 3 && (1...4).contains(t.shape[0]),
                     "PNGImage(chw:) expects [C, H, W] with C in 1...4 or [H, W], got \(image.shape)")
        let (c, h, w) = (t.shape[0], t.shape[1], t.shape[2])
        var bytes = [UInt8](repeating: 0, count: c * h * w)
        t.withUnsafeBufferPointer { x in
            for ch in 0..<c {
                for p in 0..<(h * w) {
                    let v = x[ch * h * w + p] * 255 + 0.5
                    bytes[p * c + ch] = v.isNaN ? 0 : UInt8(min(max(v, 0), 255))
                }
            }
        }
        self.init(width: w, height: h, channels: c, pixels: bytes)
    }

    /// The image as a [C, H, W] tensor with values byte / 255.
    public func tensor() -> Tensor {
        var x = [Float](repeating: 0, count: pixels.count)
        for p in 0..<(width * height) {
            for ch in 0..<channels { x[ch * width * height + p] = Float(pixels[p * channels + ch]) / 255 }
        }
        return Tensor(shape: [channels, height, width], scalars: x)
    }
}

/// [N, C, H, W] as is; [C, H, W] and [H, W] as a batch of one.
private func asBatch(_ images: Tensor) -> Tensor {
    switch images.rank {
    case 4: return images
    case 3: return images.reshaped([1] + images.shape)
    case 2: return images.reshaped([1, 1] + images.shape)
    default: preconditionFailure("expected images [N, C, H, W], [C, H, W] or [H, W], got \(images.shape)")
    }
}
