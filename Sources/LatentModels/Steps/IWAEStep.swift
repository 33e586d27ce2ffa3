#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// What one IWAE step computed: the loss, its two parts as plain sample means (for the progress
/// line), the log-weights and their normalized weights, and the gradient sent into the encoder.
public struct IWAEStepTerms {
    /// −Σₙ log (1/k) Σᵢ wₙᵢ, summed over the batch (nats): the negative k-sample bound.
    public var loss: Float
    /// Σₙ (1/k) Σᵢ −log p(xₙ|zₙᵢ): the reconstruction term, averaged over the samples.
    public var reconstruction: Float
    /// Σₙ (1/k) Σᵢ [log q(zₙᵢ|xₙ) − log p(zₙᵢ)]: the one-sample KL estimates, averaged over the samples.
    public var kl: Float
    /// log wₙᵢ = log p(xₙ|zₙᵢ) + log p(zₙᵢ) − log q(zₙᵢ|xₙ), row-major [N, k].
    public var logWeights: [Double]
    /// The self-normalized weights w̃ₙᵢ = wₙᵢ / Σⱼ wₙⱼ, row-major [N, k].
    public var weights: [Double]
    /// ∂loss/∂(μ, log σ²) [N, 2·z], what `encoder.backward` received.
    public var dEncoderOutput: Tensor
}

/// One IWAE step (Burda, Grosse & Salakhutdinov 2016), forward and backward, on binary images
/// x [N, C, H, W] with noise ε [N·k, z] ~ N(0, I) (rows n·k ..< n·k + k belong to image n), for a
/// Bernoulli decoder. The encoder runs once per image; the k codes share its (μ, log σ²).
///
/// Gradients are added to every parameter's `grad`, as `vaeStep` does (`Trainer` zeroes and applies).
///
///     zᵢ = μ + σ·εᵢ, i = 1…k                                    the reparameterization, k times
///     log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x)            the log importance weights  [eq. 6]
///            = −BCE(decoder(zᵢ), x) − ½‖zᵢ‖² + ½‖εᵢ‖² + ½ Σ log σ²     (the log 2π cancel)
///     loss = −log (1/k) Σᵢ wᵢ = −(m + log Σᵢ e^(log wᵢ − m)) + log k,  m = maxᵢ log wᵢ     [eq. 7]
///     ∂loss/∂θ = −Σᵢ w̃ᵢ ∂log wᵢ/∂θ,  w̃ᵢ = wᵢ / Σⱼ wⱼ              self-normalized weights   [eq. 8]
///
/// With k = 1 the weight is 1 and this is the ELBO step with the KL estimated from the one sample
/// (log q − log p) instead of in closed form: the same expectation, more noise.
@discardableResult
public func iwaeStep(_ vae: VAE, x: Tensor, eps: Tensor, samples k: Int) -> IWAEStepTerms {
    precondition(vae.likelihood == .bce, "the IWAE step is written for a Bernoulli decoder (--likelihood bce)")
    let n = x.shape[0]
    let pixels = x.count / Swift.max(n, 1)
    let zDim = vae.latentDimension
    var terms = IWAEStepTerms(loss: 0, reconstruction: 0, kl: 0, logWeights: [], weights: [], dEncoderOutput: Tensor(0))
    terms.dEncoderOutput = reparameterizedStep(vae, x: x, eps: eps, samples: k, context: nil) { sample in
        let rows = n * k
        // −log p(x|zᵢ) per sample (BCE on logits, summed over pixels) and its gradient σ(x̂) − x.
        var rec = [Double](repeating: 0, count: rows)
        var dXHat = bernoulliNLLPerRow(logits: sample.xHat, targets: x, samples: k, into: &rec)
        // log p(zᵢ) − log q(zᵢ|x) = −½‖zᵢ‖² + ½‖εᵢ‖² + ½ Σ log σ² per sample.                       [eq. 6]
        var logWeights = [Double](repeating: 0, count: rows)
        var weights = [Double](repeating: 0, count: rows)
        var loss = 0.0, recSum = 0.0, klSum = 0.0
        for row in 0..<rows {
            let image = row / k
            var priorMinusQ = 0.0
            for j in 0..<zDim {
                let z = Double(sample.z.scalars[row * zDim + j]), e = Double(sample.eps.scalars[row * zDim + j])
                priorMinusQ += -0.5 * z * z + 0.5 * e * e + 0.5 * Double(sample.logVar.scalars[image * zDim + j])
            }
            logWeights[row] = -rec[row] + priorMinusQ
            recSum += rec[row]
            klSum -= priorMinusQ
        }
        // loss = −log (1/k) Σᵢ wᵢ, shifted by the largest log wᵢ; w̃ᵢ = e^(log wᵢ − m) / Σⱼ e^(log wⱼ − m).  [eq. 7]
        for image in 0..<n {
            let group = image * k ..< image * k + k
            let m = logWeights[group].max()!
            var total = 0.0
            for row in group { weights[row] = exp(logWeights[row] - m); total += weights[row] }
            for row in group { weights[row] /= total }
            loss -= m + log(total) - log(Double(k))
        }
        // ∂loss/∂log wᵢ = −w̃ᵢ: each sample's gradient of −log wᵢ, times its weight.                  [eq. 8]
        //   through x̂ᵢ: w̃ᵢ (σ(x̂ᵢ) − x);  through zᵢ directly (log p(z)): w̃ᵢ zᵢ;  through log σ² (log q): −½ w̃ᵢ
        var dZ = sample.z, dLogVar = Tensor(shape: [rows, zDim], repeating: -0.5)
        dXHat.withUnsafeMutableBufferPointer { g in
            for row in 0..<rows {
                let w = Float(weights[row])
                for p in 0..<pixels { g[row * pixels + p] *= w }
                for j in 0..<zDim { dZ.scalars[row * zDim + j] *= w; dLogVar.scalars[row * zDim + j] *= w }
            }
        }
        terms.loss = Float(loss)
        (terms.reconstruction, terms.kl) = (Float(recSum / Double(k)), Float(klSum / Double(k)))
        (terms.logWeights, terms.weights) = (logWeights, weights)
        return SampleGradients(dXHat: dXHat, dZ: dZ, dMu: nil, dLogVar: dLogVar)
    }
    return terms
}

