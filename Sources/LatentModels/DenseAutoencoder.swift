import Latent

/// Seed 004's dense autoencoder: 784 → 200 → 20 → 200 → 784 with ReLU and a Sigmoid output.
///
/// Encoder, x: [N, C, H, W] → z: [N, latent]:   Flatten, Linear C·H·W→hidden, ReLU, Linear hidden→latent
/// Decoder, z: [N, latent] → x̂: [N, C, H, W]:   Linear latent→hidden, ReLU, Linear hidden→C·H·W, Sigmoid, Unflatten
///
/// Parameter names: `encoder.1.weight` (the seed's `common`), `encoder.3.weight` (`encoded`),
/// `decoder.0.weight` (`l1`), `decoder.2.weight` (`decode`), and their biases.
///
/// With `hidden: 0` there is no hidden layer: Flatten, Linear C·H·W→latent | Linear latent→C·H·W,
/// Sigmoid, Unflatten — the shallow model whose code size alone sets under- or overcomplete.
public final class DenseAutoencoder: AutoencoderModel, CustomStringConvertible {
    /// Image → code: [N, C, H, W] → [N, latent].
    public let encoder: Sequential
    /// Code → image: [N, latent] → [N, C, H, W].
    public let decoder: Sequential
    /// The latent size.
    public let latentDimension: Int
    /// The hidden width (0: no hidden layer).
    public let hidden: Int

    /// The seed's model for images of `imageShape` ([C, H, W], default MNIST's [1, 28, 28]); weights drawn encoder first.
    public init(imageShape: [Int] = [1, 28, 28], hidden: Int = 200, latentDimension: Int = 20, using generator: inout SeededGenerator) {
        let pixels = Tensor.count(of: imageShape)
        self.latentDimension = latentDimension
        self.hidden = hidden
        if hidden == 0 {
            encoder = Sequential(Flatten(), Linear(inFeatures: pixels, outFeatures: latentDimension, using: &generator))
            decoder = Sequential(Linear(inFeatures: latentDimension, outFeatures: pixels, using: &generator), Sigmoid(), Unflatten(imageShape))
            return
        }
        encoder = Sequential(
            Flatten(),
            Linear(inFeatures: pixels, outFeatures: hidden, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: latentDimension, using: &generator))
        decoder = Sequential(
            Linear(inFeatures: latentDimension, outFeatures: hidden, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: pixels, using: &generator),
            Sigmoid(),
            Unflatten(imageShape))
    }

    /// Both Sequentials as PyTorch prints them.
    public var description: String { moduleDescription("DenseAutoencoder(hidden=\(hidden), latent=\(latentDimension))") }
}
