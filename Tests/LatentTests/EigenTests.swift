#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Latent

/// A random orthogonal n × n matrix (rows orthonormal): Gram–Schmidt on Gaussian rows.
private func randomOrthogonal(_ n: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    var q = (0..<(n * n)).map { _ in Double(generator.nextNormal()) }
    orthonormalizeRows(&q, rows: n, columns: n, using: &generator)
    return q
}

/// Qᵀ diag(values) Q for Q with orthonormal rows: the matrix whose eigenvectors are the rows of Q.
private func makeRotatedDiagonal(_ values: [Double], seed: UInt64) -> (matrix: [Double], rotation: [Double]) {
    let n = values.count
    let q = randomOrthogonal(n, seed: seed)
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0..<n {
            var total = 0.0
            for t in 0..<n { total += q[t * n + i] * values[t] * q[t * n + j] }
            a[i * n + j] = total
        }
    }
    return (a, q)
}

/// The largest ‖A vᵢ − λᵢ vᵢ‖ over all eigenpairs.
private func worstResidual(_ a: [Double], _ e: SymmetricEigendecomposition) -> Double {
    let n = e.n
    var worst = 0.0
    for k in 0..<n {
        var norm2 = 0.0
        for i in 0..<n {
            var av = 0.0
            for j in 0..<n { av += a[i * n + j] * e.vectors[k * n + j] }
            let r = av - e.values[k] * e.vectors[k * n + i]
            norm2 += r * r
        }
        worst = max(worst, norm2.squareRoot())
    }
    return worst
}

/// The largest |vᵢ·vⱼ − δᵢⱼ|.
private func worstOrthonormality(_ vectors: [Double], rows: Int, columns: Int) -> Double {
    var worst = 0.0
    for i in 0..<rows {
        for j in 0..<rows {
            var total = 0.0
            for t in 0..<columns { total += vectors[i * columns + t] * vectors[j * columns + t] }
            worst = max(worst, abs(total - (i == j ? 1 : 0)))
        }
    }
    return worst
}

@Suite("Symmetric eigensolver")
struct EigenTests {
    @Test("a diagonal matrix gives its entries, sorted descending, with unit basis vectors",
          arguments: [[3.0], [2, -1], [5, 1, 4, -2, 0, 3], [1e-8, 1e8, 1]])
    func diagonal(entries: [Double]) throws {
        let n = entries.count
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = entries[i] }
        let e = try SymmetricEigendecomposition(symmetric: a, n: n)
        #expect(e.values == entries.sorted(by: >))
        for k in 0..<n {
            let index = try #require(entries.firstIndex(of: e.values[k]))
            for j in 0..<n { #expect(e.vectors[k * n + j] == (j == index ? 1 : 0), "vector \(k), entry \(j)") }
        }
    }

