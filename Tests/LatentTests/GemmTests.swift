import Testing
@testable import Latent

/// A GEMM problem: sizes, transpositions, scalars and how far each leading dimension exceeds the tight one.
struct GemmCase: Sendable, CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false
    var alpha: Float = 1, beta: Float = 0
    var padA = 0, padB = 0, padC = 0

    var testDescription: String {
        "\(m)×\(n)×\(k) \(transposeA ? "Aᵀ" : "A")·\(transposeB ? "Bᵀ" : "B") α=\(alpha) β=\(beta)"
            + (padA + padB + padC > 0 ? " pad \(padA)/\(padB)/\(padC)" : "")
    }

    /// Row count and row stride of the stored A, B and C.
    var aLayout: (rows: Int, ld: Int) { transposeA ? (k, m + padA) : (m, k + padA) }
    var bLayout: (rows: Int, ld: Int) { transposeB ? (n, k + padB) : (k, n + padB) }
    var cLayout: (rows: Int, ld: Int) { (m, n + padC) }
}

/// The result of running `gemm` and `referenceGemm` on the same random operands.
struct GemmOutcome {
    /// C after `gemm`, including the padding columns.
    var fast: [Float]
    /// C after `referenceGemm`.
    var reference: [Float]
    /// Per element, |alpha|·Σ|a||b| + |beta|·|c|: the size of what was summed, the scale of rounding error.
    var magnitude: [Float]
    /// C before either ran.
    var original: [Float]

    /// The worst error relative to `magnitude`, with the element where it occurs, over the m × n part of C.
    func worst(_ problem: GemmCase) -> (error: Float, row: Int, column: Int) {
        var worst: (error: Float, row: Int, column: Int) = (0, 0, 0)
        let ld = problem.cLayout.ld
        for i in 0..<problem.m {
            for j in 0..<problem.n {
                let index = i * ld + j
                let difference = abs(fast[index] - reference[index])
                let error = difference.isNaN ? .infinity : difference / max(magnitude[index], .leastNormalMagnitude)
                if error > worst.error { worst = (error, i, j) }
            }
        }
        return worst
    }

    /// Float accumulation over k terms: each term's rounding is at most about k ulps of the magnitude.
    static func tolerance(_ problem: GemmCase) -> Float { 2 * Float.ulpOfOne * Float(problem.k + 2) }

    /// True when C's padding columns (j ≥ n) still hold what they held before.
    func paddingUntouched(_ problem: GemmCase) -> Bool {
        let ld = problem.cLayout.ld
        for i in 0..<problem.m {
            for j in problem.n..<ld where fast[i * ld + j] != original[i * ld + j] { return false }
        }
        return true
    }
}

/// Random operands (padding filled with NaN so a read of it shows), `gemm` and the reference on copies of C.
func runGemm(_ problem: GemmCase, seed: UInt64 = 7, initialC: Float? = nil) -> GemmOutcome {
    var rng = SeededGenerator(seed: seed)
    func matrix(_ layout: (rows: Int, ld: Int), columns: Int) -> [Float] {
        var values = [Float](repeating: .nan, count: max(layout.rows * layout.ld, 1))
        for r in 0..<layout.rows {
            for c in 0..<columns { values[r * layout.ld + c] = Float.random(in: -1...1, using: &rng) }
        }
        return values
    }
    let a = matrix(problem.aLayout, columns: problem.transposeA ? problem.m : problem.k)
    let b = matrix(problem.bLayout, columns: problem.transposeB ? problem.k : problem.n)
    var c = matrix(problem.cLayout, columns: problem.n)
    if let initialC { c = c.map { $0.isNaN ? $0 : initialC } }
    // C's padding gets a finite sentinel: gemm must leave it alone.
    for i in 0..<problem.m {
        for j in problem.n..<problem.cLayout.ld { c[i * problem.cLayout.ld + j] = 12345 }
    }
    var fast = c, reference = c
    var magnitude = c.map { abs($0.isNaN ? 0 : $0) }
    let absA = a.map { abs($0) }, absB = b.map { abs($0) }
    let p = problem
    gemm(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k, alpha: p.alpha,
         a: a, lda: p.aLayout.ld, b: b, ldb: p.bLayout.ld, beta: p.beta, c: &fast, ldc: p.cLayout.ld)
    referenceGemm(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k, alpha: p.alpha,
                  a: a, lda: p.aLayout.ld, b: b, ldb: p.bLayout.ld, beta: p.beta, c: &reference, ldc: p.cLayout.ld)
    referenceGemm(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k, alpha: abs(p.alpha),
                  a: absA, lda: p.aLayout.ld, b: absB, ldb: p.bLayout.ld, beta: abs(p.beta), c: &magnitude,
                  ldc: p.cLayout.ld)
    return GemmOutcome(fast: fast, reference: reference, magnitude: magnitude, original: c)
}

