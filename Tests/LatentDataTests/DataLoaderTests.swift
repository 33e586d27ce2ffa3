import Latent
import Testing
@testable import LatentData

/// A small labeled set: image i has every pixel equal to i (so a batch row tells which image it is).
func numberedImages(_ n: Int, channels: Int = 1, side: Int = 4) -> ImageSet {
    let size = channels * side * side
    let pixels = (0..<n).flatMap { i in [UInt8](repeating: UInt8(i), count: size) }
    return ImageSet(count: n, channels: channels, height: side, width: side, pixels: pixels, labels: (0..<n).map { $0 % 10 })
}

@Suite("batches")
struct DataLoaderTests {
    @Test("an epoch visits every image once; the last batch is kept or dropped", arguments: [
        (10, 3, LastBatchPolicy.keep, [3, 3, 3, 1]), (10, 3, .drop, [3, 3, 3]), (9, 3, .drop, [3, 3, 3]), (2, 5, .keep, [2]),
        (2, 5, .drop, []),
    ])
    func epochCoverage(n: Int, batchSize: Int, policy: LastBatchPolicy, sizes: [Int]) throws {
        var loader = DataLoader(numberedImages(n), batchSize: batchSize, lastBatch: policy, seed: 1)
        let batches = try loader.epoch().remaining()
        #expect(batches.map(\.count) == sizes)
        #expect(loader.batchCount == sizes.count)
        let seen = batches.flatMap(\.indices)
        #expect(Set(seen).count == seen.count)
        if policy == .keep { #expect(seen.sorted() == Array(0..<n)) }
    }

    @Test("batches are N×C×H×W floats in [0, 1] whose rows and labels match their indices")
    func contents() throws {
        var loader = DataLoader(numberedImages(20, channels: 3), batchSize: 8, seed: 2)
        var batches = loader.epoch()
        while let batch = try batches.next() {
            #expect(batch.images.shape == [batch.count, 3, 4, 4])
            #expect(batch.input == batch.images)
            let labels = try #require(batch.labels)
            for (row, index) in batch.indices.enumerated() {
                #expect(batch.images[row, 2, 3, 3] == Float(index) / 255)
                #expect(labels[row] == index % 10)
            }
        }
    }

    @Test("the [-1, 1] range maps byte 0 to -1 and 255 to 1")
    func minusOneToOne() throws {
        let set = ImageSet(count: 1, channels: 1, height: 1, width: 3, pixels: [0, 255, 51], labels: nil)
        let x = try set.tensor(first: 1, range: .minusOneToOne)
        #expect(x.scalars[0] == -1 && x.scalars[1] == 1)
        #expect(abs(x.scalars[2] - (-0.6)) < 1e-6)
    }

    @Test("the same seed gives the same order; epochs and seeds differ")
    func shuffling() throws {
        var a = DataLoader(numberedImages(50), batchSize: 50, seed: 7)
        var b = DataLoader(numberedImages(50), batchSize: 50, seed: 7)
        var c = DataLoader(numberedImages(50), batchSize: 50, seed: 8)
        let order = { (loader: inout DataLoader<ImageSet>) in try loader.epoch().remaining().flatMap(\.indices) }
        let a1 = try order(&a), a2 = try order(&a)
        #expect(try a1 == order(&b))
        #expect(a1 != a2)
        #expect(try a1 != order(&c))
        var ordered = DataLoader(numberedImages(50), batchSize: 50, shuffle: false, seed: 7)
        #expect(try order(&ordered) == Array(0..<50))
    }

    @Test("noise goes into input only, is clamped to the range and has about the asked σ")
    func noise() throws {
        let set = ImageSet(count: 64, channels: 1, height: 8, width: 8,
                           pixels: [UInt8](repeating: 128, count: 64 * 64), labels: nil)
        var loader = DataLoader(set, batchSize: 64, noiseStd: 0.1, seed: 3)
        let batch = try #require(loader.epoch().remaining().first)
        #expect(batch.images.scalars.allSatisfy { $0 == Float(128) / 255 })
        let diff: [Float] = zip(batch.input.scalars, batch.images.scalars).map { $0 - $1 }
        let n = Float(diff.count)
        let mean: Float = diff.reduce(0, +) / n
        let squares: [Float] = diff.map { d in (d - mean) * (d - mean) }
        let std: Float = (squares.reduce(0, +) / n).squareRoot()
        #expect(abs(mean) < 0.01 && abs(std - 0.1) < 0.01, "noise mean \(mean), std \(std)")
        var strong = DataLoader(set, batchSize: 64, noiseStd: 5, seed: 3)
        let clamped = try #require(strong.epoch().remaining().first).input.scalars
        #expect(clamped.allSatisfy { $0 >= 0 && $0 <= 1 } && clamped.contains(0) && clamped.contains(1))
    }

    @Test("Bernoulli binarization: values are 0/1 with frequency ≈ p, reproducible by seed")
    func bernoulli() {
        let p = Tensor(shape: [4, 5000], scalars: (0..<4).flatMap { [Float](repeating: [0, 0.25, 0.7, 1][$0], count: 5000) })
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let x = Binarize.bernoulli(p, using: &g1)
        #expect(x == Binarize.bernoulli(p, using: &g2))
        #expect(x.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        for (row, prob) in [0, 0.25, 0.7, 1].enumerated() {
            let mean = x.scalars[(row * 5000)..<((row + 1) * 5000)].reduce(0, +) / 5000
            #expect(abs(mean - Float(prob)) < 0.02, "row \(row): mean \(mean), p \(prob)")
        }
        #expect(Binarize.threshold(Tensor(shape: [3], scalars: [0.2, 0.5, 0.51])).scalars == [0, 0, 1])
    }

