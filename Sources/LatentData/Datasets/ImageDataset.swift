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
/// Pixels stay UInt8 (MNIST's 60 000 training images take 47 MB, not 188 MB) and become Float only
/// when batched. They live in memory (MNIST, Fashion-MNIST, a folder of pictures) or in a file read
/// batch by batch (CelebA's decoded cache), so reading them can fail, naming the file.
public protocol ImageDataset: Sendable {
    /// Number of images N.
    var count: Int { get }
    /// Channels C (1 for grayscale, 3 for RGB).
    var channels: Int { get }
    /// Height H in pixels.
    var height: Int { get }
    /// Width W in pixels.
    var width: Int { get }
    /// One label per image (class index, e.g. the digit), or nil when the dataset has none.
    var labels: [Int]? { get }
    /// Copies images `indices`, in that order, each C×H×W row-major, into `buffer`
    /// (`indices.count · C·H·W` bytes).
    func copyPixels(of indices: [Int], into buffer: UnsafeMutableBufferPointer<UInt8>) throws
}

extension ImageDataset {
    /// C·H·W, the number of bytes per image.
    public var imageSize: Int { channels * height * width }

    /// The bytes of images `indices`, image after image.
    public func pixels(of indices: [Int]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: indices.count * imageSize)
        try bytes.withUnsafeMutableBufferPointer { try copyPixels(of: indices, into: $0) }
        return bytes
    }

    /// All pixels, image after image: N·C·H·W bytes.
    public var pixels: [UInt8] {
        get throws { try pixels(of: Array(0..<count)) }
    }

    /// Images `indices` as a Float tensor [indices.count, C, H, W] in `range`.
    public func tensor(indices: [Int], range: PixelRange = .zeroToOne) throws -> Tensor {
        let bytes = try pixels(of: indices)
        let table = (0..<256).map { range.value(UInt8($0)) }
        return bytes.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                Tensor(shape: [indices.count, channels, height, width]) { out in
                    for i in 0..<source.count { out[i] = table[Int(source[i])] }
                }
            }
        }
    }

    /// The first `n` images (or all, if fewer) as a Float tensor [n, C, H, W] in `range`.
    public func tensor(first n: Int, range: PixelRange = .zeroToOne) throws -> Tensor {
        try tensor(indices: Array(0..<min(n, count)), range: range)
    }

    /// The labels of `indices` (nil when the dataset has no labels).
    public func labels(at indices: [Int]) -> [Int]? {
        labels.map { all in indices.map { all[$0] } }
    }
}

/// The plain `ImageDataset`: what `MNIST`, `FashionMNIST`, `ImageFolder` and `CelebA` return for
/// each split. Its bytes are in memory, or (`init(file:…)`) in a file of images, read when batched.
///
/// Two sets are equal when they have the same shape and labels and the same bytes in memory, or
/// read the same images of the same open file (a set in memory never equals one in a file: compare
/// their `pixels` for that).
public struct ImageSet: ImageDataset, Equatable {
    /// Number of images N.
    public let count: Int
    /// Channels C.
    public let channels: Int
    /// Height H.
    public let height: Int
    /// Width W.
    public let width: Int
    /// One label per image, or nil.
    public let labels: [Int]?
    private let storage: Storage

    /// Where the bytes are.
    private enum Storage: Sendable, Equatable {
        /// N×C×H×W bytes in memory.
        case memory([UInt8])
        /// Image i is image `rows[i]` of a file whose images (C·H·W bytes each) start at `offset`.
        case file(OpenFile, offset: Int, rows: [Int])

        static func == (a: Storage, b: Storage) -> Bool {
            switch (a, b) {
            case let (.memory(x), .memory(y)): return x == y
            case let (.file(f, o, r), .file(g, p, s)): return f === g && o == p && r == s
            default: return false
            }
        }
    }

