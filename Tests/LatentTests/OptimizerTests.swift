import Testing
@testable import Latent
import LatentModels

/// A plain-loop Adam step in Double, written for clarity: the reference the SIMD kernel is tested against.
private func referenceAdamStep(p: inout [Double], g: [Double], m: inout [Double], v: inout [Double], t: Int,
                               lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double) {
    let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
    for i in p.indices {
        let grad = g[i] + weightDecay * p[i]
        m[i] = beta1 * m[i] + (1 - beta1) * grad
        v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
        p[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
    }
}

private func pow(_ x: Double, _ y: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(y) { result *= x }
    return result
}

@Suite("Optimizers")
struct OptimizerTests {
    @Test("Adam's first step moves each weight by lr against the sign of its gradient")
    func adamFirstStep() {
        let p = Parameter(Tensor(shape: [4], scalars: [1, -2, 3, 0.5]))
        p.grad = Tensor(shape: [4], scalars: [0.3, -4, 1e-3, -0.02])
        let adam = Adam(parameters: [p], lr: 0.1)
        adam.step()
        // After bias correction m̂ = g and v̂ = g², so the step is lr · g / (|g| + eps).
        let expected: [Float] = [0.9, -1.9, 2.9, 0.6]
        for i in 0..<4 { #expect(abs(p.value.scalars[i] - expected[i]) < 1e-5, "element \(i): \(p.value.scalars[i])") }
        #expect(adam.stepCount == 1)
    }

    @Test("the SIMD Adam update matches a plain Double reference over sizes around the vector width",
          arguments: [1, 15, 16, 17, 45, 70_001])
    func adamMatchesReference(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let start = Tensor.randomNormal([count], using: &generator)
        let p = Parameter(start)
        let adam = Adam(parameters: [p], lr: 0.01, betas: (0.8, 0.95), eps: 1e-6, weightDecay: 0.05)
        var ref = start.scalars.map(Double.init)
        var m = [Double](repeating: 0, count: count), v = m
        for t in 1...4 {
            let g = Tensor.randomNormal([count], using: &generator)
            p.grad = g
            adam.step()
            referenceAdamStep(p: &ref, g: g.scalars.map(Double.init), m: &m, v: &v, t: t,
                              lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.05)
        }
        let comparison = Comparison(p.value, Tensor(shape: [count], scalars: ref.map(Float.init)))
        #expect(comparison.isWithin(1e-5), "\(comparison)")
        // The moments cancel (g has mean 0), so they are judged against the scale of g, not their own.
        let moments = Comparison(adam.expAvg[0], Tensor(shape: [count], scalars: m.map(Float.init)), floor: 0.1)
        #expect(moments.isWithin(1e-5), "exp_avg: \(moments)")
    }

    @Test("restoring Adam's step count and moments continues exactly where the first run left off")
    func adamStateRoundTrip() {
        var generator = SeededGenerator(seed: 9)
        let shapes = [[3, 4], [4], [37]]
        let first = shapes.map { Parameter(Tensor.randomNormal($0, using: &generator)) }
        let gradients = (0..<5).map { _ in shapes.map { Tensor.randomNormal($0, using: &generator) } }
        let adam = Adam(parameters: first, lr: 0.05)
        for k in 0..<3 {
            for (p, g) in zip(first, gradients[k]) { p.grad = g }
            adam.step()
        }
        // "Checkpoint": copy values and state into a fresh optimizer.
        let second = first.map { Parameter($0.value) }
        let resumed = Adam(parameters: second, lr: 0.05)
        resumed.stepCount = adam.stepCount
        resumed.expAvg = adam.expAvg
        resumed.expAvgSq = adam.expAvgSq
        for k in 3..<5 {
            for (p, g) in zip(first, gradients[k]) { p.grad = g }
            for (p, g) in zip(second, gradients[k]) { p.grad = g }
            adam.step()
            resumed.step()
        }
        for (a, b) in zip(first, second) { #expect(a.value == b.value) }
        // Without the state the run differs: the test can tell.
        let fresh = first.map { Parameter($0.value) }
        let restarted = Adam(parameters: fresh, lr: 0.05)
        for (p, g) in zip(fresh, gradients[4]) { p.grad = g }
        for (p, g) in zip(first, gradients[4]) { p.grad = g }
        restarted.step()
        adam.step()
        #expect(fresh[0].value != first[0].value)
    }

    @Test("SGD with momentum 0.9 by hand: buffers 1, 1.9, 2.71 for a constant gradient 1")
    func sgdMomentumByHand() {
        let p = Parameter(Tensor(shape: [17], repeating: 1))
        let sgd = SGD(parameters: [p], lr: 0.1, momentum: 0.9)
        var expected: Float = 1
        for buffer: Float in [1, 1.9, 2.71] {
            p.grad = Tensor(shape: [17], repeating: 1)
            sgd.step()
            expected -= 0.1 * buffer
            #expect(p.value.scalars.allSatisfy { abs($0 - expected) < 1e-6 }, "\(p.value)")
            #expect(sgd.momentumBuffers[0]!.scalars.allSatisfy { abs($0 - buffer) < 1e-6 })
        }
    }

    /// One SGD configuration and where p₀ = 2 lands after two steps with g = 1, lr = 0.1.
    struct SGDCase: Sendable, CustomTestStringConvertible {
        let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
        let after: (Float, Float)
        var testDescription: String { "momentum \(momentum) dampening \(dampening) weightDecay \(weightDecay) nesterov \(nesterov)" }
    }

    static let sgdCases: [SGDCase] = {
        let decayed: Float = 2 - 0.1 * 1.2  // g + 0.1·p = 1.2
        return [
            SGDCase(momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, after: (1.9, 1.8)),
            // Nesterov: b₁ = 1, step g + 0.9·b₁ = 1.9; b₂ = 1.9, step 1 + 0.9·1.9 = 2.71.
            SGDCase(momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, after: (1.81, 1.81 - 0.271)),
            // Dampening 0.5: b₁ = g = 1 (no dampening on the first step), b₂ = 0.5·1 + 0.5·1 = 1.
            SGDCase(momentum: 0.5, dampening: 0.5, weightDecay: 0, nesterov: false, after: (1.9, 1.8)),
            SGDCase(momentum: 0, dampening: 0, weightDecay: 0.1, nesterov: false,
                    after: (decayed, decayed - 0.1 * (1 + 0.1 * decayed))),
        ]
    }()

    @Test("SGD variants by hand: plain, Nesterov, dampening, weight decay", arguments: sgdCases)
    func sgdVariants(_ c: SGDCase) {
        let p = Parameter(Tensor(shape: [3], repeating: 2))
        let sgd = SGD(parameters: [p], lr: 0.1, momentum: c.momentum, dampening: c.dampening,
                      weightDecay: c.weightDecay, nesterov: c.nesterov)
        for expected in [c.after.0, c.after.1] {
            p.grad = Tensor(shape: [3], repeating: 1)
            sgd.step()
            #expect(p.value.scalars.allSatisfy { abs($0 - expected) < 1e-6 }, "expected \(expected), got \(p.value)")
        }
    }

    @Test("zeroGrad clears every parameter's gradient", arguments: ["SGD", "Adam"])
    func zeroGrad(kind: String) {
        let parameters = [Parameter(.ones([2, 3])), Parameter(.ones([5]))]
        for p in parameters { p.grad = Tensor(shape: p.value.shape, repeating: 3) }
        let optimizer: any Optimizer = kind == "SGD" ? SGD(parameters: parameters, lr: 0.1) : Adam(parameters: parameters)
        optimizer.zeroGrad()
        for p in parameters { #expect(p.grad == .zeros(like: p.value)) }
    }

    @Test("Adam and SGD with momentum minimize a quadratic", arguments: ["SGD", "Adam"])
    func minimizesQuadratic(kind: String) {
        let target = Tensor(shape: [20], scalars: (0..<20).map { Float($0) / 4 - 2 })
        let p = Parameter(.zeros([20]))
        let optimizer: any Optimizer = kind == "SGD"
            ? SGD(parameters: [p], lr: 0.05, momentum: 0.9) : Adam(parameters: [p], lr: 0.1)
        for _ in 0..<300 {
            optimizer.zeroGrad()
            p.grad = mse(p.value, target, reduction: .sum).gradient
            optimizer.step()
        }
        #expect(mse(p.value, target).loss < 1e-4, "\(kind) ended at \(p.value)")
    }
}

@Suite("Optimizers — seed 001 models", .serialized)
struct SeedModelTrainingTests {
    @Test("the seed 001 conv autoencoder's MSE falls over 20 Adam steps on a fixed batch")
    func autoencoderLearns() {
        var generator = SeededGenerator(seed: 21)
        let model = ConvAutoencoder(using: &generator)
        let x = Tensor.randomUniform([2, 1, 28, 28], using: &generator)
        let adam = Adam(parameters: model.parameters, lr: 1e-3)
        var losses: [Float] = []
        for _ in 0..<20 {
            adam.zeroGrad()
            let (loss, dXHat) = mse(model.forward(x), x)
            _ = model.backward(dXHat)
            adam.step()
            losses.append(loss)
        }
        let finite = losses.allSatisfy { $0.isFinite }
        #expect(finite, "\(losses)")
        let (first, last) = (losses[0], losses[19])
        #expect(last < 0.8 * first, "MSE over 20 steps: \(losses)")
    }

    @Test("chapter 4's step (vaeStep, β = 1e-3) on the seed 001 conv VAE: the loss falls over 10 Adam steps on a fixed batch")
    func variationalAutoencoderLearns() {
        var generator = SeededGenerator(seed: 22)
        let model = VAE.conv(latent: 16, likelihood: .mse, using: &generator)
        let x = Tensor.randomUniform([2, 1, 28, 28], using: &generator)
        let adam = Adam(parameters: model.parameters, lr: 1e-3)
        var losses: [Float] = []
        var noise = SeededGenerator(seed: 23)
        for _ in 0..<10 {
            adam.zeroGrad()
            let terms = vaeStep(model, x: x, eps: Tensor.randomNormal([2, 16], using: &noise), objective: .betaVAE(beta: 1e-3))
            adam.step()
            losses.append(terms.reconstruction + 1e-3 * terms.kl)
        }
        let finite = losses.allSatisfy { $0.isFinite }
        #expect(finite, "\(losses)")
        let start: Float = losses[0] + losses[1] + losses[2]
        let end: Float = losses[7] + losses[8] + losses[9]
        #expect(end < 0.8 * start, "loss over 10 steps: \(losses)")
    }
}

@Suite("Optimizers — edge cases")
struct OptimizerEdgeCaseTests {
    @Test("an empty parameter is skipped and the others still update", arguments: ["SGD", "Adam"])
    func emptyParameter(kind: String) {
        let empty = Parameter(.zeros([0, 3])), p = Parameter(.ones([2]))
        p.grad = .ones([2])
        let optimizer: any Optimizer = kind == "SGD"
            ? SGD(parameters: [empty, p], lr: 0.5, momentum: 0.9) : Adam(parameters: [empty, p], lr: 0.5)
        optimizer.step()
        #expect(empty.value.shape == [0, 3])
        #expect(p.value.scalars.allSatisfy { abs($0 - 0.5) < 1e-6 }, "\(p.value)")
    }
}
