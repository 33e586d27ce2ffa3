import Foundation
import Testing
import Latent
import LatentModels

@Suite("Chapter 5's losses: free bits and the Gaussian likelihood with a learned variance")
struct CollapseLossTests {
    /// mu, logVar [8, 4]: dimensions 0 and 1 far from the prior (KLⱼ ≈ 1–3 nats), 2 and 3 close to it (≈ 0.01).
    static func posteriors() -> (Tensor, Tensor) {
        var g = SeededGenerator(seed: 21)
        var mu: [Float] = [], logVar: [Float] = []
        for _ in 0..<8 {
            mu += [1.5 * g.nextNormal(), 1 + g.nextNormal(), 0.05 * g.nextNormal(), 0.05 * g.nextNormal()]
            logVar += [-1 + 0.3 * g.nextNormal(), -0.5 + 0.3 * g.nextNormal(), 0.05 * g.nextNormal(), 0.05 * g.nextNormal()]
        }
        return (Tensor(shape: [8, 4], scalars: mu), Tensor(shape: [8, 4], scalars: logVar))
    }

    @Test("freeBitsKL with λ = 0 is the batch-mean KL, gradients included")
    func freeBitsZeroIsKL() {
        let (mu, logVar) = Self.posteriors()
        let free = freeBitsKL(mu: mu, logVar: logVar, lambda: 0)
        let plain = gaussianKL(mu: mu, logVar: logVar, reduction: .batchMean)
        #expect(Swift.abs(free.loss - plain.loss) < 1e-5 * plain.loss)
        #expect(Comparison(free.dMu, plain.dMu).isWithin(1e-6) && Comparison(free.dLogVar, plain.dLogVar).isWithin(1e-6))
    }

