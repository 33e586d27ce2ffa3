import Foundation
import Testing
import Latent
import LatentModels

/// The loss `vaeStep` (chapters 3 and 4's step, not a copy) computes, as a Double: rec + β·kl.
private func stepLoss(_ model: VAE, x: Tensor, eps: Tensor, objective: VAEObjective) -> Double {
    let terms = vaeStep(model, x: x, eps: eps, objective: objective)
    return Double(terms.reconstruction) + Double(objective.beta) * Double(terms.kl)
}

/// The worst relative error between `analytic`, the gradient of the encoder's last Linear weights, and
/// central differences of the step's loss on each of those weights.
private func worstError(_ model: VAE, x: Tensor, eps: Tensor, objective: VAEObjective, analytic: Tensor) throws -> Double {
    let head = try #require(model.encoder.layers.last as? Linear)
    let h: Float = 1e-2
    var numeric: [Double] = []
    for i in 0..<head.weight.value.count {
        let original = head.weight.value.scalars[i]
        head.weight.value.scalars[i] = original + h
        let plus = stepLoss(model, x: x, eps: eps, objective: objective)
        head.weight.value.scalars[i] = original - h
        let minus = stepLoss(model, x: x, eps: eps, objective: objective)
        head.weight.value.scalars[i] = original
        numeric.append((plus - minus) / Double(2 * h))
    }
    // Relative error, with a floor of 1 % of the largest gradient (the losses differ in scale by 10⁴:
    // summed nats against per-pixel means), so near-zero entries do not dominate.
    let floor = 1e-2 * (numeric.map { Swift.abs($0) }.max() ?? 0)
    return zip(numeric, analytic.scalars).map { n, a in Swift.abs(n - Double(a)) / (floor + Swift.abs(n)) }.max() ?? 0
}

