import Testing
@testable import Latent

/// A real layer whose backward is wrong by 1% in one coordinate of one tensor — the checker must notice.
final class OffByOnePercent: Layer, CustomStringConvertible {
    let inner: any Layer
    let corruptInput: Bool
    init(_ inner: any Layer, corruptInput: Bool) { self.inner = inner; self.corruptInput = corruptInput }
    var description: String { "OffByOnePercent(\(inner))" }
    var isTraining: Bool { get { inner.isTraining } set { inner.isTraining = newValue } }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    func forward(_ x: Tensor) -> Tensor { inner.forward(x) }
    func backward(_ dy: Tensor) -> Tensor {
        let weight = inner.namedParameters[0].parameter
        let before = weight.grad
        var dx = inner.backward(dy)
        if corruptInput {
            let i = dx.scalars.indices.max { abs(dx.scalars[$0]) < abs(dx.scalars[$1]) }!
            dx.scalars[i] *= 1.01
        } else {
            let delta = weight.grad - before
            let i = delta.scalars.indices.max { abs(delta.scalars[$0]) < abs(delta.scalars[$1]) }!
            weight.grad.scalars[i] += 0.01 * delta.scalars[i]
        }
        return dx
    }
}

@Suite("GradientChecks")
struct GradientChecks {
    @Test("the checker fails a backward that is wrong by 1% in one coordinate", arguments: [true, false])
    func checkerCatchesOnePercent(corruptInput: Bool) {
        var generator = SeededGenerator(seed: 7)
        let layer = Linear(inFeatures: 6, outFeatures: 5, using: &generator)
        let x = Tensor.randomNormal([3, 6], using: &generator)
        let honest = gradientCheck(layer, input: x)
        #expect(honest.passed, "\(honest)")
        let broken = gradientCheck(OffByOnePercent(layer, corruptInput: corruptInput), input: x)
        #expect(!broken.passed, "\(broken)")
        let culprit = try? #require(broken.worst)
        #expect(culprit?.name == (corruptInput ? "input" : "weight"))
        #expect(broken.description.contains("FAILED"))
    }

    @Test("the function checker passes a correct gradient and fails a 1%-wrong one")
    func functionChecker() {
        var generator = SeededGenerator(seed: 3)
        let a = Tensor.randomNormal([4, 3], using: &generator)
        let b = Tensor.randomNormal([4, 3], using: &generator)
        // f(a, b) = Σ a·b + Σ a², ∂f/∂a = b + 2a, ∂f/∂b = a.
        func f(_ t: [Tensor], wrong: Bool) -> (value: Float, gradients: [Tensor]) {
            var da = t[1] + 2 * t[0]
            if wrong { da.scalars[5] *= 1.01 }
            return ((t[0] * t[1]).sum() + (t[0] * t[0]).sum(), [da, t[0]])
        }
        let good = gradientCheck(name: "a·b + a²", inputs: [("a", a), ("b", b)]) { f($0, wrong: false) }
        #expect(good.passed, "\(good)")
        let bad = gradientCheck(name: "a·b + a²", inputs: [("a", a), ("b", b)]) { f($0, wrong: true) }
        #expect(!bad.passed, "\(bad)")
        #expect(bad.worst?.worstIndex == [1, 2])
    }

    @Test("Linear backward matches central differences", arguments: [(1, 4, 3, true), (3, 5, 7, true), (2, 6, 2, false)])
    func linear(n: Int, inFeatures: Int, outFeatures: Int, bias: Bool) {
        var generator = SeededGenerator(seed: 11)
        let layer = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, using: &generator)
        let x = Tensor.randomNormal([n, inFeatures], using: &generator)
        let result = gradientCheck(layer, input: x)
        #expect(result.passed, "\(result)")
        #expect(result.tensors.count == (bias ? 3 : 2))
    }
}