    @Test("freeBitsKL backward matches central differences on both sides of λ: the KL's gradient above, zero below")
    func freeBitsGradient() {
        let (mu, logVar) = Self.posteriors()
        let perDimension = freeBitsKL(mu: mu, logVar: logVar, lambda: 0).perDimension
        #expect(perDimension[0] > 0.5 && perDimension[1] > 0.5 && perDimension[2] < 0.05 && perDimension[3] < 0.05, "\(perDimension)")
        let result = gradientCheck(name: "freeBitsKL(λ = 0.5)", inputs: [("mu", mu), ("logVar", logVar)]) { t in
            let r = freeBitsKL(mu: t[0], logVar: t[1], lambda: 0.5)
            return (r.loss, [r.dMu, r.dLogVar])
        }
        #expect(result.passed, "\(result)")
        #expect(result.tensors.allSatisfy { $0.skippedCount == 0 }, "\(result)")
        let r = freeBitsKL(mu: mu, logVar: logVar, lambda: 0.5)
        for row in 0..<8 {
            for j in 0..<4 {
                let (gMu, gLogVar) = (r.dMu.scalars[row * 4 + j], r.dLogVar.scalars[row * 4 + j])
                if j < 2 { #expect(gMu == mu.scalars[row * 4 + j] / 8) } else { #expect(gMu == 0 && gLogVar == 0) }
            }
        }
        #expect(Swift.abs(r.loss - (perDimension[0] + perDimension[1] + 2 * 0.5)) < 1e-5)
    }

    @Test("At the kink (λ = KLⱼ) the value is continuous and the gradient jumps from 0 to the KL's")
    func freeBitsKink() {
        let (mu, logVar) = Self.posteriors()
        let kl0 = freeBitsKL(mu: mu, logVar: logVar, lambda: 0).perDimension[0]
        let below = freeBitsKL(mu: mu, logVar: logVar, lambda: kl0 * 0.999)  // KL₀ just above λ: charged, gradient
        let above = freeBitsKL(mu: mu, logVar: logVar, lambda: kl0 * 1.001)  // KL₀ just below λ: flat, no gradient
        #expect(Swift.abs(above.loss - below.loss) < 0.01 * kl0)
        #expect(below.dMu.scalars[0] == mu.scalars[0] / 8 && below.dMu.scalars[0] != 0)
        #expect(above.dMu.scalars[0] == 0 && above.dLogVar.scalars[0] == 0)
        // Central differences on either side of the kink, 10 % away (a step of ε moves KL₀ by ~0.2 %).
        for (factor, side) in [(Float(0.9), "KL₀ above λ"), (1.1, "KL₀ below λ")] {
            let result = gradientCheck(name: "freeBitsKL, \(side)", inputs: [("mu", mu), ("logVar", logVar)]) { t in
                let r = freeBitsKL(mu: t[0], logVar: t[1], lambda: kl0 * factor)
                return (r.loss, [r.dMu, r.dLogVar])
            }
            #expect(result.passed && result.tensors.allSatisfy { $0.skippedCount == 0 }, "\(result)")
        }
    }

    @Test("gaussianNLL backward matches central differences in the means and in log σ²", arguments: [-3.0 as Float, -0.7, 0.4])
    func gaussianNLLGradient(logVariance: Float) {
        var g = SeededGenerator(seed: 5)
        let input = Tensor.randomUniform([3, 4], using: &g), target = Tensor.randomUniform([3, 4], using: &g)
        let result = gradientCheck(name: "gaussianNLL(log σ² = \(logVariance))",
                                   inputs: [("input", input), ("logVariance", Tensor(shape: [1], scalars: [logVariance]))]) { t in
            let r = gaussianNLL(t[0], target, logVariance: t[1].scalars[0], reduction: .batchMean)
            return (r.loss, [r.gradient, Tensor(shape: [1], scalars: [r.dLogVariance])])
        }
        #expect(result.passed, "\(result)")
        // −log N(x; x̂, σ²) summed, per image, against a direct formula.
        var direct = 0.0
        for i in 0..<12 {
            let d = Double(input.scalars[i] - target.scalars[i])
            direct += 0.5 * (Foundation.log(2 * Double.pi) + Double(logVariance) + d * d / Foundation.exp(Double(logVariance)))
        }
        #expect(Swift.abs(Double(gaussianNLL(input, target, logVariance: logVariance).loss) - direct / 3) < 1e-5 * Swift.abs(direct))
    }

    @Test("The optimal shared σ² is the mean squared error: ∂NLL/∂log σ² vanishes there and nowhere near it")
    func optimalVariance() {
        var g = SeededGenerator(seed: 6)
        let input = Tensor.randomUniform([4, 10], using: &g), target = Tensor.randomUniform([4, 10], using: &g)
        let best = optimalLogVariance(input, target)
        #expect(Swift.abs(Foundation.exp(Double(best)) - Double(mse(input, target, reduction: .mean).loss)) < 1e-6)
        #expect(Swift.abs(gaussianNLL(input, target, logVariance: best).dLogVariance) < 1e-4)
        for offset in [-0.3 as Float, 0.3] {
            #expect(Swift.abs(gaussianNLL(input, target, logVariance: best + offset).dLogVariance) > 0.5)
            #expect(gaussianNLL(input, target, logVariance: best + offset).loss > gaussianNLL(input, target, logVariance: best).loss)
        }
    }

    @Test("KL schedules: warm-up rises linearly to 1 and stays; cyclical repeats a ramp then a plateau")
    func schedules() {
        let warm = KLSchedule.warmUp(steps: 100)
        #expect([0, 50, 100, 1000].map(warm.beta(atStep:)) == [0, 0.5, 1, 1])
        let cycle = KLSchedule.cyclical(period: 100, rampFraction: 0.5)
        #expect([0, 25, 50, 99, 100, 125, 250].map(cycle.beta(atStep:)) == [0, 0.5, 1, 1, 0, 0.5, 1])
        #expect(KLSchedule.constant(4).beta(atStep: 12345) == 4)
    }
}

/// The loss `remedyStep` (chapter 5's step, not a copy) reports, in Double.
private func remedyLoss(_ model: VAE, x: Tensor, eps: Tensor, objective: RemedyObjective, beta: Float) -> Double {
    Double(remedyStep(model, x: x, eps: eps, objective: objective, beta: beta).loss)
}

/// Worst relative error between `analytic` and central differences of the step's loss on every weight of `layer`.
private func worstError(_ model: VAE, layer: Linear, x: Tensor, eps: Tensor, objective: RemedyObjective, beta: Float, analytic: Tensor) -> Double {
    let h: Float = 1e-2
    var worst = 0.0
    for i in 0..<layer.weight.value.count {
        let original = layer.weight.value.scalars[i]
        layer.weight.value.scalars[i] = original + h
        let plus = remedyLoss(model, x: x, eps: eps, objective: objective, beta: beta)
        layer.weight.value.scalars[i] = original - h
        let minus = remedyLoss(model, x: x, eps: eps, objective: objective, beta: beta)
        layer.weight.value.scalars[i] = original
        let numeric = (plus - minus) / Double(2 * h)
        worst = Swift.max(worst, Swift.abs(numeric - Double(analytic.scalars[i])) / (1e-2 + Swift.abs(numeric)))
    }
    return worst
}

/// A tiny dense VAE on 3×3 images (binary for Bernoulli), a batch of 6 and its noise.
private func tinyVAE(_ likelihood: VAELikelihood, seed: UInt64) -> (VAE, Tensor, Tensor) {
    var g = SeededGenerator(seed: seed)
    let model = VAE.dense(inputs: [1, 3, 3], hidden: 6, latent: 3, likelihood: likelihood, using: &g)
    var x = Tensor.randomUniform([6, 1, 3, 3], using: &g)
    if likelihood == .bce { x = x.map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 }) }
    return (model, x, Tensor.randomNormal([6, 3], using: &g))
}

