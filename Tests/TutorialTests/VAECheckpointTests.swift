import Foundation
import Latent
import LatentData
import LatentModels
import Testing

@Suite("Training checkpoints (the harness, every chapter)")
struct VAECheckpointTests {
    /// A small conv VAE after two Adam steps of `vaeStep`, its optimizer, a history and two generators.
    func trainedRun() -> (VAE, Adam, TrainingHistory, RandomStreams) {
        var rng = SeededGenerator(seed: 3)
        let vae = VAE.conv(latent: 4, likelihood: .bce, using: &rng)
        let adam = Adam(parameters: vae.parameters)
        let x = Tensor.randomUniform([4, 1, 28, 28], using: &rng).map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })
        for _ in 0..<2 {
            adam.zeroGrad()
            vaeStep(vae, x: x, eps: Tensor.randomNormal([4, 4], using: &rng), objective: .elbo(.bce))
            adam.step()
        }
        var history = TrainingHistory()
        history.append([("train_rec", 120.5), ("train_kl", 3.5), ("test_kl", 3)], seconds: 0.5)
        history.append([("train_rec", 101.25), ("train_kl", 4.0 / 3), ("test_kl", .nan)], seconds: 0.5)
        var binarizer = SeededGenerator(seed: 9)
        _ = binarizer.nextNormal()  // leaves a spare normal to restore
        return (vae, adam, history, RandomStreams(["eps": rng, "binarize": binarizer]))
    }

    @Test("save then load restores weights, Adam, the history (NaN included) and every generator exactly")
    func roundTrip() throws {
        let (vae, adam, history, random) = trainedRun()
        let file = NSTemporaryDirectory() + "latent-vae-checkpoint-\(UInt64.random(in: 0...UInt64.max)).safetensors"
        defer { FileIO.removeFile(file) }
        try TrainingCheckpoint.save(file, model: vae, optimizer: adam, random: random, history: history)

        var other = SeededGenerator(seed: 77)
        let restored = VAE.conv(latent: 4, likelihood: .bce, using: &other)
        let restoredAdam = Adam(parameters: restored.parameters)
        let restoredRandom = RandomStreams(["eps": SeededGenerator(seed: 1), "binarize": SeededGenerator(seed: 2)])
        let state = try TrainingCheckpoint.load(file, model: restored, optimizer: restoredAdam, random: restoredRandom)
        #expect(restored.namedParameters.map(\.parameter.value) == vae.namedParameters.map(\.parameter.value))
        #expect(restoredAdam.stepCount == 2 && restoredAdam.expAvgSq == adam.expAvgSq)
        #expect(state.history["train_rec"] == history["train_rec"] && state.history["train_kl"] == history["train_kl"])
        #expect(state.history["test_kl"][0] == 3 && state.history["test_kl"][1].isNaN && state.history.epochs == 2)
        #expect(restoredRandom["eps"] == random["eps"] && restoredRandom["binarize"] == random["binarize"])
        #expect(restoredRandom["binarize"].spareNormal != nil)
    }

    @Test("a checkpoint without the harness's metadata, or with a history that is not JSON, is refused naming the key")
    func badMetadata() throws {
        let (vae, adam, _, random) = trainedRun()
        let folder = NSTemporaryDirectory() + "latent-bad-history-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bare = folder + "/bare.safetensors"
        try Checkpoint.save(model: vae, optimizer: adam, epoch: 1, step: adam.stepCount, to: bare)
        #expect { _ = try TrainingCheckpoint.load(bare, model: vae, optimizer: adam, random: random) } throws: {
            "\($0)".contains("no config.history")
        }
        let broken = folder + "/broken.safetensors"
        try Checkpoint.save(model: vae, optimizer: adam, epoch: 1, step: adam.stepCount, config: ["history": "{\"train_rec\": [1,"], to: broken)
        #expect(throws: CheckpointError.badMetadata(file: broken, key: "config.history", value: "{\"train_rec\": [1,")) {
            _ = try TrainingCheckpoint.load(broken, model: vae, optimizer: adam, random: random)
        }
    }

    @Test("loadAutoencoder rebuilds a chapter-2 conv AE, and refuses other checkpoints saying what it found")
    func autoencoderCheckpoints() throws {
        var generator = SeededGenerator(seed: 5)
        let autoencoder = ConvAutoencoder(latentDimension: 6, using: &generator)
        let folder = NSTemporaryDirectory() + "latent-ae-load-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Checkpoint.save(model: autoencoder, epoch: 1, step: 1, config: ["model": "conv", "latent": "6"], to: folder + "/ae.safetensors")
        let loaded = try loadAutoencoder(folder + "/ae.safetensors")
        #expect(loaded.namedParameters.map(\.parameter.value) == autoencoder.namedParameters.map(\.parameter.value))

        let (vae, adam, _, _) = trainedRun()
        try Checkpoint.save(model: vae, optimizer: adam, epoch: 1, step: 2, config: ["model": "celeba"], to: folder + "/vae.safetensors")
        #expect { try loadAutoencoder(folder + "/vae.safetensors") } throws: { "\($0)".contains("config.model is celeba") }
    }
}
