import Foundation
import Latent
import LatentData
import LatentModels
import Testing

@Suite("VAE checkpoints (chapters 3 and 4)")
struct VAECheckpointTests {
    /// A small conv VAE after two Adam steps, its optimizer, a history and the two generators.
    func trainedRun() -> (VAE, Adam, VAEHistory, SeededGenerator, SeededGenerator) {
        var rng = SeededGenerator(seed: 3)
        let vae = VAE.conv(latent: 4, likelihood: .bce, using: &rng)
        let adam = Adam(parameters: vae.parameters)
        let x = Tensor.randomUniform([4, 1, 28, 28], using: &rng)
        for _ in 0..<2 {
            adam.zeroGrad()
            let (mu, logVar) = vae.encoder.forward(x).splitColumns(4)
            let (_, dXHat) = binaryCrossEntropyWithLogits(vae.decoder.forward(mu), x, reduction: .sum)
            _ = vae.encoder.backward(concatColumns(vae.decoder.backward(dXHat), logVar * 0))
            adam.step()
        }
        var history = VAEHistory()
        history.trainRec = [120.5, 101.25]
        history.trainKL = [3.5, 4.0 / 3]
        history.testRec = [110, 99.125]
        history.testKL = [3, .nan]
        history.seconds = [0.5, 1.0]
        var binarizer = SeededGenerator(seed: 9)
        _ = binarizer.nextNormal()  // leaves a spare normal to restore
        return (vae, adam, history, rng, binarizer)
    }

    @Test("save then load restores weights, Adam, the history (NaN included) and both generators exactly")
    func roundTrip() throws {
        let (vae, adam, history, rng, binarizer) = trainedRun()
        let file = NSTemporaryDirectory() + "latent-vae-checkpoint-\(UInt64.random(in: 0...UInt64.max)).safetensors"
        defer { FileIO.removeFile(file) }
        try saveCheckpoint(file, model: vae, optimizer: adam, history: history, rng: rng, binarizer: binarizer)

        var other = SeededGenerator(seed: 77)
        let restored = VAE.conv(latent: 4, likelihood: .bce, using: &other)
        let restoredAdam = Adam(parameters: restored.parameters)
        let state = try loadCheckpoint(file, model: restored, optimizer: restoredAdam)
        #expect(restored.namedParameters.map(\.parameter.value) == vae.namedParameters.map(\.parameter.value))
        #expect(restoredAdam.stepCount == 2 && restoredAdam.expAvgSq == adam.expAvgSq)
        #expect(state.history.trainRec == history.trainRec && state.history.trainKL == history.trainKL)
        #expect(state.history.testKL[0] == 3 && state.history.testKL[1].isNaN && state.history.epochs == 2)
        #expect(state.rng == rng && state.binarizer == binarizer && state.binarizer.spareNormal != nil)
    }

    @Test("a history written by JSONSerialization (earlier checkpoints) still loads; one that is not JSON is refused")
    func historyText() throws {
        let (vae, adam, _, rng, _) = trainedRun()
        let earlier = """
            {
              "seconds" : [
                0.5
              ],
              "test_kl" : [3],
              "train_rec" : [1.0e2]
            }
            """
        let history = VAEHistory(json: try JSONValue(parsing: earlier))
        #expect(history.seconds == [0.5] && history.testKL == [3] && history.trainRec == [100] && history.trainKL == [])

        let bytes = Checkpoint.encode(model: vae, optimizer: adam, rng: rng, epoch: 1, step: adam.stepCount,
                                      config: ["history": "{\"train_rec\": [1,"])
        let file = NSTemporaryDirectory() + "latent-vae-bad-history-\(UInt64.random(in: 0...UInt64.max)).safetensors"
        defer { FileIO.removeFile(file) }
        try FileIO.writeAtomically(bytes, to: file)
        #expect(throws: CheckpointError.badMetadata(file: file, key: "config.history", value: "{\"train_rec\": [1,")) {
            try loadCheckpoint(file, model: vae, optimizer: adam)
        }
    }

    @Test("loadAutoencoder rebuilds a chapter-2 conv AE, and refuses other checkpoints saying what it found")
    func autoencoderCheckpoints() throws {
        var generator = SeededGenerator(seed: 5)
        let autoencoder = ConvAutoencoder(latentDimension: 6, using: &generator)
        let folder = NSTemporaryDirectory() + "latent-ae-load-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Checkpoint.save(model: autoencoder, epoch: 1, step: 1, config: ["model": "conv", "latent": "6"], to: folder + "/ae.safetensors")
        let loaded = try loadAutoencoder(folder + "/ae.safetensors")
        let x = Tensor.randomUniform([2, 1, 28, 28], using: &generator)
        #expect(loaded.interpolate(x, steps: 5).shape == [5, 1, 28, 28])
        #expect(loaded.model.namedParameters.map(\.parameter.value) == autoencoder.namedParameters.map(\.parameter.value))

        let (vae, adam, _, rng, _) = trainedRun()
        try Checkpoint.save(model: vae, optimizer: adam, rng: rng, epoch: 1, step: 2, config: ["model": "celeba"], to: folder + "/vae.safetensors")
        #expect { try loadAutoencoder(folder + "/vae.safetensors") } throws: { "\($0)".contains("config.model is celeba") }
    }
}
