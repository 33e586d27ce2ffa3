import Foundation
import Testing
import Latent
@testable import LatentModels

/// A tiny Burda-style VAE (tanh) on 3×3 binary images: the model, a batch of `n` images and k·n noise rows.
private func tinyIWAE(seed: UInt64, n: Int = 3, k: Int) -> (VAE, Tensor, Tensor) {
    var g = SeededGenerator(seed: seed)
    let model = VAE.burda(inputs: [1, 3, 3], hidden: 6, latent: 3, using: &g)
    // Spread the weights so the k importance weights differ clearly (Glorot's start is nearly linear).
    for p in model.parameters { p.value = p.value * 2 }
    let x = Tensor.randomUniform([n, 1, 3, 3], using: &g).map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })
    return (model, x, Tensor.randomNormal([n * k, 3], using: &g))
}

/// The loss `iwaeStep` (the chapter's step, not a copy) computes, as a Double.
private func iwaeLoss(_ model: VAE, x: Tensor, eps: Tensor, k: Int) -> Double {
    Double(iwaeStep(model, x: x, eps: eps, samples: k).loss)
}

/// The worst relative error between `analytic` (the gradient of `weight`) and central differences of the
/// IWAE loss on each of its entries; floor: 1 % of the largest numeric gradient.
private func worstError(_ model: VAE, _ weight: Parameter, analytic: Tensor, x: Tensor, eps: Tensor, k: Int) -> Double {
    let h: Float = 1e-2
    var numeric: [Double] = []
    for i in 0..<weight.value.count {
        let original = weight.value.scalars[i]
        weight.value.scalars[i] = original + h
        let plus = iwaeLoss(model, x: x, eps: eps, k: k)
        weight.value.scalars[i] = original - h
        let minus = iwaeLoss(model, x: x, eps: eps, k: k)
        weight.value.scalars[i] = original
        numeric.append((plus - minus) / Double(2 * h))
    }
    let floor = 1e-2 * (numeric.map { Swift.abs($0) }.max() ?? 0)
    return zip(numeric, analytic.scalars).map { n, a in Swift.abs(n - Double(a)) / (floor + Swift.abs(n)) }.max() ?? 0
}

