/// The fast path behind `gemm`: packed panels, cache blocking and a register-blocked SIMD16 microkernel.
///
/// The loops follow the usual blocked scheme (Goto–van de Geijn, as in BLIS):
///
///     for jc in columns of C, step nc          ─ a panel of op(B), kc × nc, packed once, shared by threads
///       for pc in the shared dimension, step kc
///         pack op(B)[pc..<pc+kc, jc..<jc+nc] into slivers of `nr` columns
///         for ic in rows of C, step mc          ─ each thread packs its own block of op(A), mc × kc (L2)
///           pack op(A)[ic..<ic+mc, pc..<pc+kc] into slivers of `mr` rows
///           for each B sliver (kc × nr, stays in L1 while the A slivers stream past)
///             for each A sliver: microkernel → one mr × nr tile of C
///
/// Packing reads op(A) and op(B) through their strides, so the four transposition cases differ only in
/// the two packing routines. Slivers are zero-padded to whole tiles; tiles at the ragged edges of C are
/// computed into a scratch tile and the valid part copied out. The first `pc` block applies `beta`,
/// later ones add to C. Threads split the rows of C (or, when C has few rows, the B slivers).
enum GemmKernel {
    /// Rows of the register tile.
    static let mr = 12
    /// Columns of the register tile (SIMD16 vectors × 16).
    static let nr = 32
    /// Rows of C per packed A block (a multiple of `mr`).
    static let mc = 240
    /// Depth of one packed block, shared by the A block and the B panel.
    static let kc = 256
    /// Columns of C per packed B panel (a multiple of `nr`).
    static let nc = 3072
    /// Multiply-adds below which a product stays on the calling thread.
    static let parallelThreshold = 1 << 20

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, sizes already checked by `gemm`.
    static func run(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        let threads = m &* n &* k < parallelThreshold ? 1 : max(1, Parallel.threadCount)
        let rowTiles = (m &+ mr &- 1) / mr
        // Split rows when every thread gets a couple of tiles; otherwise split the B slivers.
        let splitRows = threads == 1 || rowTiles >= 2 &* threads
        let kcMax = min(kc, k)
        let ncMax = min(nc, roundUp(n, nr))
        let mcMax = min(mc, roundUp(m, mr))
        let bPanel = UnsafeMutablePointer<Float>.allocateAligned(kcMax &* ncMax)
        let aBlocks = UnsafeMutablePointer<Float>.allocateAligned(threads &* mcMax &* kcMax)
        defer {
            bPanel.deallocate()
            aBlocks.deallocate()
        }
        let operands = UncheckedSendable((a, b, c, bPanel, aBlocks))

        var jc = 0
        while jc < n {
            let ncur = min(nc, n &- jc)
            let slivers = (ncur &+ nr &- 1) / nr
            var pc = 0
            while pc < k {
                let kcur = min(kc, k &- pc)
                let betaNow: Float = pc == 0 ? beta : 1
                let sliverGrain = threads == 1 ? slivers : max(1, 8192 / kcur)
                parallelFor(slivers, grain: sliverGrain) { range in
                    let (_, b, _, bPanel, _) = operands.value
                    for s in range {
                        let j = jc &+ s &* nr
                        packB(transposed: transposeB, b: b, ldb: ldb, row: pc, column: j,
                              depth: kcur, width: min(nr, jc &+ ncur &- j), into: bPanel + s &* kcur &* nr)
                    }
                }
                parallelFor(threads, grain: 1) { range in
                    let (a, _, c, bPanel, aBlocks) = operands.value
                    for t in range {
                        var rows = 0..<m
                        var sliverRange = 0..<slivers
                        if splitRows {
                            rows = min(m, rowTiles &* t / threads &* mr)..<min(m, rowTiles &* (t &+ 1) / threads &* mr)
                        } else {
                            sliverRange = (slivers &* t / threads)..<(slivers &* (t &+ 1) / threads)
                        }
                        guard !rows.isEmpty && !sliverRange.isEmpty else { continue }
                        computeBlock(
                            transposeA: transposeA, a: a, lda: lda, rows: rows, depth: pc..<(pc &+ kcur),
                            bPanel: bPanel, slivers: sliverRange, firstColumn: jc, lastColumn: jc &+ ncur,
                            aBlock: aBlocks + t &* mcMax &* kcMax,
                            alpha: alpha, beta: betaNow, c: c, ldc: ldc)
                    }
                }
                pc &+= kcur
            }
            jc &+= ncur
        }
    }

