#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// A linear Gaussian latent-variable model, the model a linear VAE's decoder defines, with everything
/// about it in closed form (Tipping & Bishop 1999):
///
///     p(z) = N(0, I),   p(x|z) = N(W z + b, σ² I),   W: [D, k]
///     p(x) = N(b, C),   C = W Wᵀ + σ² I
///     log p(x) = −½ (D log 2π + log|C| + (x − b)ᵀ C⁻¹ (x − b))
///     M = Wᵀ W + σ² I  (k × k):   log|C| = (D − k) log σ² + log|M|,   C⁻¹ = (I − W M⁻¹ Wᵀ) / σ²
///     p(z|x) = N(M⁻¹ Wᵀ (x − b), σ² M⁻¹)
///
/// Only k × k matrices are ever factored (a Cholesky of M), never the D × D C. Double throughout.
public struct LinearGaussianModel: Sendable {
    /// The number of observed features D.
    public let featureCount: Int
    /// The latent size k.
    public let latentCount: Int
    /// W, row-major [D, k] (the decoder Linear's weight).
    public let w: [Double]
    /// b: [D] (the decoder Linear's bias; the data mean at the optimum).
    public let b: [Double]
    /// σ², the noise variance of every feature.
    public let variance: Double
    /// The Cholesky factor L of M = WᵀW + σ²I (lower triangular, row-major [k, k]).
    private let choleskyM: [Double]
    /// log|M|.
    private let logDetM: Double

