import Foundation
import Testing
import Latent
import LatentModels

/// The chapter's VAE step (ARCHITECTURE.md §4), as a function of the encoder output, so the
/// reparameterization gradient can be checked against central differences.
private func vaeLoss(model: VAE, x: Tensor, eps: Tensor, beta: Float) -> (loss: Double, dEncoderOutput: Tensor) {
    let zDim = model.latentDimension
    let (mu, logVar) = model.encoder.forward(x).splitColumns(zDim)
    let std = exp(0.5 * logVar)
    let z = mu + std * eps
    let xHat = model.decoder.forward(z)
    let (rec, dXHat) = model.likelihood == .bce
        ? binaryCrossEntropyWithLogits(xHat, x, reduction: .sum)
        : mse(xHat, x, reduction: .sum)
    let (kl, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .sum)
    let dZ = model.decoder.backward(dXHat)
    let dOut = concatColumns(dZ + beta * dMu, dZ * eps * 0.5 * std + beta * dLogVar)
    _ = model.encoder.backward(dOut)
    return (Double(rec) + Double(beta) * Double(kl), dOut)
}

@Suite("VAE models and the reparameterization gradient")
struct VAETests {
    @Test("Each model maps images to 2·z encoder outputs and codes back to images",
          arguments: ["dense", "conv", "celeba"])
    func shapes(kind: String) {
        var g = SeededGenerator(seed: 1)
        let model: VAE = switch kind {
        case "dense": .dense(latent: 5, using: &g)
        case "conv": .conv(latent: 6, using: &g)
        default: .celeba(filters: 4, latent: 7, using: &g)
        }
        let x = Tensor.randomUniform([2] + model.imageShape, using: &g)
        let out = model.encoder.forward(x)
        #expect(out.shape == [2, 2 * model.latentDimension])
        let xHat = model.decoder.forward(Tensor.randomNormal([3, model.latentDimension], using: &g))
        #expect(xHat.shape == [3] + model.imageShape)
    }

