import Latent

/// The VAE's loss in the scaling a chapter trains with: which likelihood, how each term is reduced,
/// and the weight β of the KL term.
public struct VAEObjective: Sendable, Equatable {
    /// How the decoder's output is read: Bernoulli logits (`.bce`) or Gaussian means (`.mse`).
    public var likelihood: VAELikelihood
    /// The reconstruction term's reduction: `.sum` over pixels and batch, or `.mean` per pixel.
    public var reconstruction: Reduction
    /// The KL term's reduction: `.sum` over z and batch, or `.batchMean` (sum over z, mean over the batch).
    public var kl: Reduction
    /// The weight of the KL term.
    public var beta: Float

    /// A loss from its parts.
    public init(likelihood: VAELikelihood, reconstruction: Reduction, kl: Reduction, beta: Float) {
        (self.likelihood, self.reconstruction, self.kl, self.beta) = (likelihood, reconstruction, kl, beta)
    }

    /// Chapter 3: the negative ELBO, −log p(x|z) + KL, both summed over the batch (nats for `.bce`).
    public static func elbo(_ likelihood: VAELikelihood) -> VAEObjective {
        VAEObjective(likelihood: likelihood, reconstruction: .sum, kl: .sum, beta: 1)
    }

    /// Chapter 4 (seed 001's scaling): mean squared error per pixel + β · KL summed over z and
    /// averaged over the batch. This is the Gaussian ELBO, up to scale and a constant, only when
    /// β = 2σ²/D for the decoder variance σ² and D pixels: β and σ² cannot be told apart.
    public static func betaVAE(beta: Float) -> VAEObjective {
        VAEObjective(likelihood: .mse, reconstruction: .mean, kl: .batchMean, beta: beta)
    }
}

/// What one VAE step computed: the two loss terms and the gradient it sent into the encoder.
public struct VAEStepTerms {
    /// The reconstruction term −log p(x|z) (or the MSE), reduced as the objective says.
    public var reconstruction: Float
    /// KL(q(z|x) ‖ N(0, I)), reduced as the objective says (not yet times β).
    public var kl: Float
    /// ∂loss/∂(μ, log σ²) [N, 2·z], what `encoder.backward` received.
    public var dEncoderOutput: Tensor
}

/// One VAE step, forward and backward, on images x [N, C, H, W] with noise ε [N, z] ~ N(0, I): the
/// code chapters 3 and 4 train with, and the code the gradient-check and PyTorch-parity tests check.
/// With `condition` (one-hot labels [N, classes]) it is chapter 7's conditional VAE step.
///
/// Gradients are added to every parameter's `grad` (zero them before; apply the optimizer after):
/// `Trainer` does both around this function.
///
///     (μ, log σ²) = encoder(x)                         q(z|x) = N(μ, σ²)              [eq. 1]
///     z = μ + σ·ε,  σ = exp(½ log σ²)                  the reparameterization          [eq. 2]
///     x̂ = decoder(z),  rec = −log p(x|z)               Bernoulli or Gaussian           [eq. 3]
///     kl = KL(N(μ, σ²) ‖ N(0, I))                      closed form                     [eq. 4]
///     loss = rec + β·kl
///     ∂loss/∂μ = ∂rec/∂z + β ∂kl/∂μ                    since ∂z/∂μ = 1                 [eq. 5]
///     ∂loss/∂log σ² = ∂rec/∂z · ε · ½σ + β ∂kl/∂log σ² since ∂z/∂log σ² = ½σε
@discardableResult
public func vaeStep(_ vae: VAE, x: Tensor, eps: Tensor, objective: VAEObjective, condition: Tensor? = nil) -> VAEStepTerms {
    vaeStep(vae, x: x, eps: eps, beta: objective.beta,
            // −log p(x|z): Bernoulli (BCE on logits) or Gaussian (squared error).               [eq. 3]
            reconstruction: { xHat in
                objective.likelihood == .bce
                    ? binaryCrossEntropyWithLogits(xHat, x, reduction: objective.reconstruction)
                    : mse(xHat, x, reduction: objective.reconstruction)
            },
            // KL(N(μ, σ²) ‖ N(0, I)) in closed form, with its gradients.                        [eq. 4]
            kl: { mu, logVar in gaussianKL(mu: mu, logVar: logVar, reduction: objective.kl) },
            // Chapter 7's conditional VAE: the label y beside x in the encoder and beside z in the decoder.
            condition: condition)
}