/// The encoder's head (→ μ, log σ²) and the decoder's output layer.
private func heads(_ model: VAE) throws -> (encoder: Linear, decoder: Linear) {
    (try #require(model.encoder.layers.last as? Linear), try #require(model.decoder.layers.dropLast().last as? Linear))
}

/// The ELBO step with the KL estimated from the same sample, log q(z|x) − log p(z) = ½ Σ (z² − ε² − log σ²),
/// through `vaeStep`'s general form (its own z = μ + σ·ε; only the KL closure is written here).
@discardableResult
private func sampledKLStep(_ model: VAE, x: Tensor, eps: Tensor) -> (loss: Double, terms: VAEStepTerms) {
    let terms = vaeStep(model, x: x, eps: eps, beta: 1,
                        reconstruction: { binaryCrossEntropyWithLogits($0, x, reduction: .sum) },
                        kl: { mu, logVar in
                            let std = exp(0.5 * logVar), z = mu + std * eps
                            let kl = 0.5 * (z * z - eps * eps - logVar)
                            // ∂/∂μ = z;  ∂/∂log σ² = z·ε·½σ − ½ (z moves with log σ², ε does not)
                            return (kl.sum(), z, z * eps * 0.5 * std - 0.5)
                        })
    return (Double(terms.reconstruction) + Double(terms.kl), terms)
}

@Suite("IWAE: the importance-weighted bound, its gradient and its estimator")
struct IWAETests {
    @Test("iwaeStep's gradients (encoder head through z = μ + σ·ε, decoder output through the weights) match central differences",
          arguments: [(1, UInt64(3)), (4, UInt64(4)), (16, UInt64(5))])
    func gradientCheck(k: Int, seed: UInt64) throws {
        let (model, x, eps) = tinyIWAE(seed: seed, k: k)
        model.zeroGrad()
        let terms = iwaeStep(model, x: x, eps: eps, samples: k)
        // The weights are not all alike: the self-normalization is exercised.
        if k > 1 { #expect((terms.weights.max() ?? 0) > 1.5 / Double(k), "weights \(terms.weights)") }
        let (encoderHead, decoderOut) = try heads(model)
        let (dEncoder, dDecoder) = (encoderHead.weight.grad, decoderOut.weight.grad)
        let worstEncoder = worstError(model, encoderHead.weight, analytic: dEncoder, x: x, eps: eps, k: k)
        let worstDecoder = worstError(model, decoderOut.weight, analytic: dDecoder, x: x, eps: eps, k: k)
        #expect(worstEncoder < 2e-2, "encoder head: worst relative error \(worstEncoder)")
        #expect(worstDecoder < 2e-2, "decoder output: worst relative error \(worstDecoder)")
    }

    @Test("The same check rejects the k-sample ELBO's gradient (uniform weights 1/k instead of the self-normalized w̃)")
    func uniformWeightsAreCaught() throws {
        let k = 8
        let (model, x, eps) = tinyIWAE(seed: 4, k: k)
        // Each image repeated k times through the one-sample step: Σ over the k samples of the ELBO gradient.
        let xk = x.repeatingRows(k)
        model.zeroGrad()
        sampledKLStep(model, x: xk, eps: eps)
        let (encoderHead, decoderOut) = try heads(model)
        let (dEncoder, dDecoder) = (encoderHead.weight.grad / Float(k), decoderOut.weight.grad / Float(k))
        let worstEncoder = worstError(model, encoderHead.weight, analytic: dEncoder, x: x, eps: eps, k: k)
        let worstDecoder = worstError(model, decoderOut.weight, analytic: dDecoder, x: x, eps: eps, k: k)
        #expect(max(worstEncoder, worstDecoder) > 0.2, "the uniform-weight gradient passed: \(worstEncoder), \(worstDecoder)")
    }

    @Test("k = 1 is the ELBO step with a sampled KL: the same loss and gradients as vaeStep, to rounding")
    func oneSampleIsTheELBOStep() throws {
        let (model, x, eps) = tinyIWAE(seed: 6, n: 5, k: 1)
        model.zeroGrad()
        let iwae = iwaeStep(model, x: x, eps: eps, samples: 1)
        let iwaeGrads = model.parameters.map(\.grad)
        model.zeroGrad()
        let (elboLoss, elbo) = sampledKLStep(model, x: x, eps: eps)
        #expect(Swift.abs(Double(iwae.loss) - elboLoss) < 1e-5 * Swift.abs(elboLoss), "IWAE k=1 \(iwae.loss), ELBO \(elboLoss)")
        #expect(iwae.weights == [Double](repeating: 1, count: 5))
        for (name, (a, b)) in zip(model.namedParameters.map(\.name), zip(iwaeGrads, model.parameters.map(\.grad))) {
            let worst = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) / (Swift.abs($1) + 1e-3) }.max() ?? 0
            #expect(worst < 1e-5, "\(name): worst relative difference \(worst)")
        }
        let worst = zip(iwae.dEncoderOutput.scalars, elbo.dEncoderOutput.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "∂loss/∂(μ, log σ²) differs by \(worst)")
        // Negative control: the closed-form KL (chapter 3's vaeStep) is a different estimate of the same term.
        let closedForm = vaeStep(model, x: x, eps: eps, objective: .elbo(.bce))
        #expect(Swift.abs(Double(closedForm.reconstruction + closedForm.kl) - elboLoss) > 1e-2)
    }

    @Test("The k-sample bound is above the mean of its k one-sample ELBOs on the same ε, and rises with k on average")
    func boundIsTighter() throws {
        let k = 6
        let (model, x, eps) = tinyIWAE(seed: 7, n: 4, k: k)
        let bound = -Double(iwaeStep(model, x: x, eps: eps, samples: k).loss)
        // The same samples one at a time: image n's i-th ε is row n·k + i.
        var elbos = 0.0
        for i in 0..<k {
            var rows: [Float] = []
            for n in 0..<4 {
                let start: Int = (n * k + i) * 3
                rows += eps.scalars[start ..< start + 3]
            }
            elbos -= Double(iwaeStep(model, x: x, eps: Tensor(shape: [4, 3], scalars: rows), samples: 1).loss)
        }
        elbos /= Double(k)
        #expect(bound > elbos + 0.1, "k-sample bound \(bound), mean one-sample ELBO \(elbos)")  // Jensen, strict: weights differ
        // On average over many images and draws, L₁ < L₅ < L₅₀ (Burda et al., Theorem 1).
        var g = SeededGenerator(seed: 70)
        let many = Tensor.randomUniform([64, 1, 3, 3], using: &g).map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })
        let means = [1, 5, 50].map { k in
            -Double(iwaeStep(model, x: many, eps: Tensor.randomNormal([64 * k, 3], using: &g), samples: k).loss) / 64
        }
        #expect(means[0] < means[1] && means[1] < means[2], "bounds for k = 1, 5, 50: \(means)")
    }

    @Test("The training bound equals the evaluation's importance-weighted log p(x) on the same draws")
    func trainingBoundMatchesEstimator() throws {
        let k = 10
        let (model, x, _) = tinyIWAE(seed: 8, n: 4, k: k)
        var g1 = SeededGenerator(seed: 123), g2 = SeededGenerator(seed: 123)
        // Both draw ε image by image, sample by sample, dimension by dimension.
        let eps = Tensor.randomNormal([4 * k, 3], using: &g1)
        let bound = -Double(iwaeStep(model, x: x, eps: eps, samples: k).loss)
        let estimates = model.importanceWeightedLogLikelihood(images: x, samples: k, using: &g2)
        let total = estimates.reduce(0, +)
        #expect(Swift.abs(bound - total) < 1e-4 * Swift.abs(total), "training bound \(bound), estimator \(total)")
        // Negative control: a different draw gives a different value.
        var g3 = SeededGenerator(seed: 124)
        let other = model.importanceWeightedLogLikelihood(images: x, samples: k, using: &g3).reduce(0, +)
        #expect(Swift.abs(other - total) > 1e-3)
    }

    @Test("iwaeStep matches PyTorch autograd in float64 (log q by torch.distributions.Normal)", arguments: [1, 4])
    func pytorchParity(k: Int) throws {
        let f = try FixtureFile(contentsOf: pytorchFixtures.appendingPathComponent("models/iwae_step_k\(k).safetensors").path)
        var g = SeededGenerator(seed: 0)
        let model = VAE.burda(inputs: [1, 3, 4], hidden: 5, latent: 3, using: &g)
        for (name, parameter) in model.namedParameters { parameter.value = try f.tensor("param." + name) }
        model.zeroGrad()
        let terms = iwaeStep(model, x: try f.tensor("x"), eps: try f.tensor("eps"), samples: k)
        let expected = try f.tensor("loss").item
        #expect(Swift.abs(terms.loss - expected) <= 1e-5 * Swift.abs(expected), "loss \(terms.loss), PyTorch \(expected)")
        let logWeights = try f.tensor("log_weights").scalars
        let worstLogWeight = zip(terms.logWeights, logWeights).map { Swift.abs($0 - Double($1)) / (Swift.abs(Double($1)) + 1e-3) }.max() ?? 1
        #expect(worstLogWeight < 1e-5, "log weights: worst relative difference \(worstLogWeight)")
        for (name, parameter) in model.namedParameters {
            let reference = try f.tensor("grad." + name)
            let worst = zip(parameter.grad.scalars, reference.scalars).map { Swift.abs($0 - $1) / (Swift.abs($1) + 1e-3) }.max() ?? 1
            #expect(worst < 1e-4, "\(name): worst relative difference \(worst)")
        }
    }

    @Test("Burda et al.'s model: shapes, Glorot-uniform weights, zero biases, the output bias at logit(mean)")
    func burdaModel() throws {
        var g = SeededGenerator(seed: 1)
        let model = VAE.burda(using: &g)
        #expect(model.encoder.forward(Tensor.zeros([2, 1, 28, 28])).shape == [2, 100])
        #expect(model.decoder.forward(Tensor.zeros([3, 50])).shape == [3, 1, 28, 28])
        #expect(model.parameters.map(\.value.count).reduce(0, +) == 425_284)
        let first = try #require(model.encoder.layers[1] as? Linear)
        let bound = (6 / Float(784 + 200)).squareRoot()
        #expect(first.weight.value.max() <= bound && first.weight.value.max() > 0.9 * bound)
        #expect(first.bias?.value.scalars.allSatisfy { $0 == 0 } == true)
        model.setOutputBias(toLogitOf: (0..<784).map { $0 == 0 ? 0 : ($0 == 1 ? 1 : 0.25) })
        let bias = try #require(try heads(model).decoder.bias?.value.scalars)
        #expect(Swift.abs(bias[0] - logf(0.001 / 0.999)) < 1e-4 && Swift.abs(bias[1] - logf(0.999 / 0.001)) < 1e-4)
        #expect(Swift.abs(bias[2] - logf(1.0 / 3.0)) < 1e-6)
    }
}
