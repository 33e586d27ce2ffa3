// The symmetric eigenvalue problem A = V Λ Vᵀ, solved densely in Double.
//
// Two classical steps (Golub & Van Loan, "Matrix Computations", §8.3):
//
// 1. Householder tridiagonalization. For k = 0 … n−3 a reflector H_k = I − 2 v vᵀ (‖v‖ = 1, v zero in
//    its first k + 1 entries) zeroes row/column k below the subdiagonal: A ← H_k A H_k. After n − 2
//    steps A has become a tridiagonal T = Qᵀ A Q with Q = H_0 H_1 ⋯ H_{n−3}. Each step is a matrix–vector
//    product p = A v and a symmetric rank-2 update A ← A − v wᵀ − w vᵀ with w = 2p − 2(vᵀp) v.
// 2. Implicit QL with Wilkinson-type shifts on T. Each sweep chases a bulge from the bottom of the
//    unreduced block [l, m] to its top with Givens rotations G, T ← Gᵀ T G; the shift is the
//    eigenvalue of the leading 2×2 block closest to its first diagonal entry, which makes the last
//    off-diagonal converge cubically, so about 1.5 sweeps per eigenvalue suffice. The rotations are
//    accumulated into the eigenvectors: V = Q G₁ G₂ ⋯.
//
// Everything runs in Double: a covariance computed in Float by our GEMM comes in, but the reduction
// itself loses nothing more. Eigenvectors are kept as the *rows* of a row-major matrix, so both the
// Householder accumulation and every Givens rotation update contiguous rows (SIMD-friendly); the
// rotations of one sweep are recorded first and then applied in parallel over column blocks.
// Cost: about (4/3 + 4/3 + 9) n³ flops with vectors — 784 × 784 (MNIST pixels) in well under a second.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an eigendecomposition could not be computed.
public enum EigenError: Error, CustomStringConvertible, Equatable {
    /// The matrix was not square or its storage did not hold `n × n` values.
    case badShape(rows: Int, columns: Int, storage: Int)
    /// The matrix held NaN or ±Inf at (`row`, `column`).
    case notFinite(row: Int, column: Int)
    /// The matrix differed from its transpose by more than the tolerance at (`row`, `column`).
    case notSymmetric(row: Int, column: Int, upper: Double, lower: Double)
    /// The implicit QL iteration did not isolate eigenvalue `index` within `iterations` sweeps.
    case noConvergence(index: Int, iterations: Int)

    /// A message naming the problem and where it is.
    public var description: String {
        switch self {
        case let .badShape(rows, columns, storage):
            return "symmetric eigensolver: expected a square n × n matrix, got \(rows) × \(columns) with \(storage) stored values"
        case let .notFinite(row, column):
            return "symmetric eigensolver: element (\(row), \(column)) is not finite"
        case let .notSymmetric(row, column, upper, lower):
            return "symmetric eigensolver: matrix is not symmetric at (\(row), \(column)): \(upper) vs (\(column), \(row)): \(lower)"
        case let .noConvergence(index, iterations):
            return "symmetric eigensolver: implicit QL did not converge for eigenvalue \(index) after \(iterations) sweeps"
        }
    }
}

/// The eigenvalues and eigenvectors of a real symmetric matrix, largest eigenvalue first.
public struct SymmetricEigendecomposition: Sendable {
    /// The order n of the matrix.
    public let n: Int
    /// The eigenvalues λ₀ ≥ λ₁ ≥ … ≥ λₙ₋₁: [n].
    public let values: [Double]
    /// The eigenvectors as rows, row-major [n, n]: row i is the unit vector vᵢ with A vᵢ = λᵢ vᵢ.
    /// Rows are orthonormal. Each is signed so that its entry of largest magnitude is positive.
    public let vectors: [Double]

