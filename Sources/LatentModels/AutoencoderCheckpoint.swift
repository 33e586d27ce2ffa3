import Latent
import LatentData

/// Rebuilds a chapter-2 MNIST autoencoder from its checkpoint (to set beside a VAE: chapter 3's
/// `--ae`); its `config.model` says dense or conv and `config.latent` the code size.
public func loadAutoencoder(_ file: String) throws -> any AutoencoderModel {
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
    return model
}
