// The top k eigenpairs of a large symmetric positive semidefinite operator, by randomized subspace
// iteration (Halko, Martinsson & Tropp 2011, "Finding structure with randomness", Alg. 4.4 + 5.3).
//
// When the matrix is too big to form or to reduce densely — the 12,288 × 12,288 covariance of 64×64×3
// faces would be 600 MB of Float and ~2·10¹² flops to tridiagonalize — we only need it as an operator
// applied to a thin block of l = k + oversampling vectors, kept as the rows of an [l, D] matrix Ω:
// Ω ↦ Ω·A (A is symmetric, so this is (A·Ωᵀ)ᵀ). For a covariance A = XcᵀXc/(N−1) that is two GEMMs,
// (Ω·Xcᵀ)·Xc, so the cost is the GEMM's: 4·N·D·l flops per product.
//
//   Ω ~ N(0, 1)^{l×D};  Q ← orth(Ω A);  repeat q times: Q ← orth(Q A)     (subspace iteration; rows)
//   B = Q A Qᵀ  (l × l);  B = W Λ Wᵀ (dense solver, W's columns);  V = Wᵀ Q   (Rayleigh–Ritz; V's rows)
//
// Each power step sharpens the separation of the wanted directions by a factor (λ_{l+1}/λ_k); with a
// spectrum that decays like image covariances do, q = 4 and l = k + 16 give the top k eigenvalues to a
// few digits. The thin blocks are kept as rows ([l, D]), orthonormalized in Double by modified
// Gram–Schmidt applied twice.

/// The top-`k` eigenpairs of a symmetric positive semidefinite operator, by randomized subspace iteration.
public struct RandomizedEigendecomposition: Sendable {
    /// The approximate eigenvalues λ₀ ≥ … ≥ λ_{k−1}: [k].
    public let values: [Double]
    /// The approximate eigenvectors as orthonormal rows: [k, D]. Each is signed so that its entry of
    /// largest magnitude is positive.
    public let vectors: Tensor

    /// Runs randomized subspace iteration on the operator `apply`.
    ///
    /// - Parameters:
    ///   - dimension: D, the order of the operator.
    ///   - k: how many eigenpairs to return (k ≤ D), the `count:` argument.
    ///   - oversampling: extra directions carried along (l = min(k + oversampling, D)).
    ///   - powerIterations: q, the number of subspace-iteration steps after the first product.
    ///   - generator: the source of the random start block Ω.
    ///   - apply: maps a block of row vectors [l, D] to the rows of the operator applied to each: [l, D]
    ///     (for a covariance: `matmul(matmul(block, xc, transposeB: true), xc) / (N − 1)`).
    public init(
        dimension: Int, count k: Int, oversampling: Int = 16, powerIterations: Int = 4,
        using generator: inout SeededGenerator, apply: (Tensor) -> Tensor
    ) throws(EigenError) {
        precondition(dimension >= 1 && k >= 1 && k <= dimension,
                     "randomized eigensolver: need 1 ≤ k = \(k) ≤ D = \(dimension)")
        let l = Swift.min(k + Swift.max(0, oversampling), dimension)
        var basis = [Double]()
        var block = Tensor.randomNormal([l, dimension], using: &generator)
        for _ in 0...Swift.max(0, powerIterations) {
            let image = apply(block)
            precondition(image.shape == [l, dimension],
                         "randomized eigensolver: apply returned \(image.shape), expected \([l, dimension])")
            basis = image.scalars.map { Double($0) }
            orthonormalizeRows(&basis, rows: l, columns: dimension, using: &generator)
            block = Tensor(shape: [l, dimension], scalars: basis.map { Float($0) })
        }
        // Rayleigh–Ritz: B = Q (A Qᵀ) is the operator restricted to the subspace.
        let image = apply(block).scalars.map { Double($0) }
        var b = [Double](repeating: 0, count: l * l)
        basis.withUnsafeBufferPointer { q in
            image.withUnsafeBufferPointer { y in
                for i in 0..<l {
                    for j in 0..<l {
                        b[i * l + j] = dot(q.baseAddress! + i * dimension, y.baseAddress! + j * dimension, count: dimension)
                    }
                }
            }
        }
        for i in 0..<l {
            for j in (i + 1)..<Swift.max(i + 1, l) {
                let average = 0.5 * (b[i * l + j] + b[j * l + i])
                b[i * l + j] = average
                b[j * l + i] = average
            }
        }
        let small = try SymmetricEigendecomposition(symmetric: b, n: l, symmetryTolerance: 1e-3)
        // V = W Q, the Ritz vectors, rows [k, D].
        var vectors = [Float](repeating: 0, count: k * dimension)
        var row = [Double](repeating: 0, count: dimension)
        basis.withUnsafeBufferPointer { q in
            row.withUnsafeMutableBufferPointer { row in
                for i in 0..<k {
                    for t in 0..<dimension { row[t] = 0 }
                    for j in 0..<l {
                        axpy(small.vectors[i * l + j], q.baseAddress! + j * dimension, row.baseAddress!, count: dimension)
                    }
                    var biggest = 0.0
                    for t in 0..<dimension where Swift.abs(row[t]) > Swift.abs(biggest) { biggest = row[t] }
                    let sign: Double = biggest < 0 ? -1 : 1
                    for t in 0..<dimension { vectors[i * dimension + t] = Float(sign * row[t]) }
                }
            }
        }
        self.values = Array(small.values.prefix(k))
        self.vectors = Tensor(shape: [k, dimension], scalars: vectors)
    }
}

/// Makes the rows of `matrix` ([rows, columns], Double, row-major) orthonormal, spanning the same space:
/// modified Gram–Schmidt, twice ("twice is enough" for full working accuracy). A row that vanishes
/// (the operator's rank is below `rows`) is replaced by a fresh random direction.
public func orthonormalizeRows(_ matrix: inout [Double], rows: Int, columns: Int, using generator: inout SeededGenerator) {
    matrix.withUnsafeMutableBufferPointer { buffer in
        let a = buffer.baseAddress!
        for i in 0..<rows {
            let row = a + i * columns
            let original = dot(row, row, count: columns).squareRoot()
            var attempts = 0
            while true {
                for _ in 0..<2 {
                    for j in 0..<i {
                        let other = a + j * columns
                        axpy(-dot(other, row, count: columns), other, row, count: columns)
                    }
                }
                let norm = dot(row, row, count: columns).squareRoot()
                if norm > 1e-10 * Swift.max(original, 1e-300) && norm > 0 {
                    let inverse = 1 / norm
                    for t in 0..<columns { row[t] *= inverse }
                    break
                }
                attempts += 1
                precondition(attempts < 10, "orthonormalizeRows: cannot extend a basis of \(i) rows in \(columns) dimensions")
                for t in 0..<columns { row[t] = Double(generator.nextNormal()) }
            }
        }
    }
}
