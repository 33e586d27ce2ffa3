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

/// Chapter 2's training as the chapter runs it: the shared `Trainer` around `autoencoderStep`.
func trainAutoencoder(_ model: any AutoencoderModel, _ adam: Adam, loader: inout DataLoader<ImageSet>, epochs: Int,
                      checkpoint: String, resume: Bool = false, stopAfter: Int? = nil) throws -> Trainer {
    var steps = 0
    let trainer = Trainer(model: model, optimizer: adam, random: RandomStreams(["weights": SeededGenerator(seed: 1)]),
                          checkpoint: checkpoint, shouldStop: { steps += 1; return steps == stopAfter })
    if resume { try trainer.resume(replaying: &loader) }
    try trainer.train(epochs: epochs, loader: &loader, step: { b in
        StepReport(["loss": autoencoderStep(model, input: b.input, target: b.images)], averagedOver: 1, input: b.input)
    }, evaluate: { [] })
    return trainer
}

@Suite("Chapter 2 (autoencoder) smoke tests", .serialized)
struct AutoencoderSmokeTests {
    @Test("the chapter's step in the harness trains a few steps on tiny data; its pictures and checkpoint decode",
          arguments: ChapterModel.allCases)
    func trainAndWrite(kind: ChapterModel) throws {
        let shape = kind.imageShape
        let train = syntheticImages(count: 24, channels: shape[0], size: shape[1], seed: 1)
        let test = syntheticImages(count: 12, channels: shape[0], size: shape[1], seed: 2)
        let model = kind.make(seed: 3)
        let summary = model.summary(inputShape: shape)
        #expect(summary.contains("total") && summary.contains("\(model.parameterCount)"))
        let folder = try temporaryFolder("ae-smoke-\(kind)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let adam = Adam(parameters: model.parameters, lr: 1e-3)
        var loader = DataLoader(train, batchSize: 8, noiseStd: 0.3, seed: 4)
        let trainer = try trainAutoencoder(model, adam, loader: &loader, epochs: 1, checkpoint: folder + "/checkpoint.safetensors")
        let loss = try #require(trainer.history.last("train_loss"))
        #expect(adam.stepCount == 3 && loss.isFinite && loss > 0)

        let originals = try test.tensor(first: 6)
        let ends = model.encodeAll(try test.tensor(indices: [0, 1]))
        var generator = SeededGenerator(seed: 5)
        let pictures: [(String, Tensor, Int)] = [
            ("reconstructions.png", concatBatch([originals, model.reconstructAll(originals)]), 6),
            ("samples.png", model.decodeAll(Tensor.randomNormal([4, kind.latent], using: &generator)), 2),
            ("interpolation.png", model.decodeAll(LatentCodes.interpolation(from: LatentCodes.row(ends, 0), to: LatentCodes.row(ends, 1), steps: 5)), 5),
        ]
        for (name, images, columns) in pictures {
            let path = try writeGrid(images, columns: columns, to: folder + "/" + name)
            let png = try PNG.read(path)
            let rows = (images.shape[0] + columns - 1) / columns
            let side = shape[1] < 64 ? shape[1] * 3 : shape[1]  // digits are enlarged 3×
            #expect(png.channels == shape[0], "\(name)")
            #expect(png.width == columns * (side + 2) + 2 && png.height == rows * (side + 2) + 2, "\(name)")
            #expect(Set(png.pixels).count > 2, "\(name) is blank")
        }

        let restored = kind.make(seed: 99)
        let info = try Checkpoint.load(from: trainer.checkpoint, into: restored)
        #expect(info.step == 3 && info.epoch == 1)
        restored.isTraining = false
        #expect(restored.reconstructAll(originals) == model.reconstructAll(originals))
    }

    @Test("--resume with a folder or a broken link where the checkpoint goes fails naming it; with nothing there it starts afresh")
    func resumeFromSomethingNotACheckpoint() throws {
        let folder = try temporaryFolder("ae-resume-path")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = ChapterModel.dense.make(seed: 3)
        let (notAFile, brokenLink) = (folder + "/checkpoint-folder.safetensors", folder + "/link.safetensors")
        try FileManager.default.createDirectory(atPath: notAFile, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: brokenLink, withDestinationPath: folder + "/nothing-here")
        for path in [notAFile, brokenLink] {
            var loader = DataLoader(syntheticImages(count: 4, seed: 2), batchSize: 2, seed: 1)
            let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters),
                                  random: RandomStreams(["w": SeededGenerator(seed: 1)]), checkpoint: path)
            #expect { try trainer.resume(replaying: &loader) } throws: { "\($0)".contains(path) }
        }
        var loader = DataLoader(syntheticImages(count: 4, seed: 2), batchSize: 2, seed: 1)
        let fresh = Trainer(model: model, optimizer: Adam(parameters: model.parameters),
                            random: RandomStreams(["w": SeededGenerator(seed: 1)]), checkpoint: folder + "/none.safetensors")
        try fresh.resume(replaying: &loader)
        #expect(fresh.history.epochs == 0)
    }

    @Test("resuming from a mid-epoch Ctrl-C checkpoint reproduces the uninterrupted run bit for bit")
    func exactResume() throws {
        let train = syntheticImages(count: 32, seed: 6)
        let (batchSize, epochs) = (8, 2)  // 4 steps per epoch, 8 in all; interrupted after 6
        let folder = try temporaryFolder("ae-resume")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let straight = ChapterModel.conv.make(seed: 7)
        let straightAdam = Adam(parameters: straight.parameters)
        var loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        let straightTrainer = try trainAutoencoder(straight, straightAdam, loader: &loader, epochs: epochs, checkpoint: folder + "/a.safetensors")

        let first = ChapterModel.conv.make(seed: 7)
        loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        #expect(throws: TrainingInterrupted.self) {
            _ = try trainAutoencoder(first, Adam(parameters: first.parameters), loader: &loader, epochs: epochs,
                                     checkpoint: folder + "/b.safetensors", stopAfter: 6)
        }
        let resumed = ChapterModel.conv.make(seed: 70)
        let resumedAdam = Adam(parameters: resumed.parameters)
        loader = DataLoader(train, batchSize: batchSize, noiseStd: 0.2, seed: 8)
        let resumedTrainer = try trainAutoencoder(resumed, resumedAdam, loader: &loader, epochs: epochs,
                                                  checkpoint: folder + "/b.safetensors", resume: true)
        #expect(resumedAdam.stepCount == straightAdam.stepCount)
        #expect(modelState(resumed).map { $0.map(\.bitPattern) } == modelState(straight).map { $0.map(\.bitPattern) })
        #expect(resumedAdam.expAvgSq == straightAdam.expAvgSq)
        #expect(resumedTrainer.history["train_loss"] == straightTrainer.history["train_loss"])
    }

    /// Ways to break training, and the culprit the guard must name.
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case nanParameter, infiniteInput, overflowingLayer
        var testDescription: String { rawValue }
    }

    @Test("a NaN or Inf stops training with the epoch, step and first culprit, and no update", arguments: Fault.allCases)
    func nonFiniteGuard(fault: Fault) throws {
        let model = ChapterModel.dense.make(seed: 9)
        var images = syntheticImages(count: 4, seed: 10)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter) })
        let expected: String
        var noise: Float = 0
        switch fault {
        case .nanParameter:
            parameters["decoder.2.weight"]!.value.scalars[5] = .nan
            expected = "parameter decoder.2.weight"
        case .infiniteInput:
            noise = .infinity  // the loader adds it to the input
            expected = "the input batch"
            images = syntheticImages(count: 4, seed: 10)
        case .overflowingLayer:
            let weight = parameters["encoder.1.weight"]!
            weight.value = Tensor(shape: weight.value.shape, repeating: 3e37)
            expected = "output of layer encoder.1 Linear"
        }
        let folder = try temporaryFolder("ae-nan")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = modelState(model).map { $0.map(\.bitPattern) }
        var loader = DataLoader(images, batchSize: 4, noiseStd: noise == .infinity ? 0 : noise, seed: 11)
        if fault == .infiniteInput {
            // An image set cannot hold an infinity: poison the batch in the step instead.
            let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters), random: RandomStreams(["w": SeededGenerator(seed: 1)]),
                                  checkpoint: folder + "/c.safetensors")
            #expect { try trainer.train(epochs: 1, loader: &loader, step: { b in
                var x = b.input
                x.scalars[3] = .infinity
                return StepReport(["loss": autoencoderStep(model, input: x, target: b.images)], averagedOver: 1, input: x)
            }, evaluate: { [] }) } throws: { error in
                guard let error = error as? NonFiniteError else { return false }
                return error.epoch == 1 && error.step == 1 && error.culprit.hasPrefix(expected) && error.checkpoint == nil
            }
        } else {
            #expect { _ = try trainAutoencoder(model, Adam(parameters: model.parameters), loader: &loader, epochs: 1,
                                               checkpoint: folder + "/c.safetensors") } throws: { error in
                guard let error = error as? NonFiniteError else { return false }
                return error.epoch == 1 && error.step == 1 && error.culprit.hasPrefix(expected)
                    && "\(error)".contains("epoch 1, step 1")
            }
        }
        #expect(modelState(model).map { $0.map(\.bitPattern) } == before, "no update after a non-finite loss")
    }
}
