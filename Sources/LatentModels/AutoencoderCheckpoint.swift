import Latent
import LatentData

/// Rebuilds a chapter-2 MNIST autoencoder from its checkpoint (to set beside a VAE: chapter 3's
/// `--ae`); its `config.model` says dense, tied or conv, `config.latent` the code size and `config.hidden`
/// the dense models' hidden width (200 when absent).
public func loadAutoencoder(_ file: String) throws -> any AutoencoderModel {
    let info = try Checkpoint.info(of: file)
    let latent = Int(info.config["latent"] ?? "") ?? 20
    let hidden = Int(info.config["hidden"] ?? "") ?? 200
    var generator = SeededGenerator(seed: 0)
    let model: any AutoencoderModel
    switch info.config["model"] {
    case "dense": model = DenseAutoencoder(hidden: hidden, latentDimension: latent, using: &generator)
    case "tied": model = TiedDenseAutoencoder(hidden: hidden, latentDimension: latent, using: &generator)
    case "conv": model = ConvAutoencoder(latentDimension: latent, using: &generator)
    default:
        throw CheckpointError.mismatch(file: file, differences: [
            "config.model is \(info.config["model"] ?? "missing"); a chapter-2 MNIST autoencoder checkpoint says dense, tied or conv",
        ])
    }
    try Checkpoint.load(from: file, into: model)
    return model
}
