import Foundation
import Testing
import Latent
import LatentModels

/// A tiny pPCA, D = 5, k = 2: W with orthogonal columns (so the true posterior p(z|x) is diagonal and a
/// VAE's encoder can match it exactly), σ² = 0.3, and 20 points drawn from it.
private struct TinyPPCA {
    static let (d, k) = (5, 2)
    let w: [Double]       // [D, k]
    let b: [Double] = [0.5, -0.2, 0.1, 0.3, -0.4]
    let variance = 0.3
    let x: Tensor         // [20, D]

    init(points: Int = 20, seed: UInt64 = 1) {
        // Two orthonormal directions (Gram–Schmidt), scaled by 2 and 0.7.
        let a: [Double] = [1, 2, 0, -1, 1], c: [Double] = [0, 1, 1, 1, -2]
        let norm = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let u1 = a.map { $0 / norm(a) }
        let proj = zip(c, u1).reduce(0) { $0 + $1.0 * $1.1 }
        let v = zip(c, u1).map { $0 - proj * $1 }
        let u2 = v.map { $0 / norm(v) }
        w = (0..<Self.d).flatMap { [2 * u1[$0], 0.7 * u2[$0]] }
        var g = SeededGenerator(seed: seed)
        var scalars: [Float] = []
        for _ in 0..<points {
            let z = [Double(g.nextNormal()), Double(g.nextNormal())]
            for i in 0..<Self.d {
                scalars.append(Float(w[i * 2] * z[0] + w[i * 2 + 1] * z[1] + b[i] + variance.squareRoot() * Double(g.nextNormal())))
            }
        }
        x = Tensor(shape: [points, Self.d], scalars: scalars)
    }

    var model: LinearGaussianModel { LinearGaussianModel(w: w, b: b, variance: variance) }

    /// log N(x; b, WWᵀ + σ²I) with the D × D covariance formed and factored: the reference written for clarity.
    func referenceLogLikelihood(row: Int) -> Double {
        let d = Self.d
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { c[i * d + j] = w[i * 2] * w[j * 2] + w[i * 2 + 1] * w[j * 2 + 1] + (i == j ? variance : 0) } }
        var l = [Double](repeating: 0, count: d * d)  // Cholesky, C = L Lᵀ
        for i in 0..<d {
            for j in 0...i {
                var s = c[i * d + j]
                for t in 0..<j { s -= l[i * d + t] * l[j * d + t] }
                l[i * d + j] = i == j ? s.squareRoot() : s / l[j * d + j]
            }
        }
        var y = (0..<d).map { Double(x.scalars[row * d + $0]) - b[$0] }
        for i in 0..<d {  // L y = r, then (x − b)ᵀ C⁻¹ (x − b) = ‖y‖²
            for t in 0..<i { y[i] -= l[i * d + t] * y[t] }
            y[i] /= l[i * d + i]
        }
        let logDet = (0..<d).reduce(0.0) { $0 + 2 * Foundation.log(l[$1 * d + $1]) }
        return -0.5 * (Double(d) * Foundation.log(2 * Double.pi) + logDet + y.reduce(0) { $0 + $1 * $1 })
    }

    /// A linear VAE whose decoder is this pPCA and whose encoder outputs the exact posterior, moved by
    /// `shift` in μ₀ and `logVarShift` in log σ₁² (zero: the exact posterior).
    func vae(shift: Float = 0, logVarShift: Float = 0) -> VAE {
        var g = SeededGenerator(seed: 0)
        let vae = VAE.linear(inputs: [1, 1, Self.d], latent: Self.k, using: &g)
        let decoder = vae.decoder.layers[0] as! Linear, encoder = vae.encoder.layers[1] as! Linear
        decoder.weight.value = Tensor(shape: [Self.d, Self.k], scalars: w.map(Float.init))
        decoder.bias!.value = Tensor(shape: [Self.d], scalars: b.map(Float.init))
        // M = WᵀW + σ²I is diagonal here; posterior mean M⁻¹Wᵀ(x − b), variance σ²/Mⱼⱼ.
        let m = (0..<Self.k).map { j in (0..<Self.d).reduce(variance) { $0 + w[$1 * 2 + j] * w[$1 * 2 + j] } }
        var weight = [Float](repeating: 0, count: 2 * Self.k * Self.d), bias = [Float](repeating: 0, count: 2 * Self.k)
        for j in 0..<Self.k {
            var offset = 0.0
            for i in 0..<Self.d {
                weight[j * Self.d + i] = Float(w[i * 2 + j] / m[j])
                offset -= w[i * 2 + j] / m[j] * b[i]
            }
            bias[j] = Float(offset) + (j == 0 ? shift : 0)
            bias[Self.k + j] = Float(Foundation.log(variance / m[j])) + (j == 1 ? logVarShift : 0)
        }
        encoder.weight.value = Tensor(shape: [2 * Self.k, Self.d], scalars: weight)
        encoder.bias!.value = Tensor(shape: [2 * Self.k], scalars: bias)
        return vae
    }
}

private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

@Suite("Probabilistic PCA: the exact likelihood, the ELBO gap and the importance-weighted bound")
struct ProbabilisticPCATests {
    @Test("log p(x) through the k × k matrix M equals the D × D Gaussian density")
    func likelihoodMatchesDenseFormula() {
        let tiny = TinyPPCA()
        let fast = tiny.model.logLikelihood(tiny.x)
        for row in 0..<tiny.x.shape[0] {
            let reference = tiny.referenceLogLikelihood(row: row)
            #expect(Swift.abs(fast[row] - reference) < 1e-10, "row \(row): \(fast[row]) vs \(reference)")
        }
    }

