import Latent

/// Principal component analysis: the best rank-k linear autoencoder of a data set.
///
/// Fitting centers the data, x_c = x − μ, forms the covariance C = X_cᵀ X_c / (N − 1) with our GEMM
/// (`matmul(xc, xc, transposeA: true)`) and takes its top eigenvectors as the rows of W ([k, D],
/// orthonormal). Then
///
///     encode:  z = (x − μ) Wᵀ        [N, D] → [N, k]
///     decode:  x̂ = z W + μ           [N, k] → [N, D]
///
/// is the x → Wx → WᵀWx picture of a linear autoencoder (W = the rows of `components`; seed 000 writes it
/// with W's transpose); among all rank-k linear encoders/decoders it
/// has the smallest mean squared reconstruction error, and that error is the sum of the eigenvalues left
/// out (divided by D for a per-pixel mean).
///
/// Two solvers: `.dense` decomposes the D × D covariance (Householder + implicit QL in Double; right for
/// D up to a few thousand, e.g. 784 MNIST pixels), `.randomized` never forms it and runs subspace
/// iteration with two GEMMs per step on the centered data (for D = 12,288 CelebA pixels).
public struct PCA: Sendable {
    /// How the eigenvectors of the covariance are found.
    public enum Solver: Sendable, Equatable {
        /// Form the D × D covariance and decompose it completely (`SymmetricEigendecomposition`).
        case dense
        /// Randomized subspace iteration on X_cᵀ X_c for the top k only (`RandomizedEigendecomposition`).
        case randomized(oversampling: Int, powerIterations: Int)
        /// `.dense` for D ≤ 2048, otherwise `.randomized(oversampling: 16, powerIterations: 4)`.
        case automatic
    }

    /// The per-feature mean μ of the training data: [D].
    public let mean: Tensor
    /// The principal directions as orthonormal rows, largest variance first: [k, D].
    public let components: Tensor
    /// The variance of the data along each component (the covariance's eigenvalues, N − 1 normalized): [k].
    public let explainedVariance: [Double]
    /// The total variance Σ_d Var(x_d) = trace C (N − 1 normalized), over all D features.
    public let totalVariance: Double
    /// How many examples the fit saw.
    public let sampleCount: Int

    /// The number of features D.
    public var featureCount: Int { mean.count }
    /// The number of components kept, k.
    public var componentCount: Int { components.shape[0] }
    /// The share of the total variance along each component: [k], summing to at most 1.
    public var explainedVarianceRatio: [Double] { explainedVariance.map { $0 / totalVariance } }

    /// Fits PCA to `data`.
    ///
    /// - Parameters:
    ///   - data: [N, D] (N ≥ 2), one example per row (images flattened).
    ///   - count: components to keep, k ≤ D (default: all D for the dense solver, min(D, 128) otherwise).
    ///   - solver: how to find the eigenvectors (see `Solver`).
    ///   - seed: seeds the random start block of the randomized solver.
    ///
    /// The data is centered in place when the caller gives up its copy (`PCA(fitting: consume x)`):
    /// full-size CelebA's training matrix is 8 GB, and a centered copy would be 8 GB more.
    public init(fitting data: consuming Tensor, components count: Int? = nil, solver: Solver = .automatic, seed: UInt64 = 0)
        throws(EigenError)
    {
        precondition(data.rank == 2 && data.shape[0] >= 2 && data.shape[1] >= 1,
                     "PCA needs data [N, D] with N ≥ 2, got \(data.shape)")
        let (n, d) = (data.shape[0], data.shape[1])
        let mean = PCA.columnMeans(data)
        var xc = data
        PCA.subtractRow(mean, from: &xc)
        var total = 0.0
        xc.withUnsafeBufferPointer { p in
            for i in 0..<p.count { total += Double(p[i]) * Double(p[i]) }
        }
        total /= Double(n - 1)

        var resolved = solver
        if resolved == .automatic { resolved = d <= 2048 ? .dense : .randomized(oversampling: 16, powerIterations: 4) }
        switch resolved {
        case .dense, .automatic:
            let k = count ?? d
            precondition(k >= 1 && k <= d, "PCA: components \(k) must be in 1…\(d)")
            // C = X_cᵀ X_c / (N − 1): our GEMM reads X_c transposed in place.
            let covariance = matmul(xc, xc, transposeA: true) / Float(n - 1)
            let eigen = try SymmetricEigendecomposition(covariance, symmetryTolerance: 1e-4)
            components = eigen.vectorsTensor(count: k)
            explainedVariance = Array(eigen.values.prefix(k))
        case let .randomized(oversampling, powerIterations):
            let k = count ?? Swift.min(d, 128)
            precondition(k >= 1 && k <= d, "PCA: components \(k) must be in 1…\(d)")
            var generator = SeededGenerator(seed: seed)
            let scale = 1 / Float(n - 1)
            // Applying C to a block of rows B [l, D] is (B X_cᵀ) X_c / (N − 1): two GEMMs, no D × D matrix.
            let eigen = try RandomizedEigendecomposition(
                dimension: d, count: k, oversampling: oversampling, powerIterations: powerIterations,
                using: &generator
            ) { block in matmul(matmul(block, xc, transposeB: true), xc) * scale }
            components = eigen.vectors
            explainedVariance = eigen.values
        }
        self.mean = mean
        self.totalVariance = total
        self.sampleCount = n
    }

