/// The fast path behind `gemm`: packed panels, cache blocking and register-blocked SIMD16 kernels.
///
/// The loops follow the usual blocked scheme (Goto and van de Geijn; BLIS):
///
///     for jc in columns of C, step nc
///       for pc in the shared dimension, step kc
///         pack op(B)[pc..<pc+kc, jc..<jc+nc] into slivers of nr columns     (the panel, L2/L3)
///         for ic in rows of C, step mc
///           pack op(A)[ic..<ic+mc, pc..<pc+kc] into slivers of mr rows      (the block, L2)
///           for each B sliver (kc × nr: stays in L1 while the A slivers stream past)
///             for each A sliver: microkernel → one mr × nr tile of C         (registers)
///
/// Packing reads op(A) and op(B) through their strides, so the four transposition cases differ only in
/// the two packing routines. Slivers are zero-padded to whole tiles; a ragged tile at the edge of C uses
/// the smallest kernel that covers it (with AVX-512's 12 × 32 tile: 4, 8 or 12 rows, 16 or 32 columns;
/// with the 6 × 16 tile: 8 or 16 columns) and, unless that fits exactly, goes through a scratch tile.
/// The first `pc` step applies `beta`, later ones add to C.
///
/// A skinny C (few columns) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, which fills the register tiles better; C is
/// then written through strides, a panel of tiles at a time through 8 × 8 transposes (`storeTransposed`).
/// When C has at most `unpackedColumns` columns and A is not transposed, the kernels read A where it is
/// (row r of step p at `a[r·lda + p]`) instead of packing it: each A value then serves too few
/// multiply-adds to pay for a copy. A Linear layer's forward on a small batch, x·Wᵀ with x [32, 8192], is
/// computed as W·xᵀ for that reason: the big W is read in place and only the small xᵀ is packed. Likewise,
/// when C has at most `unpackedRows` rows and B is not transposed (dy·W for a small batch), the kernels
/// read B's whole slivers where they are (step p at `b[p·ldb]`). Unpacked or packed, each element of C is
/// the same chain of fused multiply-adds.
///
/// Threads: either each thread gets its own slice of C as an independent single-threaded product (one
/// fork-join per call, but the operand along the slice is packed by every thread), or, for large
/// square-ish products, the threads pack each B panel together and split the rows of C between them; a
/// cost estimate picks one (B read in place: always slices). Products below `parallelThreshold`
/// multiply-adds stay on the calling thread.
enum GemmKernel {
    // The register tile (mr × nr), the rows of C per packed A block (mc) and the smallest edge kernel
    // depend on the vector registers: GemmMicrokernels.swift (AVX-512) or GemmMicrokernels256.swift.
    /// Largest depth of one packed block, shared by the A block and the B panel (blocks are evened out).
    static let kc = 1024
    /// Columns of C per packed B panel (a multiple of `nr`).
    static let nc = 3072
    /// Multiply-adds below which a product stays on the calling thread (about 3 µs of work).
    static let parallelThreshold = 1 << 18
    /// What one fork-join costs, in floats packed: about 2 µs on the waiting workers of `ForkJoinPool`
    /// against about 0.5 ns per packed float (Dispatch's were about 15 µs).
    static let forkJoinCost = 4_000
    /// Columns of C up to which an A that is not transposed is read where it is, not packed: each of its
    /// values then takes part in at most this many multiply-adds, too few to pay for copying it.
    static let unpackedColumns = 128
    /// Rows of C up to which a B that is not transposed is read where it is, not packed (its whole slivers:
    /// a ragged last one is still packed), for the same reason: each of its values then takes part in at
    /// most this many multiply-adds. Its rows are `ldb` apart instead of `nr`; the kernels take that stride.
    static let unpackedRows = 128
    /// The row stride of B (floats; 4 KB) from which B is packed even then: that far apart, every step of a
    /// sliver is on another page, and at multiples of 4 KB in the same few L1 sets, and packing is faster
    /// (m = 32, k = 512 on a Xeon core: 68–75 GFLOP/s read in place against 81–84 packed at n = ldb = 1024;
    /// 104–108 against 70–87 at n = ldb = 1000).
    static let unpackedRowStride = 1024

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, sizes already checked by `gemm`.
    static func run(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let threads = m &* n &* k < parallelThreshold ? 1 : max(1, Parallel.threadCount)
        if prefersTransposedProduct(m: m, n: n, transposeB: transposeB) {
            // Cᵀ = op(B)ᵀ · op(A)ᵀ: the same operands read the other way, C written column by column.
            blocked(transposeA: !transposeB, transposeB: !transposeA, m: n, n: m, k: k, alpha: alpha,
                    a: b, lda: ldb, b: a, ldb: lda, beta: beta, c: c, ldc: 1, cs: ldc, threads: threads)
        } else {
            blocked(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, cs: 1, threads: threads)
        }
    }

