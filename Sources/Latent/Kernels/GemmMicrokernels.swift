// The register-tile kernels of `GemmKernel`: one loop, written out for each tile shape.
//
// Each kernel keeps its rows × vectors accumulators in named SIMD16 variables so they live in vector
// registers (AVX-512 has 32; the 12×32 tile uses 24 accumulators, 2 for B and 1 for the broadcast A
// value). Per packed step it loads one row of the B sliver (`nr` floats), and for each tile row
// broadcasts that row's A value and does one fused multiply-add per vector. The smaller shapes serve
// ragged edges of C (few rows, or at most 16 columns left) and read the same packed layout: they just
// use the first rows of each A step and the first vector of each B step.

extension GemmKernel {
    /// The 12×32 register tile: `C[0..<12, 0..<32] = alpha · Ã·B̃ + beta · C` over `kc` packed steps.
    ///
    /// `a` holds `mr` = 12 floats per step (one per row), `b` holds `nr` = 32 (one per column);
    /// the 24 accumulators stay in vector registers for the whole loop. With `beta == 0`, C is not read.
    @inline(__always)
    static func microkernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
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
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.load(fromByteOffset: 64, as: SIMD16<Float>.self)
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
            let a8 = pa[8]
            c8_0 = c8_0.addingProduct(a8, b0); c8_1 = c8_1.addingProduct(a8, b1)
            let a9 = pa[9]
            c9_0 = c9_0.addingProduct(a9, b0); c9_1 = c9_1.addingProduct(a9, b1)
            let a10 = pa[10]
            c10_0 = c10_0.addingProduct(a10, b0); c10_1 = c10_1.addingProduct(a10, b1)
            let a11 = pa[11]
            c11_0 = c11_0.addingProduct(a11, b0); c11_1 = c11_1.addingProduct(a11, b1)
            pa += mr
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self); r0.storeBytes(of: alpha * c0_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self); r1.storeBytes(of: alpha * c1_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self); r2.storeBytes(of: alpha * c2_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self); r3.storeBytes(of: alpha * c3_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: alpha * c4_0, toByteOffset: 0, as: SIMD16<Float>.self); r4.storeBytes(of: alpha * c4_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: alpha * c5_0, toByteOffset: 0, as: SIMD16<Float>.self); r5.storeBytes(of: alpha * c5_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: alpha * c6_0, toByteOffset: 0, as: SIMD16<Float>.self); r6.storeBytes(of: alpha * c6_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: alpha * c7_0, toByteOffset: 0, as: SIMD16<Float>.self); r7.storeBytes(of: alpha * c7_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r8 = UnsafeMutableRawPointer(c + 8 &* ldc)
            r8.storeBytes(of: alpha * c8_0, toByteOffset: 0, as: SIMD16<Float>.self); r8.storeBytes(of: alpha * c8_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r9 = UnsafeMutableRawPointer(c + 9 &* ldc)
            r9.storeBytes(of: alpha * c9_0, toByteOffset: 0, as: SIMD16<Float>.self); r9.storeBytes(of: alpha * c9_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r10 = UnsafeMutableRawPointer(c + 10 &* ldc)
            r10.storeBytes(of: alpha * c10_0, toByteOffset: 0, as: SIMD16<Float>.self); r10.storeBytes(of: alpha * c10_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r11 = UnsafeMutableRawPointer(c + 11 &* ldc)
            r11.storeBytes(of: alpha * c11_0, toByteOffset: 0, as: SIMD16<Float>.self); r11.storeBytes(of: alpha * c11_1, toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r0.storeBytes(of: (alpha * c0_1).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r1.storeBytes(of: (alpha * c1_1).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r2.storeBytes(of: (alpha * c2_1).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r3.storeBytes(of: (alpha * c3_1).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: (alpha * c4_0).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r4.storeBytes(of: (alpha * c4_1).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: (alpha * c5_0).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r5.storeBytes(of: (alpha * c5_1).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: (alpha * c6_0).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r6.storeBytes(of: (alpha * c6_1).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: (alpha * c7_0).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r7.storeBytes(of: (alpha * c7_1).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r8 = UnsafeMutableRawPointer(c + 8 &* ldc)
            r8.storeBytes(of: (alpha * c8_0).addingProduct(beta, r8.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r8.storeBytes(of: (alpha * c8_1).addingProduct(beta, r8.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r9 = UnsafeMutableRawPointer(c + 9 &* ldc)
            r9.storeBytes(of: (alpha * c9_0).addingProduct(beta, r9.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r9.storeBytes(of: (alpha * c9_1).addingProduct(beta, r9.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r10 = UnsafeMutableRawPointer(c + 10 &* ldc)
            r10.storeBytes(of: (alpha * c10_0).addingProduct(beta, r10.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r10.storeBytes(of: (alpha * c10_1).addingProduct(beta, r10.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r11 = UnsafeMutableRawPointer(c + 11 &* ldc)
            r11.storeBytes(of: (alpha * c11_0).addingProduct(beta, r11.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r11.storeBytes(of: (alpha * c11_1).addingProduct(beta, r11.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
        }
    }

    /// The top-left 4×16 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel4x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0)
            pa += mr
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
        }
    }

    /// The top-left 4×32 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel4x32(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c0_0 = SIMD16<Float>(); var c0_1 = SIMD16<Float>()
        var c1_0 = SIMD16<Float>(); var c1_1 = SIMD16<Float>()
        var c2_0 = SIMD16<Float>(); var c2_1 = SIMD16<Float>()
        var c3_0 = SIMD16<Float>(); var c3_1 = SIMD16<Float>()
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.load(fromByteOffset: 64, as: SIMD16<Float>.self)
            let a0 = pa[0]
            c0_0 = c0_0.addingProduct(a0, b0); c0_1 = c0_1.addingProduct(a0, b1)
            let a1 = pa[1]
            c1_0 = c1_0.addingProduct(a1, b0); c1_1 = c1_1.addingProduct(a1, b1)
            let a2 = pa[2]
            c2_0 = c2_0.addingProduct(a2, b0); c2_1 = c2_1.addingProduct(a2, b1)
            let a3 = pa[3]
            c3_0 = c3_0.addingProduct(a3, b0); c3_1 = c3_1.addingProduct(a3, b1)
            pa += mr
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self); r0.storeBytes(of: alpha * c0_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self); r1.storeBytes(of: alpha * c1_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self); r2.storeBytes(of: alpha * c2_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self); r3.storeBytes(of: alpha * c3_1, toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r0.storeBytes(of: (alpha * c0_1).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r1.storeBytes(of: (alpha * c1_1).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r2.storeBytes(of: (alpha * c2_1).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r3.storeBytes(of: (alpha * c3_1).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
        }
    }

    /// The top-left 8×16 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel8x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
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
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
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
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: alpha * c4_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: alpha * c5_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: alpha * c6_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: alpha * c7_0, toByteOffset: 0, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: (alpha * c4_0).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: (alpha * c5_0).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: (alpha * c6_0).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: (alpha * c7_0).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
        }
    }

    /// The top-left 8×32 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel8x32(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
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
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
            let b1 = pb.load(fromByteOffset: 64, as: SIMD16<Float>.self)
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
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self); r0.storeBytes(of: alpha * c0_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self); r1.storeBytes(of: alpha * c1_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self); r2.storeBytes(of: alpha * c2_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self); r3.storeBytes(of: alpha * c3_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: alpha * c4_0, toByteOffset: 0, as: SIMD16<Float>.self); r4.storeBytes(of: alpha * c4_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: alpha * c5_0, toByteOffset: 0, as: SIMD16<Float>.self); r5.storeBytes(of: alpha * c5_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: alpha * c6_0, toByteOffset: 0, as: SIMD16<Float>.self); r6.storeBytes(of: alpha * c6_1, toByteOffset: 64, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: alpha * c7_0, toByteOffset: 0, as: SIMD16<Float>.self); r7.storeBytes(of: alpha * c7_1, toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r0.storeBytes(of: (alpha * c0_1).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r1.storeBytes(of: (alpha * c1_1).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r2.storeBytes(of: (alpha * c2_1).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r3.storeBytes(of: (alpha * c3_1).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: (alpha * c4_0).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r4.storeBytes(of: (alpha * c4_1).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: (alpha * c5_0).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r5.storeBytes(of: (alpha * c5_1).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: (alpha * c6_0).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r6.storeBytes(of: (alpha * c6_1).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: (alpha * c7_0).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            r7.storeBytes(of: (alpha * c7_1).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)), toByteOffset: 64, as: SIMD16<Float>.self)
        }
    }

    /// The top-left 12×16 corner of the register tile, for ragged edges (same packed layout).
    @inline(never)
    static func kernel12x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
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
        var pa = a, pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(fromByteOffset: 0, as: SIMD16<Float>.self)
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
            let a8 = pa[8]
            c8_0 = c8_0.addingProduct(a8, b0)
            let a9 = pa[9]
            c9_0 = c9_0.addingProduct(a9, b0)
            let a10 = pa[10]
            c10_0 = c10_0.addingProduct(a10, b0)
            let a11 = pa[11]
            c11_0 = c11_0.addingProduct(a11, b0)
            pa += mr
            pb += nr &* 4
        }
        if beta == 0 {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: alpha * c0_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: alpha * c1_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: alpha * c2_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: alpha * c3_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: alpha * c4_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: alpha * c5_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: alpha * c6_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: alpha * c7_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r8 = UnsafeMutableRawPointer(c + 8 &* ldc)
            r8.storeBytes(of: alpha * c8_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r9 = UnsafeMutableRawPointer(c + 9 &* ldc)
            r9.storeBytes(of: alpha * c9_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r10 = UnsafeMutableRawPointer(c + 10 &* ldc)
            r10.storeBytes(of: alpha * c10_0, toByteOffset: 0, as: SIMD16<Float>.self)
            let r11 = UnsafeMutableRawPointer(c + 11 &* ldc)
            r11.storeBytes(of: alpha * c11_0, toByteOffset: 0, as: SIMD16<Float>.self)
        } else {
            let r0 = UnsafeMutableRawPointer(c + 0 &* ldc)
            r0.storeBytes(of: (alpha * c0_0).addingProduct(beta, r0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r1 = UnsafeMutableRawPointer(c + 1 &* ldc)
            r1.storeBytes(of: (alpha * c1_0).addingProduct(beta, r1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r2 = UnsafeMutableRawPointer(c + 2 &* ldc)
            r2.storeBytes(of: (alpha * c2_0).addingProduct(beta, r2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r3 = UnsafeMutableRawPointer(c + 3 &* ldc)
            r3.storeBytes(of: (alpha * c3_0).addingProduct(beta, r3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r4 = UnsafeMutableRawPointer(c + 4 &* ldc)
            r4.storeBytes(of: (alpha * c4_0).addingProduct(beta, r4.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r5 = UnsafeMutableRawPointer(c + 5 &* ldc)
            r5.storeBytes(of: (alpha * c5_0).addingProduct(beta, r5.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r6 = UnsafeMutableRawPointer(c + 6 &* ldc)
            r6.storeBytes(of: (alpha * c6_0).addingProduct(beta, r6.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r7 = UnsafeMutableRawPointer(c + 7 &* ldc)
            r7.storeBytes(of: (alpha * c7_0).addingProduct(beta, r7.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r8 = UnsafeMutableRawPointer(c + 8 &* ldc)
            r8.storeBytes(of: (alpha * c8_0).addingProduct(beta, r8.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r9 = UnsafeMutableRawPointer(c + 9 &* ldc)
            r9.storeBytes(of: (alpha * c9_0).addingProduct(beta, r9.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r10 = UnsafeMutableRawPointer(c + 10 &* ldc)
            r10.storeBytes(of: (alpha * c10_0).addingProduct(beta, r10.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
            let r11 = UnsafeMutableRawPointer(c + 11 &* ldc)
            r11.storeBytes(of: (alpha * c11_0).addingProduct(beta, r11.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)), toByteOffset: 0, as: SIMD16<Float>.self)
        }
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
        rows: Int, columns: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        switch (rows, columns) {
        case (4, 16): kernel4x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (4, 32): kernel4x32(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (8, 16): kernel8x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (8, 32): kernel8x32(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case (12, 16): kernel12x16(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        default: microkernel(kc: kc, a: a, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
        }
    }
}
