#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import Latent
import LatentModels

/// A tiny M2 on 3×3 "images": every network small enough for central differences in a debug build.
private func tinyM2(seed: UInt64 = 1) -> SemiSupervisedVAE {
    var generator = SeededGenerator(seed: seed)
    return SemiSupervisedVAE.dense(inputs: [1, 3, 3], classes: 3, hidden: 5, latent: 2, using: &generator)
}

/// Pixels 0 or 1, each a fair coin.
private func binary(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in Float(generator.next(upperBound: UInt64(2))) })
}

/// Binary images [n, 1, 3, 3] and noise for a tiny M2 step.
private func tinyBatch(labelled: Int, unlabelled: Int, classes: Int, seed: UInt64)
    -> (xl: Tensor, xu: Tensor, epsL: Tensor, epsU: Tensor)
{
    var generator = SeededGenerator(seed: seed)
    let xl = binary([labelled, 1, 3, 3], using: &generator)
    let xu = binary([unlabelled, 1, 3, 3], using: &generator)
    return (xl, xu, Tensor.randomNormal([labelled, 2], using: &generator), Tensor.randomNormal([unlabelled * classes, 2], using: &generator))
}

@Suite("Chapter 7: the categorical pieces of M2, the conditional VAE step and m2Step")
struct SemiSupervisedTests {
    @Test("categoricalEntropy's gradient matches central differences; a flipped sign and a missing + H do not")
    func entropyGradient() {
        var generator = SeededGenerator(seed: 3)
        let logits = Tensor.randomNormal([4, 5], using: &generator) * 2
        for reduction in [Reduction.sum, .mean] {
            let good = gradientCheck(name: "categoricalEntropy", inputs: [("logits", logits)]) { t in
                let (h, g) = categoricalEntropy(t[0], reduction: reduction)
                return (h, [g])
            }
            #expect(good.passed, "\(good)")
        }
        let flipped = gradientCheck(name: "−∂H", inputs: [("logits", logits)]) { t in
            let (h, g) = categoricalEntropy(t[0])
            return (h, [-1 * g])
        }
        #expect(!flipped.passed, "\(flipped)")
        // ∂H/∂logit = −q (log q + H): leaving out H is the slip a hand derivation makes.
        let withoutH = gradientCheck(name: "−q log q", inputs: [("logits", logits)]) { t in
            let (h, _) = categoricalEntropy(t[0])
            let q = softmaxRows(t[0])
            return (h, [-1 * q * log(q)])
        }
        #expect(!withoutH.passed, "\(withoutH)")
        // The value itself against −Σ q log q written out.
        let q = softmaxRows(logits)
        let direct = -(q * log(q)).sum()
        #expect(Swift.abs(categoricalEntropy(logits).loss - direct) < 1e-5 * Swift.abs(direct))
    }

    @Test("categoricalExpectation's gradients (logits and values) match central differences; an uncentred one does not")
    func expectationGradient() {
        var generator = SeededGenerator(seed: 4)
        let logits = Tensor.randomNormal([3, 4], using: &generator) * 2
        let values = Tensor.randomNormal([3, 4], using: &generator) * 5
        for reduction in [Reduction.sum, .mean] {
            let good = gradientCheck(name: "categoricalExpectation", inputs: [("logits", logits), ("values", values)]) { t in
                let (e, dLogits, dValues) = categoricalExpectation(t[0], values: t[1], reduction: reduction)
                return (e, [dLogits, dValues])
            }
            #expect(good.passed, "\(good)")
        }
        // ∂E/∂logit_c = q_c (v_c − E); q_c v_c alone forgets that the softmax's probabilities sum to one.
        let uncentred = gradientCheck(name: "q·v", inputs: [("logits", logits), ("values", values)]) { t in
            let (e, _, dValues) = categoricalExpectation(t[0], values: t[1])
            return (e, [softmaxRows(t[0]) * t[1], dValues])
        }
        #expect(!uncentred.passed, "\(uncentred)")
    }

    @Test("vaeStep with a condition: every parameter's gradient of a conditional VAE matches central differences")
    func conditionalVAEGradient() {
        var generator = SeededGenerator(seed: 5)
        let vae = VAE.conditionalDense(inputs: [1, 3, 3], classes: 3, hidden: 5, latent: 2, using: &generator)
        let x = binary([4, 1, 3, 3], using: &generator)
        let eps = Tensor.randomNormal([4, 2], using: &generator)
        let y = oneHot([0, 2, 1, 2], classes: 3)
        let parameters = vae.namedParameters
        let check = { (slip: Bool) in
            gradientCheck(name: "conditional vaeStep", inputs: parameters.map { ($0.name, $0.parameter.value) }) { values in
                for (p, v) in zip(parameters, values) { p.parameter.value = v }
                vae.zeroGrad()
                let terms = vaeStep(vae, x: x, eps: eps, objective: .elbo(.bce), condition: y)
                if slip {  // the gradient of a step that lost the labels (all class 0), against the loss with them
                    vae.zeroGrad()
                    _ = vaeStep(vae, x: x, eps: eps, objective: .elbo(.bce), condition: oneHot([0, 0, 0, 0], classes: 3))
                }
                return (terms.reconstruction + terms.kl, parameters.map { $0.parameter.grad })
            }
        }
        let good = check(false)
        #expect(good.passed, "\(good)")
        let wrong = check(true)
        #expect(!wrong.passed, "\(wrong)")
    }

