/// General matrix multiply, row-major: `C = alpha · op(A) · op(B) + beta · C`.
///
/// `op(A)` is `m × k`: with `transposeA == false`, A is stored `m × k` (row stride `lda ≥ k`); with
/// `transposeA == true`, A is stored `k × m` (row stride `lda ≥ m`) and read transposed in place.
/// Likewise `op(B)` is `k × n`. C is `m × n` with row stride `ldc ≥ n`. With `beta == 0`, C is
/// overwritten (its old contents, even NaN, are ignored), as in BLAS.
///
/// This entry point is what layers call; the fast path behind it lives in `GemmKernel.swift`.
public func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n) && ldc >= n,
                 "gemm: leading dimensions lda=\(lda) ldb=\(ldb) ldc=\(ldc) too small for m=\(m) n=\(n) k=\(k)")
    GemmKernel.run(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// The readable definition of `gemm`: three loops, Double accumulation. Tests hold the fast kernel to it.
public func referenceGemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var total = 0.0
            for p in 0..<k {
                let aip = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bpj = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                total += Double(aip) * Double(bpj)
            }
            let old = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(total) + old
        }
    }
}

/// The register tile `gemm` was built with, rows × columns of C per microkernel call: 12 × 32 where the
/// compiler may use AVX-512, 6 × 16 elsewhere (AVX2, arm64, the portable build). Same bits either way.
public var gemmRegisterTile: (rows: Int, columns: Int) { (GemmKernel.mr, GemmKernel.nr) }
