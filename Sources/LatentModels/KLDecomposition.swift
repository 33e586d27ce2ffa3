#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// Where the KL of a VAE goes (Hoffman & Johnson 2016): averaged over the data, the KL each image pays
/// splits into the information the code carries about the image and the mismatch between the
/// aggregate posterior q(z) = (1/N) Σₙ q(z|xₙ) and the prior.
///
///     E_x KL(q(z|x) ‖ p(z)) = I_q(x; z) + KL(q(z) ‖ p(z))
public struct KLDecomposition: Sendable, Equatable {
    /// E_x KL(q(z|x) ‖ p(z)), nats per image (closed form).
    public var meanKL: Double
    /// I_q(x; z) = E_x E_q(z|x) [log q(z|x) − log q(z)], nats (at most log N for N images).
    public var mutualInformation: Double
    /// KL(q(z) ‖ p(z)) = E_q(z) [log q(z) − log p(z)], nats.
    public var marginalKL: Double
}

/// The decomposition for the posteriors N(μₙ, e^logVarₙ) of N images (mu, logVar: [N, k]), with one
/// sample zₙ ~ q(z|xₙ) per image and log q(zₙ) from the whole set, the sum Chen et al. (2018) take
/// over a minibatch taken here over all N images:
///
///     log q(zₙ) ≈ log (1/N) Σₘ q(zₙ | xₘ)                      O(N² k)
///     I ≈ (1/N) Σₙ [log q(zₙ|xₙ) − log q(zₙ)],   KL(q(z) ‖ p(z)) = meanKL − I
///
/// The estimate of I is at most log N (the sum includes m = n), so use thousands of images.
public func klDecomposition(mu: Tensor, logVar: Tensor, using generator: inout SeededGenerator) -> KLDecomposition {
    precondition(mu.rank == 2 && mu.shape == logVar.shape && mu.shape[0] >= 2, "klDecomposition needs [N, k] with N ≥ 2")
    let (n, k) = (mu.shape[0], mu.shape[1])
    let logTwoPi = Float(log(2 * Double.pi))
    let m = mu.scalars, lv = logVar.scalars
    let inverseVariance = lv.map { expf(-$0) }
    // Per image: its log-normalizer −½ Σⱼ (log σ²ⱼ + log 2π), and one sample z.
    let logNormalizer = (0..<n).map { row in (0..<k).reduce(Float(0)) { $0 - 0.5 * (lv[row * k + $1] + logTwoPi) } }
    var z = [Float](repeating: 0, count: n * k)
    var logQOwn = [Double](repeating: 0, count: n)
    for row in 0..<n {
        var quadratic: Float = 0
        for j in 0..<k {
            let eps = generator.nextNormal()
            z[row * k + j] = m[row * k + j] + expf(0.5 * lv[row * k + j]) * eps
            quadratic += eps * eps
        }
        logQOwn[row] = Double(logNormalizer[row] - 0.5 * quadratic)
    }
    // log q(zₙ) = logsumexp over every image m of log q(zₙ|xₘ), minus log N.
    var logQMarginal = [Double](repeating: 0, count: n)
    logQMarginal.withUnsafeMutableBufferPointer { out in
        let out = UncheckedSendable(out)
        parallelFor(n, grain: 8) { range in
            var terms = [Double](repeating: 0, count: n)
            for row in range {
                for other in 0..<n {
                    var quadratic: Float = 0
                    for j in 0..<k {
                        let d = z[row * k + j] - m[other * k + j]
                        quadratic += d * d * inverseVariance[other * k + j]
                    }
                    terms[other] = Double(logNormalizer[other] - 0.5 * quadratic)
                }
                out.value[row] = logSumExp(terms) - log(Double(n))
            }
        }
    }
    let meanKL = Double(gaussianKL(mu: mu, logVar: logVar, reduction: .batchMean).loss)
    let information = zip(logQOwn, logQMarginal).reduce(0) { $0 + $1.0 - $1.1 } / Double(n)
    return KLDecomposition(meanKL: meanKL, mutualInformation: information, marginalKL: meanKL - information)
}
