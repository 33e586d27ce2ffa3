#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// KL divergences of diagonal Gaussians, each with its gradient. Inputs are [N, D] (a batch of N
// posteriors over D latent dimensions; any shape whose first dimension is the batch works). The
// per-element terms are summed and scaled by the reduction: `.batchMean` (the default) is the sum over
// latent dimensions averaged over the batch — `torch.mean(torch.sum(kl, axis=1))` in the seeds.

/// KL(N(μ, σ²) ‖ N(0, 1)) with the log-variance log σ² as parameter (the Keras/PyTorch VAE convention).
///
///     KL = −½ Σᵢ (1 + logVarᵢ − μᵢ² − e^logVarᵢ)
///     ∂KL/∂μᵢ = s · μᵢ        ∂KL/∂logVarᵢ = s · ½ (e^logVarᵢ − 1)
///
/// s is the reduction's scale (1/N for `.batchMean`). mu, logVar: [N, D] → (loss, dMu [N, D], dLogVar [N, D]).
public func gaussianKL(
    mu: Tensor, logVar: Tensor, reduction: Reduction = .batchMean
) -> (loss: Float, dMu: Tensor, dLogVar: Tensor) {
    checkSameShape(mu, logVar, "gaussianKL(mu:logVar:)")
    let scale = reduction.scale(for: mu.shape)
    var dMu = Tensor.zeros(like: mu), dLogVar = Tensor.zeros(like: mu)
    var total = 0.0
    for i in 0..<mu.count {
        let (m, lv) = (mu.scalars[i], logVar.scalars[i])
        let variance = expf(lv)
        total += Double(-0.5 * (1 + lv - m * m - variance))
        dMu.scalars[i] = scale * m
        dLogVar.scalars[i] = scale * 0.5 * (variance - 1)
    }
    return (Float(total * Double(scale)), dMu, dLogVar)
}

/// KL(N(μ, σ²) ‖ N(0, 1)) with log σ as parameter (seed 001's encoder emits μ and log σ).
///
///     KL = −½ Σᵢ (1 + 2 logσᵢ − μᵢ² − e^(2 logσᵢ))
///     ∂KL/∂μᵢ = s · μᵢ        ∂KL/∂logσᵢ = s · (e^(2 logσᵢ) − 1)
///
/// s is the reduction's scale. mu, logSigma: [N, D] → (loss, dMu [N, D], dLogSigma [N, D]).
public func gaussianKL(
    mu: Tensor, logSigma: Tensor, reduction: Reduction = .batchMean
) -> (loss: Float, dMu: Tensor, dLogSigma: Tensor) {
    checkSameShape(mu, logSigma, "gaussianKL(mu:logSigma:)")
    let scale = reduction.scale(for: mu.shape)
    var dMu = Tensor.zeros(like: mu), dLogSigma = Tensor.zeros(like: mu)
    var total = 0.0
    for i in 0..<mu.count {
        let (m, ls) = (mu.scalars[i], logSigma.scalars[i])
        let variance = expf(2 * ls)
        total += Double(-0.5 * (1 + 2 * ls - m * m - variance))
        dMu.scalars[i] = scale * m
        dLogSigma.scalars[i] = scale * (variance - 1)
    }
    return (Float(total * Double(scale)), dMu, dLogSigma)
}

/// KL(N(μ, σ²) ‖ N(0, 1)) with the standard deviation σ > 0 itself as parameter.
///
///     KL = −½ Σᵢ (1 + log σᵢ² − μᵢ² − σᵢ²)
///     ∂KL/∂μᵢ = s · μᵢ        ∂KL/∂σᵢ = s · (σᵢ − 1/σᵢ)
///
/// s is the reduction's scale. mu, sigma: [N, D] → (loss, dMu [N, D], dSigma [N, D]).
public func gaussianKL(
    mu: Tensor, sigma: Tensor, reduction: Reduction = .batchMean
) -> (loss: Float, dMu: Tensor, dSigma: Tensor) {
    checkSameShape(mu, sigma, "gaussianKL(mu:sigma:)")
    let scale = reduction.scale(for: mu.shape)
    var dMu = Tensor.zeros(like: mu), dSigma = Tensor.zeros(like: mu)
    var total = 0.0
    for i in 0..<mu.count {
        let (m, s) = (mu.scalars[i], sigma.scalars[i])
        precondition(s > 0, "gaussianKL(mu:sigma:): sigma \(s) at element \(i) is not positive")
        total += Double(-0.5 * (1 + 2 * logf(s) - m * m - s * s))
        dMu.scalars[i] = scale * m
        dSigma.scalars[i] = scale * (s - 1 / s)
    }
    return (Float(total * Double(scale)), dMu, dSigma)
}

