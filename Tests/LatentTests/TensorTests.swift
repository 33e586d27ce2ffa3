import Testing
@testable import Latent

@Suite("Tensor")
struct TensorTests {
    @Test("elementwise operators match scalar math, including the SIMD tail")
    func elementwise() {
        for n in [1, 15, 16, 17, 100] {
            let a = Tensor(shape: [n], scalars: (0..<n).map { Float($0) * 0.5 - 3 })
            let b = Tensor(shape: [n], scalars: (0..<n).map { Float($0 % 7) + 1 })
            let sum = a + b, product = a * b, quotient = a / b, shifted = 2 * a - 1
            for i in 0..<n {
                #expect(sum.scalars[i] == a.scalars[i] + b.scalars[i])
                #expect(product.scalars[i] == a.scalars[i] * b.scalars[i])
                #expect(quotient.scalars[i] == a.scalars[i] / b.scalars[i])
                #expect(shifted.scalars[i] == 2 * a.scalars[i] - 1)
            }
        }
    }

    @Test("vector exp, tanh and sigmoid agree with libm to a few ulp", arguments: [-90, -20, -1, -0.001, 0, 0.002, 0.5, 3, 20, 88] as [Float])
    func transcendental(x0: Float) {
        let xs = Tensor(shape: [40], scalars: (0..<40).map { x0 + Float($0) * 1e-3 })
        let e = exp(xs), t = tanh(xs), s = sigmoid(xs)
        for i in 0..<40 {
            let x = Double(xs.scalars[i])
            let expected = [Foundation_exp(x), Foundation_tanh(x), 1 / (1 + Foundation_exp(-x))]
            for (value, reference) in zip([e.scalars[i], t.scalars[i], s.scalars[i]], expected) {
                let scale = max(abs(reference), 1e-30)
                #expect(abs(Double(value) - reference) / scale < 1e-6 || abs(Double(value) - reference) < 1e-38,
                        "x = \(x): got \(value), expected \(reference)")
            }
        }
    }

    @Test("sum and mean, whole and along each axis")
    func reductions() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.sum() == 21)
        #expect(x.mean() == 3.5)
        #expect(x.sum(axis: 0) == Tensor(shape: [3], scalars: [5, 7, 9]))
        #expect(x.sum(axis: 1) == Tensor(shape: [2], scalars: [6, 15]))
        #expect(x.mean(axis: 1) == Tensor(shape: [2], scalars: [2, 5]))
    }

    @Test("matmul in all transposition cases equals the product of explicit transposes")
    func matmulCases() {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor.randomNormal([5, 7], using: &rng)
        let b = Tensor.randomNormal([7, 3], using: &rng)
        let ab = matmul(a, b)
        #expect(Comparison(matmul(a.transposed(), b, transposeA: true), ab).isWithin(1e-5))
        #expect(Comparison(matmul(a, b.transposed(), transposeB: true), ab).isWithin(1e-5))
        #expect(Comparison(matmul(a.transposed(), b.transposed(), transposeA: true, transposeB: true), ab).isWithin(1e-5))
        #expect(abs(ab[2, 1] - (0..<7).reduce(Float(0)) { $0 + a[2, $1] * b[$1, 1] }) < 1e-5)
    }

    @Test("split and concat columns are inverses; slicing takes whole items")
    func shapes() {
        let x = Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init))
        let (left, right) = x.splitColumns(1)
        #expect(left.shape == [3, 1] && right.shape == [3, 3])
        #expect(left.scalars == [0, 4, 8])
        #expect(concatColumns(left, right) == x)
        #expect(x.slice(1..<3).scalars == Array((4..<12).map(Float.init)))
        #expect(x.reshaped([2, -1]).shape == [2, 6])
        #expect(x.transposed()[3, 2] == x[2, 3])
    }

    @Test("seeded generator: reproducible, uniform mean ½, normal mean 0 and variance 1")
    func randomness() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42)
        #expect((0..<10).map { _ in g1.next() } == (0..<10).map { _ in g2.next() })
        let u = Tensor.randomUniform([100_000], using: &g1)
        let z = Tensor.randomNormal([100_000], using: &g1)
        #expect(abs(u.mean() - 0.5) < 0.01 && u.min() >= 0 && u.max() < 1)
        #expect(abs(z.mean()) < 0.02)
        #expect(abs((z * z).mean() - 1) < 0.02)
        #expect(Set(g1.permutation(50)) == Set(0..<50))
    }

    @Test("PyTorch default init is uniform on ±1/√fanIn")
    func initialization() {
        var rng = SeededGenerator(seed: 3)
        let w = Initializer.kaimingUniform([64, 32, 3, 3], fanIn: Initializer.fanIn(ofWeight: [64, 32, 3, 3]), using: &rng)
        let bound = 1 / Float(32 * 9).squareRoot()
        #expect(w.max() <= bound && w.min() >= -bound)
        #expect(w.max() > 0.95 * bound && w.min() < -0.95 * bound)
    }

    @Test("isFinite finds a NaN or Inf anywhere")
    func finiteness() {
        var x = Tensor.zeros([37])
        #expect(x.isFinite)
        x.scalars[20] = .nan
        #expect(!x.isFinite)
        x.scalars[20] = 0
        x.scalars[36] = -.infinity
        #expect(!x.isFinite)
    }
}