/// A tiny dense VAE on 3×3 images, a batch of 4 and its noise ε.
private func tinyVAE(_ likelihood: VAELikelihood, seed: UInt64) -> (VAE, Tensor, Tensor) {
    var g = SeededGenerator(seed: seed)
    let model = VAE.dense(inputs: [1, 3, 3], hidden: 6, latent: 3, likelihood: likelihood, using: &g)
    var x = Tensor.randomUniform([4, 1, 3, 3], using: &g)
    if likelihood == .bce { x = x.map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 }) }
    return (model, x, Tensor.randomNormal([4, 3], using: &g))
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

    @Test("reconstructionMSE a batch at a time is mse over all the reconstructions, bit for bit",
          arguments: [(VAELikelihood.mse, 16), (.mse, 256), (.bce, 48)])
    func reconstructionMSEInBatches(likelihood: VAELikelihood, batch: Int) {
        var g = SeededGenerator(seed: 5)
        // 5×5 images (25 pixels, not a multiple of 16), 1,000 of them (several of the sum's flushes into
        // Double, which fall inside batches), the last batch ending in a tail; pixels of mixed sizes, so
        // that a sum in another order shows in the last bit.
        let model = VAE.dense(inputs: [1, 5, 5], hidden: 12, latent: 3, likelihood: likelihood, using: &g)
        let images = 3 * Tensor.randomNormal([1000, 1, 5, 5], using: &g)
        let whole = Double(mse(model.reconstruct(images), images, reduction: .mean).loss)
        #expect(model.reconstructionMSE(images: images, batch: batch) == whole)
        #expect(model.isTraining, "evaluation mode is left again")
    }

    @Test("vaeStep's ∂loss/∂(μ, log σ²) through z = μ + σ·ε matches central differences",
          arguments: [(VAEObjective.elbo(.bce), UInt64(7)), (VAEObjective.elbo(.mse), UInt64(7)), (VAEObjective.betaVAE(beta: 0.25), UInt64(7)),
                      (VAEObjective.betaVAE(beta: 4), UInt64(9)), (VAEObjective(likelihood: .bce, reconstruction: .sum, kl: .sum, beta: 0), UInt64(7))])
    func reparameterizationGradient(objective: VAEObjective, seed: UInt64) throws {
        let (model, x, eps) = tinyVAE(objective.likelihood, seed: seed)
        model.zeroGrad()
        vaeStep(model, x: x, eps: eps, objective: objective)
        let analytic = try #require(model.encoder.layers.last as? Linear).weight.grad
        let worst = try worstError(model, x: x, eps: eps, objective: objective, analytic: analytic)
        #expect(worst < 2e-2, "worst relative error \(worst)")
    }

    @Test("The same check fails when the ½σε term's sign is flipped (the gradient the step would give with that slip)")
    func wrongGradientIsCaught() throws {
        let objective = VAEObjective.elbo(.mse)
        let (model, x, eps) = tinyVAE(.mse, seed: 8)
        model.zeroGrad()
        let terms = vaeStep(model, x: x, eps: eps, objective: objective)
        // The slip: ∂L/∂log σ² = −∂L/∂z·ε·½σ + ∂KL/∂log σ². Rebuild what the step sends the encoder with it.
        let (mu, logVar) = model.encoder.forward(x).splitColumns(3)
        let (_, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .sum)
        let (dMuTotal, dLogVarTotal) = terms.dEncoderOutput.splitColumns(3)
        let dZ = dMuTotal - dMu
        let halfSigmaEps = dLogVarTotal - dLogVar  // = ∂L/∂z · ε · ½σ
        #expect(Comparison(halfSigmaEps, dZ * eps * 0.5 * exp(0.5 * logVar)).isWithin(1e-5))
        model.zeroGrad()
        _ = model.encoder.backward(concatColumns(dZ + dMu, (0 - halfSigmaEps) + dLogVar))
        let wrong = try #require(model.encoder.layers.last as? Linear).weight.grad
        let worst = try worstError(model, x: x, eps: eps, objective: objective, analytic: wrong)
        #expect(worst > 0.1, "a flipped ½σε term should be caught; worst relative error only \(worst)")
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
        #expect(model.firstNonFiniteOutput(input: x) == nil)
        let linear = model.encoder.layers[1] as! Linear
        linear.weight.value.scalars[0] = .nan
        #expect(model.encoder.firstNonFiniteLayer(input: x).bad?.index == 1)
        #expect(model.nonFiniteCulprit(input: x, fallback: "-") == "parameter encoder.1.weight")
    }
}

/// Whole training steps of the CelebA VAE against PyTorch (`Fixtures/pytorch/models/vae_celeba_steps`):
/// every layer's forward and backward at once, in the shapes training uses (a batch of 32, the last
/// partial batch of 29 of an epoch, then the first 32 images again as the next epoch would), with the
/// kernels' threads, and the state one step leaves to the next (zeroed gradients, BatchNorm's running
/// statistics, Adam's moments and step count). PyTorch computed the reference in float64.
@Suite("Parity — chapter 3's VAE training step", .serialized)
struct VAETrainingParityTests {
    /// The fixture's synthetic images [count, 3, 64, 64] in [-1, 1]: image n (counted from `first`) has the byte
    /// (37n + 101c + 3h² + 7w + hw + (n·w mod 5)) mod 256 at channel c, row h, column w — the formula
    /// make_fixtures.py uses, so the images need not be stored.
    static func images(first: Int, count: Int) -> Tensor {
        var values = [Float](repeating: 0, count: count * 3 * 64 * 64)
        var i = 0
        for n in first..<(first + count) {
            for c in 0..<3 {
                for h in 0..<64 {
                    for w in 0..<64 {
                        let byte = (n * 37 + c * 101 + h * h * 3 + w * 7 + h * w + (n * w) % 5) % 256
                        values[i] = Float(byte) / 127.5 - 1  // PixelRange.minusOneToOne
                        i += 1
                    }
                }
            }
        }
        return Tensor(shape: [count, 3, 64, 64], scalars: values)
    }