/// KL(p ‖ q) between diagonal Gaussians p = N(μ₁, σ₁²) and q = N(μ₂, σ₂²), parameterized by log σ —
/// seed 001's `kl_divergence(mu1, log_sigma1, mu2, log_sigma2)`, summed and reduced.
///
///     KL = Σᵢ [ (logσ₂ᵢ − logσ₁ᵢ) + (σ₁ᵢ² + (μ₁ᵢ − μ₂ᵢ)²) / (2σ₂ᵢ²) − ½ ]
///     ∂KL/∂μ₁ = s · (μ₁ − μ₂)/σ₂²                 ∂KL/∂μ₂ = −∂KL/∂μ₁
///     ∂KL/∂logσ₁ = s · (σ₁²/σ₂² − 1)              ∂KL/∂logσ₂ = s · (1 − (σ₁² + (μ₁ − μ₂)²)/σ₂²)
///
/// KL is not symmetric: the first distribution is the one expectations are taken under. Each input is
/// either the full shape [N, D] or a trailing part of it (e.g. [D]), broadcast over the leading
/// dimensions as in PyTorch — `gaussianKL(mu1: mu, logSigma1: logSigma, mu2: .zeros([D]), logSigma2:
/// .zeros([D]))` is the KL to N(0, I) — and each gradient has the shape of its input (summed over the
/// broadcast dimensions). s is the reduction's scale, taken from the full shape.
public func gaussianKL(
    mu1: Tensor, logSigma1: Tensor, mu2: Tensor, logSigma2: Tensor, reduction: Reduction = .batchMean
) -> (loss: Float, dMu1: Tensor, dLogSigma1: Tensor, dMu2: Tensor, dLogSigma2: Tensor) {
    let inputs = [mu1, logSigma1, mu2, logSigma2]
    let full = inputs.max { $0.count < $1.count }!.shape
    for input in inputs {
        precondition(input.shape == full || (input.rank < full.count && Array(full.suffix(input.rank)) == input.shape),
                     "gaussianKL(mu1:logSigma1:mu2:logSigma2:): shape \(input.shape) does not broadcast to \(full)"
                     + " (shapes \(inputs.map(\.shape)))")
    }
    let count = Tensor.count(of: full)
    let scale = reduction.scale(for: full)
    var dMu1 = Tensor.zeros(like: mu1), dLogSigma1 = Tensor.zeros(like: logSigma1)
    var dMu2 = Tensor.zeros(like: mu2), dLogSigma2 = Tensor.zeros(like: logSigma2)
    var total = 0.0
    for i in 0..<count {
        // Row-major broadcasting of a trailing shape is indexing modulo its element count.
        let (i1, j1, i2, j2) = (i % mu1.count, i % logSigma1.count, i % mu2.count, i % logSigma2.count)
        let (m1, ls1, m2, ls2) = (mu1.scalars[i1], logSigma1.scalars[j1], mu2.scalars[i2], logSigma2.scalars[j2])
        let ratio = expf(2 * (ls1 - ls2))             // σ₁²/σ₂²
        let difference = m1 - m2
        let scaledSquare = difference * difference * expf(-2 * ls2)  // (μ₁ − μ₂)²/σ₂²
        total += Double((ls2 - ls1) + 0.5 * (ratio + scaledSquare) - 0.5)
        let gMu = scale * difference * expf(-2 * ls2)
        dMu1.scalars[i1] += gMu
        dMu2.scalars[i2] -= gMu
        dLogSigma1.scalars[j1] += scale * (ratio - 1)
        dLogSigma2.scalars[j2] += scale * (1 - ratio - scaledSquare)
    }
    return (Float(total * Double(scale)), dMu1, dLogSigma1, dMu2, dLogSigma2)
}

/// The KL to N(0, 1) of each latent dimension, averaged over the batch — which dimensions a (β-)VAE
/// actually uses (active units carry KL well above 0, collapsed ones ≈ 0).
///
///     KLⱼ = (1/N) Σₙ −½ (1 + logVarₙⱼ − μₙⱼ² − e^logVarₙⱼ)
///
/// mu, logVar: [N, D] → [D]; the entries sum to `gaussianKL(mu:logVar:).loss`.
public func perDimensionKL(mu: Tensor, logVar: Tensor) -> Tensor {
    checkSameShape(mu, logVar, "perDimensionKL")
    precondition(mu.rank == 2, "perDimensionKL needs [N, D] tensors, shape is \(mu.shape)")
    let (n, d) = (mu.shape[0], mu.shape[1])
    var sums = [Double](repeating: 0, count: d)
    for row in 0..<n {
        for j in 0..<d {
            let (m, lv) = (mu.scalars[row * d + j], logVar.scalars[row * d + j])
            sums[j] += Double(-0.5 * (1 + lv - m * m - expf(lv)))
        }
    }
    return Tensor(shape: [d], scalars: sums.map { Float($0 / Double(max(n, 1))) })
}