    @Test("Qᵀ·D·Q with random orthogonal Q: eigenvalues of D, orthonormal vectors, tiny residual",
          arguments: [2, 3, 5, 17, 64, 150])
    func rotatedDiagonal(n: Int) throws {
        var generator = SeededGenerator(seed: UInt64(n))
        let values = (0..<n).map { _ in Double(generator.nextNormal()) * 10 }
        let (a, q) = makeRotatedDiagonal(values, seed: UInt64(100 + n))
        let e = try SymmetricEigendecomposition(symmetric: a, n: n)
        let expected = values.sorted(by: >)
        for k in 0..<n { #expect(abs(e.values[k] - expected[k]) <= 1e-12 * 30, "λ\(k): \(e.values[k]) vs \(expected[k])") }
        #expect(worstOrthonormality(e.vectors, rows: n, columns: n) < 1e-12)
        #expect(worstResidual(a, e) < 1e-11 * 30)
        // Distinct eigenvalues: each vector is ± the matching row of Q.
        for k in 0..<n {
            let source = try #require(values.firstIndex(of: expected[k]))
            var overlap = 0.0
            for j in 0..<n { overlap += e.vectors[k * n + j] * q[source * n + j] }
            #expect(abs(abs(overlap) - 1) < 1e-9, "vector \(k) overlaps its true direction by \(overlap)")
        }
    }

    @Test("repeated eigenvalues: the right multiplicities and an orthonormal basis of each eigenspace")
    func repeated() throws {
        let values: [Double] = [4, 4, 4, 1, 1, -2, -2, -2, -2, 0.5]
        let (a, _) = makeRotatedDiagonal(values, seed: 7)
        let e = try SymmetricEigendecomposition(symmetric: a, n: values.count)
        let expected = values.sorted(by: >)
        for k in 0..<values.count { #expect(abs(e.values[k] - expected[k]) < 1e-12, "λ\(k)") }
        #expect(worstOrthonormality(e.vectors, rows: values.count, columns: values.count) < 1e-12)
        #expect(worstResidual(a, e) < 1e-12)
    }

    @Test("the identity (one eigenvalue of multiplicity n) and the zero matrix", arguments: [1.0, 0.0])
    func scaledIdentity(scale: Double) throws {
        let n = 12
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = scale }
        let e = try SymmetricEigendecomposition(symmetric: a, n: n)
        #expect(e.values == [Double](repeating: scale, count: n))
        #expect(worstOrthonormality(e.vectors, rows: n, columns: n) == 0)
    }

    @Test("1×1 and 2×2 by hand: [[7]] → 7; [[2, 1], [1, 2]] → 3, 1 with (1, ±1)/√2")
    func small() throws {
        let one = try SymmetricEigendecomposition(symmetric: [7], n: 1)
        #expect(one.values == [7] && one.vectors == [1])
        let two = try SymmetricEigendecomposition(symmetric: [2, 1, 1, 2], n: 2)
        #expect(abs(two.values[0] - 3) < 1e-15 && abs(two.values[1] - 1) < 1e-15)
        let r = 0.5.squareRoot()
        #expect(abs(two.vectors[0] - r) < 1e-15 && abs(two.vectors[1] - r) < 1e-15)
        #expect(abs(abs(two.vectors[2]) - r) < 1e-15 && abs(two.vectors[2] + two.vectors[3]) < 1e-15)
    }

    @Test("rank-deficient X·Xᵀ: r positive eigenvalues, the rest zero to rounding", arguments: [(30, 1), (40, 7), (60, 59)])
    func rankDeficient(n: Int, rank: Int) throws {
        var generator = SeededGenerator(seed: UInt64(n * 1000 + rank))
        let x = (0..<(n * rank)).map { _ in Double(generator.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var total = 0.0
                for t in 0..<rank { total += x[i * rank + t] * x[j * rank + t] }
                a[i * n + j] = total
            }
        }
        let e = try SymmetricEigendecomposition(symmetric: a, n: n)
        let scale = e.values[0]
        #expect(e.values[rank - 1] > 1e-6 * scale, "the r-th eigenvalue is positive")
        for k in rank..<n { #expect(abs(e.values[k]) < 1e-13 * scale, "λ\(k) = \(e.values[k]) should vanish") }
        // Trace is preserved.
        let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] }
        #expect(abs(e.values.reduce(0, +) - trace) < 1e-12 * trace)
        #expect(worstOrthonormality(e.vectors, rows: n, columns: n) < 1e-12)
        #expect(worstResidual(a, e) < 1e-12 * scale)
    }

