#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// Chapter 5's loss: the ELBO with the remedies for posterior collapse as visible switches. Every
/// term is per image (summed over pixels or latent dimensions, averaged over the batch), in nats.
public struct RemedyObjective: Sendable, Equatable {
    /// How the decoder's output is read.
    public enum Decoder: Sendable, Equatable {
        /// Bernoulli logits on binarized pixels: −log p(x|z) = BCE with logits, summed over pixels.
        case bernoulli
        /// A Gaussian with this fixed variance σ² on every pixel (½ is chapter 3's summed squared error).
        case gaussian(variance: Float)
        /// A Gaussian whose one shared σ² is learned: set to its optimum, the batch's mean squared
        /// error (Rybkin et al. 2021's σ-VAE), so the KL's weight against the reconstruction is no
        /// longer a hand-picked σ² (or β).
        case learnedVariance
    }
    /// The decoder's likelihood.
    public var decoder: Decoder
    /// Free bits λ in nats per latent dimension (Kingma et al. 2016), or nil for the plain KL.
    public var freeBits: Float?

    /// A loss from its two switches.
    public init(decoder: Decoder, freeBits: Float? = nil) {
        (self.decoder, self.freeBits) = (decoder, freeBits)
    }
}

/// What one remedy step computed (per image, batch means).
public struct RemedyStepTerms {
    /// −log p(x|z), nats per image (one z sample).
    public var reconstruction: Float
    /// KL(q(z|x) ‖ N(0, I)) per image — the true KL, whatever the loss charged.
    public var kl: Float
    /// The KL term as the loss charged it, before β: `kl`, or Σⱼ max(λ, KLⱼ) with free bits.
    public var klCharged: Float
    /// The β the step used.
    public var beta: Float
    /// The decoder's log σ² (nil for a Bernoulli decoder).
    public var logVariance: Float?
    /// The loss that was differentiated: reconstruction + β · klCharged.
    public var loss: Float { reconstruction + beta * klCharged }
    /// ∂loss/∂(μ, log σ²) [N, 2·z], what `encoder.backward` received.
    public var dEncoderOutput: Tensor
}

/// One step of chapter 5: chapter 3's VAE step with a KL weight β from a schedule, free bits and a
/// learned decoder variance, forward and backward, on images x [N, C, H, W] with noise ε [N, z].
///
/// Gradients are added to every parameter's `grad` (`Trainer` zeroes them before and steps after).
///
///     (μ, log σ²) = encoder(x),  z = μ + σ·ε,  x̂ = decoder(z)          as in `vaeStep`
///     rec = −log p(x|z)                      Bernoulli, or N(x̂, σ²_dec) with σ²_dec fixed or
///     σ²_dec = mean (x − x̂)²                 its optimum (σ-VAE): ∂rec/∂log σ²_dec = 0 there
///     kl  = Σⱼ KLⱼ                           KLⱼ = batch mean of KL(q(zⱼ|x) ‖ N(0, 1))
///     klCharged = Σⱼ max(λ, KLⱼ)             free bits: no gradient to a dimension below λ
///     loss = rec + β · klCharged             β from a `KLSchedule` (warm-up, cyclical, constant)
///
/// With a `context` (Bernoulli only), the decoder's logits get the rows-above network's added: a
/// decoder strong enough to model x without z.
@discardableResult
public func remedyStep(_ vae: VAE, x: Tensor, eps: Tensor, objective: RemedyObjective, beta: Float,
                       context: RowContext? = nil) -> RemedyStepTerms {
    // The reparameterization and its backward are `vaeStep`'s; only the two loss terms differ.
    var logVariance: Float? = nil
    var plainKL: Float = 0
    let terms = vaeStep(vae, x: x, eps: eps, beta: beta, reconstruction: { xHat in
        // The reconstruction term, nats per image.
        switch objective.decoder {
        case .bernoulli:
            return binaryCrossEntropyWithLogits(xHat, x, reduction: .batchMean)
        case let .gaussian(variance):
            logVariance = log(variance)
            let (rec, dXHat, _) = gaussianNLL(xHat, x, logVariance: log(variance), reduction: .batchMean)
            return (rec, dXHat)
        case .learnedVariance:
            // σ² at its optimum for this batch; the loss's gradient in log σ² is zero there, so the
            // gradient with σ² held fixed is the gradient of the minimized loss (the envelope theorem).
            let optimum = optimalLogVariance(xHat, x)
            logVariance = optimum
            let (rec, dXHat, _) = gaussianNLL(xHat, x, logVariance: optimum, reduction: .batchMean)
            return (rec, dXHat)
        }
    }, kl: { mu, logVar in
        // The KL, plain or with free bits (λ = 0 charges exactly the KL).
        let (charged, dMu, dLogVar, perDimension) = freeBitsKL(mu: mu, logVar: logVar, lambda: objective.freeBits ?? 0)
        plainKL = perDimension.reduce(0, +)
        return (charged, dMu, dLogVar)
    }, context: context)
    return RemedyStepTerms(reconstruction: terms.reconstruction, kl: plainKL, klCharged: objective.freeBits == nil ? plainKL : terms.kl,
                           beta: beta, logVariance: logVariance, dEncoderOutput: terms.dEncoderOutput)
}
