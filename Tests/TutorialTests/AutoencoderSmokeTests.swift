import Foundation
import Latent
import LatentData
import LatentModels
import Testing

/// `count` synthetic images of C×S×S: a bright random rectangle on a dark background, labels 0–9.
func syntheticImages(count: Int, channels: Int = 1, size: Int = 28, seed: UInt64) -> ImageSet {
    var generator = SeededGenerator(seed: seed)
    var pixels = [UInt8](repeating: 0, count: count * channels * size * size)
    for i in 0..<count {
        let top = Int(generator.next() % UInt64(size / 2)), left = Int(generator.next() % UInt64(size / 2))
        let height = 3 + Int(generator.next() % UInt64(size / 2)), width = 3 + Int(generator.next() % UInt64(size / 2))
        for c in 0..<channels {
            let level = UInt8(128 + generator.next() % 128)
            for y in top..<min(size, top + height) {
                for x in left..<min(size, left + width) { pixels[((i * channels + c) * size + y) * size + x] = level }
            }
        }
    }
    return ImageSet(count: count, channels: channels, height: size, width: size, pixels: pixels,
                    labels: (0..<count).map { $0 % 10 })
}

/// The three model families of the chapter, small enough for a test.
enum ChapterModel: String, CaseIterable, CustomTestStringConvertible {
    case dense, conv, celeba

    var testDescription: String { rawValue }
    var imageShape: [Int] { self == .celeba ? [3, 64, 64] : [1, 28, 28] }
    var latent: Int { self == .dense ? 20 : 8 }

    func make(seed: UInt64) -> any AutoencoderModel {
        var generator = SeededGenerator(seed: seed)
        switch self {
        case .dense: return DenseAutoencoder(latentDimension: latent, using: &generator)
        case .conv: return ConvAutoencoder(latentDimension: latent, using: &generator)
        case .celeba: return CelebAAutoencoder(width: 4, latentDimension: latent, using: &generator)
        }
    }
}

/// Every parameter and buffer value of a model, for exact comparison.
func modelState(_ model: any AutoencoderModel) -> [[Float]] {
    model.namedParameters.map(\.parameter.value.scalars) + model.namedBuffers.map(\.value.scalars)
}

@Suite("Chapter 2 (autoencoder) smoke tests", .serialized)
struct AutoencoderSmokeTests {
    @Test("the chapter's training code runs a few steps on tiny data; its pictures and checkpoint decode",
          arguments: ChapterModel.allCases)
    func trainAndWrite(kind: ChapterModel) throws {
        let shape = kind.imageShape
        let train = syntheticImages(count: 24, channels: shape[0], size: shape[1], seed: 1)
        let test = syntheticImages(count: 12, channels: shape[0], size: shape[1], seed: 2)
        let model = kind.make(seed: 3)
        let summary = model.summary(inputShape: shape)
        #expect(summary.contains("total") && summary.contains("\(model.parameterCount)"))
        let trainer = AutoencoderTrainer(model: model, optimizer: Adam(parameters: model.parameters, lr: 1e-3))
        var loader = DataLoader(train, batchSize: 8, noiseStd: 0.3, seed: 4)
        let (loss, steps) = try trainer.trainEpoch(loader.epoch().lazy.map { (input: $0.input, target: $0.images) }, epoch: 1)
        #expect(steps == 3 && trainer.step == 3 && loss.isFinite && loss > 0)
        let testBatches = [(input: test.tensor(first: 12), target: test.tensor(first: 12))]
        let testMSE = trainer.meanSquaredError(testBatches)
        #expect(testMSE.isFinite && testMSE > 0)

        let folder = NSTemporaryDirectory() + "latent-ae-smoke-\(kind)-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let originals = test.tensor(first: 6)
        let ends = [trainer.encode(test.tensor(indices: [0])), trainer.encode(test.tensor(indices: [1]))]
        var generator = SeededGenerator(seed: 5)
        let pictures: [(String, Tensor, Int)] = [
            ("reconstructions.png", stackImages([originals, trainer.reconstruct(originals)]), 6),
            ("samples.png", trainer.decode(Tensor.randomNormal([4, kind.latent], using: &generator)), 2),
            ("interpolation.png", trainer.decode(interpolateLatents(from: ends[0], to: ends[1], steps: 5)), 5),
        ]
        for (name, images, columns) in pictures {
            let path = try saveImage(images, to: folder + "/" + name, nrow: columns, padValue: 1)
            let png = try PNG.read(path)
            let rows = (images.shape[0] + columns - 1) / columns
            #expect(png.channels == shape[0], "\(name)")
            #expect(png.width == columns * (shape[2] + 2) + 2 && png.height == rows * (shape[1] + 2) + 2, "\(name)")
            #expect(Set(png.pixels).count > 2, "\(name) is blank")
        }

        let checkpoint = folder + "/checkpoint.safetensors"
        try Checkpoint.save(model: model, optimizer: trainer.optimizer, rng: generator, epoch: 1, step: trainer.step,
                            config: ["model": kind.rawValue], to: checkpoint)
        let restored = kind.make(seed: 99)
        let info = try Checkpoint.load(from: checkpoint, into: restored)
        #expect(info.step == 3 && info.config["model"] == kind.rawValue)
        restored.isTraining = false
        #expect(restored.forward(originals) == trainer.reconstruct(originals))
    }