    @Test("a fixed binarization depends only on the seed and keeps labels")
    func fixedBinarization() throws {
        let set = ImageSet(count: 100, channels: 1, height: 4, width: 4,
                           pixels: (0..<1600).map { UInt8($0 % 256) }, labels: (0..<100).map { $0 % 10 })
        let a = try set.binarized(seed: 1)
        #expect(try a == set.binarized(seed: 1))
        #expect(try a != set.binarized(seed: 2))
        #expect(try a.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        #expect(a.labels == set.labels)
        #expect(try zip(set.pixels, a.pixels).allSatisfy { $0.0 != 0 || $0.1 == 0 })
    }

    @Test("skipping k batches gives the batches after them, noise included",
          arguments: [(0, LastBatchPolicy.keep), (1, .keep), (3, .keep), (4, .keep), (9, .keep), (3, .drop)])
    func skipping(count: Int, policy: LastBatchPolicy) throws {
        // 35 images of 3×4×4 in batches of 8: a last batch of 3, kept or dropped.
        let set = ImageSet(count: 35, channels: 3, height: 4, width: 4, pixels: (0..<(35 * 48)).map { UInt8($0 % 251) },
                           labels: nil)
        for noise: Float in [0, 0.2] {
            var loader = DataLoader(set, batchSize: 8, lastBatch: policy, noiseStd: noise, seed: 5)
            let all = try loader.epoch().remaining()
            var replay = DataLoader(set, batchSize: 8, lastBatch: policy, noiseStd: noise, seed: 5)
            var batches = replay.epoch()
            batches.skip(count)
            #expect(try batches.remaining() == Array(all.dropFirst(count)))
        }
        // Odd images: one noise value left over in a batch (3 images of 1×1×3).
        let odd = ImageSet(count: 7, channels: 1, height: 1, width: 3, pixels: (0..<21).map { UInt8($0) }, labels: nil)
        var loader = DataLoader(odd, batchSize: 3, noiseStd: 0.3, seed: 2)
        let all = try loader.epoch().remaining()
        var replay = DataLoader(odd, batchSize: 3, noiseStd: 0.3, seed: 2)
        var batches = replay.epoch()
        batches.skip(1)
        #expect(try batches.remaining() == Array(all.dropFirst(1)))
    }

    @Test("subset keeps the chosen images and their labels")
    func subset() throws {
        let part = numberedImages(10).subset([7, 2])
        #expect(part.count == 2 && part.labels == [7, 2])
        #expect(try part.tensor(first: 2).scalars.first == Float(7) / 255)
    }
}