    @Test("log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)) for any diagonal q; with KL to the prior instead it does not hold")
    func gapIdentity() {
        let tiny = TinyPPCA()
        var g = SeededGenerator(seed: 9)
        let mu = Tensor.randomNormal([20, 2], using: &g), logVar = Tensor.randomNormal([20, 2], using: &g) * 0.5
        let model = tiny.model
        let logPx = model.logLikelihood(tiny.x), elbo = model.elbo(tiny.x, mu: mu, logVar: logVar)
        let gap = model.posteriorKL(tiny.x, mu: mu, logVar: logVar)
        let priorKL = gaussianKL(mu: mu, logVar: logVar, reduction: .sum).loss / 20
        for row in 0..<20 {
            #expect(gap[row] > 0)
            #expect(Swift.abs(logPx[row] - elbo[row] - gap[row]) < 1e-9, "row \(row)")
        }
        // The negative control: the KL to the prior is not the gap.
        #expect(Swift.abs(mean(logPx) - mean(elbo) - Double(priorKL)) > 0.5)
    }

    @Test("With the exact posterior as q, every importance weight is log p(x): K = 1 is exact, per image")
    func exactPosteriorIsExact() {
        let tiny = TinyPPCA()
        let vae = tiny.vae()
        let images = tiny.x.reshaped([20, 1, 1, 5])
        var g = SeededGenerator(seed: 4)
        let estimate = vae.importanceWeightedLogLikelihood(images: images, samples: 1, decoderVariance: tiny.variance, using: &g)
        let exact = tiny.model.logLikelihood(tiny.x)
        let (mu, logVar) = vae.encodeAll(images)
        let gap = tiny.model.posteriorKL(tiny.x, mu: mu, logVar: logVar)
        #expect(gap.max()! < 1e-6, "the encoder is the exact posterior: gap \(gap.max()!)")
        for row in 0..<20 {
            // Float32 decoding: a few 1e-6 nats; dropping log q from the weight would be off by ~1 nat.
            #expect(Swift.abs(estimate[row] - exact[row]) < 1e-4, "image \(row): IW \(estimate[row]), exact \(exact[row])")
        }
    }

    @Test("With a wrong q the IW estimate climbs from the ELBO to log p(x) as K grows (K = 1, 100, 5000)")
    func estimateClimbsToExact() {
        let tiny = TinyPPCA()
        let vae = tiny.vae(shift: 0.4, logVarShift: 0.6)
        let images = tiny.x.reshaped([20, 1, 1, 5])
        let (mu, logVar) = vae.encodeAll(images)
        let exact = mean(tiny.model.logLikelihood(tiny.x)), elbo = mean(tiny.model.elbo(tiny.x, mu: mu, logVar: logVar))
        let gap = exact - elbo
        #expect(gap > 0.2, "the planted gap is \(gap) nats")
        print("planted gap \(gap) nats")
        let estimates = [1, 100, 5000].map { k -> Double in
            var g = SeededGenerator(seed: 40 + UInt64(k))
            return mean(vae.importanceWeightedLogLikelihood(images: images, samples: k, decoderVariance: tiny.variance, using: &g))
        }
        #expect(estimates[0] < estimates[1] && estimates[1] < estimates[2], "\(estimates)")
        // K = 5000 closes the gap to within 2 % of it (the remaining bias is about Var(w)/(2K)).
        print("IW K = 1, 100, 5000: \(estimates), exact \(exact), ELBO \(elbo)")
        #expect(Swift.abs(exact - estimates[2]) < 0.02 * gap, "K=5000: \(estimates[2]), exact \(exact), gap \(gap)")
        #expect(exact - estimates[0] > 0.5 * gap, "K=1 \(estimates[0]) should sit near the ELBO \(elbo)")
    }

    @Test("The closed-form pPCA is the maximum: moving σ² or W lowers the data's log-likelihood")
    func closedFormIsMaximum() throws {
        let tiny = TinyPPCA(points: 2000, seed: 2)
        let pca = try PCA(fitting: tiny.x, components: 2, solver: .dense)
        let ml = LinearGaussianModel.maximumLikelihood(pca)
        let best = mean(ml.logLikelihood(tiny.x))
        #expect(Swift.abs(ml.variance - tiny.variance) < 0.03, "σ² \(ml.variance), true \(tiny.variance)")
        #expect(best > mean(tiny.model.logLikelihood(tiny.x)), "the ML fit beats the generating model on its own sample")
        for factor in [0.95, 1.05] {
            let moved = LinearGaussianModel(w: ml.w, b: ml.b, variance: ml.variance * factor)
            #expect(mean(moved.logLikelihood(tiny.x)) < best, "σ² × \(factor)")
            let scaled = LinearGaussianModel(w: ml.w.map { $0 * factor }, b: ml.b, variance: ml.variance)
            #expect(mean(scaled.logLikelihood(tiny.x)) < best, "W × \(factor)")
        }
    }

    @Test("I(x; z) is 0 when every posterior is the same and log N when they do not overlap")
    func klDecompositionLimits() {
        let n = 50
        var g = SeededGenerator(seed: 3)
        let same = klDecomposition(mu: Tensor(shape: [n, 3], repeating: 0.4), logVar: Tensor(shape: [n, 3], repeating: -0.5), using: &g)
        #expect(Swift.abs(same.mutualInformation) < 1e-5, "\(same)")
        #expect(Swift.abs(same.marginalKL - same.meanKL) < 1e-5)
        let apart = Tensor(shape: [n, 3], scalars: (0..<n).flatMap { [Float($0) * 50, 0, 0] })
        let separated = klDecomposition(mu: apart, logVar: Tensor(shape: [n, 3], repeating: -2), using: &g)
        #expect(Swift.abs(separated.mutualInformation - Foundation.log(Double(n))) < 1e-5, "\(separated)")
    }
}
