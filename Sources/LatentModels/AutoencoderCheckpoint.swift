import Latent
import LatentData

/// A chapter-2 MNIST autoencoder rebuilt from its checkpoint, to set beside a VAE (chapter 3's `--ae`).
public struct LoadedAutoencoder {
    /// The model, dense or conv, with the checkpoint's weights.
    public let model: any AutoencoderModel

    /// Decodes `steps` codes on the line between the codes of x's two images, ends included.
    /// x: [2, 1, 28, 28] → [steps, 1, 28, 28].
    public func interpolate(_ x: Tensor, steps: Int) -> Tensor {
        model.isTraining = false
        let codes = model.encoder.forward(x)
        return model.decoder.forward(LatentCodes.interpolation(from: LatentCodes.row(codes, 0), to: LatentCodes.row(codes, 1), steps: steps))
            .reshaped([steps, 1, 28, 28])
    }
}

/// Loads a chapter-2 MNIST autoencoder checkpoint; its `config.model` says dense or conv and
/// `config.latent` the code size.
public func loadAutoencoder(_ file: String) throws -> LoadedAutoencoder {
    let info = try Checkpoint.info(of: file)
    let latent = Int(info.config["latent"] ?? "") ?? 20
    var generator = SeededGenerator(seed: 0)
    let model: any AutoencoderModel
    switch info.config["model"] {
    case "dense": model = DenseAutoencoder(latentDimension: latent, using: &generator)
    case "conv": model = ConvAutoencoder(latentDimension: latent, using: &generator)
    default:
        throw CheckpointError.mismatch(file: file, differences: [
            "config.model is \(info.config["model"] ?? "missing"); a chapter-2 MNIST autoencoder checkpoint says dense or conv",
        ])
    }
    try Checkpoint.load(from: file, into: model)
    return LoadedAutoencoder(model: model)
}
