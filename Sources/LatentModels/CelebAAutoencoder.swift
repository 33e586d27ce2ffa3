import Latent

/// A convolutional autoencoder for 64×64 RGB faces: seed 000's encoder shape at width f.
///
/// Encoder, x: [N, 3, 64, 64] → z: [N, latent]:
///
///     Conv2d 3→f k4 s2 p1, BatchNorm2d, ReLU          64 → 32
///     Conv2d f→2f k4 s2 p1, BatchNorm2d, ReLU         32 → 16
///     Conv2d 2f→4f k4 s2 p1, BatchNorm2d, ReLU        16 → 8
///     Flatten, Linear 4f·8·8 → latent
///
/// Decoder, z: [N, latent] → x̂: [N, 3, 64, 64] in (0, 1):
///
///     Linear latent → 4f·8·8, Unflatten to 4f×8×8, BatchNorm2d, LeakyReLU(0.2)
///     ConvTranspose2d 4f→2f k4 s2 p1, BatchNorm2d, LeakyReLU(0.2)    8 → 16
///     ConvTranspose2d 2f→f k4 s2 p1, BatchNorm2d, LeakyReLU(0.2)    16 → 32
///     ConvTranspose2d f→3 k4 s2 p1, Sigmoid                         32 → 64
///
/// The seed decodes to [-1, 1] with Tanh; this chapter keeps pixels in [0, 1] with a Sigmoid so its
/// MSE is comparable with chapter 1's PCA on pixels/255.
public final class CelebAAutoencoder: AutoencoderModel, CustomStringConvertible {
    /// Image → code.
    public let encoder: Sequential
    /// Code → image.
    public let decoder: Sequential
    /// The latent size.
    public let latentDimension: Int
    /// The base width f (seed 000 uses 64).
    public let width: Int

    /// The model at width `width` (f) and latent size `latentDimension`; weights drawn encoder first.
    public init(width: Int = 32, latentDimension: Int = 128, using generator: inout SeededGenerator) {
        self.width = width
        self.latentDimension = latentDimension
        let f = width
        encoder = CelebAAutoencoder.makeEncoder(width: f, outputs: latentDimension, using: &generator)
        decoder = Sequential(
            Linear(inFeatures: latentDimension, outFeatures: 4 * f * 8 * 8, using: &generator),
            Unflatten([4 * f, 8, 8]),
            BatchNorm2d(numFeatures: 4 * f), LeakyReLU(negativeSlope: 0.2),
            ConvTranspose2d(inChannels: 4 * f, outChannels: 2 * f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 2 * f), LeakyReLU(negativeSlope: 0.2),
            ConvTranspose2d(inChannels: 2 * f, outChannels: f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: f), LeakyReLU(negativeSlope: 0.2),
            ConvTranspose2d(inChannels: f, outChannels: 3, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            Sigmoid())
    }

    /// Seed 000's encoder at width f: 3 × (Conv2d k4 s2 p1, BatchNorm2d, ReLU), 64 → 8, widths f, 2f, 4f,
    /// then Flatten and Linear 4f·8·8 → `outputs` (the code, or a VAE's μ and log σ² side by side).
    public static func makeEncoder(width f: Int, outputs: Int, using generator: inout SeededGenerator) -> Sequential {
        Sequential(
            Conv2d(inChannels: 3, outChannels: f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: f), ReLU(),
            Conv2d(inChannels: f, outChannels: 2 * f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 2 * f), ReLU(),
            Conv2d(inChannels: 2 * f, outChannels: 4 * f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 4 * f), ReLU(),
            Flatten(),
            Linear(inFeatures: 4 * f * 8 * 8, outFeatures: outputs, using: &generator))
    }

    /// Both Sequentials as PyTorch prints them.
    public var description: String { moduleDescription("CelebAAutoencoder(f=\(width), latent=\(latentDimension))") }
}
