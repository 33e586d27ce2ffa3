// The register-tile kernels of `GemmKernel` for CPUs without AVX-512: AVX2 (16 vector registers of 8
// floats), the portable x86 build, and arm64 (NEON: 32 registers of 4 floats). One loop, written out for
// each tile shape. (With AVX-512, GemmMicrokernels.swift has the 12 × 32 tile instead.)
//
// The 6 × 16 tile keeps 12 SIMD8 accumulators (12 of AVX2's 16 registers; 24 of NEON's 32), 2 for the
// B row and 1 for the broadcast A value. Per packed step it loads one row of the B sliver (`nr` = 16
// floats), and for each of the 6 rows broadcasts that row's A value and does one fused multiply-add per
// vector. The 6 × 8 kernel serves ragged edges of C with at most 8 columns left; fewer than 6 rows use
// the zero-padded rows of the packed A. Each element of C is the same chain of fused multiply-adds, in
// the same order, as with the AVX-512 tile: the two give the same bits.

#if !LATENT_AVX512
extension GemmKernel {
    /// Rows of the register tile.
    static let mr = 6
    /// Columns of the register tile (SIMD8 vectors × 8).
    static let nr = 16
    /// Rows of C per packed A block (a multiple of `mr`).
    static let mc = 120
    /// The smallest kernel's rows and columns: a ragged edge is padded to a multiple of these.
    static let edgeRows = 6, edgeColumns = 8

    /// The 6×16 register tile: `C[0..<6, 0..<16] = alpha · Ã·B̃ + beta · C` over `kc` packed steps.
    /// With `rowStride` and `step` the A values are read from any layout: row r of step p at
    /// `a[r·rowStride + p·step]` (packed: 1 and `mr`; A itself, unpacked: its row stride and 1).
    /// Step p of B starts at `b[p·bStep]` (packed: `nr`; B itself, not transposed and read where it is:
    /// its row stride). Every kernel takes `bStep` the same way.
    @inline(__always)
    static func microkernel(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int = 1, step: Int = mr, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD8<Float>(); var c0_1 = SIMD8<Float>()
        var c1_0 = SIMD8<Float>(); var c1_1 = SIMD8<Float>()
        var c2_0 = SIMD8<Float>(); var c2_1 = SIMD8<Float>()
        var c3_0 = SIMD8<Float>(); var c3_1 = SIMD8<Float>()
        var c4_0 = SIMD8<Float>(); var c4_1 = SIMD8<Float>()
        var c5_0 = SIMD8<Float>(); var c5_1 = SIMD8<Float>()
        // Rows in threes from one pointer each: few registers for any row stride.
        let (s1, s2) = (rowStride, 2 &* rowStride)
        var p0 = a, p3 = a + 3 &* rowStride
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let a0 = p0[0]
            c0_0 = c0_0.addingProduct(a0, b0); c0_1 = c0_1.addingProduct(a0, b1)
            let a1 = p0[s1]
            c1_0 = c1_0.addingProduct(a1, b0); c1_1 = c1_1.addingProduct(a1, b1)
            let a2 = p0[s2]
            c2_0 = c2_0.addingProduct(a2, b0); c2_1 = c2_1.addingProduct(a2, b1)
            let a3 = p3[0]
            c3_0 = c3_0.addingProduct(a3, b0); c3_1 = c3_1.addingProduct(a3, b1)
            let a4 = p3[s1]
            c4_0 = c4_0.addingProduct(a4, b0); c4_1 = c4_1.addingProduct(a4, b1)
            let a5 = p3[s2]
            c5_0 = c5_0.addingProduct(a5, b0); c5_1 = c5_1.addingProduct(a5, b1)
            p0 += step; p3 += step
            pb += bStep &* 4
        }
        let alphas = SIMD8<Float>(repeating: alpha), betas = SIMD8<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c0_1, into: c, at: 8, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c1_1, into: c + 1 &* ldc, at: 8, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c2_1, into: c + 2 &* ldc, at: 8, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c3_1, into: c + 3 &* ldc, at: 8, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c4_1, into: c + 4 &* ldc, at: 8, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
        store(c5_1, into: c + 5 &* ldc, at: 8, alphas, betas, readC)
    }

    /// `C[row, column..<column+8] = alpha·acc + beta·C[...]`, reading C only when `readC`.
    @inline(__always)
    static func store(
        _ acc: SIMD8<Float>, into row: UnsafeMutablePointer<Float>, at column: Int,
        _ alphas: SIMD8<Float>, _ betas: SIMD8<Float>, _ readC: Bool
    ) {
        let target = UnsafeMutableRawPointer(row + column)
        let scaled = alphas * acc
        target.storeBytes(
            of: readC ? scaled.addingProduct(betas, target.loadUnaligned(as: SIMD8<Float>.self)) : scaled,
            as: SIMD8<Float>.self)
    }

    /// The left 6×8 half of the register tile, for ragged edges (by default the packed layout).
    /// Reads A from any layout, as `microkernel` does (`rowStride`, `step`).
    @inline(__always)
    static func kernel6x8(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int = 1, step: Int = mr, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD8<Float>()
        var c1_0 = SIMD8<Float>()
        var c2_0 = SIMD8<Float>()
        var c3_0 = SIMD8<Float>()
        var c4_0 = SIMD8<Float>()
        var c5_0 = SIMD8<Float>()
        // Rows in threes from one pointer each: few registers for any row stride.
        let (s1, s2) = (rowStride, 2 &* rowStride)
        var p0 = a, p3 = a + 3 &* rowStride
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
            let a0 = p0[0]
            c0_0 = c0_0.addingProduct(a0, b0)
            let a1 = p0[s1]
            c1_0 = c1_0.addingProduct(a1, b0)
            let a2 = p0[s2]
            c2_0 = c2_0.addingProduct(a2, b0)
            let a3 = p3[0]
            c3_0 = c3_0.addingProduct(a3, b0)
            let a4 = p3[s1]
            c4_0 = c4_0.addingProduct(a4, b0)
            let a5 = p3[s2]
            c5_0 = c5_0.addingProduct(a5, b0)
            p0 += step; p3 += step
            pb += bStep &* 4
        }
        let alphas = SIMD8<Float>(repeating: alpha), betas = SIMD8<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
    }

    /// The 6×8 kernel with A read where it is: `GemmKernel.unpackedTile` for a ragged last sliver.
    @inline(never) @_optimize(size)
    static func unpackedHalfTile(
        kc: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        kernel6x8(kc: kc, a: a, rowStride: lda, step: 1, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The register-tile shape (rows, columns) of the smallest kernel covering `height × width`.
    static func coveringKernel(height: Int, width: Int) -> (rows: Int, columns: Int) {
        width <= 8 ? (6, 8) : (6, 16)
    }

    /// Runs the kernel of shape `rows × columns` (one `coveringKernel` returned).
    static func kernel(
        rows: Int, columns: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        if columns == 8 {
            kernel6x8(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        } else {
            microkernel(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        }
    }
}
#endif
