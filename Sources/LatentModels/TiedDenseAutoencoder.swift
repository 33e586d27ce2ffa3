import Latent

/// The dense autoencoder with tied weights: the decoder's weights are the encoder's, transposed.
///
/// Encoder, x: [N, C, H, W] → z: [N, latent]:   Flatten, Linear C·H·W→hidden (W₁), ReLU, Linear hidden→latent (W₂)
/// Decoder, z: [N, latent] → x̂: [N, C, H, W]:   W₂ᵀ latent→hidden, ReLU, W₁ᵀ hidden→C·H·W, Sigmoid, Unflatten
///
/// Same sizes as `DenseAutoencoder`, about half the weights: W₁ and W₂ are single `Parameter`s used
/// twice (`TransposedLinear`), so their gradients are the sum of both uses; the decoder owns only its
/// biases. With `hidden: 0` it is one tied pair, W and Wᵀ — chapter 1's tied linear autoencoder with a
/// Sigmoid on the output. Parameter names: `encoder.1.weight`, `encoder.1.bias`, `encoder.3.*`,
/// `decoder.0.bias`, `decoder.2.bias`.
public final class TiedDenseAutoencoder: AutoencoderModel, CustomStringConvertible {
    /// Image → code: [N, C, H, W] → [N, latent].
    public let encoder: Sequential
    /// Code → image: [N, latent] → [N, C, H, W].
    public let decoder: Sequential
    /// The latent size.
    public let latentDimension: Int
    /// The hidden width (0: no hidden layer).
    public let hidden: Int

    /// Weights drawn encoder first (as `DenseAutoencoder` draws them), then the decoder's biases.
    public init(imageShape: [Int] = [1, 28, 28], hidden: Int = 200, latentDimension: Int = 20, using generator: inout SeededGenerator) {
        let pixels = Tensor.count(of: imageShape)
        self.latentDimension = latentDimension
        self.hidden = hidden
        if hidden == 0 {
            let w = Linear(inFeatures: pixels, outFeatures: latentDimension, using: &generator)
            encoder = Sequential(Flatten(), w)
            decoder = Sequential(TransposedLinear(tiedTo: w, using: &generator), Sigmoid(), Unflatten(imageShape))
            return
        }
        let w1 = Linear(inFeatures: pixels, outFeatures: hidden, using: &generator)
        let w2 = Linear(inFeatures: hidden, outFeatures: latentDimension, using: &generator)
        encoder = Sequential(Flatten(), w1, ReLU(), w2)
        decoder = Sequential(
            TransposedLinear(tiedTo: w2, using: &generator), ReLU(),
            TransposedLinear(tiedTo: w1, using: &generator), Sigmoid(), Unflatten(imageShape))
    }

    /// Both Sequentials as PyTorch prints them.
    public var description: String { moduleDescription("TiedDenseAutoencoder(hidden=\(hidden), latent=\(latentDimension))") }
}