    /// The first `k` components (all when nil): [k, D].
    public func components(_ k: Int? = nil) -> Tensor {
        let k = k ?? componentCount
        precondition(k >= 0 && k <= componentCount, "PCA has \(componentCount) components, asked for \(k)")
        return k == componentCount ? components : components.slice(0..<k)
    }

    /// The codes z = (x − μ) Wₖᵀ: [N, D] → [N, k] (k = all components when nil).
    public func encode(_ x: Tensor, components k: Int? = nil) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == featureCount, "PCA.encode: expected [N, \(featureCount)], got \(x.shape)")
        return matmul(PCA.subtractRow(mean, from: x), components(k), transposeB: true)
    }

    /// The reconstruction x̂ = z Wₖ + μ from codes of the first k components: [N, k] → [N, D].
    public func decode(_ z: Tensor) -> Tensor {
        precondition(z.rank == 2 && z.shape[1] <= componentCount,
                     "PCA.decode: expected [N, k ≤ \(componentCount)], got \(z.shape)")
        return PCA.addRow(mean, to: matmul(z, components(z.shape[1])))
    }

    /// `decode(encode(x, components: k))`: the projection of x on the top-k subspace: [N, D] → [N, D].
    public func reconstruct(_ x: Tensor, components k: Int? = nil) -> Tensor {
        decode(encode(x, components: k))
    }

    /// The mean squared reconstruction error per element, mean over N·D of (x − x̂)², with k components.
    public func reconstructionMSE(_ x: Tensor, components k: Int? = nil) -> Double {
        meanSquaredError(x, reconstruct(x, components: k))
    }

    // MARK: Row broadcasting

    /// The mean of each column of [N, D], accumulated in Double: [D].
    static func columnMeans(_ x: Tensor) -> Tensor {
        let (n, d) = (x.shape[0], x.shape[1])
        var sums = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { p in
            for r in 0..<n {
                for c in 0..<d { sums[c] += Double(p[r * d + c]) }
            }
        }
        return Tensor(shape: [d], scalars: sums.map { Float($0 / Double(n)) })
    }

    /// x − row for every row of x: [N, D] − [D] → [N, D].
    static func subtractRow(_ row: Tensor, from x: Tensor) -> Tensor {
        addRow(-row, to: x)
    }

    /// x − row for every row of x, in x's own buffer (unless it is shared).
    static func subtractRow(_ row: Tensor, from x: inout Tensor) {
        addRow(-row, to: &x)
    }

    /// x + row for every row of x: [N, D] + [D] → [N, D].
    static func addRow(_ row: Tensor, to x: Tensor) -> Tensor {
        var out = x
        addRow(row, to: &out)
        return out
    }

    /// x + row for every row of x, in x's own buffer (unless it is shared).
    static func addRow(_ row: Tensor, to out: inout Tensor) {
        precondition(out.rank == 2 && row.shape == [out.shape[1]], "row broadcast: \(out.shape) with \(row.shape)")
        let (n, d) = (out.shape[0], out.shape[1])
        row.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
                let shared = UncheckedSendable((o.baseAddress!, r.baseAddress!))
                parallelFor(n, grain: Swift.max(1, 65_536 / Swift.max(d, 1))) { rows in
                    let (o, r) = shared.value
                    for i in rows { Elementwise.axpy(1, r, o + i * d, count: d) }
                }
            }
        }
    }
}

/// The mean over all elements of (a − b)², accumulated in Double (for reporting; the training losses
/// are `mse`, in Float, with a gradient).
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "meanSquaredError: \(a.shape) vs \(b.shape)")
    var total = 0.0
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            for i in 0..<a.count {
                let r = Double(a[i]) - Double(b[i])
                total += r * r
            }
        }
    }
    return total / Double(Swift.max(a.count, 1))
}
