import Latent

/// The range a model wants its input pixels in: byte 0 maps to the lower bound, 255 to the upper.
public enum PixelRange: Sendable, Equatable {
    /// x = byte / 255 (MNIST autoencoders, Bernoulli decoders).
    case zeroToOne
    /// x = byte / 127.5 − 1 (tanh decoders, e.g. the CelebA seed).
    case minusOneToOne

    /// The (low, high) bounds as floats.
    public var bounds: (low: Float, high: Float) {
        switch self {
        case .zeroToOne: return (0, 1)
        case .minusOneToOne: return (-1, 1)
        }
    }

    /// The float value of one byte.
    @inlinable
    public func value(_ byte: UInt8) -> Float {
        switch self {
        case .zeroToOne: return Float(byte) / 255
        case .minusOneToOne: return Float(byte) / 127.5 - 1
        }
    }
}

/// A set of same-sized images kept as bytes: N×C×H×W UInt8 storage, labels optional.
///
/// Pixels stay UInt8 in memory (MNIST's 60 000 training images take 47 MB, not 188 MB) and become
/// Float only when batched. MNIST and Fashion-MNIST load into this type; CelebA conforms too.
public protocol ImageDataset: Sendable {
    /// Number of images N.
    var count: Int { get }
    /// Channels C (1 for grayscale, 3 for RGB).
    var channels: Int { get }
    /// Height H in pixels.
    var height: Int { get }
    /// Width W in pixels.
    var width: Int { get }
    /// All pixels, image after image, each C×H×W row-major: `pixels.count == N·C·H·W`.
    var pixels: [UInt8] { get }
    /// One label per image (class index, e.g. the digit), or nil when the dataset has none.
    var labels: [Int]? { get }
}

extension ImageDataset {
    /// C·H·W, the number of bytes per image.
    public var imageSize: Int { channels * height * width }

    /// Images `indices` as a Float tensor [indices.count, C, H, W] in `range`.
    public func tensor(indices: [Int], range: PixelRange = .zeroToOne) -> Tensor {
        let size = imageSize
        let shape = [indices.count, channels, height, width]
        let table = (0..<256).map { range.value(UInt8($0)) }
        return pixels.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                Tensor(shape: shape) { out in
                    for (row, index) in indices.enumerated() {
                        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
                        let src = source.baseAddress! + index * size
                        let dst = out.baseAddress! + row * size
                        for i in 0..<size { dst[i] = table[Int(src[i])] }
                    }
                }
            }
        }
    }

    /// The first `n` images (or all, if fewer) as a Float tensor [n, C, H, W] in `range`.
    public func tensor(first n: Int, range: PixelRange = .zeroToOne) -> Tensor {
        tensor(indices: Array(0..<min(n, count)), range: range)
    }

    /// The labels of `indices` (nil when the dataset has no labels).
    public func labels(at indices: [Int]) -> [Int]? {
        labels.map { all in indices.map { all[$0] } }
    }
}

/// The plain in-memory `ImageDataset`: what `MNIST` and `FashionMNIST` return for each split.
public struct ImageSet: ImageDataset, Equatable {
    /// Number of images N.
    public let count: Int
    /// Channels C.
    public let channels: Int
    /// Height H.
    public let height: Int
    /// Width W.
    public let width: Int
    /// N×C×H×W bytes.
    public let pixels: [UInt8]
    /// One label per image, or nil.
    public let labels: [Int]?

    /// Wraps pixel bytes [count, channels, height, width] and optional labels (one per image).
    public init(count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int]?) {
        precondition(pixels.count == count * channels * height * width,
                     "ImageSet: \(count)×\(channels)×\(height)×\(width) needs \(count * channels * height * width) bytes, got \(pixels.count)")
        if let labels { precondition(labels.count == count, "ImageSet: \(count) images but \(labels.count) labels") }
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// The images at `indices` (and their labels) as a new set, e.g. a validation subset.
    public func subset(_ indices: [Int]) -> ImageSet {
        let size = imageSize
        var bytes = [UInt8]()
        bytes.reserveCapacity(indices.count * size)
        for i in indices { bytes.append(contentsOf: pixels[(i * size)..<((i + 1) * size)]) }
        return ImageSet(count: indices.count, channels: channels, height: height, width: width,
                        pixels: bytes, labels: labels(at: indices))
    }

    /// A fixed binarization (the "binarized MNIST" of the VAE chapter): each pixel becomes 0 or 255,
    /// 255 with probability byte/255, drawn once from a generator seeded with `seed`. The same seed
    /// always gives the same set.
    public func binarized(seed: UInt64) -> ImageSet {
        var generator = SeededGenerator(seed: seed)
        let bits = pixels.map { byte -> UInt8 in generator.nextUniform() < Float(byte) / 255 ? 255 : 0 }
        return ImageSet(count: count, channels: channels, height: height, width: width, pixels: bits, labels: labels)
    }
}

/// Binarization helpers for Bernoulli likelihoods (the VAE chapter).
public enum Binarize {
    /// A Bernoulli sample per element: 1 with probability x (x is clamped to [0, 1]), else 0.
    /// Draws one uniform per element from `generator` (dynamic binarization, fresh every epoch).
    public static func bernoulli(_ x: Tensor, using generator: inout SeededGenerator) -> Tensor {
        var out = x
        out.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = generator.nextUniform() < values[i] ? 1 : 0 }
        }
        return out
    }

    /// 1 where x > threshold, else 0 (deterministic binarization).
    public static func threshold(_ x: Tensor, at threshold: Float = 0.5) -> Tensor {
        var out = x
        out.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = values[i] > threshold ? 1 : 0 }
        }
        return out
    }
}