    /// Decomposes the symmetric `n × n` matrix `matrix` (row-major, Double).
    ///
    /// - Parameters:
    ///   - matrix: [n, n] row-major; only approximately symmetric input is accepted (see `symmetryTolerance`),
    ///     and it is symmetrized as (A + Aᵀ)/2 before the reduction.
    ///   - n: the order.
    ///   - symmetryTolerance: the largest |A[i, j] − A[j, i]| allowed, relative to the largest |A[i, j]|.
    public init(symmetric matrix: [Double], n: Int, symmetryTolerance: Double = 1e-6) throws(EigenError) {
        guard n >= 0, matrix.count == n * n else {
            throw .badShape(rows: n, columns: n, storage: matrix.count)
        }
        var a = matrix
        var largest = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let x = a[i * n + j]
                guard x.isFinite else { throw .notFinite(row: i, column: j) }
                largest = Swift.max(largest, Swift.abs(x))
            }
        }
        for i in 0..<n {
            for j in (i + 1)..<Swift.max(i + 1, n) {
                let upper = a[i * n + j], lower = a[j * n + i]
                if Swift.abs(upper - lower) > symmetryTolerance * largest {
                    throw .notSymmetric(row: i, column: j, upper: upper, lower: lower)
                }
                let average = 0.5 * (upper + lower)
                a[i * n + j] = average
                a[j * n + i] = average
            }
        }
        var diagonal = [Double](repeating: 0, count: n)
        var offDiagonal = [Double](repeating: 0, count: n)
        var rows = [Double](repeating: 0, count: n * n)
        a.withUnsafeMutableBufferPointer { a in
            rows.withUnsafeMutableBufferPointer { q in
                tridiagonalize(a.baseAddress!, n: n, diagonal: &diagonal, offDiagonal: &offDiagonal,
                               transformRows: q.baseAddress!)
            }
        }
        let failure = rows.withUnsafeMutableBufferPointer { z in
            tridiagonalQL(diagonal: &diagonal, offDiagonal: &offDiagonal, n: n, vectorRows: z.baseAddress!)
        }
        if let failure { throw failure }
        // Sort descending (a stable index sort keeps equal eigenvalues in QL order), fix signs.
        let order = (0..<n).sorted { diagonal[$0] > diagonal[$1] || (diagonal[$0] == diagonal[$1] && $0 < $1) }
        var sortedVectors = [Double](repeating: 0, count: n * n)
        for (target, source) in order.enumerated() {
            var biggest = 0.0
            for j in 0..<n where Swift.abs(rows[source * n + j]) > Swift.abs(biggest) { biggest = rows[source * n + j] }
            let sign: Double = biggest < 0 ? -1 : 1
            for j in 0..<n { sortedVectors[target * n + j] = sign * rows[source * n + j] }
        }
        self.n = n
        self.values = order.map { diagonal[$0] }
        self.vectors = sortedVectors
    }

    /// Eigenvector `i` (a row of `vectors`): [n].
    public func vector(_ i: Int) -> ArraySlice<Double> { vectors[(i * n)..<(i * n + n)] }
}

extension SymmetricEigendecomposition {
    /// Decomposes a symmetric [n, n] Float tensor (e.g. a covariance from `matmul(x, x, transposeA: true)`),
    /// widening it to Double first.
    public init(_ matrix: Tensor, symmetryTolerance: Double = 1e-5) throws(EigenError) {
        guard matrix.rank == 2, matrix.shape[0] == matrix.shape[1] else {
            throw .badShape(rows: matrix.shape.first ?? 0, columns: matrix.rank > 1 ? matrix.shape[1] : 0,
                            storage: matrix.count)
        }
        try self.init(symmetric: matrix.scalars.map { Double($0) }, n: matrix.shape[0],
                      symmetryTolerance: symmetryTolerance)
    }

    /// The eigenvalues as a Float tensor: [n], descending.
    public var valuesTensor: Tensor { Tensor(shape: [n], scalars: values.map { Float($0) }) }

    /// The first `k` eigenvectors as the rows of a Float tensor: [k, n].
    public func vectorsTensor(count k: Int) -> Tensor {
        precondition(k >= 0 && k <= n, "vectorsTensor(count: \(k)) of a \(n) × \(n) decomposition")
        return Tensor(shape: [k, n], scalars: vectors[0..<(k * n)].map { Float($0) })
    }
}

// MARK: Step 1 — Householder tridiagonalization