/// The VAE step with its two loss terms given as functions, on one sample per image (the encoder, the
/// reparameterization z = μ + σ·ε, the decoder and the backward pass are `reparameterizedStep`).
/// `vaeStep(_:x:eps:objective:)` (chapters 3 and 4) and `remedyStep` (chapter 5: free bits, a learned
/// decoder variance, a decoder that also sees the rows above through `context`) both call it.
///
/// - Parameters:
///   - reconstruction: x̂ → (−log p(x|z), ∂/∂x̂).
///   - kl: (μ, log σ²) → (the KL term as charged, ∂/∂μ, ∂/∂log σ²); β multiplies its gradients here.
///   - context: logits from the pixels already seen, added to the decoder's output (chapter 5).
///   - condition: a label per image, one-hot [N, classes], given to both networks (chapter 7's
///     conditional VAE and M2): the encoder reads [flattened x, y] and the decoder [z, y], so the
///     model is q(z|x, y) and p(x|z, y). The condition is data: it receives no gradient.
@discardableResult
public func vaeStep(
    _ vae: VAE, x: Tensor, eps: Tensor, beta: Float,
    reconstruction: (_ xHat: Tensor) -> (loss: Float, gradient: Tensor),
    kl: (_ mu: Tensor, _ logVar: Tensor) -> (loss: Float, dMu: Tensor, dLogVar: Tensor),
    context: RowContext? = nil, condition: Tensor? = nil
) -> VAEStepTerms {
    var terms = (rec: Float(0), kl: Float(0))
    let dEncoderOutput = reparameterizedStep(vae, x: x, eps: eps, samples: 1, context: context, condition: condition) { sample in
        let (rec, dXHat) = reconstruction(sample.xHat)
        // The KL term and its gradients.                                                    [eq. 4]
        let (klTerm, dMu, dLogVar) = kl(sample.mu, sample.logVar)
        terms = (rec, klTerm)
        return SampleGradients(dXHat: dXHat, dZ: nil, dMu: beta * dMu, dLogVar: beta * dLogVar)
    }
    return VAEStepTerms(reconstruction: terms.rec, kl: terms.kl, dEncoderOutput: dEncoderOutput)
}

/// The forward pass a loss reads: the encoder's (μ, log σ²) [N, z] per image, and for each of the k
/// samples per image (rows n·k ..< n·k + k) the code z = μ + σ·ε and the decoder's output x̂.
public struct VAESample {
    /// μ and log σ², [N, z] (one row per image).
    public let mu: Tensor, logVar: Tensor
    /// ε, z = μ + σ·ε and σ, [N·k, z] (k rows per image).
    public let eps: Tensor, z: Tensor, std: Tensor
    /// decoder(z), [N·k, C, H, W].
    public let xHat: Tensor
    /// Samples per image.
    public let samples: Int
}

/// What a loss sends back into the step: ∂loss/∂x̂ [N·k, …], ∂loss/∂z that does not go through the
/// decoder (the prior's log p(z), or nil), and ∂loss/∂(μ, log σ²) that does not go through z (the
/// closed-form KL, or log q(z|x)'s −½ Σ log σ²), [N·k, z] (per sample; for k = 1 one row per image).
public struct SampleGradients {
    public var dXHat: Tensor, dZ: Tensor?, dMu: Tensor?, dLogVar: Tensor?
    public init(dXHat: Tensor, dZ: Tensor?, dMu: Tensor?, dLogVar: Tensor?) {
        (self.dXHat, self.dZ, self.dMu, self.dLogVar) = (dXHat, dZ, dMu, dLogVar)
    }
}

