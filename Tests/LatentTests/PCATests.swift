import Testing
@testable import Latent
@testable import LatentModels

/// N examples in D dimensions with variance decaying along random directions, plus an offset mean.
private func syntheticData(n: Int, d: Int, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let scales = Tensor(shape: [n, d], scalars: (0..<(n * d)).map { 2 / (1 + Float($0 % d)) })
    var q = (0..<(d * d)).map { _ in Double(generator.nextNormal()) }
    orthonormalizeRows(&q, rows: d, columns: d, using: &generator)
    let rotated = matmul(Tensor.randomNormal([n, d], using: &generator) * scales,
                         Tensor(shape: [d, d], scalars: q.map { Float($0) }))
    let offset = Tensor(shape: [d], scalars: (0..<d).map { Float($0) / Float(d) + 0.5 })
    return PCA.addRow(offset, to: rotated)
}

@Suite("PCA")
struct PCATests {
    @Test("components are orthonormal rows, variances descend and all of them sum to the total variance",
          arguments: [(50, 6), (300, 20), (120, 33)])
    func basics(n: Int, d: Int) throws {
        let x = syntheticData(n: n, d: d, seed: UInt64(n + d))
        let pca = try PCA(fitting: x, solver: .dense)
        #expect(pca.components.shape == [d, d] && pca.mean.shape == [d] && pca.sampleCount == n)
        let gram = matmul(pca.components, pca.components, transposeB: true)
        for i in 0..<d {
            for j in 0..<d { #expect(abs(gram[i, j] - (i == j ? 1 : 0)) < 1e-5, "WWᵀ[\(i), \(j)] = \(gram[i, j])") }
        }
        for i in 1..<d { #expect(pca.explainedVariance[i] <= pca.explainedVariance[i - 1]) }
        #expect(abs(pca.explainedVarianceRatio.reduce(0, +) - 1) < 1e-5)
        // The mean is the column mean.
        let mean = x.mean(axis: 0)
        for j in 0..<d { #expect(abs(pca.mean.scalars[j] - mean.scalars[j]) < 1e-5) }
    }

    @Test("the training MSE with k components is the left-out variance, Σ_{i≥k} λᵢ·(N−1)/(N·D)",
          arguments: [0, 1, 3, 10, 20])
    func mseIsLeftOutVariance(k: Int) throws {
        let (n, d) = (400, 20)
        let x = syntheticData(n: n, d: d, seed: 4)
        let pca = try PCA(fitting: x, solver: .dense)
        let leftOut = pca.explainedVariance[k...].reduce(0, +) * Double(n - 1) / Double(n * d)
        let mse = pca.reconstructionMSE(x, components: k)
        #expect(abs(mse - leftOut) < 1e-4 * pca.totalVariance / Double(d), "k = \(k): \(mse) vs \(leftOut)")
        if k == d { #expect(mse < 1e-9) }
    }

    /// The worst relative gap between PCA's λᵢ and sᵢ²/`divisor`, over all i.
    private func worstGap(_ lambda: [Double], _ s: [Double], divisor: Double) -> Double {
        zip(lambda, s).map { abs($0 - $1 * $1 / divisor) / $0 }.max()!
    }

    @Test("the SVD route: λᵢ = sᵢ²/(N − 1) for the singular values s of the centred data, and W's rows are V's columns",
          arguments: [(12, 8), (9, 5), (40, 6)])
    func svdRoute(n: Int, d: Int) throws {
        let x = syntheticData(n: n, d: d, seed: UInt64(3 * n + d))
        let pca = try PCA(fitting: x, solver: .dense)
        let xc = PCA.subtractRow(pca.mean, from: x)
        let svd = try SingularValueDecomposition(xc.scalars.map(Double.init), rows: n, columns: d)
        // Float data and a Float covariance: relative errors near 1e-6; N against N − 1 is a gap of 1/N (2.5 % at N = 40).
        let tolerance = 1e-4
        let gap = worstGap(pca.explainedVariance, svd.values, divisor: Double(n - 1))
        #expect(gap < tolerance, "worst |λᵢ − sᵢ²/(N−1)| / λᵢ = \(gap)")
        // The negative control: the biased divisor N misses by about 1/N, far outside the tolerance.
        let biased = worstGap(pca.explainedVariance, svd.values, divisor: Double(n))
        #expect(biased > 100 * tolerance, "dividing by N should miss by ≈ 1/N, got \(biased)")
        // The principal directions are the right singular vectors (up to sign).
        for i in 0..<d {
            let dot = (0..<d).reduce(0.0) { $0 + Double(pca.components[i, $1]) * svd.vectors[i * d + $1] }
            #expect(abs(abs(dot) - 1) < 1e-4, "|⟨wᵢ, vᵢ⟩| for i = \(i): \(dot)")
        }
    }

    @Test("encode is (x − μ)Wᵀ, decode is zW + μ, and their shapes")
    func encodeDecode() throws {
        let x = syntheticData(n: 64, d: 12, seed: 8)
        let pca = try PCA(fitting: x, components: 5)
        let z = pca.encode(x)
        #expect(z.shape == [64, 5] && pca.encode(x, components: 2).shape == [64, 2])
        let centered = x - Tensor(shape: [64, 12], scalars: (0..<(64 * 12)).map { pca.mean.scalars[$0 % 12] })
        let reference = matmul(centered, pca.components, transposeB: true)
        #expect(Comparison(z, reference).isWithin(1e-5))
        let xHat = pca.decode(z)
        #expect(xHat.shape == [64, 12])
        let referenceHat = matmul(z, pca.components) + Tensor(shape: [64, 12], scalars: (0..<(64 * 12)).map { pca.mean.scalars[$0 % 12] })
        #expect(Comparison(xHat, referenceHat).isWithin(1e-5))
        // The codes of the training set are uncorrelated with variances λᵢ.
        let covariance = matmul(z, z, transposeA: true) / Float(63)
        for i in 0..<5 {
            for j in 0..<5 {
                let expected = i == j ? Float(pca.explainedVariance[i]) : 0
                #expect(abs(covariance[i, j] - expected) < 1e-4 * Float(pca.explainedVariance[0]))
            }
        }
    }

    @Test("PCA is the best linear autoencoder: random orthonormal k-dimensional encoders do worse", arguments: [1, 4, 9])
    func bestLinearAutoencoder(k: Int) throws {
        let (n, d) = (300, 16)
        let x = syntheticData(n: n, d: d, seed: 21)
        let pca = try PCA(fitting: x, solver: .dense)
        let best = pca.reconstructionMSE(x, components: k)
        var generator = SeededGenerator(seed: UInt64(k))
        let xc = PCA.subtractRow(pca.mean, from: x)
        for trial in 0..<5 {
            var w = (0..<(k * d)).map { _ in Double(generator.nextNormal()) }
            orthonormalizeRows(&w, rows: k, columns: d, using: &generator)
            // Perturb PCA's own subspace too, so some trials are close to the optimum.
            let wt = Tensor(shape: [k, d], scalars: w.map { Float($0) })
            let mixed = trial.isMultiple(of: 2) ? wt : pca.components(k) + 0.05 * wt
            var rows = mixed.scalars.map(Double.init)
            orthonormalizeRows(&rows, rows: k, columns: d, using: &generator)
            let encoder = Tensor(shape: [k, d], scalars: rows.map { Float($0) })
            let xHat = matmul(matmul(xc, encoder, transposeB: true), encoder)
            let mse = Double(square(xc - xHat).mean())
            #expect(mse > best, "trial \(trial): \(mse) ≤ PCA's \(best)")
        }
    }

    @Test("the randomized solver finds the dense solver's top components", arguments: [4, 10])
    func randomizedMatchesDense(k: Int) throws {
        let x = syntheticData(n: 500, d: 60, seed: 5)
        let dense = try PCA(fitting: x, components: k, solver: .dense)
        let randomized = try PCA(fitting: x, components: k, solver: .randomized(oversampling: 10, powerIterations: 6), seed: 3)
        #expect(randomized.components.shape == [k, 60])
        for i in 0..<k {
            #expect(abs(randomized.explainedVariance[i] - dense.explainedVariance[i]) < 1e-3 * dense.explainedVariance[i])
        }
        #expect(abs(randomized.totalVariance - dense.totalVariance) < 1e-9 * dense.totalVariance)
        let a = dense.reconstructionMSE(x, components: k), b = randomized.reconstructionMSE(x, components: k)
        #expect(abs(a - b) < 1e-3 * a, "MSE dense \(a) vs randomized \(b)")
    }
}