    /// One thread's share of a (jc, pc) step: rows `rows` of C against B slivers `slivers`.
    @inline(__always)
    static func computeBlock(
        transposeA: Bool, a: UnsafePointer<Float>, lda: Int, rows: Range<Int>, depth: Range<Int>,
        bPanel: UnsafePointer<Float>, slivers: Range<Int>, firstColumn: Int, lastColumn: Int,
        aBlock: UnsafeMutablePointer<Float>,
        alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let kcur = depth.count
        var ic = rows.lowerBound
        while ic < rows.upperBound {
            let mcur = min(mc, rows.upperBound &- ic)
            let tiles = (mcur &+ mr &- 1) / mr
            for t in 0..<tiles {
                let i = ic &+ t &* mr
                packA(transposed: transposeA, a: a, lda: lda, row: i, column: depth.lowerBound,
                      height: min(mr, ic &+ mcur &- i), depth: kcur, into: aBlock + t &* kcur &* mr)
            }
            for s in slivers {
                let j = firstColumn &+ s &* nr
                let width = min(nr, lastColumn &- j)
                let bSliver = bPanel + s &* kcur &* nr
                for t in 0..<tiles {
                    let i = ic &+ t &* mr
                    let height = min(mr, ic &+ mcur &- i)
                    let aSliver = UnsafePointer(aBlock + t &* kcur &* mr)
                    if height == mr && width == nr {
                        microkernel(kc: kcur, a: aSliver, b: bSliver, c: c + (i &* ldc &+ j), ldc: ldc,
                                    alpha: alpha, beta: beta)
                    } else {
                        edgeTile(kc: kcur, a: aSliver, b: bSliver, c: c + (i &* ldc &+ j), ldc: ldc,
                                 height: height, width: width, alpha: alpha, beta: beta)
                    }
                }
            }
            ic &+= mcur
        }
    }

    /// A ragged tile: the full microkernel into scratch, then the `height × width` corner into C.
    @inline(never)
    static func edgeTile(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        ldc: Int, height: Int, width: Int, alpha: Float, beta: Float
    ) {
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: mr &* nr / 16) { scratch in
            let tile = UnsafeMutableRawPointer(scratch.baseAddress!).assumingMemoryBound(to: Float.self)
            microkernel(kc: kc, a: a, b: b, c: tile, ldc: nr, alpha: alpha, beta: 0)
            for r in 0..<height {
                let source = tile + r &* nr, target = c + r &* ldc
                if beta == 0 {
                    for j in 0..<width { target[j] = source[j] }
                } else {
                    for j in 0..<width { target[j] = source[j] + beta * target[j] }
                }
            }
        }
    }

    /// Packs `height ≤ mr` rows of op(A) starting at (`row`, `column`), `depth` columns deep, as
    /// `depth` groups of `mr` floats (row-interleaved), zero-padding the missing rows.
    @inline(__always)
    static func packA(
        transposed: Bool, a: UnsafePointer<Float>, lda: Int, row: Int, column: Int,
        height: Int, depth: Int, into out: UnsafeMutablePointer<Float>
    ) {
        if transposed {
            // op(A)[i, p] = A[p, i]: each step's mr values are contiguous in A.
            var source = a + (column &* lda &+ row)
            var target = out
            if height == mr {
                for _ in 0..<depth {
                    for r in 0..<mr { target[r] = source[r] }
                    source += lda
                    target += mr
                }
            } else {
                for _ in 0..<depth {
                    for r in 0..<height { target[r] = source[r] }
                    for r in height..<mr { target[r] = 0 }
                    source += lda
                    target += mr
                }
            }
        } else {
            // op(A)[i, p] = A[i, p]: read each row along p, write with stride mr.
            for r in 0..<height {
                let source = a + ((row &+ r) &* lda &+ column)
                var target = out + r
                for p in 0..<depth {
                    target.pointee = source[p]
                    target += mr
                }
            }
            if height < mr {
                for p in 0..<depth {
                    for r in height..<mr { out[p &* mr &+ r] = 0 }
                }
            }
        }
    }

    /// Packs `width ≤ nr` columns of op(B) starting at (`row`, `column`), `depth` rows deep, as
    /// `depth` rows of `nr` floats, zero-padding the missing columns.
    @inline(__always)
    static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int, row: Int, column: Int,
        depth: Int, width: Int, into out: UnsafeMutablePointer<Float>
    ) {
        if transposed {
            // op(B)[p, j] = B[j, p]: read each row of B along p, write with stride nr.
            for j in 0..<width {
                let source = b + ((column &+ j) &* ldb &+ row)
                var target = out + j
                for p in 0..<depth {
                    target.pointee = source[p]
                    target += nr
                }
            }
            if width < nr {
                for p in 0..<depth {
                    for j in width..<nr { out[p &* nr &+ j] = 0 }
                }
            }
        } else {
            // op(B)[p, j] = B[p, j]: each step's nr values are contiguous in B.
            var source = b + (row &* ldb &+ column)
            var target = out
            if width == nr {
                for _ in 0..<depth {
                    let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(target)
                    for v in 0..<(nr / 16) {
                        out.storeBytes(of: raw.loadUnaligned(fromByteOffset: v &* 64, as: SIMD16<Float>.self),
                                       toByteOffset: v &* 64, as: SIMD16<Float>.self)
                    }
                    source += ldb
                    target += nr
                }
            } else {
                for _ in 0..<depth {
                    for j in 0..<width { target[j] = source[j] }
                    for j in width..<nr { target[j] = 0 }
                    source += ldb
                    target += nr
                }
            }
        }
    }

    /// `C = beta · C` (zeros when beta is 0, whatever C held).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i &* ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    static func roundUp(_ x: Int, _ multiple: Int) -> Int { (x &+ multiple &- 1) / multiple &* multiple }

    /// The 12×32 register tile: `C[0..<12, 0..<32] = alpha · Ã·B̃ + beta · C` over `kc` packed steps.
    ///
    /// `a` holds 12 floats per step (one per row), `b` holds 32 (one per column); 24 accumulators
    /// stay in vector registers for the whole loop. With `beta == 0`, C is not read.
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
            pa += 12
            pb += 128
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
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Uninitialized floats on a 64-byte (cache line, AVX-512 vector) boundary.
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) &* 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }
}