    @Test("resuming from a mid-epoch checkpoint reproduces the uninterrupted run bit for bit")
    func exactResume() throws {
        let train = syntheticImages(count: 32, seed: 6)
        let (batchSize, epochs) = (8, 2)  // 4 steps per epoch, 8 in all; interrupted after 6
        func batches(_ epoch: DataLoader<ImageSet>.Epoch, skip: Int = 0) -> some Sequence<(input: Tensor, target: Tensor)> {
            epoch.dropFirst(skip).lazy.map { (input: $0.input, target: $0.images) }
        }

        // Straight through.
        let straight = ChapterModel.conv.make(seed: 7)
        let straightTrainer = AutoencoderTrainer(model: straight, optimizer: Adam(parameters: straight.parameters))
        var loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        for epoch in 1...epochs { _ = try straightTrainer.trainEpoch(batches(loader.epoch()), epoch: epoch) }

        // Interrupted after 2 steps of epoch 2, checkpointed, then resumed in a fresh model and optimizer.
        let first = ChapterModel.conv.make(seed: 7)
        let firstTrainer = AutoencoderTrainer(model: first, optimizer: Adam(parameters: first.parameters))
        loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        _ = try firstTrainer.trainEpoch(batches(loader.epoch()), epoch: 1)
        let (_, taken) = try firstTrainer.trainEpoch(batches(loader.epoch()), epoch: 2, shouldStop: { firstTrainer.step == 6 })
        #expect(taken == 2)
        let bytes = Checkpoint.encode(model: first, optimizer: firstTrainer.optimizer, epoch: 1, step: firstTrainer.step,
                                      config: ["epoch_step": "\(taken)"])

        let resumed = ChapterModel.conv.make(seed: 70)
        let resumedTrainer = AutoencoderTrainer(model: resumed, optimizer: Adam(parameters: resumed.parameters))
        let info = try Checkpoint.load(bytes: bytes, file: "resume", into: resumed, optimizer: resumedTrainer.optimizer)
        resumedTrainer.step = info.step
        loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        for _ in 1...info.epoch { _ = loader.epoch() }  // replay the shuffles of the finished epochs
        let skip = Int(info.config["epoch_step"]!)!
        _ = try resumedTrainer.trainEpoch(batches(loader.epoch(), skip: skip), epoch: info.epoch + 1)

        #expect(resumedTrainer.step == straightTrainer.step)
        #expect(modelState(resumed) == modelState(straight))
        #expect(resumedTrainer.optimizer.expAvgSq == straightTrainer.optimizer.expAvgSq)
    }

    /// Ways to break training, and the culprit the guard must name.
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case nanParameter, infiniteInput, overflowingLayer
        var testDescription: String { rawValue }
    }

    @Test("a NaN or Inf stops training with the epoch, step and first culprit", arguments: Fault.allCases)
    func nonFiniteGuard(fault: Fault) throws {
        let model = ChapterModel.dense.make(seed: 9)
        let trainer = AutoencoderTrainer(model: model, optimizer: Adam(parameters: model.parameters), step: 41)
        var x = syntheticImages(count: 4, seed: 10).tensor(first: 4)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter) })
        let expected: String
        switch fault {
        case .nanParameter:
            parameters["decoder.2.weight"]!.value.scalars[5] = .nan
            expected = "parameter decoder.2.weight"
        case .infiniteInput:
            x.scalars[3] = .infinity
            expected = "the input batch"
        case .overflowingLayer:
            let weight = parameters["encoder.1.weight"]!
            weight.value = Tensor(shape: weight.value.shape, repeating: 3e37)
            expected = "output of layer encoder.1 Linear"
        }
        let before = modelState(model).map { $0.map(\.bitPattern) }
        #expect {
            try trainer.trainStep(input: x, target: x, epoch: 3)
        } throws: { error in
            guard let error = error as? NonFiniteError else { return false }
            return error.epoch == 3 && error.step == 42 && error.culprit.hasPrefix(expected)
                && "\(error)".contains("epoch 3, step 42")
        }
        #expect(modelState(model).map { $0.map(\.bitPattern) } == before, "no update after a non-finite loss")
    }
}