    @Test("∂loss/∂(μ, log σ²) through z = μ + σ·ε matches central differences",
          arguments: [(VAELikelihood.bce, Float(1)), (.mse, 1), (.mse, 0.25), (.bce, 0)])
    func reparameterizationGradient(likelihood: VAELikelihood, beta: Float) throws {
        var g = SeededGenerator(seed: 7)
        let model = VAE.dense(inputs: [1, 3, 3], hidden: 6, latent: 3, likelihood: likelihood, using: &g)
        var x = Tensor.randomUniform([4, 1, 3, 3], using: &g)
        if likelihood == .bce { x = x.map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 }) }
        let eps = Tensor.randomNormal([4, 3], using: &g)
        // Analytic gradient w.r.t. the encoder's last Linear (its output is (μ, log σ²)).
        model.zeroGrad()
        _ = vaeLoss(model: model, x: x, eps: eps, beta: beta)
        let head = try #require(model.encoder.layers.last as? Linear)
        let analytic = head.weight.grad
        // Central differences on every weight of that layer.
        let h: Float = 1e-2
        var worst = 0.0
        for i in 0..<head.weight.value.count {
            let original = head.weight.value.scalars[i]
            head.weight.value.scalars[i] = original + h
            let plus = vaeLoss(model: model, x: x, eps: eps, beta: beta).loss
            head.weight.value.scalars[i] = original - h
            let minus = vaeLoss(model: model, x: x, eps: eps, beta: beta).loss
            head.weight.value.scalars[i] = original
            let numeric = (plus - minus) / Double(2 * h)
            let error = Swift.abs(numeric - Double(analytic.scalars[i])) / (1e-2 + Swift.abs(numeric))
            worst = Swift.max(worst, error)
        }
        #expect(worst < 2e-2, "worst relative error \(worst)")
    }

    @Test("A wrong sign in the log σ² gradient is caught by the same check")
    func wrongGradientIsCaught() {
        var g = SeededGenerator(seed: 8)
        let model = VAE.dense(inputs: [1, 3, 3], hidden: 6, latent: 3, likelihood: .mse, using: &g)
        let x = Tensor.randomUniform([4, 1, 3, 3], using: &g)
        let eps = Tensor.randomNormal([4, 3], using: &g)
        let (_, dOut) = vaeLoss(model: model, x: x, eps: eps, beta: 1)
        let (_, dLogVar) = dOut.splitColumns(3)
        // Numeric ∂loss/∂log σ² of element 0, by perturbing the encoder output directly.
        let out = model.encoder.forward(x)
        func loss(_ o: Tensor) -> Double {
            let (mu, logVar) = o.splitColumns(3)
            let z = mu + exp(0.5 * logVar) * eps
            return Double(mse(model.decoder.forward(z), x, reduction: .sum).loss)
                + Double(gaussianKL(mu: mu, logVar: logVar, reduction: .sum).loss)
        }
        var plus = out, minus = out
        plus.scalars[3] += 1e-2
        minus.scalars[3] -= 1e-2
        let numeric = (loss(plus) - loss(minus)) / 2e-2
        #expect(Swift.abs(numeric - Double(dLogVar.scalars[0])) < 1e-2 * (1 + Swift.abs(numeric)))
        #expect(Swift.abs(numeric - Double(-dLogVar.scalars[0])) > 1e-2 * (1 + Swift.abs(numeric))
                || Swift.abs(numeric) < 1e-3)
    }

    @Test("logSumExp is exact on small values and finite on huge ones")
    func logSumExpStable() {
        let values = [0.5, -1.25, 2.0]
        let direct = Foundation.log(values.map { Foundation.exp($0) }.reduce(0, +))
        #expect(Swift.abs(logSumExp(values) - direct) < 1e-12)
        #expect(Swift.abs(logSumExp([-1000, -1000]) - (-1000 + Foundation.log(2.0))) < 1e-9)
        #expect(Swift.abs(logSumExp([800, 800]) - (800 + Foundation.log(2.0))) < 1e-9)
    }

    @Test("The importance-weighted log p(x) rises with K above the ELBO, and K = 1 estimates the ELBO")
    func importanceWeightedBound() {
        var g = SeededGenerator(seed: 3)
        let model = VAE.dense(inputs: [1, 4, 4], hidden: 8, latent: 2, likelihood: .bce, using: &g)
        let x = Tensor.randomUniform([40, 1, 4, 4], using: &g).map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })
        var g1 = SeededGenerator(seed: 11), g2 = SeededGenerator(seed: 12), g3 = SeededGenerator(seed: 13)
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        let k1 = mean(model.importanceWeightedLogLikelihood(images: x, samples: 1, using: &g1))
        let k200 = mean(model.importanceWeightedLogLikelihood(images: x, samples: 200, using: &g2))
        var elboSum = 0.0
        for _ in 0..<50 { elboSum += model.evaluateELBO(images: x, using: &g3).elbo }
        let elbo = elboSum / 50
        #expect(k200 > elbo)
        #expect(k200 > k1)
        #expect(Swift.abs(k1 - elbo) < 0.05 * Swift.abs(elbo), "K=1 \(k1) vs ELBO \(elbo)")
    }

    @Test("Normal quantiles match known values", arguments: [(0.5, 0.0), (0.975, 1.959963984540054), (0.1, -1.2815515655446004)])
    func quantiles(p: Double, expected: Double) {
        #expect(Swift.abs(normalQuantile(p) - expected) < 1e-9)
    }

    @Test("Active units count the latent dimensions whose mean moves with the input")
    func activeUnitCount() {
        var g = SeededGenerator(seed: 5)
        // Column 0 varies with variance ≈ 1, column 1 ≈ 1e-4, column 2 constant.
        var scalars: [Float] = []
        for _ in 0..<500 { scalars += [g.nextNormal(), 0.01 * g.nextNormal(), 3] }
        let (variances, active) = activeUnits(mu: Tensor(shape: [500, 3], scalars: scalars))
        #expect(active == 1)
        #expect(variances[0] > 0.8 && variances[0] < 1.2)
        #expect(variances[2] < 1e-6)
    }

    @Test("The attribute vector is the difference of the two groups' mean codes")
    func attributeDirection() {
        let codes = Tensor(shape: [4, 2], scalars: [1, 0, 3, 2, 0, 0, 0, 4])
        let direction = LatentCodes.attributeDirection(codes: codes, has: [true, true, false, false])
        #expect(direction.scalars == [2, -1])
        let stepped = LatentCodes.along(direction, from: Tensor(shape: [2], scalars: [0, 0]), steps: [0, 0.5, 1])
        #expect(stepped.scalars == [0, 0, 1, -0.5, 2, -1])
    }

    @Test("Traversals change one coordinate per row; interpolations hit both ends")
    func traversalAndInterpolation() {
        let base = Tensor(shape: [3], scalars: [0.5, -1, 2])
        let codes = LatentCodes.traversal(base: base, dimensions: [2, 0], values: [-3, 3])
        #expect(codes.shape == [4, 3])
        #expect(codes.scalars == [0.5, -1, -3, 0.5, -1, 3, -3, -1, 2, 3, -1, 2])
        let line = LatentCodes.interpolation(from: base, to: Tensor(shape: [3], scalars: [1, 1, 1]), steps: 5)
        #expect(Array(line.scalars.prefix(3)) == base.scalars)
        #expect(Array(line.scalars.suffix(3)) == [1, 1, 1])
        let grid = LatentCodes.manifold(side: 3)
        #expect(grid.shape == [9, 2])
        #expect(Swift.abs(grid.scalars[8]) < 1e-6 && Swift.abs(grid.scalars[9]) < 1e-6)  // the centre cell is the prior's median
    }

    @Test("The NaN guard names the first layer whose output is not finite")
    func nonFiniteLayer() {
        var g = SeededGenerator(seed: 2)
        let model = VAE.dense(inputs: [1, 2, 2], hidden: 3, latent: 2, using: &g)
        let x = Tensor.randomUniform([2, 1, 2, 2], using: &g)
        #expect(firstNonFiniteLayer(in: model.encoder, input: x) == nil)
        let linear = model.encoder.layers[1] as! Linear
        linear.weight.value.scalars[0] = .nan
        #expect(firstNonFiniteLayer(in: model.encoder, input: x)?.index == 1)
    }
}