    @Test("a Float covariance of fewer samples than features, with constant features, converges (MNIST-like)",
          arguments: [(30, 120), (80, 200)])
    func rankDeficientFloatCovariance(samples: Int, features: Int) throws {
        // Like MNIST's border pixels: a third of the features never vary; the rest vary on a low-rank set.
        var generator = SeededGenerator(seed: UInt64(samples))
        var x = Tensor.randomUniform([samples, features], using: &generator)
        for r in 0..<samples { for c in 0..<features where c % 3 == 0 { x[r, c] = 0 } }
        let mean = x.mean(axis: 0)
        let xc = x - Tensor(shape: x.shape, scalars: (0..<x.count).map { mean.scalars[$0 % features] })
        let covariance = matmul(xc, xc, transposeA: true) / Float(samples - 1)
        let e = try SymmetricEigendecomposition(covariance)
        let a = covariance.scalars.map(Double.init)
        #expect(worstResidual(a, e) < 1e-12 * e.values[0])
        #expect(worstOrthonormality(e.vectors, rows: features, columns: features) < 1e-12)
        for k in (samples - 1)..<features { #expect(abs(e.values[k]) < 1e-6 * e.values[0], "λ\(k) = \(e.values[k])") }
    }

    /// u = 2⁻²⁴, the unit roundoff of Float.
    static let floatRoundoff = Double(Float.ulpOfOne) / 2

    @Test("a Float matrix with a known spectrum: eigenvalues within Weyl's bound of Float rounding",
          arguments: [(40, 4), (150, 5)] as [(Int, UInt64)])
    func floatKnownSpectrum(n: Int, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let values = (0..<n).map { _ in Double(generator.nextNormal()) * 10 }
        let (exact, _) = makeRotatedDiagonal(values, seed: seed + 50)
        // Round the upper triangle to Float and mirror it, so the Float matrix is exactly symmetric.
        var scalars = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { scalars[i * n + j] = Float(exact[i * n + j]); scalars[j * n + i] = scalars[i * n + j] } }
        let e = try SymmetricEigendecomposition(Tensor(shape: [n, n], scalars: scalars))
        // Rounding to Float changes A by E with |Eᵢⱼ| ≤ u·|Aᵢⱼ|, so ‖E‖₂ ≤ ‖E‖_F ≤ u·‖A‖_F, and (Weyl) no
        // eigenvalue moves further. The Double reduction adds only ~n·ε_Double·‖A‖, far below it.
        let frobenius = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let bound = Self.floatRoundoff * frobenius + Double(n) * Double.ulpOfOne * frobenius
        let expected = values.sorted(by: >)
        for k in 0..<n {
            #expect(abs(e.values[k] - expected[k]) <= bound, "λ\(k): \(e.values[k]) vs \(expected[k]), bound \(bound)")
        }
        // The decomposition is of the Float matrix actually given (widened exactly), to Double accuracy.
        let given = scalars.map(Double.init)
        #expect(worstResidual(given, e) <= Double(n) * Double.ulpOfOne * frobenius)
        #expect(worstOrthonormality(e.vectors, rows: n, columns: n) <= Double(n) * Double.ulpOfOne)
    }

    @Test("the Float tridiagonal [−1, 2, −1] matrix has eigenvalues 2 − 2cos(kπ/(n + 1))", arguments: [1, 2, 50, 200])
    func secondDifference(n: Int) throws {
        // Every entry is exact in Float, so the spectrum is known analytically to Double precision.
        var matrix = Tensor.zeros([n, n])
        for i in 0..<n {
            matrix[i, i] = 2
            if i + 1 < n { matrix[i, i + 1] = -1; matrix[i + 1, i] = -1 }
        }
        let e = try SymmetricEigendecomposition(matrix)
        // Largest first: k = n … 1. ‖A‖₂ < 4, so n·ε_Double·4 bounds a backward-stable solver's error.
        let bound = Double(n) * Double.ulpOfOne * 4
        for (index, k) in (1...n).reversed().enumerated() {
            let exact = 2 - 2 * cos(Double(k) * Double.pi / Double(n + 1))
            #expect(abs(e.values[index] - exact) <= bound, "λ\(index) = \(e.values[index]) vs \(exact)")
        }
        #expect(worstOrthonormality(e.vectors, rows: n, columns: n) <= bound)
        #expect(worstResidual(matrix.scalars.map(Double.init), e) <= bound)
    }

    @Test("a Float covariance from our GEMM: Double-accurate residual, orthonormal vectors, its trace")
    func floatCovariance() throws {
        var generator = SeededGenerator(seed: 3)
        let (n, d) = (500, 40)
        let x = Tensor.randomNormal([n, d], using: &generator) * Tensor(shape: [n, d], scalars: (0..<(n * d)).map { Float($0 % d + 1) / 10 })
        let covariance = matmul(x, x, transposeA: true) / Float(n)
        let e = try SymmetricEigendecomposition(covariance)
        // The solver decomposes (A + Aᵀ)/2 of the widened Float matrix; check against that directly.
        let a = covariance.scalars.map(Double.init)
        var symmetric = a
        for i in 0..<d { for j in 0..<d { symmetric[i * d + j] = 0.5 * (a[i * d + j] + a[j * d + i]) } }
        let frobenius = symmetric.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(worstResidual(symmetric, e) <= Double(d) * Double.ulpOfOne * frobenius)
        #expect(worstOrthonormality(e.vectors, rows: d, columns: d) <= Double(d) * Double.ulpOfOne)
        #expect(e.valuesTensor.shape == [d] && e.vectorsTensor(count: 5).shape == [5, d])
        let trace = (0..<d).reduce(0.0) { $0 + symmetric[$1 * d + $1] }
        #expect(abs(e.values.reduce(0, +) - trace) <= Double(d) * Double.ulpOfOne * frobenius)
    }

