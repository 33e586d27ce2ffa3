import Latent

/// Seed 001's convolutional autoencoder for 28×28 MNIST digits, written out once for the chapters and the benchmark.
///
/// Encoder, x: [N, 1, 28, 28] → [N, nz] (or [N, 2·nz] = (μ, log σ) side by side for the VAE):
///
///     Conv2d 1→32 k4 s2 p1, LeakyReLU                      28 → 14
///     Conv2d 32→64 k4 s2 p1, BatchNorm2d, LeakyReLU         14 → 7
///     Conv2d 64→128 k3 s2, BatchNorm2d, LeakyReLU            7 → 3
///     Conv2d 128→256 k3 s1, BatchNorm2d, LeakyReLU           3 → 1
///     Flatten, Linear 256→nz
///
/// Decoder, z: [N, nz] → x̂: [N, 1, 28, 28] in (0, 1):
///
///     Linear nz→256, Unflatten to 256×1×1, BatchNorm2d, LeakyReLU
///     ConvTranspose2d 256→128 k3, BatchNorm2d, LeakyReLU      1 → 3
///     ConvTranspose2d 128→64 k3 s2, BatchNorm2d, LeakyReLU    3 → 7
///     ConvTranspose2d 64→32 k4 s2 p1, BatchNorm2d, LeakyReLU  7 → 14
///     ConvTranspose2d 32→1 k4 s2 p1, Sigmoid                 14 → 28
///
/// Parameter names follow PyTorch for this module tree: `encoder.0.weight` … `encoder.12.bias`,
/// `decoder.0.weight` (the Linear) … `decoder.13.bias`; buffers such as `encoder.3.running_mean`.
/// (The seed's notebook keeps the decoder's Linear outside its Sequential, `decoder.map`, then
/// `decoder.net.0…`, and wraps the encoder's in `net`.)
public final class ConvAutoencoder: AutoencoderModel, CustomStringConvertible {
    /// The latent size nz.
    public let latentDimension: Int
    /// Image → code: [N, 1, 28, 28] → [N, nz].
    public let encoder: Sequential
    /// Code → image: [N, nz] → [N, 1, 28, 28].
    public let decoder: Sequential

    /// The seed's model. Weights are drawn from `generator` in PyTorch's construction order (encoder
    /// first). (Chapter 3's conv VAE, `VAE.conv`, is this model with an encoder of 2·nz outputs.)
    public init(latentDimension: Int = 64, using generator: inout SeededGenerator) {
        self.latentDimension = latentDimension
        encoder = ConvAutoencoder.makeEncoder(outputs: latentDimension, using: &generator)
        decoder = ConvAutoencoder.makeDecoder(latentDimension: latentDimension, using: &generator)
    }

    /// The model from its two halves (e.g. with layers wrapped for profiling).
    public init(latentDimension: Int, encoder: Sequential, decoder: Sequential) {
        (self.latentDimension, self.encoder, self.decoder) = (latentDimension, encoder, decoder)
    }

    /// The encoder: [N, 1, 28, 28] → [N, outputs].
    public static func makeEncoder(outputs: Int, using generator: inout SeededGenerator) -> Sequential {
        Sequential(
            Conv2d(inChannels: 1, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            LeakyReLU(),
            Conv2d(inChannels: 32, outChannels: 64, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 64),
            LeakyReLU(),
            Conv2d(inChannels: 64, outChannels: 128, kernelSize: 3, stride: 2, using: &generator),
            BatchNorm2d(numFeatures: 128),
            LeakyReLU(),
            Conv2d(inChannels: 128, outChannels: 256, kernelSize: 3, using: &generator),
            BatchNorm2d(numFeatures: 256),
            LeakyReLU(),
            Flatten(),
            Linear(inFeatures: 256, outFeatures: outputs, using: &generator))
    }

    /// The decoder: [N, nz] → [N, 1, 28, 28].
    public static func makeDecoder(latentDimension: Int, using generator: inout SeededGenerator) -> Sequential {
        Sequential(
            Linear(inFeatures: latentDimension, outFeatures: 256, using: &generator),
            Unflatten([256, 1, 1]),
            BatchNorm2d(numFeatures: 256),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 256, outChannels: 128, kernelSize: 3, using: &generator),
            BatchNorm2d(numFeatures: 128),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 128, outChannels: 64, kernelSize: 3, stride: 2, using: &generator),
            BatchNorm2d(numFeatures: 64),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 64, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 32),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 32, outChannels: 1, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            Sigmoid())
    }

    /// `ConvAutoencoder(nz=64)` followed by both Sequentials as PyTorch prints them.
    public var description: String { moduleDescription("ConvAutoencoder(nz=\(latentDimension))") }
}
