#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// How a VAE's decoder output is read as a distribution over pixels, `--likelihood bce|mse`.
public enum VAELikelihood: String, Sendable, CaseIterable {
    /// Bernoulli: the decoder emits logits, reconstruction = binary cross-entropy with logits (nats).
    case bce
    /// Gaussian with fixed variance: the decoder emits pixels (Sigmoid/Tanh last), reconstruction = squared
    /// error (summed, this is −log p(x|z) up to a constant for σ² = ½).
    case mse
}

/// A variational autoencoder: an encoder that emits (μ, log σ²) side by side and a decoder from z.
///
/// The model holds the two networks and evaluation helpers (reconstruct, encode and decode in batches,
/// the ELBO, the importance-weighted log p(x)); the training step — sampling z = μ + σ·ε, the
/// reconstruction term, the KL and their backward pass — is `vaeStep` (Steps/VAEStep.swift).
///
///     encoder: x [N, C, H, W] → [N, 2·z]   (columns 0..<z are μ, z..<2z are log σ²)
///     decoder: z [N, z] → x̂ [N, C, H, W]   (logits for `.bce`, pixels for `.mse`)
///
/// Parameter names are `encoder.<i>.…` and `decoder.<i>.…`, PyTorch's for this module tree.
public final class VAE: EncoderDecoder, CustomStringConvertible {
    /// Which architecture: `dense`, `burda`, `conv` or `celeba`.
    public let kind: String
    /// The latent size z.
    public let latentDimension: Int
    /// One image's shape [C, H, W].
    public let imageShape: [Int]
    /// What the decoder's output means.
    public let likelihood: VAELikelihood
    /// x → (μ, log σ²): [N, C, H, W] → [N, 2·z].
    public let encoder: Sequential
    /// z → x̂: [N, z] → [N, C, H, W].
    public let decoder: Sequential
    /// 0 for a VAE; for a conditional VAE (chapter 7) the number of classes y takes: the encoder then
    /// reads [x flattened, one-hot y] and the decoder [z, one-hot y] (see `conditioned(_:on:)`).
    public let classes: Int

    /// A VAE from its two halves.
    public init(kind: String, latentDimension: Int, imageShape: [Int], likelihood: VAELikelihood,
                encoder: Sequential, decoder: Sequential, classes: Int = 0) {
        self.classes = classes
        self.kind = kind
        self.latentDimension = latentDimension
        self.imageShape = imageShape
        self.likelihood = likelihood
        self.encoder = encoder
        self.decoder = decoder
    }

    /// The pytorch/examples MNIST VAE: 784 → hidden → (μ, log σ²) and z → hidden → 784, ReLU.
    ///
    /// The two encoder heads (fc21, fc22 there) are one Linear(hidden, 2·z) here: the same
    /// initialization distribution (both have fan-in `hidden`), one GEMM instead of two.
    public static func dense(
        inputs: [Int] = [1, 28, 28], hidden: Int = 400, latent: Int = 20, likelihood: VAELikelihood = .bce,
        using generator: inout SeededGenerator
    ) -> VAE {
        let pixels = inputs.reduce(1, *)
        let encoder = Sequential(
            Flatten(),
            Linear(inFeatures: pixels, outFeatures: hidden, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: 2 * latent, using: &generator))
        var decoderLayers: [any Layer] = [
            Linear(inFeatures: latent, outFeatures: hidden, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: pixels, using: &generator),
        ]
        if likelihood == .mse { decoderLayers.append(Sigmoid()) }
        decoderLayers.append(Unflatten(inputs))
        return VAE(kind: "dense", latentDimension: latent, imageShape: inputs, likelihood: likelihood,
                   encoder: encoder, decoder: Sequential(decoderLayers))
    }

