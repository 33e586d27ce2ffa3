// The register-tile kernels of `GemmKernel` for CPUs with AVX-512 (32 vector registers of 16 floats):
// one loop, written out for each tile shape. (Without AVX-512, GemmMicrokernels256.swift has the 6 × 16
// tile instead: these would spill half their accumulators to memory.)
//
// Each kernel keeps its rows × vectors accumulators in named SIMD16 variables so they live in vector
// registers (AVX-512 has 32; the 12×32 tile uses 24 accumulators, 2 for B and 1 for the broadcast A
// value). Per packed step it loads one row of the B sliver (`nr` floats), and for each tile row
// broadcasts that row's A value and does one fused multiply-add per vector. The smaller shapes serve
// ragged edges of C (few rows, or at most 16 columns left) and read the same packed layout: they just
// use the first rows of each A step and the first vector of each B step.

#if LATENT_AVX512
extension GemmKernel {
    /// Rows of the register tile.
    static let mr = 12
    /// Columns of the register tile (SIMD16 vectors × 16).
    static let nr = 32
    /// Rows of C per packed A block (a multiple of `mr`).
    static let mc = 120
    /// The smallest kernel's rows and columns: a ragged edge is padded to a multiple of these.
    static let edgeRows = 4, edgeColumns = 16

    /// The 12×32 register tile: `C[0..<12, 0..<32] = alpha · Ã·B̃ + beta · C` over `kc` packed steps.
    ///
    /// `a` holds `mr` = 12 floats per step (one per row), `b` holds `nr` = 32 (one per column);
    /// the 24 accumulators stay in vector registers for the whole loop. With `beta == 0`, C is not read.
    /// With `rowStride` and `step` the A values are read from any layout: row r of step p at
    /// `a[r·rowStride + p·step]` (packed: 1 and `mr`; A itself, unpacked: its row stride and 1).
    /// Step p of B starts at `b[p·bStep]` (packed: `nr`; B itself, not transposed and read where it is:
    /// its row stride). Every kernel takes `bStep` the same way.
    @inline(__always)
    static func microkernel(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int = 1, step: Int = mr, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>(); var c0_1 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>(); var c1_1 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>(); var c2_1 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>(); var c3_1 = SIMD16<Float>()
        var c4_0 = SIMD16<Float>(); var c4_1 = SIMD16<Float>()
        var c5_0 = SIMD16<Float>(); var c5_1 = SIMD16<Float>()
        var c6_0 = SIMD16<Float>(); var c6_1 = SIMD16<Float>()
        var c7_0 = SIMD16<Float>(); var c7_1 = SIMD16<Float>()
        var c8_0 = SIMD16<Float>(); var c8_1 = SIMD16<Float>()
        var c9_0 = SIMD16<Float>(); var c9_1 = SIMD16<Float>()
        var c10_0 = SIMD16<Float>(); var c10_1 = SIMD16<Float>()
        var c11_0 = SIMD16<Float>(); var c11_1 = SIMD16<Float>()
        // Rows 0–2, 3–5, 6–8, 9–11 from four pointers: few registers for any row stride.
        let (s1, s2) = (rowStride, 2 &* rowStride)
        var p0 = a, p3 = a + 3 &* rowStride, p6 = a + 6 &* rowStride, p9 = a + 9 &* rowStride
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
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
            let a6 = p6[0]
            c6_0 = c6_0.addingProduct(a6, b0); c6_1 = c6_1.addingProduct(a6, b1)
            let a7 = p6[s1]
            c7_0 = c7_0.addingProduct(a7, b0); c7_1 = c7_1.addingProduct(a7, b1)
            let a8 = p6[s2]
            c8_0 = c8_0.addingProduct(a8, b0); c8_1 = c8_1.addingProduct(a8, b1)
            let a9 = p9[0]
            c9_0 = c9_0.addingProduct(a9, b0); c9_1 = c9_1.addingProduct(a9, b1)
            let a10 = p9[s1]
            c10_0 = c10_0.addingProduct(a10, b0); c10_1 = c10_1.addingProduct(a10, b1)
            let a11 = p9[s2]
            c11_0 = c11_0.addingProduct(a11, b0); c11_1 = c11_1.addingProduct(a11, b1)
            p0 += step; p3 += step; p6 += step; p9 += step
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c0_1, into: c, at: 16, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c1_1, into: c + 1 &* ldc, at: 16, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c2_1, into: c + 2 &* ldc, at: 16, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c3_1, into: c + 3 &* ldc, at: 16, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c4_1, into: c + 4 &* ldc, at: 16, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
        store(c5_1, into: c + 5 &* ldc, at: 16, alphas, betas, readC)
        store(c6_0, into: c + 6 &* ldc, at: 0, alphas, betas, readC)
        store(c6_1, into: c + 6 &* ldc, at: 16, alphas, betas, readC)
        store(c7_0, into: c + 7 &* ldc, at: 0, alphas, betas, readC)
        store(c7_1, into: c + 7 &* ldc, at: 16, alphas, betas, readC)
        store(c8_0, into: c + 8 &* ldc, at: 0, alphas, betas, readC)
        store(c8_1, into: c + 8 &* ldc, at: 16, alphas, betas, readC)
        store(c9_0, into: c + 9 &* ldc, at: 0, alphas, betas, readC)
        store(c9_1, into: c + 9 &* ldc, at: 16, alphas, betas, readC)
        store(c10_0, into: c + 10 &* ldc, at: 0, alphas, betas, readC)
        store(c10_1, into: c + 10 &* ldc, at: 16, alphas, betas, readC)
        store(c11_0, into: c + 11 &* ldc, at: 0, alphas, betas, readC)
        store(c11_1, into: c + 11 &* ldc, at: 16, alphas, betas, readC)
    }