    @Test("bad input is refused with a message: not square, not symmetric, not finite")
    func errors() {
        #expect(throws: EigenError.badShape(rows: 2, columns: 2, storage: 3)) {
            try SymmetricEigendecomposition(symmetric: [1, 2, 3], n: 2)
        }
        #expect(throws: EigenError.notSymmetric(row: 0, column: 1, upper: 2, lower: 5)) {
            try SymmetricEigendecomposition(symmetric: [1, 2, 5, 1], n: 2)
        }
        #expect(throws: EigenError.notFinite(row: 1, column: 0)) {
            try SymmetricEigendecomposition(symmetric: [1, 0, .nan, 1], n: 2)
        }
        #expect(EigenError.notSymmetric(row: 0, column: 1, upper: 2, lower: 5).description.contains("(0, 1)"))
        #expect(throws: EigenError.self) { try SymmetricEigendecomposition(Tensor.zeros([2, 3])) }
    }
}

@Suite("Randomized eigensolver")
struct RandomizedEigenTests {
    @Test("top-k of a covariance operator matches the dense solver", arguments: [(1, 4), (5, 8), (12, 16)])
    func matchesDense(k: Int, oversampling: Int) throws {
        // Data with a decaying spectrum: column scales 1/(1 + j/4).
        var generator = SeededGenerator(seed: 11)
        let (n, d) = (400, 90)
        let scales = Tensor(shape: [n, d], scalars: (0..<(n * d)).map { 1 / (1 + Float($0 % d) / 4) })
        let x = matmul(Tensor.randomNormal([n, d], using: &generator) * scales,
                       Tensor(shape: [d, d], scalars: randomOrthogonal(d, seed: 5).map { Float($0) }))
        let covariance = matmul(x, x, transposeA: true) / Float(n)
        let dense = try SymmetricEigendecomposition(covariance)
        var rng = SeededGenerator(seed: 1)
        let randomized = try RandomizedEigendecomposition(
            dimension: d, count: k, oversampling: oversampling, powerIterations: 6, using: &rng
        ) { block in matmul(matmul(block, x, transposeB: true), x) / Float(n) }
        #expect(randomized.vectors.shape == [k, d])
        for i in 0..<k {
            #expect(abs(randomized.values[i] - dense.values[i]) < 1e-3 * dense.values[i],
                    "λ\(i): \(randomized.values[i]) vs \(dense.values[i])")
            var overlap = 0.0
            for j in 0..<d { overlap += Double(randomized.vectors[i, j]) * dense.vectors[i * d + j] }
            #expect(abs(overlap) > 0.99, "vector \(i) overlaps the dense one by \(overlap)")
        }
        let rows = randomized.vectors.scalars.map(Double.init)
        #expect(worstOrthonormality(rows, rows: k, columns: d) < 1e-5)
    }

    @Test("top-k of a Float operator with a known spectrum: its eigenvalues and eigenvectors",
          arguments: [(1, 4), (5, 8), (12, 16)])
    func knownSpectrum(k: Int, oversampling: Int) throws {
        // A = Qᵀ diag(λ) Q with λⱼ = 100·0.6ʲ: the gaps are wide, so 6 power steps leave a subspace error
        // of about 0.6^(oversampling·13), negligible; what remains is Float's rounding of A and of A·Ω.
        let d = 60
        let values = (0..<d).map { 100 * pow(0.6, Double($0)) }
        let (exact, q) = makeRotatedDiagonal(values, seed: 17)
        var scalars = [Float](repeating: 0, count: d * d)
        for i in 0..<d { for j in i..<d { scalars[i * d + j] = Float(exact[i * d + j]); scalars[j * d + i] = scalars[i * d + j] } }
        let a = Tensor(shape: [d, d], scalars: scalars)
        var rng = SeededGenerator(seed: 1)
        let randomized = try RandomizedEigendecomposition(
            dimension: d, count: k, oversampling: oversampling, powerIterations: 6, using: &rng
        ) { block in matmul(block, a) }
        // Float error budget: rounding A (u·‖A‖_F, Weyl) and each A·v in Float (γ_d = d·u, times ‖A‖_F
        // for a unit v) — the Rayleigh–Ritz values inherit both.
        let u = EigenTests.floatRoundoff
        let frobenius = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let bound = (1 + Double(d)) * u * frobenius
        for i in 0..<k {
            #expect(abs(randomized.values[i] - values[i]) <= bound, "λ\(i): \(randomized.values[i]) vs \(values[i]), bound \(bound)")
            // Vector i is ± row i of Q; the angle error is the value error over the gap λᵢ − λᵢ₊₁ (Davis–Kahan).
            var overlap = 0.0
            for j in 0..<d { overlap += Double(randomized.vectors[i, j]) * q[i * d + j] }
            let gap = values[i] - values[i + 1]
            #expect(1 - abs(overlap) <= pow(bound / gap, 2) + Double(d) * u, "vector \(i) overlaps its true direction by \(overlap)")
        }
        #expect(worstOrthonormality(randomized.vectors.scalars.map(Double.init), rows: k, columns: d) <= Double(d) * u)
    }

    @Test("an operator of rank below the block size still yields an orthonormal basis")
    func lowRank() throws {
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.randomNormal([3, 20], using: &generator)   // rank 3
        var rng = SeededGenerator(seed: 9)
        let result = try RandomizedEigendecomposition(dimension: 20, count: 6, oversampling: 4, using: &rng) { block in
            matmul(matmul(block, x, transposeB: true), x)
        }
        #expect(result.values[2] > 1e-2 && abs(result.values[3]) < 1e-4 * result.values[0])
        #expect(worstOrthonormality(result.vectors.scalars.map(Double.init), rows: 6, columns: 20) < 1e-5)
    }
}

