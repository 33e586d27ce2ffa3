import Testing
@testable import Latent

@Suite("Elementwise kernels on 1 and 2 threads", .serialized)
struct ElementwiseTests {
    /// Sizes around the SIMD width, and above twice the parallel grain so two threads split the work.
    static let counts = [1, 15, 16, 17, 1000, 2 * Elementwise.grain + 37]

    /// Runs `body` with kernels on `threads` threads (for this test only: other tests are unaffected).
    func withThreads(_ threads: Int, _ body: () -> Void) {
        Parallel.withThreadCount(threads, body)
    }

    func randomArray(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -4...4, using: &rng) }
    }

    @Test("map and zip apply the scalar function to every element, tail included", arguments: counts, [1, 2])
    func mapAndZip(count: Int, threads: Int) {
        let a = randomArray(count, seed: 1), b = randomArray(count, seed: 2)
        var mapped = [Float](repeating: .nan, count: count), zipped = mapped
        withThreads(threads) {
            Elementwise.map(a, &mapped, count: count, vector: { $0 * $0 - 1 }, scalar: { $0 * $0 - 1 })
            Elementwise.zip(a, b, &zipped, count: count, vector: { $0 * 2 + $1 }, scalar: { $0 * 2 + $1 })
        }
        let wrongMap = (0..<count).first { mapped[$0] != a[$0] * a[$0] - 1 }
        let wrongZip = (0..<count).first { zipped[$0] != a[$0] * 2 + b[$0] }
        #expect(wrongMap == nil, "map wrong at element \(wrongMap ?? -1) of \(count)")
        #expect(wrongZip == nil, "zip wrong at element \(wrongZip ?? -1) of \(count)")
    }

    @Test("exp, log, tanh and the sigmoid have the same bits on 1, 2 and 3 threads, whatever the count",
          arguments: [2, 3])
    func transcendentalBitsAnyThreads(threads: Int) {
        // Counts whose even split falls inside a group of sixteen: a thread's chunk must still end on a
        // whole group, or the elements before the cut would take the scalar (libm) path on more threads.
        for count in stride(from: 2 * Elementwise.transcendentalGrain + 1, to: 4 * Elementwise.transcendentalGrain, by: 1_237) {
            let x = Tensor(shape: [count], scalars: randomArray(count, seed: UInt64(count)))
            let positive = x * x + 0.5
            func results() -> [[UInt32]] {
                [exp(x), log(positive), tanh(x), sigmoid(x)].map { $0.scalars.map(\.bitPattern) }
            }
            let one = Parallel.withThreadCount(1) { results() }
            let many = Parallel.withThreadCount(threads) { results() }
            for (name, (a, b)) in zip(["exp", "log", "tanh", "sigmoid"], zip(one, many)) {
                let differing = zip(a, b).filter { $0 != $1 }.count
                #expect(differing == 0, "\(name) of \(count) values: \(differing) differ between 1 and \(threads) threads")
            }
        }
    }

    @Test("axpy adds alpha·x to y", arguments: counts, [1, 2])
    func axpy(count: Int, threads: Int) {
        let x = randomArray(count, seed: 3), y = randomArray(count, seed: 4)
        var result = y
        withThreads(threads) { Elementwise.axpy(-0.5, x, &result, count: count) }
        let wrong = (0..<count).first { abs(result[$0] - (y[$0] - 0.5 * x[$0])) > 1e-6 * (abs(y[$0]) + abs(x[$0])) }
        #expect(wrong == nil, "axpy wrong at element \(wrong ?? -1) of \(count)")
    }

    @Test("VectorMath.log1p is within 2 ulp of Double's log1p from 1e−30 to 1e30 and at −1 < x < 0")
    func log1p() {
        // Dense in (0, 1] (where BCE with logits uses it), tiny values, values near −1, and large ones.
        var inputs: [Float] = (1...4096).map { Float($0) / 4096 }
        inputs += (-30...30).flatMap { e in [1, 2.5, 7.3].map { Float($0 * Foundation_pow(10, Double(e))) } }
        inputs += (1...999).map { -Float($0) / 1000 } + [-0.999_999, -1e-7, 1e-7, Float.leastNormalMagnitude, 3.4e38]
        var worst = (ulps: Float(0), x: Float(0))
        for start in stride(from: 0, to: inputs.count, by: 16) {
            var lanes = SIMD16<Float>(repeating: 0.5)
            for k in 0..<min(16, inputs.count - start) { lanes[k] = inputs[start + k] }
            let result = VectorMath.log1p(lanes)
            for k in 0..<min(16, inputs.count - start) {
                let exact = Foundation_log1p(Double(lanes[k]))
                let ulps = Float(abs(Double(result[k]) - exact) / Double(Float(exact).ulp))
                if ulps > worst.ulps { worst = (ulps, lanes[k]) }
            }
        }
        #expect(worst.ulps <= 2, "log1p is \(worst.ulps) ulp off at x = \(worst.x)")
        let special = VectorMath.log1p(SIMD16<Float>([0, -1, -2, .infinity, .nan, -0.0, 1, 0.5] + Array(repeating: 0, count: 8)))
        #expect(special[0] == 0 && special[1] == -.infinity && special[2].isNaN && special[3] == .infinity && special[4].isNaN)
        #expect(special[5] == 0 && special[6] == Float(Foundation_log1p(1)) && special[7] == Float(Foundation_log1p(0.5)))
    }

    @Test("sum agrees with a Double sum to float precision", arguments: counts + [1 << 20])
    func sum(count: Int) {
        let a = randomArray(count, seed: 5).map { $0 + 1 }  // mostly positive: a long sum that can drift
        let exact = a.reduce(0.0) { $0 + Double($1) }
        let scale = a.reduce(0.0) { $0 + abs(Double($1)) }
        let total = Elementwise.sum(a, count: count)
        #expect(abs(Double(total) - exact) <= 1e-6 * scale, "sum of \(count): \(total) vs \(exact)")
    }

    @Test("transposed() moves every element, across the 32 × 32 blocks",
          arguments: [(1, 1), (1, 40), (33, 70), (64, 64), (100, 3)])
    func transposed(shape: (Int, Int)) {
        let (rows, cols) = shape
        let x = Tensor(shape: [rows, cols], scalars: (0..<(rows * cols)).map(Float.init))
        let t = x.transposed()
        #expect(t.shape == [cols, rows])
        let wrong = (0..<(rows * cols)).first { t[$0 % cols, $0 / cols] != x[$0 / cols, $0 % cols] }
        #expect(wrong == nil, "element \(wrong ?? -1) of a \(rows)×\(cols) tensor misplaced")
    }
}