    /// The convolutions whose output goes straight into a BatchNorm: their bias cannot change the loss (the
    /// BatchNorm subtracts the batch mean), so its exact gradient is 0 and what Adam does with the rounding
    /// noise left in its place is noise in both frameworks.
    static let biasesBeforeBatchNorm: Set = ["encoder.0.bias", "encoder.3.bias", "encoder.6.bias", "decoder.2.bias", "decoder.5.bias"]

    /// Trains the fixture's model for its three steps as chapter 3 does; returns the losses, the model and
    /// its initial parameters. With `zeroGradients: false` the gradients of one step are left to add up
    /// with the next's (the bug this check exists to catch).
    static func train(_ f: FixtureFile, zeroGradients: Bool = true) throws
        -> (losses: [Float], model: VAE, initial: [String: Tensor], firstGradients: [String: Tensor]) {
        var g = SeededGenerator(seed: 0)
        let model = VAE.celeba(filters: 2, latent: 4, using: &g)
        var initial: [String: Tensor] = [:]
        for (name, parameter) in model.namedParameters {
            parameter.value = try f.tensor("param." + name)
            initial[name] = parameter.value
        }
        for (name, _) in model.namedBuffers where !name.hasSuffix("num_batches_tracked") {
            model.setBuffer(name, to: try f.tensor("buffer." + name))
        }
        let adam = Adam(parameters: model.parameters, lr: 5e-4, betas: (0.5, 0.999), weightDecay: 1e-5)
        var losses: [Float] = []
        var firstGradients: [String: Tensor] = [:]
        var first = 0
        for (k, size) in [32, 29, 32].enumerated() {
            let x = images(first: k < 2 ? first : 0, count: size)
            first += size
            if zeroGradients || k == 0 { adam.zeroGrad() }
            losses.append(Float(stepLoss(model, x: x, eps: try f.tensor("step\(k + 1).eps"), objective: .elbo(.mse))))
            if k == 0 { for (name, parameter) in model.namedParameters { firstGradients[name] = parameter.grad } }
            adam.step()
        }
        return (losses, model, initial, firstGradients)
    }

    @Test("Three steps on batches of 32, 29 and 32 give PyTorch's losses, weights and BatchNorm statistics")
    func threeSteps() throws {
        let f = try loadFixture("models", "vae_celeba_steps")
        let (losses, model, initial, _) = try Self.train(f)
        for (k, loss) in losses.enumerated() {
            let expected = try f.tensor("step\(k + 1).loss").item
            #expect(abs(loss - expected) <= 1e-5 * abs(expected), "step \(k + 1): loss \(loss), PyTorch \(expected)")
        }
        var worst: (name: String, error: Float) = ("", 0)
        for (name, parameter) in model.namedParameters {
            let expected = try f.tensor("final.param." + name)
            let start = try #require(initial[name])
            if Self.biasesBeforeBatchNorm.contains(name) {
                // Noise either way, but bounded: Adam moves a parameter by about lr per step at most (by 1, 1.05
                // and 1.13·lr in its first three steps with β = (0.5, 0.999), whatever the gradients).
                let moved = Comparison(parameter.value, start)
                #expect(moved.maxAbsoluteDifference <= 4 * 5e-4, "\(name) moved by \(moved.maxAbsoluteDifference)")
                continue
            }
            // The update itself, on the scale of an update (lr), not of the weight: 1e-2 of lr leaves room for
            // float32's rounding of weights near 1 (an ulp there is 2.4e-4 of lr); a wrong step is off by ~100 %.
            let update = Comparison(parameter.value - start, expected - start, floor: 5e-4)
            #expect(update.isWithin(1e-2), "\(name) after 3 steps: \(update)")
            if update.worstError > worst.error { worst = (name, update.worstError) }
        }
        for (name, value) in model.namedBuffers where !name.hasSuffix("num_batches_tracked") {
            let comparison = Comparison(value, try f.tensor("final.buffer." + name))
            if name.hasSuffix("running_var") {
                #expect(comparison.isWithin(1e-4), "\(name): \(comparison)")
            } else {
                // The running mean also averages the noisy biases above: the batch means of steps 2 and 3 may
                // differ by 2·lr and 4·lr, so the means by up to 0.1·(0.9·2 + 4)·lr = 2.9e-4.
                #expect(comparison.maxAbsoluteDifference <= 1e-3, "\(name): \(comparison)")
            }
        }
        print("parity vae_celeba_steps: losses \(losses), worst update \(worst.name) \(String(format: "%.1e", worst.error))")
    }