    /// Burda, Grosse & Salakhutdinov's (2016) one-stochastic-layer model for MNIST: two Tanh layers of
    /// 200 on each side of a 50-dimensional z, a Bernoulli decoder (logits out).
    ///
    ///     encoder: 784 → 200 → Tanh → 200 → Tanh → (μ, log σ²) [2·50]
    ///     decoder:  50 → 200 → Tanh → 200 → Tanh → 784 logits
    ///
    /// Initialized as their code does: weights uniform on ±√(6 / (fan-in + fan-out)) (Glorot & Bengio),
    /// biases zero; the encoder's head counts as their two heads of 50 (μ and σ) for the fan-out.
    /// Their σ-head emits log σ (σ = exp(·)); ours emits log σ² = 2 log σ, the VAE's convention here.
    /// Set the decoder's output bias to the logit of the training images' mean with `setOutputBias`.
    public static func burda(
        inputs: [Int] = [1, 28, 28], hidden: Int = 200, latent: Int = 50, using generator: inout SeededGenerator
    ) -> VAE {
        let pixels = inputs.reduce(1, *)
        func glorot(_ inputs: Int, _ outputs: Int, fanOut: Int? = nil) -> Linear {
            let layer = Linear(inFeatures: inputs, outFeatures: outputs, using: &generator)
            let bound = (6 / Float(inputs + (fanOut ?? outputs))).squareRoot()
            layer.weight.value = Tensor.randomUniform([outputs, inputs], low: -bound, high: bound, using: &generator)
            layer.bias?.value = Tensor.zeros([outputs])
            return layer
        }
        let encoder = Sequential(
            Flatten(),
            glorot(pixels, hidden), Tanh(),
            glorot(hidden, hidden), Tanh(),
            glorot(hidden, 2 * latent, fanOut: latent))
        let decoder = Sequential(
            glorot(latent, hidden), Tanh(),
            glorot(hidden, hidden), Tanh(),
            glorot(hidden, pixels),
            Unflatten(inputs))
        return VAE(kind: "burda", latentDimension: latent, imageShape: inputs, likelihood: .bce,
                   encoder: encoder, decoder: decoder)
    }

    /// Sets the bias of the decoder's last Linear to logit(mean), the mean clipped to [0.001, 0.999]:
    /// at z's first steps the decoder then already predicts each pixel's average (Burda et al.'s start).
    /// mean: one value per pixel.
    public func setOutputBias(toLogitOf mean: [Float]) {
        guard let last = decoder.layers.last(where: { $0 is Linear }) as? Linear, let bias = last.bias else {
            preconditionFailure("setOutputBias: the decoder has no Linear with a bias")
        }
        precondition(mean.count == bias.value.count, "setOutputBias: \(mean.count) means for \(bias.value.count) outputs")
        bias.value = Tensor(shape: [mean.count], scalars: mean.map { m in
            let p = Swift.min(Swift.max(m, 0.001), 0.999)
            return logf(p / (1 - p))
        })
    }