/// −log p(x|z) of a Bernoulli decoder for each of N·k rows of logits [N·k, …] against the N binary
/// images [N, …] (row r is scored against image r / k), in Double, written to `nll`; returns σ(logits) − x.
///
///     −log p(x|z) = Σₚ max(lₚ, 0) − lₚ·xₚ + log(1 + e^−|lₚ|)      ∂/∂lₚ = σ(lₚ) − xₚ
///
/// `bernoulliNLL` (the kernel of `binaryCrossEntropyWithLogits`) one row at a time; rows are split across threads,
/// and each row is summed in the same order whatever the thread count.
func bernoulliNLLPerRow(logits: Tensor, targets: Tensor, samples k: Int, into nll: inout [Double]) -> Tensor {
    let rows = logits.shape[0]
    let pixels = logits.count / Swift.max(rows, 1)
    precondition(targets.count == rows / k * pixels, "logits \(logits.shape) and images \(targets.shape) do not pair up \(k) to 1")
    return logits.withUnsafeBufferPointer { l in
        targets.withUnsafeBufferPointer { x in
            nll.withUnsafeMutableBufferPointer { out in
                Tensor(shape: logits.shape) { g in
                    let (l, x, out, g) = (UncheckedSendable(l), UncheckedSendable(x), UncheckedSendable(out), UncheckedSendable(g))
                    parallelFor(rows, grain: 8) { range in
                        for row in range {
                            out.value[row] = bernoulliNLL(logits: l.value.baseAddress! + row &* pixels,
                                                          targets: x.value.baseAddress! + row / k &* pixels, count: pixels,
                                                          gradient: g.value.baseAddress! + row &* pixels)
                        }
                    }
                }
            }
        }
    }
}