/// A free-bits λ halfway across the widest gap between the step's KLⱼ, so no perturbation crosses a kink.
private func lambdaAwayFromKinks(_ model: VAE, _ x: Tensor) -> Float {
    let (mu, logVar) = model.encoder.forward(x).splitColumns(model.latentDimension)
    let kl = freeBitsKL(mu: mu, logVar: logVar, lambda: 0).perDimension.sorted()
    var best: (width: Float, middle: Float) = (0, 0)
    for j in 1..<kl.count where kl[j] - kl[j - 1] > best.width {
        best = (kl[j] - kl[j - 1], (kl[j] + kl[j - 1]) / 2)
    }
    return best.middle
}

struct RemedyCase: Sendable, CustomTestStringConvertible {
    let name: String, likelihood: VAELikelihood, decoder: RemedyObjective.Decoder, freeBits: Bool, beta: Float
    var testDescription: String { name }
    static let all = [
        RemedyCase(name: "Bernoulli, β = 1 (the ELBO)", likelihood: .bce, decoder: .bernoulli, freeBits: false, beta: 1),
        RemedyCase(name: "Bernoulli, β = 0.3 (a warm-up step)", likelihood: .bce, decoder: .bernoulli, freeBits: false, beta: 0.3),
        RemedyCase(name: "Bernoulli, free bits", likelihood: .bce, decoder: .bernoulli, freeBits: true, beta: 1),
        RemedyCase(name: "Gaussian σ² = 0.5, β = 4", likelihood: .mse, decoder: .gaussian(variance: 0.5), freeBits: false, beta: 4),
        RemedyCase(name: "learned σ² (σ-VAE)", likelihood: .mse, decoder: .learnedVariance, freeBits: false, beta: 1),
        RemedyCase(name: "learned σ² with free bits", likelihood: .mse, decoder: .learnedVariance, freeBits: true, beta: 1),
    ]
}

@Suite("remedyStep: chapter 5's step against central differences")
struct RemedyStepTests {
    @Test("remedyStep's gradients in the encoder's head and the decoder's first layer match central differences",
          arguments: RemedyCase.all)
    func gradients(_ c: RemedyCase) throws {
        let (model, x, eps) = tinyVAE(c.likelihood, seed: 7)
        let objective = RemedyObjective(decoder: c.decoder, freeBits: c.freeBits ? lambdaAwayFromKinks(model, x) : nil)
        model.zeroGrad()
        let terms = remedyStep(model, x: x, eps: eps, objective: objective, beta: c.beta)
        if c.freeBits { #expect(terms.klCharged > terms.kl, "some dimension should sit below λ") }
        let layers = [try #require(model.encoder.layers.last as? Linear), try #require(model.decoder.layers.first as? Linear)]
        let analytic = layers.map(\.weight.grad)  // before the perturbed calls add more gradient
        for (layer, gradient) in zip(layers, analytic) {
            let worst = worstError(model, layer: layer, x: x, eps: eps, objective: objective, beta: c.beta, analytic: gradient)
            #expect(worst < 1e-2, "\(c.name), \(layer): worst relative error \(worst)")
        }
    }

    @Test("The check rejects the gradient of a fixed σ² for the learned-σ² loss (σ² = 2 × the optimum)")
    func fixedVarianceIsNotLearned() throws {
        let (model, x, eps) = tinyVAE(.mse, seed: 7)
        let (mu, logVar): (Tensor, Tensor) = model.encoder.forward(x).splitColumns(3)
        let z: Tensor = mu + exp(0.5 * logVar) * eps
        let xHat = model.decoder.forward(z)
        let twice: Float = 2 * Foundation.exp(optimalLogVariance(xHat, x))
        model.zeroGrad()
        remedyStep(model, x: x, eps: eps, objective: RemedyObjective(decoder: .gaussian(variance: twice)), beta: 1)
        let layer = try #require(model.decoder.layers.first as? Linear)
        let worst = worstError(model, layer: layer, x: x, eps: eps, objective: RemedyObjective(decoder: .learnedVariance), beta: 1,
                               analytic: layer.weight.grad)
        #expect(worst > 0.3, "a σ² off by 2× should be caught; worst relative error only \(worst)")
    }
}