    /// `C[row, column..<column+16] = alpha·acc + beta·C[...]`, reading C only when `readC`.
    @inline(__always)
    static func store(
        _ acc: SIMD16<Float>, into row: UnsafeMutablePointer<Float>, at column: Int,
        _ alphas: SIMD16<Float>, _ betas: SIMD16<Float>, _ readC: Bool
    ) {
        let target = UnsafeMutableRawPointer(row + column)
        let scaled = alphas * acc
        target.storeBytes(
            of: readC ? scaled.addingProduct(betas, target.loadUnaligned(as: SIMD16<Float>.self)) : scaled,
            as: SIMD16<Float>.self)
    }

    /// The top-left 4×16 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel4x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0)
            pa += mr
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
    }

    /// The top-left 4×32 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel4x32(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>(); var c0_1 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>(); var c1_1 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>(); var c2_1 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>(); var c3_1 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0); c0_1 = c0_1.addingProduct(a0, b1)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0); c1_1 = c1_1.addingProduct(a1, b1)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0); c2_1 = c2_1.addingProduct(a2, b1)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0); c3_1 = c3_1.addingProduct(a3, b1)
            pa += mr
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c0_1, into: c, at: 16, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c1_1, into: c + 1 &* ldc, at: 16, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c2_1, into: c + 2 &* ldc, at: 16, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c3_1, into: c + 3 &* ldc, at: 16, alphas, betas, readC)
    }

    /// The top-left 8×16 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel8x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>()
        var c4_0 = SIMD16<Float>()
        var c5_0 = SIMD16<Float>()
        var c6_0 = SIMD16<Float>()
        var c7_0 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0)
            let a4 = pa[4]
            c4_0 = c4_0.addingProduct(a4, b0)
            let a5 = pa[5]
            c5_0 = c5_0.addingProduct(a5, b0)
            let a6 = pa[6]
            c6_0 = c6_0.addingProduct(a6, b0)
            let a7 = pa[7]
            c7_0 = c7_0.addingProduct(a7, b0)
            pa += mr
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
        store(c6_0, into: c + 6 &* ldc, at: 0, alphas, betas, readC)
        store(c7_0, into: c + 7 &* ldc, at: 0, alphas, betas, readC)
    }

    /// The top-left 8×32 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel8x32(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>(); var c0_1 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>(); var c1_1 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>(); var c2_1 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>(); var c3_1 = SIMD16<Float>()
        var c4_0 = SIMD16<Float>(); var c4_1 = SIMD16<Float>()
        var c5_0 = SIMD16<Float>(); var c5_1 = SIMD16<Float>()
        var c6_0 = SIMD16<Float>(); var c6_1 = SIMD16<Float>()
        var c7_0 = SIMD16<Float>(); var c7_1 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0); c0_1 = c0_1.addingProduct(a0, b1)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0); c1_1 = c1_1.addingProduct(a1, b1)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0); c2_1 = c2_1.addingProduct(a2, b1)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0); c3_1 = c3_1.addingProduct(a3, b1)
            let a4 = pa[4]
            c4_0 = c4_0.addingProduct(a4, b0); c4_1 = c4_1.addingProduct(a4, b1)
            let a5 = pa[5]
            c5_0 = c5_0.addingProduct(a5, b0); c5_1 = c5_1.addingProduct(a5, b1)
            let a6 = pa[6]
            c6_0 = c6_0.addingProduct(a6, b0); c6_1 = c6_1.addingProduct(a6, b1)
            let a7 = pa[7]
            c7_0 = c7_0.addingProduct(a7, b0); c7_1 = c7_1.addingProduct(a7, b1)
            pa += mr
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c0_1, into: c, at: 16, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c1_1, into: c + 1 &* ldc, at: 16, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c2_1, into: c + 2 &* ldc, at: 16, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c3_1, into: c + 3 &* ldc, at: 16, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c4_1, into: c + 4 &* ldc, at: 16, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
        store(c5_1, into: c + 5 &* ldc, at: 16, alphas, betas, readC)
        store(c6_0, into: c + 6 &* ldc, at: 0, alphas, betas, readC)
        store(c6_1, into: c + 6 &* ldc, at: 16, alphas, betas, readC)
        store(c7_0, into: c + 7 &* ldc, at: 0, alphas, betas, readC)
        store(c7_1, into: c + 7 &* ldc, at: 16, alphas, betas, readC)
    }

    /// The top-left 12×16 corner of the register tile, for ragged edges (by default the packed layout).
    /// Reads A from any layout, as `microkernel` does (`rowStride`, `step`).
    @inline(__always)
    static func kernel12x16(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int = 1, step: Int = mr, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>()
        var c4_0 = SIMD16<Float>()
        var c5_0 = SIMD16<Float>()
        var c6_0 = SIMD16<Float>()
        var c7_0 = SIMD16<Float>()
        var c8_0 = SIMD16<Float>()
        var c9_0 = SIMD16<Float>()
        var c10_0 = SIMD16<Float>()
        var c11_0 = SIMD16<Float>()
        // Rows in threes from one pointer each: few registers for any row stride.
        let (s1, s2) = (rowStride, 2 &* rowStride)
        var p0 = a, p3 = a + 3 &* rowStride, p6 = a + 6 &* rowStride, p9 = a + 9 &* rowStride
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
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
            let a6 = p6[0]
            c6_0 = c6_0.addingProduct(a6, b0)
            let a7 = p6[s1]
            c7_0 = c7_0.addingProduct(a7, b0)
            let a8 = p6[s2]
            c8_0 = c8_0.addingProduct(a8, b0)
            let a9 = p9[0]
            c9_0 = c9_0.addingProduct(a9, b0)
            let a10 = p9[s1]
            c10_0 = c10_0.addingProduct(a10, b0)
            let a11 = p9[s2]
            c11_0 = c11_0.addingProduct(a11, b0)
            p0 += step; p3 += step; p6 += step; p9 += step
            pb += bStep &* 4
        }
        let alphas = SIMD16<Float>(repeating: alpha), betas = SIMD16<Float>(repeating: beta)
        let readC = beta != 0
        store(c0_0, into: c, at: 0, alphas, betas, readC)
        store(c1_0, into: c + 1 &* ldc, at: 0, alphas, betas, readC)
        store(c2_0, into: c + 2 &* ldc, at: 0, alphas, betas, readC)
        store(c3_0, into: c + 3 &* ldc, at: 0, alphas, betas, readC)
        store(c4_0, into: c + 4 &* ldc, at: 0, alphas, betas, readC)
        store(c5_0, into: c + 5 &* ldc, at: 0, alphas, betas, readC)
        store(c6_0, into: c + 6 &* ldc, at: 0, alphas, betas, readC)
        store(c7_0, into: c + 7 &* ldc, at: 0, alphas, betas, readC)
        store(c8_0, into: c + 8 &* ldc, at: 0, alphas, betas, readC)
        store(c9_0, into: c + 9 &* ldc, at: 0, alphas, betas, readC)
        store(c10_0, into: c + 10 &* ldc, at: 0, alphas, betas, readC)
        store(c11_0, into: c + 11 &* ldc, at: 0, alphas, betas, readC)
    }

    /// The 12×16 kernel with A read where it is: `GemmKernel.unpackedTile` for a ragged last sliver.
    @inline(never) @_optimize(size)
    static func unpackedHalfTile(
        kc: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        kernel12x16(kc: kc, a: a, rowStride: lda, step: 1, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The register-tile shape (rows, columns) of the smallest kernel covering `height × width`.
    static func coveringKernel(height: Int, width: Int) -> (rows: Int, columns: Int) {
        if height <= 4 && width <= 16 { return (4, 16) }
        if height <= 4 && width <= 32 { return (4, 32) }
        if height <= 8 && width <= 16 { return (8, 16) }
        if height <= 12 && width <= 16 { return (12, 16) }
        if height <= 8 && width <= 32 { return (8, 32) }
        return (12, 32)
    }

    /// Runs the kernel of shape `rows × columns` (one `coveringKernel` returned).
    static func kernel(
        rows: Int, columns: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        switch (rows, columns) {
        case (4, 16): kernel4x16(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (4, 32): kernel4x32(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (8, 16): kernel8x16(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (8, 32): kernel8x32(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (12, 16): kernel12x16(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        default: microkernel(kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
        }
    }
}
#endif