/// The one place the encoder, the reparameterization z = μ + σ·ε, the decoder and the backward pass
/// through the sample are written, for k samples per image: the ELBO step (k = 1) and the IWAE step
/// (k ≥ 1) both call it. The encoder runs once per image; its outputs are repeated k times.
/// Returns ∂loss/∂(μ, log σ²) [N, 2·z], what `encoder.backward` received.
func reparameterizedStep(
    _ vae: VAE, x: Tensor, eps: Tensor, samples k: Int, context: RowContext?, condition: Tensor? = nil,
    loss: (VAESample) -> SampleGradients
) -> Tensor {
    precondition(k >= 1, "a VAE step needs at least one sample per image, got \(k)")
    precondition(context == nil || k == 1, "a decoder with row context takes one sample per image")
    // Encoder: q(z|x) = N(μ, σ²), μ and log σ² side by side (q(z|x, y) with a condition).     [eq. 1]
    let (mu, logVar) = vae.encoder.forward(conditioned(x, on: condition)).splitColumns(vae.latentDimension)
    let (muK, logVarK) = k == 1 ? (mu, logVar) : (mu.repeatingRows(k), logVar.repeatingRows(k))
    precondition(eps.shape == muK.shape, "ε must be [N·k, z] = \(muK.shape), got \(eps.shape)")
    // Reparameterization: z = μ + σ·ε — z is a function of μ and σ, so gradients reach them.   [eq. 2]
    let std = exp(0.5 * logVarK)
    let z = muK + std * eps
    // Decoder and the loss (reconstruction −log p(x|z), −log p(x|z, y) with a condition).    [eq. 3]
    let conditionK = condition.map { k == 1 ? $0 : $0.repeatingRows(k) }
    var xHat = vae.decoder.forward(conditionK.map { concatColumns(z, $0) } ?? z)
    if let context { xHat = xHat + context.forward(x) }
    let gradients = loss(VAESample(mu: mu, logVar: logVar, eps: eps, z: z, std: std, xHat: xHat, samples: k))
    // Backward: the decoder gives ∂loss/∂z; the chain rule through z = μ + σ·ε does the rest.  [eq. 5]
    if let context { context.backwardParametersOnly(gradients.dXHat) }
    let dDecoderInput = vae.decoder.backward(gradients.dXHat)
    var dZ = condition == nil ? dDecoderInput : dDecoderInput.splitColumns(vae.latentDimension).0
    if let direct = gradients.dZ { dZ = dZ + direct }
    var dMu = dZ, dLogVar = dZ * eps * 0.5 * std
    if let direct = gradients.dMu { dMu = dMu + direct }
    if let direct = gradients.dLogVar { dLogVar = dLogVar + direct }
    // The encoder's outputs were used k times: their gradients are the sums over the k samples.
    if k > 1 { (dMu, dLogVar) = (dMu.summingRowGroups(k), dLogVar.summingRowGroups(k)) }
    let dEncoderOutput = concatColumns(dMu, dLogVar)
    vae.encoder.backwardParametersOnly(dEncoderOutput)  // x is data: its gradient is never computed
    return dEncoderOutput
}

extension Tensor {
    /// [N, D] → [N·k, D]: each row repeated k times in place (rows n·k ..< n·k + k are row n).
    func repeatingRows(_ k: Int) -> Tensor {
        let (n, d) = (shape[0], count / Swift.max(shape[0], 1))
        return withUnsafeBufferPointer { src in
            Tensor(shape: [n * k] + shape.dropFirst()) { out in
                for row in 0..<n {
                    for copy in 0..<k {
                        for j in 0..<d { out[(row * k + copy) * d + j] = src[row * d + j] }
                    }
                }
            }
        }
    }

    /// [N·k, D] → [N, D]: the sum of each group of k consecutive rows, added in order.
    func summingRowGroups(_ k: Int) -> Tensor {
        let (n, d) = (shape[0] / k, count / Swift.max(shape[0], 1))
        return withUnsafeBufferPointer { src in
            Tensor(shape: [n] + shape.dropFirst()) { out in
                for row in 0..<n {
                    for j in 0..<d {
                        var total: Float = 0
                        for copy in 0..<k { total += src[(row * k + copy) * d + j] }
                        out[row * d + j] = total
                    }
                }
            }
        }
    }
}

/// The encoder's input: x itself, or with a condition, [x flattened to [N, C·H·W], y] side by side.
public func conditioned(_ x: Tensor, on condition: Tensor?) -> Tensor {
    guard let condition else { return x }
    precondition(condition.rank == 2 && condition.shape[0] == x.shape[0],
                 "condition must be [N, classes] with N = \(x.shape[0]) images, got \(condition.shape)")
    return concatColumns(x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)]), condition)
}

extension VAE: TrainableModel {
    /// The first non-finite layer output: the encoder's layers on x, then the decoder's on μ. A
    /// conditional VAE takes the encoder's input, [x flattened, y], and decodes [μ, y].
    public func firstNonFiniteOutput(input x: Tensor) -> String? {
        let (out, bad) = encoder.firstNonFiniteLayer(input: x)
        if let bad { return "output of layer encoder.\(bad.index) \(bad.layer)" }
        let (mu, _) = out.splitColumns(latentDimension)
        let decoderInput = classes > 0 ? concatColumns(mu, x.splitColumns(x.shape[1] - classes).1) : mu
        if let bad = decoder.firstNonFiniteLayer(input: decoderInput).bad { return "output of layer decoder.\(bad.index) \(bad.layer)" }
        return nil
    }
}