    /// Every parameter's gradient after the first step, against PyTorch's (float64). Adam's update ignores a
    /// constant scale of the gradient, so the comparison of weights after the steps alone would pass a
    /// layer whose backward is off by a factor: this one does not. The floor is 10⁻³ of the tensor's
    /// largest PyTorch gradient.
    static func gradientComparison(_ name: String, _ gradient: Tensor, _ f: FixtureFile) throws -> Comparison {
        let expected = try f.tensor("step1.grad." + name)
        return Comparison(gradient, expected, floor: 1e-3 * (expected.scalars.map { abs($0) }.max() ?? 0))
    }

    @Test("The first step's gradients, every parameter, equal PyTorch's to 1e-2 of their scale")
    func firstStepGradients() throws {
        let f = try loadFixture("models", "vae_celeba_steps")
        let (_, _, _, gradients) = try Self.train(f)
        #expect(gradients.count == 26)
        let largest = try f.names.filter { $0.hasPrefix("step1.grad.") }.map { try f.tensor($0).scalars.map { abs($0) }.max() ?? 0 }.max() ?? 0
        for (name, gradient) in gradients.sorted(by: { $0.key < $1.key }) {
            if Self.biasesBeforeBatchNorm.contains(name) {
                // Exactly 0 (the BatchNorm after it subtracts the batch mean): both frameworks leave the rounding
                // of a sum that cancels, far below any real gradient of this model.
                let worst = gradient.scalars.map { abs($0) }.max() ?? 0
                #expect(worst <= 1e-6 * largest, "\(name): |gradient| up to \(worst), the largest gradient is \(largest)")
                continue
            }
            let comparison = try Self.gradientComparison(name, gradient, f)
            #expect(comparison.isWithin(1e-2), "\(name): \(comparison)")
        }
    }

    @Test("The gradient comparison fails for one layer's gradient off by 2× (which the weights after Adam would not show)")
    func catchesScaledGradient() throws {
        let f = try loadFixture("models", "vae_celeba_steps")
        let (_, _, _, gradients) = try Self.train(f)
        let name = "decoder.0.weight"
        let comparison = try Self.gradientComparison(name, try #require(gradients[name]) * 2, f)
        #expect(!comparison.isWithin(1e-2), "a doubled gradient should be caught: \(comparison)")
    }

    @Test("The same comparison fails when gradients are not zeroed between steps")
    func catchesAccumulatedGradients() throws {
        let f = try loadFixture("models", "vae_celeba_steps")
        let (losses, model, initial, _) = try Self.train(f, zeroGradients: false)
        #expect(abs(losses[2] - (try f.tensor("step3.loss").item)) > 1e-5 * abs(losses[2]))
        let name = "decoder.0.weight"
        let parameter = try #require(model.namedParameters.first { $0.name == name }?.parameter)
        let expected = try f.tensor("final.param." + name), start = try #require(initial[name])
        let update = Comparison(parameter.value - start, expected - start, floor: 5e-4)
        #expect(!update.isWithin(1e-2), "\(name) should be off, is \(update)")
    }
}