    @Test("m2Step: every parameter's gradient (the classifier's through Σ_y q(y|x) L(x, y), H and α·CE) matches central differences")
    func m2StepGradient() {
        let model = tinyM2()
        let batch = tinyBatch(labelled: 3, unlabelled: 2, classes: 3, seed: 6)
        let labels = [0, 2, 1]
        let parameters = model.namedParameters
        func check(alphaForGradient: Float) -> GradientCheckResult {
            gradientCheck(name: "m2Step", inputs: parameters.map { ($0.name, $0.parameter.value) }, epsilon: 2e-3) { values in
                for (p, v) in zip(parameters, values) { p.parameter.value = v }
                model.zeroGrad()
                let terms = m2Step(model, labelled: batch.xl, labels: labels, unlabelled: batch.xu,
                                   epsLabelled: batch.epsL, epsUnlabelled: batch.epsU, alpha: 2)
                if alphaForGradient != 2 {  // the gradient of a step with another α, against this loss
                    model.zeroGrad()
                    m2Step(model, labelled: batch.xl, labels: labels, unlabelled: batch.xu,
                           epsLabelled: batch.epsL, epsUnlabelled: batch.epsU, alpha: alphaForGradient)
                }
                return (terms.loss, parameters.map { $0.parameter.grad })
            }
        }
        let good = check(alphaForGradient: 2)
        #expect(good.passed, "\(good)")
        let withoutCE = check(alphaForGradient: 0)
        #expect(!withoutCE.passed, "\(withoutCE)")
    }

    @Test("m2Step's U(x) is Σ_y q(y|x) L(x, y) − H(q) with L(x, y) computed label by label, independently")
    func unlabelledBoundIsTheSumOverLabels() {
        let model = tinyM2(seed: 8)
        let classes = model.classes
        let batch = tinyBatch(labelled: 2, unlabelled: 3, classes: classes, seed: 9)
        let terms = m2Step(model, labelled: batch.xl, labels: [1, 0], unlabelled: batch.xu,
                           epsLabelled: batch.epsL, epsUnlabelled: batch.epsU, alpha: 0.5)
        // Written out: for image i and label y, the encoder on [x, y], z = μ + σ ε, the decoder on [z, y],
        // Bernoulli log-likelihood, the KL, log p(y) = −log 3; then q from the classifier and the entropy.
        var total = 0.0
        for i in 0..<3 {
            let x = batch.xu.slice(i..<i + 1)
            let flat = x.scalars
            var logits = model.classifier.forward(x).scalars.map(Double.init)
            let top = logits.max()!
            let normalizer = logits.map { exp($0 - top) }.reduce(0, +)
            logits = logits.map { $0 - top - log(normalizer) }  // log q(y|x)
            var u = 0.0
            for y in 0..<classes {
                let label = (0..<classes).map { Float($0 == y ? 1 : 0) }
                let out = model.vae.encoder.forward(Tensor(shape: [1, 9 + classes], scalars: flat + label)).scalars
                let (mu, logVar) = (Array(out[0..<2]), Array(out[2..<4]))
                let eps = batch.epsU.scalars[(i * classes + y) * 2..<(i * classes + y + 1) * 2]
                let z = (0..<2).map { mu[$0] + expf(0.5 * logVar[$0]) * eps[eps.startIndex + $0] }
                let a = model.vae.decoder.forward(Tensor(shape: [1, 2 + classes], scalars: z + label)).scalars
                var logLikelihood = 0.0
                for p in 0..<9 {  // log σ(a) for a pixel 1, log(1 − σ(a)) for a pixel 0
                    let s = 1 / (1 + exp(-Double(a[p])))
                    logLikelihood += flat[p] == 1 ? log(s) : log(1 - s)
                }
                var kl = 0.0
                for j in 0..<2 { kl += -0.5 * Double(1 + logVar[j] - mu[j] * mu[j] - expf(logVar[j])) }
                let bound = -logLikelihood + kl + log(Double(classes))  // L(x, y)
                #expect(Swift.abs(Double(terms.perClass.scalars[i * classes + y]) - bound) < 1e-4 * Swift.max(1, Swift.abs(bound)))
                u += exp(logits[y]) * bound + exp(logits[y]) * logits[y]  // q L + q log q
            }
            total += u
        }
        let mean = total / 3
        #expect(Swift.abs(Double(terms.unlabelled) - mean) < 1e-4 * Swift.abs(mean), "U \(terms.unlabelled) vs \(mean)")
    }

    @Test("The labelled subset: 10 per class, the same for the same seed, another for another seed")
    func labelSubset() {
        var generator = SeededGenerator(seed: 10)
        let labels = (0..<600).map { _ in Int(generator.next(upperBound: UInt64(10))) }
        let a = balancedLabelSubset(labels, count: 100, classes: 10, seed: 3)
        #expect(a == balancedLabelSubset(labels, count: 100, classes: 10, seed: 3))
        #expect(a != balancedLabelSubset(labels, count: 100, classes: 10, seed: 4))
        #expect(Set(a).count == 100)
        for c in 0..<10 { #expect(a.filter { labels[$0] == c }.count == 10) }
    }
}