    /// The model p(x|z) = N(W z + b, σ² I); W row-major [D, k].
    public init(w: [Double], b: [Double], variance: Double) {
        let d = b.count
        precondition(d > 0 && w.count % d == 0 && variance > 0, "LinearGaussianModel: W \(w.count) values for D = \(d), σ² = \(variance)")
        let k = w.count / d
        (featureCount, latentCount, self.w, self.b, self.variance) = (d, k, w, b, variance)
        var m = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                var s = i == j ? variance : 0
                for r in 0..<d { s += w[r * k + i] * w[r * k + j] }
                m[i * k + j] = s
            }
        }
        let l = cholesky(m, n: k)
        choleskyM = l
        logDetM = (0..<k).reduce(0) { $0 + 2 * log(l[$1 * k + $1]) }
    }

    /// The maximum-likelihood pPCA of a data set from its PCA (Tipping & Bishop 1999, eq. 7–8):
    ///
    ///     σ² = (1/(D − k)) Σ_{i > k} λᵢ              the mean of the discarded eigenvalues
    ///     W  = U_k (Λ_k − σ² I)^½                     (up to a rotation, which does not change p(x))
    ///
    /// with λ the eigenvalues of the covariance normalized by N (PCA's are by N − 1). `pca` must hold
    /// k < D components; its `totalVariance` gives the discarded eigenvalues' sum.
    public static func maximumLikelihood(_ pca: PCA) -> LinearGaussianModel {
        let (d, k, n) = (pca.featureCount, pca.componentCount, Double(pca.sampleCount))
        precondition(k < d, "pPCA needs k < D, got k = \(k), D = \(d)")
        let toML = (n - 1) / n
        let lambdas = pca.explainedVariance.map { $0 * toML }
        let variance = (pca.totalVariance * toML - lambdas.reduce(0, +)) / Double(d - k)
        var w = [Double](repeating: 0, count: d * k)
        for i in 0..<k {
            let scale = max(lambdas[i] - variance, 0).squareRoot()
            for r in 0..<d { w[r * k + i] = Double(pca.components.scalars[i * d + r]) * scale }
        }
        return LinearGaussianModel(w: w, b: pca.mean.scalars.map(Double.init), variance: variance)
    }

    /// The model of a linear VAE's decoder, `Linear(k, D)` (weight W [D, k], bias b), with variance σ².
    public init(decoder: Linear, variance: Double) {
        self.init(w: decoder.weight.value.scalars.map(Double.init),
                  b: (decoder.bias?.value.scalars ?? [Float](repeating: 0, count: decoder.outFeatures)).map(Double.init),
                  variance: variance)
    }

    /// Wᵀ(x − b) and ‖x − b‖² for row `row` of x [N, D].
    private func project(_ x: Tensor, row: Int) -> (wtr: [Double], residual: [Double]) {
        let (d, k) = (featureCount, latentCount)
        var r = [Double](repeating: 0, count: d), wtr = [Double](repeating: 0, count: k)
        for i in 0..<d {
            r[i] = Double(x.scalars[row * d + i]) - b[i]
            for j in 0..<k { wtr[j] += w[i * k + j] * r[i] }
        }
        return (wtr, r)
    }

    /// The exact log p(x) of each row of x [N, D] (images flattened), in nats.
    public func logLikelihood(_ x: Tensor) -> [Double] {
        let (d, k) = (featureCount, latentCount)
        let logDetC = Double(d - k) * log(variance) + logDetM
        return (0..<x.shape[0]).map { row in
            let (wtr, r) = project(x, row: row)
            let y = forwardSubstitute(choleskyM, wtr, n: k)  // ‖y‖² = (Wᵀr)ᵀ M⁻¹ (Wᵀr)
            let quadratic = (r.reduce(0) { $0 + $1 * $1 } - y.reduce(0) { $0 + $1 * $1 }) / variance
            return -0.5 * (Double(d) * log(2 * Double.pi) + logDetC + quadratic)
        }
    }

    /// The exact posterior p(z|x) of row `row` of x: mean M⁻¹Wᵀ(x − b) [k] and covariance σ² M⁻¹ [k, k].
    public func posterior(_ x: Tensor, row: Int) -> (mean: [Double], covariance: [Double]) {
        let k = latentCount
        let mean = choleskySolve(choleskyM, project(x, row: row).wtr, n: k)
        var covariance = [Double](repeating: 0, count: k * k)
        for j in 0..<k {
            var e = [Double](repeating: 0, count: k)
            e[j] = 1
            let column = choleskySolve(choleskyM, e, n: k)
            for i in 0..<k { covariance[i * k + j] = variance * column[i] }
        }
        return (mean, covariance)
    }

    /// KL(q(z|x) ‖ p(z|x)) for each row of x, q = N(μ, diag e^logVar) (mu, logVar: [N, k]): the gap
    /// between log p(x) and the ELBO.
    ///
    ///     KL = ½ [ tr(Σ⁻¹ S) + (m − μ)ᵀ Σ⁻¹ (m − μ) − k + log|Σ| − log|S| ],   Σ⁻¹ = M/σ², log|Σ| = k log σ² − log|M|
    public func posteriorKL(_ x: Tensor, mu: Tensor, logVar: Tensor) -> [Double] {
        let k = latentCount
        let m = mMatrix()
        return (0..<x.shape[0]).map { row in
            let mean = choleskySolve(choleskyM, project(x, row: row).wtr, n: k)
            let delta = (0..<k).map { mean[$0] - Double(mu.scalars[row * k + $0]) }
            var trace = 0.0, quadratic = 0.0, logDetS = 0.0
            for i in 0..<k {
                let s = exp(Double(logVar.scalars[row * k + i]))
                trace += m[i * k + i] * s / variance
                logDetS += Double(logVar.scalars[row * k + i])
                for j in 0..<k { quadratic += delta[i] * m[i * k + j] * delta[j] / variance }
            }
            let logDetSigma = Double(k) * log(variance) - logDetM
            return 0.5 * (trace + quadratic - Double(k) + logDetSigma - logDetS)
        }
    }

    /// The ELBO of each row of x under q(z|x) = N(μ, diag e^logVar), exactly (no sampling):
    ///
    ///     E_q log p(x|z) = −½ [D log 2πσ² + (‖x − b − Wμ‖² + Σⱼ ‖wⱼ‖² sⱼ) / σ²]
    ///     ELBO = E_q log p(x|z) − KL(q ‖ N(0, I))
    public func elbo(_ x: Tensor, mu: Tensor, logVar: Tensor) -> [Double] {
        let (d, k) = (featureCount, latentCount)
        var columnSquares = [Double](repeating: 0, count: k)
        for i in 0..<d { for j in 0..<k { columnSquares[j] += w[i * k + j] * w[i * k + j] } }
        return (0..<x.shape[0]).map { row in
            let r = project(x, row: row).residual
            var squares = 0.0
            for i in 0..<d {
                var e = r[i]
                for j in 0..<k { e -= w[i * k + j] * Double(mu.scalars[row * k + j]) }
                squares += e * e
            }
            var kl = 0.0
            for j in 0..<k {
                let (m, lv) = (Double(mu.scalars[row * k + j]), Double(logVar.scalars[row * k + j]))
                squares += columnSquares[j] * exp(lv)
                kl += 0.5 * (m * m + exp(lv) - 1 - lv)
            }
            return -0.5 * (Double(d) * log(2 * Double.pi * variance) + squares / variance) - kl
        }
    }

    /// The expected squared error per feature, E_q ‖x − Wz − b‖² / D averaged over the rows of x: the
    /// σ² that maximizes the ELBO for this encoder and decoder.
    public func expectedSquaredError(_ x: Tensor, mu: Tensor, logVar: Tensor) -> Double {
        let (d, k) = (featureCount, latentCount)
        var total = 0.0
        for row in 0..<x.shape[0] {
            let r = project(x, row: row).residual
            for i in 0..<d {
                var e = r[i]
                for j in 0..<k { e -= w[i * k + j] * Double(mu.scalars[row * k + j]) }
                total += e * e
                for j in 0..<k { total += w[i * k + j] * w[i * k + j] * exp(Double(logVar.scalars[row * k + j])) }
            }
        }
        return total / Double(x.shape[0] * d)
    }

    /// M = WᵀW + σ²I rebuilt from its Cholesky factor.
    private func mMatrix() -> [Double] {
        let k = latentCount
        var m = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0..<k { for t in 0...min(i, j) { m[i * k + j] += choleskyM[i * k + t] * choleskyM[j * k + t] } } }
        return m
    }
}

