import Testing
@testable import Latent

@Suite("SoftmaxCrossEntropy")
struct SoftmaxCrossEntropyTests {
    @Test("a hand-computed case: log Σ exp − the label's logit, gradient softmax − one-hot, over N")
    func byHand() {
        // Row 0: logits 1, 2, 3, label 2: −log(e³ / (e + e² + e³)) = log(1 + e⁻¹ + e⁻²) = 0.40760596.
        // Row 1: logits 0, 0, 0, label 0: log 3 = 1.0986123. Mean: 0.75310913.
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let (loss, gradient) = softmaxCrossEntropy(logits, labels: [2, 0])
        #expect(abs(loss - 0.75310913) < 1e-6, "loss \(loss)")
        let p0: [Float] = [0.09003057, 0.24472847, 0.66524096]
        let third: Float = 1.0 / 3
        let rows: [Float] = [p0[0], p0[1], p0[2] - 1, third - 1, third, third]
        let expected: [Float] = rows.map { $0 / 2 }
        let worst = zip(gradient.scalars, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-6, "gradient \(gradient.scalars), expected \(expected)")
        let (sum, sumGradient) = softmaxCrossEntropy(logits, labels: [2, 0], reduction: .sum)
        #expect(abs(sum - 2 * 0.75310913) < 1e-6)
        #expect(zip(sumGradient.scalars, expected).allSatisfy { abs($0 - 2 * $1) < 1e-6 })
    }

    @Test("logits of ±1000 give a finite loss: 1000 for the wrong class, 0 for the right one")
    func largeLogits() {
        let logits = Tensor(shape: [2, 2], scalars: [1000, 0, -1000, 1000])
        let (loss, gradient) = softmaxCrossEntropy(logits, labels: [1, 1], reduction: .sum)
        #expect(loss == 1000)
        #expect(gradient.scalars == [1, -1, 0, 0])
    }

    @Test("the gradient matches central differences; one 1% off, or without the one-hot term, does not",
          arguments: [Reduction.mean, .sum])
    func gradientCheck(reduction: Reduction) {
        var generator = SeededGenerator(seed: 5)
        let logits = Tensor.randomNormal([4, 5], using: &generator) * 2
        let labels = [3, 0, 4, 3]
        let good = Latent.gradientCheck(name: "softmaxCrossEntropy(\(reduction))", inputs: [("logits", logits)]) { t in
            let (loss, g) = softmaxCrossEntropy(t[0], labels: labels, reduction: reduction)
            return (loss, [g])
        }
        #expect(good.passed, "\(good)")
        let offByOnePercent = Latent.gradientCheck(name: "1% off", inputs: [("logits", logits)]) { t in
            var (loss, g) = softmaxCrossEntropy(t[0], labels: labels, reduction: reduction)
            let largest = g.scalars.indices.max { abs(g.scalars[$0]) < abs(g.scalars[$1]) }!
            g.scalars[largest] *= 1.01
            return (loss, [g])
        }
        #expect(!offByOnePercent.passed, "\(offByOnePercent)")
        let noOneHot = Latent.gradientCheck(name: "softmax only", inputs: [("logits", logits)]) { t in
            var (loss, g) = softmaxCrossEntropy(t[0], labels: labels, reduction: reduction)
            let scale: Float = reduction == .sum ? 1 : 0.25
            for (row, label) in labels.enumerated() { g.scalars[row * 5 + label] += scale }
            return (loss, [g])
        }
        #expect(!noOneHot.passed, "\(noOneHot)")
    }
}
