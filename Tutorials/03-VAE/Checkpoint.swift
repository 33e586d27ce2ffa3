import Foundation
import Latent
import LatentData
import LatentModels

// Checkpoints through LatentData's `Checkpoint` (safetensors layout, PyTorch names, Adam state, the
// generator, a content checksum). What this chapter adds in the `config.*` metadata: the per-epoch
// history and the binarization generator, so `--resume` continues the very same run.
//
// Shared by chapters 3 and 4 (Tutorials/04-BetaVAE/Checkpoint.swift is a link to this file).

/// What a checkpoint restores besides the weights and Adam's state.
struct TrainingState {
    var history: History
    var rng: SeededGenerator
    var binarizer: SeededGenerator
}

/// Writes model, Adam state, history and generators to `file` (atomically).
func saveCheckpoint(_ file: String, model: VAE, optimizer: Adam, history: History,
                    rng: SeededGenerator, binarizer: SeededGenerator) throws {
    let config: [String: String] = [
        "model": model.kind, "latent": "\(model.latentDimension)", "likelihood": model.likelihood.rawValue,
        "history": try jsonText(["train_rec": history.trainRec, "train_kl": history.trainKL, "test_rec": history.testRec,
                                 "test_kl": history.testKL, "test_pixel_mse": history.testPixelMSE, "seconds": history.seconds]),
        "binarizer": binarizer.state.map { String($0, radix: 16) }.joined(separator: ",")
            + "/" + (binarizer.spareNormal.map { String($0.bitPattern, radix: 16) } ?? ""),
    ]
    try Checkpoint.save(model: model, optimizer: optimizer, rng: rng, epoch: history.epochs, step: optimizer.stepCount,
                        config: config, to: file)
}

/// Restores model, Adam state, history and generators from `file` (refused, untouched, if it does not fit).
func loadCheckpoint(_ file: String, model: VAE, optimizer: Adam) throws -> TrainingState {
    let info = try Checkpoint.load(from: file, into: model, optimizer: optimizer)
    let h = try JSONSerialization.jsonObject(with: Data((info.config["history"] ?? "{}").utf8)) as? [String: [Double]] ?? [:]
    let history = History(trainRec: h["train_rec"] ?? [], trainKL: h["train_kl"] ?? [], testRec: h["test_rec"] ?? [],
                          testKL: h["test_kl"] ?? [], testPixelMSE: h["test_pixel_mse"] ?? [], seconds: h["seconds"] ?? [])
    var binarizer = SeededGenerator(seed: 0)
    let parts = (info.config["binarizer"] ?? "").split(separator: "/", omittingEmptySubsequences: false)
    let words = parts.first.map { $0.split(separator: ",").compactMap { UInt64($0, radix: 16) } } ?? []
    if words.count == 4 {
        binarizer.state = words
        binarizer.spareNormal = parts.count > 1 ? UInt32(parts[1], radix: 16).map { Float(bitPattern: $0) } : nil
    }
    return TrainingState(history: history, rng: info.rng ?? SeededGenerator(seed: 0), binarizer: binarizer)
}

/// A chapter-2 autoencoder rebuilt from its checkpoint (its `config.model` says dense or conv).
struct LoadedAutoencoder {
    let model: any AutoencoderModel

    /// Decodes `steps` codes on the line between the codes of x's two images. x: [2, 1, 28, 28] → [steps, 1, 28, 28].
    func interpolate(_ x: Tensor, steps: Int) -> Tensor {
        model.isTraining = false
        let codes = model.encoder.forward(x)
        return model.decoder.forward(LatentCodes.interpolation(from: LatentCodes.row(codes, 0), to: LatentCodes.row(codes, 1), steps: steps))
            .reshaped([steps, 1, 28, 28])
    }
}

/// Loads a chapter-2 MNIST autoencoder checkpoint (dense or conv).
func loadAutoencoder(_ file: String) throws -> LoadedAutoencoder {
    let info = try Checkpoint.info(of: file)
    let latent = Int(info.config["latent"] ?? "") ?? 20
    var generator = SeededGenerator(seed: 0)
    let model: any AutoencoderModel
    switch info.config["model"] {
    case "dense": model = DenseAutoencoder(latentDimension: latent, using: &generator)
    case "conv": model = ConvAutoencoder(latentDimension: latent, using: &generator)
    default: throw ValidationErrorText("\(file) is not a chapter-2 MNIST autoencoder checkpoint (config.model = \(info.config["model"] ?? "none"))")
    }
    try Checkpoint.load(from: file, into: model)
    return LoadedAutoencoder(model: model)
}

/// An error that is just its message.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