    /// The depth of the blocks the shared dimension k is cut into (the last may be shorter): equal blocks
    /// of at most kc, so k = 1100 is two blocks of 550, not 1024 + 76. Each block's products are summed
    /// from zero and then added to C, so a caller that cuts k at these same places and calls `gemm` once
    /// per block (beta = 1) gets the very same bits.
    static func depthBlock(_ k: Int) -> Int {
        let blocks = max(1, (k &+ kc &- 1) / kc)
        return (k &+ blocks &- 1) / blocks
    }

    /// True when computing Cᵀ wastes clearly less of the register tiles than C does: a skinny C
    /// (n = 20, say, fills 20 of 32 tile columns; as 20 rows it fills 20 of 24); or, for a transposed B
    /// and few rows of C, when Cᵀ lets the big operand be read in place (below).
    static func prefersTransposedProduct(m: Int, n: Int, transposeB: Bool) -> Bool {
        // Rows come in tiles of mr, the last rounded up to a multiple of edgeRows (12: to 4, 8 or 12);
        // columns in tiles of nr, the last to a multiple of edgeColumns.
        func paddedRows(_ x: Int) -> Int { x / mr &* mr &+ roundUp(x % mr, edgeRows) }
        func paddedColumns(_ x: Int) -> Int { x / nr &* nr &+ roundUp(x % nr, edgeColumns) }
        let direct = paddedRows(m) &* paddedColumns(n)
        let transposed = paddedRows(n) &* paddedColumns(m)
        // Transposed stores go through a scratch tile; demand a 15% gain before paying for that.
        if Double(transposed) * 1.15 < Double(direct) { return true }
        // x·Wᵀ for a few rows of x (a Linear layer's forward on a small batch) as Cᵀ = W·xᵀ: W becomes
        // the A side, not transposed, read where it is (`unpackedColumns`) instead of packed, and only
        // the small xᵀ is packed. Worth it unless the tiles waste more than 15% more.
        return transposeB && m <= unpackedColumns && n > m && Double(transposed) <= Double(direct) * 1.15
    }

