// The singular value decomposition A = U S Vᵀ by one-sided Jacobi rotations (Hestenes), in Double.
//
// Written for clarity, to check chapter 1's claim that PCA's eigenvalues are the centred data's
// squared singular values over N − 1; PCA itself decomposes the covariance (`SymmetricEigendecomposition`).
//
// The idea: rotate pairs of columns of A until all columns are mutually orthogonal. A rotation of
// columns p and q by the angle that zeroes their inner product is a plane rotation J applied on the
// right, A ← A J, and the same rotations accumulate in V ← V J. When every pair is orthogonal,
// A V = U S with column j of A V having norm sⱼ and direction uⱼ (Golub & Van Loan, "Matrix
// Computations", §8.6.3). Each sweep visits every pair once; the method converges quadratically once
// the columns are nearly orthogonal. Cost: about 3·m·n² flops per sweep for A [m, n], with a few sweeps
// — fine for the small matrices of the tests, not for 60,000 × 784.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The singular values and right singular vectors of a real m × n matrix, largest value first.
public struct SingularValueDecomposition: Sendable {
    /// The singular values s₀ ≥ s₁ ≥ … ≥ sₙ₋₁ ≥ 0: [n] (n = the number of columns; those beyond the
    /// rank are zero to rounding).
    public let values: [Double]
    /// The right singular vectors as rows, row-major [n, n]: row i is the unit vector vᵢ with ‖A vᵢ‖ = sᵢ.
    public let vectors: [Double]
    /// The number of Jacobi sweeps it took.
    public let sweeps: Int

    /// Decomposes `a`, row-major [rows, columns].
    ///
    /// - Parameters:
    ///   - a: the matrix, `rows × columns` values, row by row.
    ///   - tolerance: a pair of columns counts as orthogonal when |⟨aₚ, a_q⟩| ≤ tolerance·‖aₚ‖‖a_q‖
    ///     (default: max(m, 10)·ε, the rounding level of an inner product of m terms).
    ///   - maxSweeps: sweeps before giving up.
    public init(_ a: [Double], rows m: Int, columns n: Int, tolerance: Double? = nil, maxSweeps: Int = 60) throws(EigenError) {
        guard m >= 1, n >= 1, a.count == m * n else { throw EigenError.badShape(rows: m, columns: n, storage: a.count) }
        if let bad = a.firstIndex(where: { !$0.isFinite }) { throw EigenError.notFinite(row: bad / n, column: bad % n) }
        let tolerance = tolerance ?? Double(max(m, 10)) * .ulpOfOne
        // A column whose squared norm is below this is zero to rounding (A rank-deficient): it is left alone.
        let negligible = a.reduce(0) { $0 + $1 * $1 } * .ulpOfOne * .ulpOfOne
        // Work on columns: w[j] is column j of A (m values), v[j] is column j of V (n values).
        var w = (0..<n).map { j in (0..<m).map { i in a[i * n + j] } }
        var v = (0..<n).map { j in (0..<n).map { i in i == j ? 1.0 : 0.0 } }
        var sweep = 0
        var rotated = true
        while rotated {
            guard sweep < maxSweeps else { throw EigenError.noConvergence(index: 0, iterations: maxSweeps) }
            sweep += 1
            rotated = false
            for p in 0..<n {
                for q in (p + 1)..<n {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0  // ‖a_p‖², ‖a_q‖², ⟨a_p, a_q⟩
                    for i in 0..<m {
                        alpha += w[p][i] * w[p][i]
                        beta += w[q][i] * w[q][i]
                        gamma += w[p][i] * w[q][i]
                    }
                    guard alpha > negligible, beta > negligible, abs(gamma) > tolerance * (alpha * beta).squareRoot() else { continue }
                    rotated = true
                    // The angle with tan 2θ = 2γ / (β − α), taking the smaller root t = tan θ.
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for i in 0..<m {
                        let (x, y) = (w[p][i], w[q][i])
                        w[p][i] = c * x - s * y
                        w[q][i] = s * x + c * y
                    }
                    for i in 0..<n {
                        let (x, y) = (v[p][i], v[q][i])
                        v[p][i] = c * x - s * y
                        v[q][i] = s * x + c * y
                    }
                }
            }
        }
        // sⱼ = ‖column j of A V‖; sort descending, carrying the columns of V along.
        let norms = w.map { column in column.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let order = (0..<n).sorted { norms[$0] > norms[$1] }
        values = order.map { norms[$0] }
        vectors = order.flatMap { v[$0] }
        sweeps = sweep
    }
}