/// Reduces the symmetric `a` ([n, n], row-major, overwritten) to tridiagonal form T = Qᵀ A Q.
///
/// On return `diagonal[i] = T[i, i]`, `offDiagonal[i] = T[i, i + 1]` (`offDiagonal[n − 1] = 0`) and
/// `transformRows` ([n, n]) holds Qᵀ, i.e. the columns of Q as rows.
func tridiagonalize(
    _ a: UnsafeMutablePointer<Double>, n: Int,
    diagonal: inout [Double], offDiagonal: inout [Double],
    transformRows qt: UnsafeMutablePointer<Double>
) {
    // The unit Householder vectors, v_k stored in row k (entries k + 1 … n − 1 used), 0 when H_k = I.
    var reflectors = [Double](repeating: 0, count: n * n)
    var p = [Double](repeating: 0, count: n)
    var w = [Double](repeating: 0, count: n)
    reflectors.withUnsafeMutableBufferPointer { reflectors in
        p.withUnsafeMutableBufferPointer { p in
            w.withUnsafeMutableBufferPointer { w in
                let v = reflectors.baseAddress!, p = p.baseAddress!, w = w.baseAddress!
                var k = 0
                while k + 2 < n {
                    let start = k &+ 1          // the trailing block is rows/columns start..<n
                    let m = n &- start
                    let row = a + k &* n
                    // x = A[k, start…]; reflect it onto −sign(x₀)‖x‖ e₁.
                    var norm2 = 0.0
                    for j in start..<n { norm2 += row[j] * row[j] }
                    let norm = norm2.squareRoot()
                    let vk = v + k &* n
                    if norm == 0 {
                        offDiagonal[k] = 0
                        k &+= 1
                        continue
                    }
                    let alpha = row[start] > 0 ? -norm : norm
                    // v = (x − αe₁)/‖x − αe₁‖, with ‖x − αe₁‖² = 2(‖x‖² − αx₀).
                    let scale = 1 / (2 * (norm2 - alpha * row[start])).squareRoot()
                    vk[start] = (row[start] - alpha) * scale
                    for j in (start &+ 1)..<Swift.max(start &+ 1, n) { vk[j] = row[j] * scale }
                    // p = A₂₂ v (rows of the trailing block are contiguous), K = vᵀ p, w = 2p − 2K v.
                    let shared = UncheckedSendable((a, vk, p, w))
                    parallelFor(m, grain: 96) { range in
                        let (a, vk, p, _) = shared.value
                        for r in range {
                            let i = start &+ r
                            p[i] = dot(a + (i &* n &+ start), vk + start, count: m)
                        }
                    }
                    let kappa = dot(vk + start, p + start, count: m)
                    for i in start..<n { w[i] = 2 * p[i] - 2 * kappa * vk[i] }
                    // A₂₂ ← A₂₂ − v wᵀ − w vᵀ, row by row.
                    parallelFor(m, grain: 96) { range in
                        let (a, vk, _, w) = shared.value
                        for r in range {
                            let i = start &+ r
                            let rowI = a + (i &* n &+ start)
                            axpy(-vk[i], w + start, rowI, count: m)
                            axpy(-w[i], vk + start, rowI, count: m)
                        }
                    }
                    offDiagonal[k] = alpha
                    k &+= 1
                }
                for i in 0..<n { diagonal[i] = a[i &* n &+ i] }
                if n >= 2 { offDiagonal[n - 2] = a[(n - 2) &* n &+ n &- 1] }
                if n >= 1 { offDiagonal[n - 1] = 0 }

                // Qᵀ = H_{n−3} ⋯ H_1 H_0, accumulated backward as M ← M H_k starting from M = I.
                // M H_k = M − 2 (M v)(vᵀ): only rows/columns k + 1 … n − 1 of M change.
                for i in 0..<(n &* n) { qt[i] = 0 }
                for i in 0..<n { qt[i &* n &+ i] = 1 }
                var step = n &- 3
                let sharedQ = UncheckedSendable((qt, v))
                while step >= 0 {
                    let start = step &+ 1
                    let m = n &- start
                    parallelFor(m, grain: 96) { range in
                        let (qt, v) = sharedQ.value
                        let vk = v + step &* n
                        for r in range {
                            let rowI = qt + ((start &+ r) &* n &+ start)
                            let projection = dot(rowI, vk + start, count: m)
                            if projection != 0 { axpy(-2 * projection, vk + start, rowI, count: m) }
                        }
                    }
                    step &-= 1
                }
            }
        }
    }
}

// MARK: Step 2 — implicit QL on the tridiagonal matrix