/// Expects `gemm` to match the reference within Float rounding and to leave C's padding alone.
func expectMatchesReference(
    _ problem: GemmCase, initialC: Float? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    let outcome = runGemm(problem, initialC: initialC)
    let worst = outcome.worst(problem)
    let index = worst.row * problem.cLayout.ld + worst.column
    #expect(worst.error <= GemmOutcome.tolerance(problem),
            """
            \(problem.testDescription): worst error \(worst.error) (tolerance \(GemmOutcome.tolerance(problem))) \
            at C[\(worst.row), \(worst.column)]: \(outcome.fast[index]) vs reference \(outcome.reference[index])
            """,
            sourceLocation: sourceLocation)
    #expect(outcome.paddingUntouched(problem), "\(problem.testDescription): gemm wrote into C's padding columns",
            sourceLocation: sourceLocation)
}

/// All four (transposeA, transposeB) combinations.
let transpositions: [(Bool, Bool)] = [(false, false), (true, false), (false, true), (true, true)]

@Suite("GEMM")
struct GemmTests {
    /// Awkward sizes: single elements, primes, one-wide, skinny, deeper than one k block, whole tiles.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 13, 5), (127, 129, 65), (1000, 1, 1000), (1, 1000, 3), (33, 17, 300),
        (12, 32, 7), (24, 64, 1), (25, 65, 1100), (3, 40, 20), (128, 20, 400), (20, 400, 128),
    ]

    @Test("gemm equals the reference for every transposition case", arguments: shapes, transpositions)
    func everyTransposition(shape: (Int, Int, Int), transposition: (Bool, Bool)) {
        expectMatchesReference(GemmCase(m: shape.0, n: shape.1, k: shape.2,
                                        transposeA: transposition.0, transposeB: transposition.1))
    }

    @Test("ragged tiles of every height and width go through the right edge kernel",
          arguments: Array(1...12), [1, 4, 15, 16, 17, 31, 32])
    func raggedTiles(height: Int, width: Int) {
        // One full register tile row/column plus the ragged part, so full and edge tiles meet.
        for (m, n) in [(height, width), (GemmKernel.mr + height, GemmKernel.nr + width)] {
            expectMatchesReference(GemmCase(m: m, n: n, k: 9, alpha: 0.75, beta: 0.5))
        }
    }

    @Test("alpha scales the product and beta the old C", arguments: [
        (Float(2.5), Float(0)), (1, 1), (-0.5, 0.75), (1, -2), (0, 0.5), (0, 0),
    ] as [(Float, Float)])
    func alphaAndBeta(alpha: Float, beta: Float) {
        for (ta, tb) in transpositions {
            for (m, n, k) in [(7, 13, 5), (37, 70, 1100)] {
                expectMatchesReference(GemmCase(m: m, n: n, k: k, transposeA: ta, transposeB: tb,
                                                alpha: alpha, beta: beta))
            }
        }
    }

    @Test("beta = 0 overwrites C even when it holds NaN or infinity", arguments: [Float.nan, .infinity])
    func betaZeroIgnoresOldC(initial: Float) {
        for (m, n, k) in [(5, 3, 2), (30, 70, 270), (13, 33, 0)] {
            let problem = GemmCase(m: m, n: n, k: k, alpha: 1.5, beta: 0)
            let outcome = runGemm(problem, initialC: initial)
            #expect(outcome.worst(problem).error <= GemmOutcome.tolerance(problem),
                    "\(problem.testDescription) with C = \(initial) beforehand")
        }
    }

    @Test("k = 0 scales C by beta and never reads A or B", arguments: [Float(0), 1, -3])
    func emptyDepth(beta: Float) {
        expectMatchesReference(GemmCase(m: 9, n: 35, k: 0, beta: beta), initialC: 2)
    }

    @Test("leading dimensions wider than the matrix: padding is never read nor written", arguments: transpositions)
    func looseLeadingDimensions(transposition: (Bool, Bool)) {
        for (m, n, k) in [(7, 13, 5), (45, 50, 270), (1, 33, 17)] {
            expectMatchesReference(GemmCase(m: m, n: n, k: k, transposeA: transposition.0, transposeB: transposition.1,
                                            alpha: 0.5, beta: 2, padA: 3, padB: 17, padC: 5))
        }
    }
}

@Suite("GEMM on 1 and 2 threads", .serialized)
struct GemmThreadTests {
    /// Large enough to go parallel: split by rows, split by columns (few rows), several k and n blocks,
    /// a skinny C computed transposed; the last two and 256³ share packed panels between threads.
    static let shapes: [(Int, Int, Int)] = [
        (127, 129, 65), (256, 256, 256), (12, 2000, 64), (64, 3136, 27), (20, 3200, 20), (300, 100, 600),
        (2000, 20, 40), (245, 251, 256), (120, 130, 1100),
    ]