    /// Chapter 7's conditional VAE (Sohn et al. 2015), chapter 3's dense VAE with a one-hot label y of
    /// `classes` classes beside its input on both sides, so q(z|x, y) and p(x|z, y):
    ///
    ///     encoder: [x flattened, y] [N, pixels + classes] → hidden → (μ, log σ²) [N, 2·z]
    ///     decoder: [z, y] [N, z + classes] → hidden → x̂ [N, C, H, W]
    ///
    /// The encoder's first layer knows its input ends in the label (`labelColumns`): M2, which gives it
    /// each image with every label, then multiplies each image by W once, not once per label.
    public static func conditionalDense(
        inputs: [Int] = [1, 28, 28], classes: Int = 10, hidden: Int = 400, latent: Int = 20,
        likelihood: VAELikelihood = .bce, using generator: inout SeededGenerator
    ) -> VAE {
        let pixels = inputs.reduce(1, *)
        let encoder = Sequential(
            Linear(inFeatures: pixels + classes, outFeatures: hidden, labelColumns: classes, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: 2 * latent, using: &generator))
        var decoderLayers: [any Layer] = [
            Linear(inFeatures: latent + classes, outFeatures: hidden, using: &generator),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: pixels, using: &generator),
        ]
        if likelihood == .mse { decoderLayers.append(Sigmoid()) }
        decoderLayers.append(Unflatten(inputs))
        return VAE(kind: "conditional-dense", latentDimension: latent, imageShape: inputs, likelihood: likelihood,
                   encoder: encoder, decoder: Sequential(decoderLayers), classes: classes)
    }

    /// Seed 001's convolutional VAE for 28×28 digits: its AE (`ConvAutoencoder`) with the encoder
    /// emitting 2·z values. For `.bce` the final Sigmoid is left out (the loss takes logits).
    public static func conv(latent: Int = 64, likelihood: VAELikelihood = .mse, using generator: inout SeededGenerator) -> VAE {
        let encoder = ConvAutoencoder.makeEncoder(outputs: 2 * latent, using: &generator)
        var decoder = ConvAutoencoder.makeDecoder(latentDimension: latent, using: &generator)
        if likelihood == .bce { decoder = Sequential(Array(decoder.layers.dropLast())) }
        return VAE(kind: "conv", latentDimension: latent, imageShape: [1, 28, 28], likelihood: likelihood,
                   encoder: encoder, decoder: decoder)
    }

    /// Burgess et al. 2018's VAE for 64×64 binary images (dSprites; the model of Locatello et al. 2019's
    /// study too), with Bernoulli logits out:
    ///
    ///     Conv2d 1→32 k4 s2 p1, ReLU      64 → 32          Linear z→256, ReLU, Linear 256→256, ReLU
    ///     Conv2d 32→32 k4 s2 p1, ReLU     32 → 16          Linear 256→512, ReLU, Unflatten 32×4×4
    ///     Conv2d 32→32 k4 s2 p1, ReLU     16 → 8           ConvTranspose2d 32→32 k4 s2 p1, ReLU   4 → 8
    ///     Conv2d 32→32 k4 s2 p1, ReLU      8 → 4           ConvTranspose2d 32→32 k4 s2 p1, ReLU   8 → 16
    ///     Flatten, Linear 512→256, ReLU                     ConvTranspose2d 32→32 k4 s2 p1, ReLU  16 → 32
    ///     Linear 256→256, ReLU, Linear 256→2·z              ConvTranspose2d 32→1 k4 s2 p1         32 → 64
    public static func burgess(latent: Int = 10, using generator: inout SeededGenerator) -> VAE {
        var encoder: [any Layer] = []
        for c in [1, 32, 32, 32] {
            encoder += [Conv2d(inChannels: c, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator), ReLU()]
        }
        encoder += [Flatten(),
                    Linear(inFeatures: 512, outFeatures: 256, using: &generator), ReLU(),
                    Linear(inFeatures: 256, outFeatures: 256, using: &generator), ReLU(),
                    Linear(inFeatures: 256, outFeatures: 2 * latent, using: &generator)]
        var decoder: [any Layer] = [
            Linear(inFeatures: latent, outFeatures: 256, using: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 256, using: &generator), ReLU(),
            Linear(inFeatures: 256, outFeatures: 512, using: &generator), ReLU(),
            Unflatten([32, 4, 4]),
        ]
        for c in [32, 32, 32] {
            decoder += [ConvTranspose2d(inChannels: 32, outChannels: c, kernelSize: 4, stride: 2, padding: 1, using: &generator), ReLU()]
        }
        decoder.append(ConvTranspose2d(inChannels: 32, outChannels: 1, kernelSize: 4, stride: 2, padding: 1, using: &generator))
        return VAE(kind: "burgess", latentDimension: latent, imageShape: [1, 64, 64], likelihood: .bce,
                   encoder: Sequential(encoder), decoder: Sequential(decoder))
    }

    /// Seed 000's CelebA VAE at width f (the seed: f = 64, z = 512), for 64×64×3 images in [-1, 1].
    ///
    ///     Conv2d 3→f k4 s2 p1, BatchNorm2d, ReLU            64 → 32
    ///     Conv2d f→2f k4 s2 p1, BatchNorm2d, ReLU           32 → 16
    ///     Conv2d 2f→4f k4 s2 p1, BatchNorm2d, ReLU          16 → 8
    ///     Flatten, Linear 4f·8·8 → 2·z   (the seed's fc1 and fc2 side by side)
    ///
    ///     Linear z → 4f·8·8, Unflatten 4f×8×8             (the seed's d1)
    ///     ConvTranspose2d 4f→2f k4 s2 p1, BatchNorm2d, LeakyReLU(0.2)   8 → 16
    ///     ConvTranspose2d 2f→f k4 s2 p1, BatchNorm2d, [LeakyReLU(0.2)] 16 → 32
    ///     ConvTranspose2d f→3 k4 s2 p1, Tanh                           32 → 64
    ///
    /// The bracketed LeakyReLU is absent in the seed as it actually runs: its `OrderedDict` names two
    /// layers `'leakyrelu1'`, and a repeated key keeps the first position with the second value, so the
    /// notebook's decoder goes deconv2 → BatchNorm → deconv3 with no activation between.
    /// `seedDecoder: true` (the default) reproduces that — it is what the PyTorch reference measured;
    /// `false` puts the LeakyReLU back.
    public static func celeba(filters f: Int = 32, latent: Int = 128, seedDecoder: Bool = true,
                              using generator: inout SeededGenerator) -> VAE {
        let encoder = CelebAAutoencoder.makeEncoder(width: f, outputs: 2 * latent, using: &generator)
        var decoderLayers: [any Layer] = [
            Linear(inFeatures: latent, outFeatures: 4 * f * 8 * 8, using: &generator),
            Unflatten([4 * f, 8, 8]),
            ConvTranspose2d(inChannels: 4 * f, outChannels: 2 * f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 2 * f), LeakyReLU(negativeSlope: 0.2),
            ConvTranspose2d(inChannels: 2 * f, outChannels: f, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: f),
        ]
        if !seedDecoder { decoderLayers.append(LeakyReLU(negativeSlope: 0.2)) }
        decoderLayers += [
            ConvTranspose2d(inChannels: f, outChannels: 3, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            Tanh(),
        ]
        let decoder = Sequential(decoderLayers)
        return VAE(kind: "celeba", latentDimension: latent, imageShape: [3, 64, 64], likelihood: .mse,
                   encoder: encoder, decoder: decoder)
    }

    /// `VAE(kind, z=…, likelihood)` followed by both Sequentials as PyTorch prints them.
    public var description: String {
        moduleDescription("VAE(\(kind), z=\(latentDimension)\(classes > 0 ? ", classes=\(classes)" : ""), likelihood=\(likelihood.rawValue))")
    }

    /// The layer table of both halves for one batch of `batch` images.
    public func summary(batch: Int = 1) -> String {
        guard classes > 0 else { return summary(inputShape: imageShape, batch: batch) }
        return "encoder\n" + encoder.summary(input: [batch, imageShape.reduce(1, *) + classes])
            + "\ndecoder\n" + decoder.summary(input: [batch, latentDimension + classes])
            + "\ntotal parameters: \(parameterCount)"
    }

    /// x: [N, C, H, W] → (μ, log σ²), each [N, z].
    public func encode(_ x: Tensor) -> (mu: Tensor, logVar: Tensor) {
        let (mu, logVar) = encoder.forward(x).splitColumns(latentDimension)
        return (mu, logVar)
    }

    /// z: [N, z] → images [N, C, H, W] in the data's pixel range (σ of the logits for `.bce`).
    public func decodeImages(_ z: Tensor) -> Tensor {
        let out = decoder.forward(z)
        return likelihood == .bce ? sigmoid(out) : out
    }

    /// x → decoder(μ): the deterministic reconstruction (raw decoder output: logits for `.bce`).
    public func forward(_ x: Tensor) -> Tensor {
        decoder.forward(encode(x).mu)
    }

    /// dx̂ → dx through decoder then encoder; log σ² receives no gradient (μ was decoded).
    public func backward(_ dy: Tensor) -> Tensor {
        let dz = decoder.backward(dy)
        return encoder.backward(concatColumns(dz, Tensor.zeros(dz.shape)))
    }

    /// Images x: [N, C, H, W] → reconstructions decoded from μ, in evaluation mode, `batch` at a time.
    public func reconstruct(_ x: Tensor, batch: Int = 256) -> Tensor {
        evaluatingInBatches(x, batch: batch) { decodeImages(encode($0).mu) }
    }

    /// Images x: [N, C, H, W] → (μ, log σ²) for all N, in evaluation mode, `batch` at a time.
    public func encodeAll(_ x: Tensor, batch: Int = 256) -> (mu: Tensor, logVar: Tensor) {
        let (mu, logVar) = evaluatingInBatches(x, batch: batch) { encoder.forward($0) }.splitColumns(latentDimension)
        return (mu, logVar)
    }

    /// Codes z: [N, z] → images, in evaluation mode.
    public func decodeAll(_ z: Tensor, batch: Int = 256) -> Tensor {
        evaluatingInBatches(z, batch: batch) { decodeImages($0) }
    }
}
