#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// What to do with the last, smaller batch when the batch size does not divide the dataset.
public enum LastBatchPolicy: Sendable, Equatable {
    /// Yield it (every image is seen once per epoch).
    case keep
    /// Skip it (every batch has exactly `batchSize` images).
    case drop
}

/// One minibatch: images as Float, their labels, and which dataset rows they are.
public struct Batch: Sendable, Equatable {
    /// The clean images [B, C, H, W] in the loader's pixel range (the reconstruction target).
    public var images: Tensor
    /// What the model sees [B, C, H, W]: `images` plus Gaussian noise (clamped to the pixel range)
    /// when the loader has `noiseStd > 0` (denoising autoencoder), otherwise `images` itself.
    public var input: Tensor
    /// One label per image, or nil when the dataset has none.
    public var labels: [Int]?
    /// The dataset row of each image, in batch order.
    public var indices: [Int]

    /// The number of images B.
    public var count: Int { indices.count }
}

/// Cuts a dataset into minibatches, reshuffled every epoch from a seeded generator.
///
/// ```swift
/// var loader = DataLoader(mnist.train, batchSize: 128, seed: 0)
/// for epoch in 1...10 {
///     var batches = loader.epoch()
///     while let batch = try batches.next() { ... batch.input, batch.images, batch.labels ... }
/// }
/// ```
/// `next()` throws because a batch may be read from a file (CelebA's cache), which can fail.
/// Each `epoch()` call draws the permutation (and a seed for the noise) from the loader's generator,
/// so a run is reproducible from its seed, and epoch k is the same whatever happened in between.
public struct DataLoader<Dataset: ImageDataset>: Sendable {
    /// The images being batched.
    public let dataset: Dataset
    /// Images per batch.
    public let batchSize: Int
    /// Whether each epoch visits the images in a fresh random order (else in dataset order).
    public let shuffle: Bool
    /// What happens to a final partial batch.
    public let lastBatch: LastBatchPolicy
    /// The pixel range of the batches' tensors.
    public let range: PixelRange
    /// The standard deviation of the Gaussian noise added to `Batch.input` (0 = none).
    public let noiseStd: Float
    /// The generator behind shuffling and noise; advances once per epoch.
    public private(set) var generator: SeededGenerator

    /// A loader over `dataset`.
    ///
    /// - Parameters:
    ///   - batchSize: images per batch (> 0).
    ///   - shuffle: a fresh random order each epoch (default) or the dataset's order.
    ///   - lastBatch: keep (default) or drop a final partial batch.
    ///   - range: pixel range of the tensors, [0, 1] by default.
    ///   - noiseStd: Gaussian noise σ for `Batch.input` (denoising autoencoders); 0 for none.
    ///   - seed: seeds the loader's generator.
    public init(
        _ dataset: Dataset, batchSize: Int, shuffle: Bool = true, lastBatch: LastBatchPolicy = .keep,
        range: PixelRange = .zeroToOne, noiseStd: Float = 0, seed: UInt64
    ) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        precondition(noiseStd >= 0, "DataLoader: noiseStd must be ≥ 0, got \(noiseStd)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.lastBatch = lastBatch
        self.range = range
        self.noiseStd = noiseStd
        self.generator = SeededGenerator(seed: seed)
    }

    /// Batches per epoch under the last-batch policy.
    public var batchCount: Int {
        switch lastBatch {
        case .keep: return (dataset.count + batchSize - 1) / batchSize
        case .drop: return dataset.count / batchSize
        }
    }

    /// The next epoch's batches, produced lazily one at a time.
    public mutating func epoch() -> Epoch {
        let order = shuffle ? generator.permutation(dataset.count) : Array(0..<dataset.count)
        let noiseSeed = generator.next()
        return Epoch(loader: self, order: order, noiseGenerator: SeededGenerator(seed: noiseSeed))
    }

    /// One pass over the data, a `Batch` at a time.
    public struct Epoch: Sendable {
        let loader: DataLoader
        let order: [Int]
        var noiseGenerator: SeededGenerator
        var position = 0

        init(loader: DataLoader, order: [Int], noiseGenerator: SeededGenerator) {
            self.loader = loader
            self.order = order
            self.noiseGenerator = noiseGenerator
        }

        /// The number of images in the next batch, or nil at the end of the epoch.
        var nextSize: Int? {
            let size = Swift.min(loader.batchSize, order.count - position)
            return size <= 0 || (size < loader.batchSize && loader.lastBatch == .drop) ? nil : size
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() throws -> Batch? {
            guard let size = nextSize else { return nil }
            let indices = Array(order[position..<(position + size)])
            position += size
            let images = try loader.dataset.tensor(indices: indices, range: loader.range)
            var input = images
            if loader.noiseStd > 0 {
                addClampedNoise(&input, std: loader.noiseStd, range: loader.range, using: &noiseGenerator)
            }
            return Batch(images: images, input: input, labels: loader.dataset.labels(at: indices), indices: indices)
        }

        /// Passes over the next `count` batches without reading their images: the batches after them
        /// are the ones `next()` would have given (the noise generator advances as if they had been
        /// drawn). A run resumed inside an epoch skips the steps it already trained this way.
        public mutating func skip(_ count: Int) {
            for _ in 0..<count {
                guard let size = nextSize else { return }
                position += size
                if loader.noiseStd > 0 {
                    for _ in 0..<noiseDraws(elements: size * loader.dataset.imageSize) { _ = noiseGenerator.next() }
                }
            }
        }

        /// The batches not yet taken, all at once (for small sets and tests).
        public func remaining() throws -> [Batch] {
            var rest = self
            var batches: [Batch] = []
            while let batch = try rest.next() { batches.append(batch) }
            return batches
        }
    }
}

/// x ← clamp(x + std·ε, range), ε ~ N(0, 1) elementwise.
///
/// Box–Muller in Float on two 24-bit uniforms cut from one 64-bit draw: two normals per draw and
/// no Double transcendental calls, several times faster than one `nextNormal()` per element. The
/// 24-bit uniforms cap |ε| at 5.8, which noise for a denoising autoencoder never misses.
func addClampedNoise(_ x: inout Tensor, std: Float, range: PixelRange, using generator: inout SeededGenerator) {
    let (low, high) = range.bounds
    let scale: Float = 1 / 16_777_216
    x.withUnsafeMutableBufferPointer { values in
        for pair in 0..<noiseDraws(elements: values.count) {
            let i = 2 &* pair
            let bits = generator.next()
            let u1 = (Float(bits >> 40) + 1) * scale  // (0, 1], so log(u1) is finite
            let u2 = Float((bits >> 16) & 0xFF_FFFF) * scale
            let radius = std * (-2 * logf(u1)).squareRoot()
            let angle = 2 * Float.pi * u2
            values[i] = Swift.min(Swift.max(values[i] + radius * cosf(angle), low), high)
            if i + 1 < values.count {
                values[i + 1] = Swift.min(Swift.max(values[i + 1] + radius * sinf(angle), low), high)
            }
        }
    }
}

/// How many values `addClampedNoise` draws for `elements` elements: one per pair (Box–Muller gives two
/// normals), so `DataLoader.Epoch.skip` can advance the generator exactly as the batches it skips would.
func noiseDraws(elements: Int) -> Int { (elements + 1) / 2 }