@Suite("One-sided Jacobi SVD")
struct JacobiSVDTests {
    @Test("2×2 by hand: [[3, 0], [4, 5]] has singular values 3√5 and √5")
    func small() throws {
        let svd = try SingularValueDecomposition([3, 0, 4, 5], rows: 2, columns: 2)
        #expect(abs(svd.values[0] - 3 * 5.0.squareRoot()) < 1e-14 && abs(svd.values[1] - 5.0.squareRoot()) < 1e-14,
                "\(svd.values)")
    }

    @Test("sᵢ² are the eigenvalues of AᵀA, ‖A vᵢ‖ = sᵢ, and the vᵢ are orthonormal", arguments: [(7, 4), (4, 7), (30, 12)])
    func againstEigen(m: Int, n: Int) throws {
        var generator = SeededGenerator(seed: UInt64(m * 100 + n))
        let a = (0..<(m * n)).map { _ in Double(generator.nextNormal()) }
        let svd = try SingularValueDecomposition(a, rows: m, columns: n)
        var gram = [Double](repeating: 0, count: n * n)  // AᵀA
        for i in 0..<n { for j in 0..<n { for r in 0..<m { gram[i * n + j] += a[r * n + i] * a[r * n + j] } } }
        let eigen = try SymmetricEigendecomposition(symmetric: gram, n: n)
        for i in 0..<n {
            #expect(abs(svd.values[i] * svd.values[i] - max(eigen.values[i], 0)) < 1e-12 * eigen.values[0], "i = \(i)")
            let av = (0..<m).map { r in (0..<n).reduce(0.0) { $0 + a[r * n + $1] * svd.vectors[i * n + $1] } }
            #expect(abs(av.reduce(0) { $0 + $1 * $1 }.squareRoot() - svd.values[i]) < 1e-12 * svd.values[0])
        }
        #expect(worstOrthonormality(svd.vectors, rows: n, columns: n) < 1e-13)
    }

    @Test("a matrix with NaN or the wrong storage is refused")
    func refuses() {
        #expect(throws: EigenError.badShape(rows: 2, columns: 2, storage: 3)) { try SingularValueDecomposition([1, 2, 3], rows: 2, columns: 2) }
        #expect(throws: EigenError.notFinite(row: 1, column: 0)) { try SingularValueDecomposition([1, 2, .nan, 3], rows: 2, columns: 2) }
    }
}
