import Foundation
import Latent
import LatentData
import LatentModels
import Testing

/// The direction that needs no torch at test time: a checkpoint PyTorch wrote
/// (`safetensors.torch.save_file` of a state_dict, `Fixtures/checkpoint/make_torch_state_dict.py`),
/// loaded into Latent's `VAE.celeba`, must give PyTorch's evaluation-mode outputs.
@Suite("Checkpoints written by PyTorch load into Latent")
struct TorchCheckpointTests {
    static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/checkpoint/"
    }()

    /// PyTorch's decoder(μ(x)) for the two images, and a fresh f = 2, z = 4 CelebA VAE.
    static func setUp() throws -> (expected: Tensor, vae: VAE, x: Tensor) {
        let (tensors, _) = try SafeTensors.decode(try FileIO.readFile(folder + "torch_vae_celeba_output.safetensors"),
                                                  file: "torch_vae_celeba_output.safetensors")
        let expected = try #require(tensors.first { $0.name == "output" }).tensor.tensor
        var generator = SeededGenerator(seed: 1)
        let vae = VAE.celeba(filters: 2, latent: 4, using: &generator)
        return (expected, vae, VAETrainingParityTests.images(first: 100, count: 2))
    }

    @Test("a state_dict saved by safetensors.torch loads (weights and BatchNorm statistics) and reproduces PyTorch's outputs")
    func reproducesPyTorch() throws {
        let (expected, vae, x) = try Self.setUp()
        try Checkpoint.loadStateDict(from: Self.folder + "torch_vae_celeba.safetensors", into: vae)
        vae.isTraining = false
        let output = vae.forward(x)
        let comparison = Comparison(output, expected, floor: 1e-3)
        #expect(output.shape == [2, 3, 64, 64] && comparison.isWithin(1e-4), "\(comparison)")
    }

    @Test("the same comparison fails when the BatchNorm statistics are left out (weights alone)")
    func runningStatisticsMatter() throws {
        let (expected, vae, x) = try Self.setUp()
        let (tensors, _) = try SafeTensors.decode(try FileIO.readFile(Self.folder + "torch_vae_celeba.safetensors"), file: "state_dict")
        for (name, parameter) in vae.namedParameters {
            parameter.value = try #require(tensors.first { $0.name == name }).tensor.tensor
        }
        vae.isTraining = false
        #expect(!Comparison(vae.forward(x), expected, floor: 1e-3).isWithin(1e-4))
    }

    @Test("a state_dict with a missing or renamed tensor is refused, naming each difference, and the model is untouched")
    func mismatchRefused() throws {
        let (_, vae, _) = try Self.setUp()
        let (tensors, metadata) = try SafeTensors.decode(try FileIO.readFile(Self.folder + "torch_vae_celeba.safetensors"), file: "state_dict")
        let renamed = tensors.map { $0.name == "decoder.0.weight" ? (name: "decoder.0.weights", tensor: $0.tensor) : $0 }
        let folder = NSTemporaryDirectory() + "latent-torch-state-dict-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/renamed.safetensors"
        try FileIO.writeAtomically(SafeTensors.encode(renamed, metadata: metadata), to: path)
        let before = vae.namedParameters.map(\.parameter.value)
        #expect { try Checkpoint.loadStateDict(from: path, into: vae) } throws: { error in
            let text = "\(error)"
            return text.contains("missing decoder.0.weight") && text.contains("unexpected decoder.0.weights")
        }
        #expect(vae.namedParameters.map(\.parameter.value) == before)
    }
}
