#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The free-bits KL (Kingma et al. 2016): each latent dimension's KL to N(0, 1), averaged over the
/// batch, is charged at least λ nats — below λ a dimension costs a flat λ and gets no gradient, so the
/// optimizer has no reason to push it all the way onto the prior.
///
///     KLⱼ = (1/N) Σₙ −½ (1 + logVarₙⱼ − μₙⱼ² − e^logVarₙⱼ)       (the batch-mean KL of dimension j)
///     loss = Σⱼ max(λ, KLⱼ)
///     ∂loss/∂μₙⱼ = [KLⱼ > λ] · μₙⱼ / N        ∂loss/∂logVarₙⱼ = [KLⱼ > λ] · ½ (e^logVarₙⱼ − 1) / N
///
/// With λ = 0 it is `gaussianKL(mu:logVar:reduction: .batchMean)`. The kink is at KLⱼ = λ: the
/// gradient jumps from 0 to the KL's.
/// mu, logVar: [N, D] → (loss per image, dMu [N, D], dLogVar [N, D], KLⱼ [D]).
public func freeBitsKL(
    mu: Tensor, logVar: Tensor, lambda: Float
) -> (loss: Float, dMu: Tensor, dLogVar: Tensor, perDimension: [Float]) {
    checkSameShape(mu, logVar, "freeBitsKL")
    precondition(mu.rank == 2, "freeBitsKL needs [N, D] tensors, shape is \(mu.shape)")
    precondition(lambda >= 0, "freeBitsKL: λ must be ≥ 0, got \(lambda)")
    let (n, d) = (mu.shape[0], mu.shape[1])
    // KLⱼ, the batch mean of each dimension's KL.
    var sums = [Double](repeating: 0, count: d)
    for row in 0..<n {
        for j in 0..<d {
            let (m, lv) = (mu.scalars[row * d + j], logVar.scalars[row * d + j])
            sums[j] += Double(-0.5 * (1 + lv - m * m - expf(lv)))
        }
    }
    let perDimension = sums.map { Float($0 / Double(n)) }
    // max(λ, KLⱼ): a dimension below λ is charged λ and passes no gradient.
    var loss = 0.0
    for j in 0..<d { loss += Double(max(lambda, perDimension[j])) }
    var dMu = Tensor.zeros(like: mu), dLogVar = Tensor.zeros(like: mu)
    let scale = 1 / Float(n)
    for row in 0..<n {
        for j in 0..<d where perDimension[j] > lambda {
            let i = row * d + j
            dMu.scalars[i] = scale * mu.scalars[i]
            dLogVar.scalars[i] = scale * 0.5 * (expf(logVar.scalars[i]) - 1)
        }
    }
    return (Float(loss), dMu, dLogVar, perDimension)
}