    /// The blocked loops on `threads` threads (1: no fork at all). C[i, j] is at `c[i·ldc + j·cs]`:
    /// `cs` is 1 for C itself and `ldc` of the caller when computing Cᵀ.
    static func blocked(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, cs: Int, threads: Int
    ) {
        guard m > 0 && n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc, cs: cs)
            return
        }
        // B's rows are contiguous along n (not transposed) and C is short, so each B value is used only a
        // few times: the kernels read B's whole slivers where they are, and only a ragged last one is packed.
        let unpackedB = !transposeB && m <= unpackedRows && ldb < unpackedRowStride
        // Independent slices cost one fork-join but every thread packs the whole of one operand; shared
        // panels cost two fork-joins per (jc, pc) step. Pick the cheaper. With B read in place there is no
        // panel to share, and slices are the faster: on a Xeon's 2 cores, dy·W for a batch of 128
        // (128 × 400 × 784) ran at 240–244 GFLOP/s as slices, 226–228 with the rows of C split over
        // shared steps, and 149–173 with B packed.
        let duplicated = n >= m ? m &* k : n &* k
        let forkJoins = 2 &* ((k &+ kc &- 1) / kc) &* ((n &+ nc &- 1) / nc)
        if threads > 1 && (unpackedB || duplicated < forkJoins &* forkJoinCost) {
            runSplit(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, cs: cs, threads: threads)
            return
        }
        let rowTiles = (m &+ mr &- 1) / mr
        // A's rows are contiguous along k (not transposed) and C is narrow, so each A value is used
        // only a few times: the kernels read A where it is instead of copying it into packed blocks.
        let unpackedA = !transposeA && n <= unpackedColumns
        let kcMax = depthBlock(k)
        let ncMax = min(nc, roundUp(n, nr))
        let mcMax = min(mc, roundUp(m, mr))
        let bPanel = UnsafeMutablePointer<Float>.allocateAligned(kcMax &* ncMax)
        // Per thread: its packed A block, then (C written transposed: cs ≠ 1, and then ldc is 1) its panel
        // of Cᵀ tiles, from which `storeTransposed` writes C.
        let perThread = mcMax &* kcMax &+ (cs == 1 ? 0 : mcMax &* nr)
        let aBlocks = UnsafeMutablePointer<Float>.allocateAligned(threads &* perThread)
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
                let kcur = min(kcMax, k &- pc)
                let betaNow: Float = pc == 0 ? beta : 1
                let sliverGrain = threads == 1 ? slivers : max(1, (1 << 15) / (kcur &* nr))
                // Read in place, B's whole slivers need no packing: only a ragged last one.
                let firstPacked = unpackedB ? ncur / nr : 0
                parallelFor(slivers &- firstPacked, grain: sliverGrain) { range in
                    let (_, b, _, bPanel, _) = operands.value
                    for s in (firstPacked &+ range.lowerBound)..<(firstPacked &+ range.upperBound) {
                        let j = jc &+ s &* nr
                        packB(transposed: transposeB, b: b, ldb: ldb, row: pc, column: j,
                              depth: kcur, width: min(nr, jc &+ ncur &- j), into: bPanel + s &* kcur &* nr)
                    }
                }
                parallelFor(threads, grain: 1) { range in
                    let (a, _, c, bPanel, aBlocks) = operands.value
                    for t in range {
                        let rows = min(m, rowTiles &* t / threads &* mr)..<min(m, rowTiles &* (t &+ 1) / threads &* mr)
                        guard !rows.isEmpty else { continue }
                        computeBlock(
                            transposeA: transposeA, a: a, lda: lda, rows: rows, depth: pc..<(pc &+ kcur),
                            bPanel: bPanel, b: unpackedB ? b : nil, ldb: ldb, slivers: 0..<slivers,
                            firstColumn: jc, lastColumn: jc &+ ncur,
                            aBlock: aBlocks + t &* perThread, unpackedA: unpackedA,
                            transposedPanel: cs == 1 ? nil : aBlocks + (t &* perThread &+ mcMax &* kcMax),
                            alpha: alpha, beta: betaNow, c: c, ldc: ldc, cs: cs)
                    }
                }
                pc &+= kcur
            }
            jc &+= ncur
        }
    }

    /// Multi-threaded as independent single-threaded products on slices of C: along its columns
    /// when it is wide, else along its rows. Each thread packs what its slice needs (the other operand
    /// is packed by every thread), and there is one fork-join instead of two per (jc, pc) step.
    static func runSplit(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, cs: Int, threads: Int
    ) {
        let byColumns = n >= m
        let tiles = byColumns ? (n &+ nr &- 1) / nr : (m &+ mr &- 1) / mr
        let parts = min(threads, tiles)
        let tile = byColumns ? nr : mr
        let extent = byColumns ? n : m
        let operands = UncheckedSendable((a, b, c))
        parallelFor(parts, grain: 1) { range in
            let (a, b, c) = operands.value
            for t in range {
                let start = min(extent, tiles &* t / parts &* tile)
                let end = min(extent, tiles &* (t &+ 1) / parts &* tile)
                guard start < end else { continue }
                if byColumns {
                    let bStart = transposeB ? b + start &* ldb : b + start
                    blocked(transposeA: transposeA, transposeB: transposeB, m: m, n: end &- start, k: k,
                            alpha: alpha, a: a, lda: lda, b: bStart, ldb: ldb, beta: beta,
                            c: c + start &* cs, ldc: ldc, cs: cs, threads: 1)
                } else {
                    let aStart = transposeA ? a + start : a + start &* lda
                    blocked(transposeA: transposeA, transposeB: transposeB, m: end &- start, n: n, k: k,
                            alpha: alpha, a: aStart, lda: lda, b: b, ldb: ldb, beta: beta,
                            c: c + start &* ldc, ldc: ldc, cs: cs, threads: 1)
                }
            }
        }
    }

    /// One thread's share of a (jc, pc) step: rows `rows` of C against B slivers `slivers`. C is written
    /// through `transposedPanel` when it is given (C transposed, ldc 1), else directly (cs 1). With `b`
    /// (B not transposed, rows `ldb` apart), whole slivers are read from B where they are, the ragged last
    /// one from `bPanel`.
    @inline(__always)
    static func computeBlock(
        transposeA: Bool, a: UnsafePointer<Float>, lda: Int, rows: Range<Int>, depth: Range<Int>,
        bPanel: UnsafePointer<Float>, b: UnsafePointer<Float>?, ldb: Int, slivers: Range<Int>,
        firstColumn: Int, lastColumn: Int,
        aBlock: UnsafeMutablePointer<Float>, unpackedA: Bool, transposedPanel: UnsafeMutablePointer<Float>?,
        alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, cs: Int
    ) {
        let kcur = depth.count
        var ic = rows.lowerBound
        while ic < rows.upperBound {
            let mcur = min(mc, rows.upperBound &- ic)
            let tiles = (mcur &+ mr &- 1) / mr
            for t in 0..<tiles {
                let i = ic &+ t &* mr
                let height = min(mr, ic &+ mcur &- i)
                if unpackedA && height == mr { continue }  // the kernels read these rows of A where they are
                packA(transposed: transposeA, a: a, lda: lda, row: i, column: depth.lowerBound,
                      height: height, depth: kcur, into: aBlock + t &* kcur &* mr)
            }
            for s in slivers {
                let j = firstColumn &+ s &* nr
                let width = min(nr, lastColumn &- j)
                // Step p of the sliver at bSliver[p·bStep]: B[pc + p, j...] in place, or packed.
                let (bSliver, bStep) = if let b, width == nr {
                    (b + (depth.lowerBound &* ldb &+ j), ldb)
                } else {
                    (bPanel + s &* kcur &* nr, nr)
                }
                if let panel = transposedPanel {
                    // Cᵀ (ldc 1), whose rows are C's columns: the block's whole tiles (zero-padded rows and
                    // columns give zeros) go to a panel of mcur rows × nr, written out 8 × 8 at a time.
                    for t in 0..<tiles {
                        let i = ic &+ t &* mr
                        let target = panel + t &* mr &* nr
                        if unpackedA && min(mr, ic &+ mcur &- i) == mr {
                            unpackedTile(kc: kcur, a: a + (i &* lda &+ depth.lowerBound), lda: lda, b: bSliver,
                                         bStep: bStep, c: target, ldc: nr, alpha: alpha, beta: 0)
                        } else {
                            microkernel(kc: kcur, a: UnsafePointer(aBlock + t &* kcur &* mr), b: bSliver,
                                        bStep: bStep, c: target, ldc: nr, alpha: alpha, beta: 0)
                        }
                    }
                    storeTransposed(panel, rows: mcur, columns: width, into: c + (ic &+ j &* cs), cs: cs, beta: beta)
                    continue
                }
                for t in 0..<tiles {
                    let i = ic &+ t &* mr
                    let height = min(mr, ic &+ mcur &- i)
                    let target = c + (i &* ldc &+ j)  // C itself: cs is 1
                    if unpackedA && height == mr {
                        // Row r of step p is A[i + r, pc + p]: rows lda apart, steps adjacent.
                        let aRows = a + (i &* lda &+ depth.lowerBound)
                        if width == nr {
                            unpackedTile(kc: kcur, a: aRows, lda: lda, b: bSliver, bStep: bStep, c: target, ldc: ldc,
                                         alpha: alpha, beta: beta)
                        } else {
                            edgeTile(kc: kcur, a: aRows, unpackedLda: lda, b: bSliver, bStep: bStep, c: target, ldc: ldc,
                                     height: height, width: width, alpha: alpha, beta: beta)
                        }
                        continue
                    }
                    let aSliver = UnsafePointer(aBlock + t &* kcur &* mr)
                    if height == mr && width == nr {
                        microkernel(kc: kcur, a: aSliver, b: bSliver, bStep: bStep, c: target, ldc: ldc, alpha: alpha, beta: beta)
                    } else {
                        edgeTile(kc: kcur, a: aSliver, b: bSliver, bStep: bStep, c: target, ldc: ldc,
                                 height: height, width: width, alpha: alpha, beta: beta)
                    }
                }
            }
            ic &+= mcur
        }
    }

    /// A whole register tile with A read where it is (rows `lda` apart). Compiled for size: unrolled
    /// twice, as the optimizer otherwise does, the loop needs more than 32 vector registers and spills
    /// accumulators to memory at every step (84 GFLOP/s against 114 on a Zen 4 core).
    @inline(never) @_optimize(size)
    static func unpackedTile(
        kc: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, bStep: Int, c: UnsafeMutablePointer<Float>,
        ldc: Int, alpha: Float, beta: Float
    ) {
        microkernel(kc: kc, a: a, rowStride: lda, step: 1, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// A ragged tile: the smallest kernel that covers it, straight into C when it fits exactly, else into
    /// scratch and the `height × width` corner copied out. With `unpackedLda`, A is read where it is (a
    /// full-height tile: the full- or the half-width kernel). B's steps are `bStep` apart.
    @inline(never)
    static func edgeTile(
        kc: Int, a: UnsafePointer<Float>, unpackedLda: Int? = nil, b: UnsafePointer<Float>, bStep: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, height: Int, width: Int, alpha: Float, beta: Float
    ) {
        let shape = coveringKernel(height: unpackedLda == nil ? height : mr, width: width)
        func run(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ beta: Float) {
            if let lda = unpackedLda, shape.columns == nr {
                unpackedTile(kc: kc, a: a, lda: lda, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
            } else if let lda = unpackedLda {
                unpackedHalfTile(kc: kc, a: a, lda: lda, b: b, bStep: bStep, c: c, ldc: ldc, alpha: alpha, beta: beta)
            } else {
                kernel(rows: shape.rows, columns: shape.columns, kc: kc, a: a, b: b, bStep: bStep, c: c, ldc: ldc,
                       alpha: alpha, beta: beta)
            }
        }
        if shape == (height, width) {
            run(c, ldc, beta)
            return
        }
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: mr &* nr / 16) { scratch in
            let tile = UnsafeMutableRawPointer(scratch.baseAddress!).assumingMemoryBound(to: Float.self)
            run(tile, nr, 0)
            for row in 0..<height {
                let source = tile + row &* nr, target = c + row &* ldc
                if beta == 0 {
                    for q in 0..<width { target[q] = source[q] }
                } else {
                    for q in 0..<width { target[q] = source[q] + beta * target[q] }
                }
            }
        }
    }

    /// `C[q, r] = P[r, q] + beta · C[q, r]` for r < `rows`, q < `columns`, where P is `panel` (rows of `nr`
    /// floats) and C's rows are `cs` apart: P's columns become C's rows, 8 × 8 blocks transposed in
    /// registers, so each store writes up to 8 adjacent floats. beta · C + P is one fused multiply-add,
    /// as the register tiles store it (for beta 0 and 1, what Latent's callers use, that is also the
    /// sum `edgeTile`'s copy makes).
    @inline(never)
    static func storeTransposed(
        _ panel: UnsafePointer<Float>, rows: Int, columns: Int, into c: UnsafeMutablePointer<Float>, cs: Int, beta: Float
    ) {
        let betas = SIMD8<Float>(repeating: beta)
        var r0 = 0
        while r0 < rows {
            let count = min(8, rows &- r0)
            var q0 = 0
            while q0 < columns {
                func load(_ r: Int) -> SIMD8<Float> {
                    r < count ? UnsafeRawPointer(panel + ((r0 &+ r) &* nr &+ q0)).loadUnaligned(as: SIMD8<Float>.self) : SIMD8()
                }
                let t = transpose8((load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7)))
                let left = min(8, columns &- q0)
                @inline(__always)
                func store(_ v: SIMD8<Float>, _ q: Int) {
                    guard q < left else { return }
                    let target = c + ((q0 &+ q) &* cs &+ r0)
                    if count == 8 {
                        let raw = UnsafeMutableRawPointer(target)
                        raw.storeBytes(of: beta == 0 ? v : v.addingProduct(betas, raw.loadUnaligned(as: SIMD8<Float>.self)),
                                       as: SIMD8<Float>.self)
                    } else {
                        for r in 0..<count { target[r] = beta == 0 ? v[r] : v[r].addingProduct(beta, target[r]) }
                    }
                }
                store(t.0, 0); store(t.1, 1); store(t.2, 2); store(t.3, 3)
                store(t.4, 4); store(t.5, 5); store(t.6, 6); store(t.7, 7)
                q0 &+= 8
            }
            r0 &+= 8
        }
    }

    /// Packs `height ≤ mr` rows of op(A) starting at (`row`, `column`), `depth` columns deep, as
    /// `depth` groups of `mr` floats (row-interleaved), zero-padding the missing rows.
    @inline(never)
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
        } else if height == mr {
            #if LATENT_AVX512
            // op(A)[i, p] = A[i, p]: 16 steps at a time, the 12 rows (and 4 zero rows) transposed in
            // registers; each step's first 12 lanes are its group (the 4 extra lanes are overwritten by
            // the next step's store, and the last step stores only 12).
            var p = 0
            while p &+ 16 <= depth {
                let source = UnsafeRawPointer(a + (row &* lda &+ column &+ p))
                let stride = lda &* 4
                func load(_ r: Int) -> SIMD16<Float> {
                    source.loadUnaligned(fromByteOffset: r &* stride, as: SIMD16<Float>.self)
                }
                let zero = SIMD16<Float>()
                let t = transpose16((load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7),
                                     load(8), load(9), load(10), load(11), zero, zero, zero, zero))
                let target = UnsafeMutableRawPointer(out + p &* mr)
                target.storeBytes(of: t.0, toByteOffset: 0, as: SIMD16<Float>.self)
                target.storeBytes(of: t.1, toByteOffset: 48, as: SIMD16<Float>.self)
                target.storeBytes(of: t.2, toByteOffset: 96, as: SIMD16<Float>.self)
                target.storeBytes(of: t.3, toByteOffset: 144, as: SIMD16<Float>.self)
                target.storeBytes(of: t.4, toByteOffset: 192, as: SIMD16<Float>.self)
                target.storeBytes(of: t.5, toByteOffset: 240, as: SIMD16<Float>.self)
                target.storeBytes(of: t.6, toByteOffset: 288, as: SIMD16<Float>.self)
                target.storeBytes(of: t.7, toByteOffset: 336, as: SIMD16<Float>.self)
                target.storeBytes(of: t.8, toByteOffset: 384, as: SIMD16<Float>.self)
                target.storeBytes(of: t.9, toByteOffset: 432, as: SIMD16<Float>.self)
                target.storeBytes(of: t.10, toByteOffset: 480, as: SIMD16<Float>.self)
                target.storeBytes(of: t.11, toByteOffset: 528, as: SIMD16<Float>.self)
                target.storeBytes(of: t.12, toByteOffset: 576, as: SIMD16<Float>.self)
                target.storeBytes(of: t.13, toByteOffset: 624, as: SIMD16<Float>.self)
                target.storeBytes(of: t.14, toByteOffset: 672, as: SIMD16<Float>.self)
                target.storeBytes(of: t.15.lowHalf, toByteOffset: 720, as: SIMD8<Float>.self)
                target.storeBytes(of: t.15.highHalf.lowHalf, toByteOffset: 752, as: SIMD4<Float>.self)
                p &+= 16
            }
            #else
            // op(A)[i, p] = A[i, p]: 8 steps at a time, the 6 rows (and 2 zero rows) transposed in
            // registers; each step's first 6 lanes are its group (the 2 extra lanes are overwritten by
            // the next step's store, and the last step stores only 6).
            var p = 0
            while p &+ 8 <= depth {
                let source = UnsafeRawPointer(a + (row &* lda &+ column &+ p))
                let stride = lda &* 4
                func load(_ r: Int) -> SIMD8<Float> {
                    source.loadUnaligned(fromByteOffset: r &* stride, as: SIMD8<Float>.self)
                }
                let zero = SIMD8<Float>()
                let t = transpose8((load(0), load(1), load(2), load(3), load(4), load(5), zero, zero))
                let target = UnsafeMutableRawPointer(out + p &* mr)
                target.storeBytes(of: t.0, toByteOffset: 0, as: SIMD8<Float>.self)
                target.storeBytes(of: t.1, toByteOffset: 24, as: SIMD8<Float>.self)
                target.storeBytes(of: t.2, toByteOffset: 48, as: SIMD8<Float>.self)
                target.storeBytes(of: t.3, toByteOffset: 72, as: SIMD8<Float>.self)
                target.storeBytes(of: t.4, toByteOffset: 96, as: SIMD8<Float>.self)
                target.storeBytes(of: t.5, toByteOffset: 120, as: SIMD8<Float>.self)
                target.storeBytes(of: t.6, toByteOffset: 144, as: SIMD8<Float>.self)
                target.storeBytes(of: t.7.lowHalf, toByteOffset: 168, as: SIMD4<Float>.self)
                target.storeBytes(of: t.7.highHalf.lowHalf, toByteOffset: 184, as: SIMD2<Float>.self)
                p &+= 8
            }
            #endif
            for r in 0..<mr {
                let source = a + ((row &+ r) &* lda &+ column)
                var target = out + (p &* mr &+ r)
                for q in p..<depth {
                    target.pointee = source[q]
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
    @inline(never)
    static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int, row: Int, column: Int,
        depth: Int, width: Int, into out: UnsafeMutablePointer<Float>
    ) {
        if transposed && width == nr {
            // op(B)[p, j] = B[j, p]: 16 × 16 blocks of B transposed in registers, each half sliver
            // (16 columns) 16 steps at a time; the remaining steps one by one.
            var p = 0
            while p &+ 16 <= depth {
                for half in 0..<(nr / 16) {
                    let source = UnsafeRawPointer(b + ((column &+ half &* 16) &* ldb &+ row &+ p))
                    let stride = ldb &* 4
                    func load(_ j: Int) -> SIMD16<Float> {
                        source.loadUnaligned(fromByteOffset: j &* stride, as: SIMD16<Float>.self)
                    }
                    let t = transpose16((load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7),
                                         load(8), load(9), load(10), load(11), load(12), load(13), load(14), load(15)))
                    let target = UnsafeMutableRawPointer(out + (p &* nr &+ half &* 16))
                    target.storeBytes(of: t.0, toByteOffset: 0 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.1, toByteOffset: 1 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.2, toByteOffset: 2 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.3, toByteOffset: 3 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.4, toByteOffset: 4 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.5, toByteOffset: 5 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.6, toByteOffset: 6 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.7, toByteOffset: 7 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.8, toByteOffset: 8 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.9, toByteOffset: 9 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.10, toByteOffset: 10 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.11, toByteOffset: 11 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.12, toByteOffset: 12 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.13, toByteOffset: 13 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.14, toByteOffset: 14 &* nr &* 4, as: SIMD16<Float>.self)
                    target.storeBytes(of: t.15, toByteOffset: 15 &* nr &* 4, as: SIMD16<Float>.self)
                }
                p &+= 16
            }
            for j in 0..<nr {
                let source = b + ((column &+ j) &* ldb &+ row)
                var target = out + (p &* nr &+ j)
                for q in p..<depth {
                    target.pointee = source[q]
                    target += nr
                }
            }
        } else if transposed {
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
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, cs: Int) {
        guard beta != 1 else { return }
        for i in 0..<m {
            let row = c + i &* ldc
            for j in 0..<n { row[j &* cs] = beta == 0 ? 0 : beta * row[j &* cs] }
        }
    }

    /// Sixteen SIMD16 rows: a 16 × 16 block of floats.
    typealias Block16 = (
        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>,
        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>,
        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>
    )

    /// The transpose of a 16 × 16 block: four rounds of the perfect shuffle (row i of a round is
    /// rows i/2 and i/2 + 8 of the previous one, interleaved, low or high half by the parity of i).
    @inline(__always)
    static func transpose16(_ block: Block16) -> Block16 {
        @inline(__always)
        func low(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
            SIMD16(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3], x[4], y[4], x[5], y[5], x[6], y[6], x[7], y[7])
        }
        @inline(__always)
        func high(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
            SIMD16(x[8], y[8], x[9], y[9], x[10], y[10], x[11], y[11],
                   x[12], y[12], x[13], y[13], x[14], y[14], x[15], y[15])
        }
        @inline(__always)
        func round(_ r: Block16) -> Block16 {
            (low(r.0, r.8), high(r.0, r.8), low(r.1, r.9), high(r.1, r.9),
             low(r.2, r.10), high(r.2, r.10), low(r.3, r.11), high(r.3, r.11),
             low(r.4, r.12), high(r.4, r.12), low(r.5, r.13), high(r.5, r.13),
             low(r.6, r.14), high(r.6, r.14), low(r.7, r.15), high(r.7, r.15))
        }
        return round(round(round(round(block))))
    }

    /// Eight SIMD8 rows: an 8 × 8 block of floats.
    typealias Block8 = (
        SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
        SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>
    )

    /// The transpose of an 8 × 8 block: three rounds of the same perfect shuffle as `transpose16`.
    @inline(__always)
    static func transpose8(_ block: Block8) -> Block8 {
        @inline(__always)
        func low(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
            SIMD8(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3])
        }
        @inline(__always)
        func high(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
            SIMD8(x[4], y[4], x[5], y[5], x[6], y[6], x[7], y[7])
        }
        @inline(__always)
        func round(_ r: Block8) -> Block8 {
            (low(r.0, r.4), high(r.0, r.4), low(r.1, r.5), high(r.1, r.5),
             low(r.2, r.6), high(r.2, r.6), low(r.3, r.7), high(r.3, r.7))
        }
        return round(round(round(block)))
    }

    static func roundUp(_ x: Int, _ multiple: Int) -> Int { (x &+ multiple &- 1) / multiple &* multiple }

}

extension UnsafeMutablePointer where Pointee == Float {
    /// Uninitialized floats on a 64-byte (cache line, AVX-512 vector) boundary.
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) &* 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }
}