/// The Cholesky factor L (lower triangular, A = L Lᵀ) of a symmetric positive-definite A [n, n].
func cholesky(_ a: [Double], n: Int) -> [Double] {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var s = a[i * n + j]
            for t in 0..<j { s -= l[i * n + t] * l[j * n + t] }
            if i == j {
                precondition(s > 0, "cholesky: the matrix is not positive definite (pivot \(s) at \(i))")
                l[i * n + i] = s.squareRoot()
            } else {
                l[i * n + j] = s / l[j * n + j]
            }
        }
    }
    return l
}

/// y with L y = v (L lower triangular [n, n]).
func forwardSubstitute(_ l: [Double], _ v: [Double], n: Int) -> [Double] {
    var y = v
    for i in 0..<n {
        for t in 0..<i { y[i] -= l[i * n + t] * y[t] }
        y[i] /= l[i * n + i]
    }
    return y
}

/// x with L Lᵀ x = v.
func choleskySolve(_ l: [Double], _ v: [Double], n: Int) -> [Double] {
    var x = forwardSubstitute(l, v, n: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        for t in (i + 1)..<max(n, i + 1) { x[i] -= l[t * n + i] * x[t] }
        x[i] /= l[i * n + i]
    }
    return x
}

extension VAE {
    /// A linear VAE: encoder Linear(D, 2k) (μ and log σ² both linear in x), decoder Linear(k, D) with a
    /// Gaussian likelihood — probabilistic PCA when the decoder variance is learned.
    public static func linear(inputs: [Int] = [1, 28, 28], latent: Int, using generator: inout SeededGenerator) -> VAE {
        let pixels = inputs.reduce(1, *)
        return VAE(kind: "linear", latentDimension: latent, imageShape: inputs, likelihood: .mse,
                   encoder: Sequential(Flatten(), Linear(inFeatures: pixels, outFeatures: 2 * latent, using: &generator)),
                   decoder: Sequential(Linear(inFeatures: latent, outFeatures: pixels, using: &generator), Unflatten(inputs)))
    }
}