    /// Wraps pixel bytes [count, channels, height, width] and optional labels (one per image).
    public init(count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int]?) {
        precondition(pixels.count == count * channels * height * width,
                     "ImageSet: \(count)×\(channels)×\(height)×\(width) needs \(count * channels * height * width) bytes, got \(pixels.count)")
        self.init(count: count, channels: channels, height: height, width: width, storage: .memory(pixels), labels: labels)
    }

    /// The images `rows` of `file`, whose images of `channels`×`height`×`width` bytes lie one after
    /// another from byte `offset`: nothing is read until a batch asks for them.
    public init(file: OpenFile, offset: Int, rows: [Int], channels: Int, height: Int, width: Int, labels: [Int]?) throws {
        let imageSize = channels * height * width
        if let last = rows.max(), offset + (last + 1) * imageSize > file.size {
            throw FileIOError.readFailed(path: file.path, offset: file.size,
                                         reason: "image \(last) ends at byte \(offset + (last + 1) * imageSize), after the end of the file")
        }
        precondition(rows.allSatisfy { $0 >= 0 }, "ImageSet: negative image index in a file")
        self.init(count: rows.count, channels: channels, height: height, width: width,
                  storage: .file(file, offset: offset, rows: rows), labels: labels)
    }

    private init(count: Int, channels: Int, height: Int, width: Int, storage: Storage, labels: [Int]?) {
        if let labels { precondition(labels.count == count, "ImageSet: \(count) images but \(labels.count) labels") }
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.storage = storage
        self.labels = labels
    }

    /// The file the images are read from, or nil when they are in memory.
    public var file: OpenFile? {
        if case .file(let file, _, _) = storage { return file }
        return nil
    }

    /// All pixels, image after image (in memory: the stored bytes, not a copy).
    public var pixels: [UInt8] {
        get throws {
            if case .memory(let bytes) = storage { return bytes }
            return try pixels(of: Array(0..<count))
        }
    }

    public func copyPixels(of indices: [Int], into buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        let size = imageSize
        precondition(buffer.count == indices.count * size, "ImageSet: \(indices.count) images need \(indices.count * size) bytes, got \(buffer.count)")
        for index in indices { precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)") }
        switch storage {
        case .memory(let bytes):
            bytes.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    (buffer.baseAddress! + row * size).update(from: source.baseAddress! + index * size, count: size)
                }
            }
        case .file(let file, let offset, let rows):
            // Runs of images that follow each other in the file are read in one call.
            var start = 0
            while start < indices.count {
                var end = start + 1
                while end < indices.count && rows[indices[end]] == rows[indices[end - 1]] + 1 { end += 1 }
                try file.read(offset: offset + rows[indices[start]] * size,
                              into: UnsafeMutableBufferPointer(rebasing: buffer[(start * size)..<(end * size)]))
                start = end
            }
        }
    }

    /// The images at `indices` (and their labels) as a new set, e.g. a validation subset. Images in a
    /// file stay there: the subset reads the same file.
    public func subset(_ indices: [Int]) -> ImageSet {
        for index in indices { precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)") }
        let size = imageSize
        switch storage {
        case .memory(let pixels):
            var bytes = [UInt8]()
            bytes.reserveCapacity(indices.count * size)
            for i in indices { bytes.append(contentsOf: pixels[(i * size)..<((i + 1) * size)]) }
            return ImageSet(count: indices.count, channels: channels, height: height, width: width,
                            pixels: bytes, labels: labels(at: indices))
        case .file(let file, let offset, let rows):
            return ImageSet(count: indices.count, channels: channels, height: height, width: width,
                            storage: .file(file, offset: offset, rows: indices.map { rows[$0] }), labels: labels(at: indices))
        }
    }

    /// A fixed binarization (the "binarized MNIST" of the VAE chapter): each pixel becomes 0 or 255,
    /// 255 with probability byte/255, drawn once from a generator seeded with `seed`. The same seed
    /// always gives the same set.
    public func binarized(seed: UInt64) throws -> ImageSet {
        var generator = SeededGenerator(seed: seed)
        let bits = try pixels.map { byte -> UInt8 in generator.nextUniform() < Float(byte) / 255 ? 255 : 0 }
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