/// Diagonalizes the symmetric tridiagonal T (`diagonal` d, `offDiagonal` e with e[i] = T[i, i + 1])
/// by implicit QL with shifts, rotating the rows of `vectorRows` ([n, n]) along.
///
/// On return `diagonal` holds the eigenvalues (unsorted) and row i of `vectorRows` the eigenvector
/// belonging to `diagonal[i]` (when `vectorRows` started as Qᵀ from `tridiagonalize`). Returns the
/// error when some eigenvalue does not converge, nil on success.
func tridiagonalQL(
    diagonal d: inout [Double], offDiagonal e: inout [Double], n: Int,
    vectorRows z: UnsafeMutablePointer<Double>
) -> EigenError? {
    let maxSweeps = 60
    // Off-diagonals below this are zero at working precision whatever their neighbours (guards blocks
    // of exactly zero eigenvalues, where the relative test alone would never fire).
    var norm = 0.0
    for i in 0..<n { norm = Swift.max(norm, Swift.abs(d[i]) + Swift.abs(e[i]) + (i > 0 ? Swift.abs(e[i - 1]) : 0)) }
    let floor = Double.ulpOfOne * Double.ulpOfOne * norm
    var cosines = [Double](repeating: 0, count: n)
    var sines = [Double](repeating: 0, count: n)
    for l in 0..<n {
        var sweeps = 0
        while true {
            // Find the smallest m ≥ l with a negligible e[m]: the block [l, m] is unreduced.
            var m = l
            while m < n - 1 {
                let size = Swift.abs(d[m]) + Swift.abs(d[m + 1])
                if Swift.abs(e[m]) <= Double.ulpOfOne * size || Swift.abs(e[m]) <= floor { break }
                m += 1
            }
            if m == l { break }
            sweeps += 1
            if sweeps > maxSweeps { return .noConvergence(index: l, iterations: maxSweeps) }

            // Shift: the eigenvalue of [[d_l, e_l], [e_l, d_{l+1}]] nearest d_l, i.e. d_l − e_l / (g ± √(g² + 1)).
            var g = (d[l + 1] - d[l]) / (2 * e[l])
            var r = hypot(g, 1)
            g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
            var s = 1.0, c = 1.0, p = 0.0
            var i = m - 1
            var underflow = false
            var rotations = 0
            // Chase the bulge upward from the bottom of the block with Givens rotations.
            while i >= l {
                let f = s * e[i]
                let b = c * e[i]
                r = hypot(f, g)
                e[i + 1] = r
                if r == 0 {
                    // A zero rotation splits the block: deflate and start again.
                    d[i + 1] -= p
                    e[m] = 0
                    underflow = true
                    break
                }
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                cosines[rotations] = c
                sines[rotations] = s
                rotations += 1
                i -= 1
            }
            applyRotations(z, n: n, from: m - 1, count: rotations, cosines: cosines, sines: sines)
            if underflow { continue }
            d[l] -= p
            e[l] = g
            e[m] = 0
        }
    }
    return nil
}

/// Applies a QL sweep's rotations to the eigenvector rows: the j-th rotation (c, s) mixes rows
/// i = top − j and i + 1 as (zᵢ, zᵢ₊₁) ← (c zᵢ − s zᵢ₊₁, s zᵢ + c zᵢ₊₁). Column blocks are independent,
/// so they run in parallel, each applying the whole sequence in order.
func applyRotations(
    _ z: UnsafeMutablePointer<Double>, n: Int, from top: Int, count: Int,
    cosines: [Double], sines: [Double]
) {
    guard count > 0 else { return }
    cosines.withUnsafeBufferPointer { cs in
        sines.withUnsafeBufferPointer { sn in
            let shared = UncheckedSendable((z, cs.baseAddress!, sn.baseAddress!))
            // Work is count × n × 6 flops; split columns when that is worth a thread.
            let grain = Swift.max(64, 65_536 / Swift.max(count, 1))
            parallelFor(n, grain: grain) { columns in
                let (z, cs, sn) = shared.value
                let width = columns.count
                for j in 0..<count {
                    let i = top &- j
                    let c = cs[j], s = sn[j]
                    rotateRows(z + (i &* n &+ columns.lowerBound), z + ((i &+ 1) &* n &+ columns.lowerBound),
                               count: width, c: c, s: s)
                }
            }
        }
    }
}

// MARK: Small Double kernels
//
// Plain `while` loops over pointers: in release builds LLVM vectorizes the rotation and the axpy (and
// the four independent sums of the dot product) for the target CPU; in debug builds these loops use
// only transparent pointer and Double operations, so the unit tests stay fast (SIMD types are slow
// without optimization: a 784 × 784 decomposition took 47 s in debug with SIMD8<Double>).

/// (x, y) ← (c x − s y, s x + c y) elementwise over `count` entries.
@inline(__always)
func rotateRows(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int, c: Double, s: Double) {
    var k = 0
    while k < count {
        let xk = x[k], yk = y[k]
        x[k] = c * xk - s * yk
        y[k] = s * xk + c * yk
        k &+= 1
    }
}

/// Σ x[k] y[k] over `count` entries, in four interleaved partial sums.
@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var k = 0
    while k &+ 4 <= count {
        s0 += x[k] * y[k]
        s1 += x[k &+ 1] * y[k &+ 1]
        s2 += x[k &+ 2] * y[k &+ 2]
        s3 += x[k &+ 3] * y[k &+ 3]
        k &+= 4
    }
    while k < count {
        s0 += x[k] * y[k]
        k &+= 1
    }
    return (s0 + s1) + (s2 + s3)
}

@inline(__always)
func dot(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) -> Double {
    dot(UnsafePointer(x), UnsafePointer(y), count: count)
}

/// y ← y + alpha · x over `count` entries.
@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    var k = 0
    while k < count {
        y[k] += alpha * x[k]
        k &+= 1
    }
}

@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
    axpy(alpha, UnsafePointer(x), y, count: count)
}
