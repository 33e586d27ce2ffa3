#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The total correlation of the aggregate posterior, TC = KL(q(z) ‖ ∏_d q(z_d)), estimated on one
/// minibatch by minibatch-weighted sampling (Chen et al. 2018, "Isolating Sources of Disentanglement
/// in VAEs", §3 and appendix C), with its gradient.
///
/// The batch holds M posteriors q(z|xⱼ) = N(μⱼ, diag e^{lvⱼ}) and one sample zᵢ from each. With
///
///     L[i, j, d] = log N(z_id; μ_jd, e^{lv_jd}) = −½ (log 2π + lv_jd + (z_id − μ_jd)² e^{−lv_jd})
///
/// the estimates of log q(zᵢ) and log q(z_id) for a dataset of N images are
///
///     log q(zᵢ)   ≈ logsumexp_j Σ_d L[i, j, d] − log(N·M)
///     log q(z_id) ≈ logsumexp_j L[i, j, d]     − log(N·M)
///
/// and TC ≈ (1/M) Σᵢ [log q(zᵢ) − Σ_d log q(z_id)]. Its gradient with respect to L is
///
///     ∂TC/∂L[i, j, d] = (1/M) (wᵢⱼ − v_ijd),   w = softmax_j Σ_d L[i, j, d],  v = softmax_j L[i, j, d]
///
/// and the chain rule through L gives the three returned gradients (z, μ and lv all enter L):
///
///     ∂L/∂z_id = −(z_id − μ_jd) e^{−lv_jd},  ∂L/∂μ_jd = +(z_id − μ_jd) e^{−lv_jd},
///     ∂L/∂lv_jd = −½ + ½ (z_id − μ_jd)² e^{−lv_jd}
///
/// Computed in Double (M·M·D terms; M = 64, D = 10 is 41k). z, mu, logVar: [M, D].
public func totalCorrelation(
    z: Tensor, mu: Tensor, logVar: Tensor, datasetSize: Int
) -> (loss: Float, dZ: Tensor, dMu: Tensor, dLogVar: Tensor) {
    checkSameShape(z, mu, "totalCorrelation(z:mu:logVar:)")
    checkSameShape(mu, logVar, "totalCorrelation(z:mu:logVar:)")
    precondition(mu.rank == 2 && datasetSize >= 1, "totalCorrelation: expected [M, D] inputs and datasetSize ≥ 1")
    let (m, d) = (mu.shape[0], mu.shape[1])
    let log2pi = log(2 * Double.pi)
    var logQ = [Double](repeating: 0, count: m * m * d)  // L[i, j, d]
    var joint = [Double](repeating: 0, count: m * m)     // Σ_d L[i, j, d]
    for i in 0..<m {
        for j in 0..<m {
            var sum = 0.0
            for k in 0..<d {
                let lv = Double(logVar.scalars[j * d + k])
                let diff = Double(z.scalars[i * d + k]) - Double(mu.scalars[j * d + k])
                let l = -0.5 * (log2pi + lv + diff * diff * exp(-lv))
                logQ[(i * m + j) * d + k] = l
                sum += l
            }
            joint[i * m + j] = sum
        }
    }
    // logsumexp over j, and the softmax weights that are its gradient.
    var total = 0.0
    var w = [Double](repeating: 0, count: m * m), v = [Double](repeating: 0, count: m * m * d)
    for i in 0..<m {
        var top = -Double.infinity
        for j in 0..<m { top = max(top, joint[i * m + j]) }
        var s = 0.0
        for j in 0..<m { s += exp(joint[i * m + j] - top) }
        total += top + log(s)                                           // log q(zᵢ) + log NM
        for j in 0..<m { w[i * m + j] = exp(joint[i * m + j] - top) / s }
        for k in 0..<d {
            var topK = -Double.infinity
            for j in 0..<m { topK = max(topK, logQ[(i * m + j) * d + k]) }
            var sK = 0.0
            for j in 0..<m { sK += exp(logQ[(i * m + j) * d + k] - topK) }
            total -= topK + log(sK)                                     // − (log q(z_id) + log NM)
            for j in 0..<m { v[(i * m + j) * d + k] = exp(logQ[(i * m + j) * d + k] - topK) / sK }
        }
    }
    // The −log NM of log q(z) and the +D·log NM of Σ_d log q(z_d): a constant, (D − 1) log NM.
    let constant = Double(d - 1) * log(Double(datasetSize) * Double(m))
    let value = total / Double(m) + constant
    var dZ = [Double](repeating: 0, count: m * d), dMu = dZ, dLogVar = dZ
    for i in 0..<m {
        for j in 0..<m {
            for k in 0..<d {
                let g = (w[i * m + j] - v[(i * m + j) * d + k]) / Double(m)   // ∂TC/∂L[i, j, k]
                if g == 0 { continue }
                let precision = exp(-Double(logVar.scalars[j * d + k]))
                let diff = Double(z.scalars[i * d + k]) - Double(mu.scalars[j * d + k])
                dZ[i * d + k] -= g * diff * precision
                dMu[j * d + k] += g * diff * precision
                dLogVar[j * d + k] += g * (-0.5 + 0.5 * diff * diff * precision)
            }
        }
    }
    func tensor(_ a: [Double]) -> Tensor { Tensor(shape: [m, d], scalars: a.map { Float($0) }) }
    return (Float(value), tensor(dZ), tensor(dMu), tensor(dLogVar))
}