    @Test("gemm equals the reference on 1 and 2 threads", arguments: shapes, [1, 2])
    func threads(shape: (Int, Int, Int), threads: Int) {
        Parallel.withThreadCount(threads) {
            for (ta, tb) in transpositions {
                expectMatchesReference(GemmCase(m: shape.0, n: shape.1, k: shape.2, transposeA: ta, transposeB: tb,
                                                alpha: 1.25, beta: 0.5, padA: 1, padB: 2, padC: 3))
            }
        }
    }

    @Test("the result does not depend on the thread count, bit for bit", arguments: shapes)
    func sameOnAnyThreadCount(shape: (Int, Int, Int)) {
        let problem = GemmCase(m: shape.0, n: shape.1, k: shape.2, transposeB: true, beta: 1)
        let one = Parallel.withThreadCount(1) { runGemm(problem).fast }
        let two = Parallel.withThreadCount(2) { runGemm(problem).fast }
        #expect(one == two, "\(problem.testDescription): 1 and 2 threads differ")
    }
}

/// The bits `gemm` promises, written out one element at a time: along k, the depth blocks of
/// `GemmKernel.depthBlock(k)`; in each block, one chain of fused multiply-adds from zero in order of p;
/// the block's sum times alpha is added to C (the first block to beta · C, beta ∈ {0, 1}). The register
/// tile, the packing and the thread count must not change a bit of this, so every build (AVX-512's
/// 12 × 32 tile, AVX2's and arm64's 6 × 16) gives the same C.
func fusedChainGemm(_ p: GemmCase, a: [Float], b: [Float], c: inout [Float]) {
    precondition(p.beta == 0 || p.beta == 1)
    let block = GemmKernel.depthBlock(p.k)
    for i in 0..<p.m {
        for j in 0..<p.n {
            var start = 0
            while start < p.k {
                let end = min(p.k, start + block)
                var sum: Float = 0
                for q in start..<end {
                    let aiq = p.transposeA ? a[q * p.aLayout.ld + i] : a[i * p.aLayout.ld + q]
                    let bqj = p.transposeB ? b[j * p.bLayout.ld + q] : b[q * p.bLayout.ld + j]
                    sum = sum.addingProduct(aiq, bqj)
                }
                let index = i * p.cLayout.ld + j
                c[index] = start == 0 && p.beta == 0 ? p.alpha * sum : c[index] + p.alpha * sum
                start = end
            }
        }
    }
}

@Suite("GEMM bits", .serialized)
struct GemmBitTests {
    /// Whole and ragged tiles of both register-tile shapes, one and several depth blocks, skinny C
    /// (computed transposed), A read unpacked (narrow C, and x·Wᵀ for few rows), B read unpacked (short C:
    /// with a ragged last sliver, or only whole ones as in (40, 96, 1030)), large enough to go parallel.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (5, 7, 3), (6, 16, 9), (12, 32, 9), (13, 33, 17), (7, 20, 1100), (128, 20, 400),
        (20, 400, 128), (127, 129, 65), (64, 1000, 27), (100, 100, 300), (2000, 20, 40), (30, 40, 2100), (33, 300, 1030),
        (40, 96, 1030),
    ]

    @Test("each element is one fused multiply-add chain per depth block, on 1 and 2 threads",
          arguments: shapes, [1, 2])
    func fusedChains(shape: (Int, Int, Int), threads: Int) {
        for (ta, tb) in transpositions {
            for (alpha, beta) in [(Float(1), Float(0)), (0.75, 1)] {
                let p = GemmCase(m: shape.0, n: shape.1, k: shape.2, transposeA: ta, transposeB: tb,
                                 alpha: alpha, beta: beta, padA: 1, padB: 2, padC: 3)
                var rng = SeededGenerator(seed: 11)
                func matrix(_ layout: (rows: Int, ld: Int)) -> [Float] {
                    (0..<max(layout.rows * layout.ld, 1)).map { _ in Float.random(in: -1...1, using: &rng) }
                }
                let a = matrix(p.aLayout), b = matrix(p.bLayout)
                var expected = matrix(p.cLayout)
                var actual = expected
                fusedChainGemm(p, a: a, b: b, c: &expected)
                Parallel.withThreadCount(threads) {
                    gemm(transposeA: ta, transposeB: tb, m: p.m, n: p.n, k: p.k, alpha: alpha, a: a,
                         lda: p.aLayout.ld, b: b, ldb: p.bLayout.ld, beta: beta, c: &actual, ldc: p.cLayout.ld)
                }
                let first = actual.indices.first { actual[$0].bitPattern != expected[$0].bitPattern }
                #expect(first == nil, """
                    \(p.testDescription), \(threads) thread(s), tile \(GemmKernel.mr)×\(GemmKernel.nr): \
                    C[\((first ?? 0) / p.cLayout.ld), \((first ?? 0) % p.cLayout.ld)] = \(actual[first ?? 0]), \
                    the fused chain gives \(expected[first ?? 0])
                    """)
            }
        }
    }
}
