import Testing
@testable import Latent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// |a − b| ≤ tolerance · max(1, |b|).
private func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

/// Elementwise `close` over two tensors of the same shape.
private func close(_ a: Tensor, _ b: Tensor, _ tolerance: Float = 1e-5) -> Bool {
    a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { close($0, $1, tolerance) }
}

@Suite("Losses")
struct LossValueTests {
    @Test("reduction scales: 1/count for mean, 1 for sum, 1/N for batchMean")
    func reductionScale() {
        #expect(Reduction.mean.scale(for: [4, 5]) == 1 / Float(20))
        #expect(Reduction.sum.scale(for: [4, 5]) == 1)
        #expect(Reduction.batchMean.scale(for: [4, 5]) == 1 / Float(4))
    }

    @Test("MSE of a hand-computed example under each reduction", arguments: Reduction.allCases)
    func mseByHand(reduction: Reduction) {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let t = Tensor(shape: [2, 2], scalars: [0, 0, 1, 6])
        // Squared differences 1, 4, 4, 4: sum 13.
        let expected: Float = switch reduction { case .mean: 13.0 / 4; case .sum: 13; case .batchMean: 13.0 / 2 }
        let scale: Float = switch reduction { case .mean: 0.25; case .sum: 1; case .batchMean: 0.5 }
        let (loss, gradient) = mse(x, t, reduction: reduction)
        #expect(close(loss, expected))
        #expect(close(gradient, Tensor(shape: [2, 2], scalars: [2, 4, 4, -4]) * scale))
    }

    @Test("MSE is exact past the SIMD width and zero for equal tensors", arguments: [1, 15, 16, 17, 33, 5000])
    func mseLengths(n: Int) {
        let x = Tensor(shape: [n], scalars: (0..<n).map { Float($0 % 13) * 0.25 })
        let t = Tensor(shape: [n], scalars: (0..<n).map { Float($0 % 7) * 0.5 })
        var sum = 0.0
        for i in 0..<n { sum += Double(x.scalars[i] - t.scalars[i]) * Double(x.scalars[i] - t.scalars[i]) }
        let (loss, gradient) = mse(x, t, reduction: .sum)
        #expect(close(loss, Float(sum), 1e-6))
        #expect(close(gradient, 2 * (x - t)))
        #expect(mse(x, x).loss == 0)
    }

    /// Σ (xᵢ − tᵢ)² in the order `mse` promises, written out here as the reference: Float lanes of 16,
    /// flushed into a Double after every 4,096 elements and at the end, then the tail one at a time.
    private func squaredErrorReference(_ x: [Float], _ t: [Float]) -> Double {
        var total = 0.0, lanes = [Float](repeating: 0, count: 16), i = 0
        while i + 16 <= x.count {
            for lane in 0..<16 {
                let d = x[i + lane] - t[i + lane]
                lanes[lane] = lanes[lane].addingProduct(d, d)  // fused, as SIMD16's addingProduct
            }
            i += 16
            if i % 4096 == 0 {
                total += Double(SIMD16<Float>(lanes).sum())
                lanes = [Float](repeating: 0, count: 16)
            }
        }
        total += Double(SIMD16<Float>(lanes).sum())
        while i < x.count {
            let d = x[i] - t[i]
            total += Double(d * d)
            i += 1
        }
        return total
    }

    @Test("mse's sum and SquaredErrorSum fed in pieces are the reference's Double, bit for bit",
          arguments: [[10_007], [4096, 5911], [16, 4080, 32, 5879], [1600, 1600, 1600, 5207], [8192]])
    func squaredErrorPieces(pieces: [Int]) {
        let n = pieces.reduce(0, +)
        var g = SeededGenerator(seed: UInt64(n + pieces.count))
        // Values of mixed sizes, so that a different order of additions shows in the last bits.
        let x = (0..<n).map { _ in g.nextNormal() * 3 + 1 }, t = (0..<n).map { _ in g.nextNormal() }
        let reference = squaredErrorReference(x, t)
        let (loss, _) = mse(Tensor(shape: [n], scalars: x), Tensor(shape: [n], scalars: t), reduction: .sum)
        #expect(loss == Float(reference))
        var sum = SquaredErrorSum(), start = 0
        x.withUnsafeBufferPointer { x in
            t.withUnsafeBufferPointer { t in
                for count in pieces {
                    sum.add(x.baseAddress! + start, t.baseAddress! + start, count: count)
                    start += count
                }
            }
        }
        #expect(sum.value == reference, "pieces \(pieces): \(sum.value) vs \(reference)")
    }

    @Test("BCE on probabilities: log 2 at p = ½, PyTorch's −100 clamp at p = 0 and 1")
    func bceByHand() {
        let p = Tensor(shape: [4], scalars: [0.5, 0, 1, 0])
        let t = Tensor(shape: [4], scalars: [1, 0, 1, 1])
        let (loss, gradient) = binaryCrossEntropy(p, t, reduction: .sum)
        // Terms: log 2, 0, 0, 100 (log 0 clamped to −100).
        #expect(close(loss, logf(2) + 100))
        #expect(close(gradient.scalars[0], -2))  // (½ − 1) / (½ · ½)
        #expect(gradient.scalars[1] == 0)
        #expect(gradient.scalars[2] == 0)
        #expect(close(gradient.scalars[3], -1e12, 1e-6))  // (0 − 1) / max(0, 1e−12)
        #expect(close(binaryCrossEntropy(p, t).loss, (logf(2) + 100) / 4))
    }

    @Test("BCE with logits equals BCE of σ(x) and stays finite at ±100")
    func bceWithLogits() {
        var generator = SeededGenerator(seed: 1)
        let x = Tensor.randomNormal([3, 5], std: 2, using: &generator)
        let t = Tensor.randomUniform([3, 5], using: &generator)
        let viaLogits = binaryCrossEntropyWithLogits(x, t)
        let viaProbabilities = binaryCrossEntropy(sigmoid(x), t)
        #expect(close(viaLogits.loss, viaProbabilities.loss, 1e-5))
        // ∂/∂x of BCE(σ(x)) is ∂/∂p · σ'(x) = σ(x) − t, scaled.
        #expect(close(viaLogits.gradient, (sigmoid(x) - t) / 15, 1e-5))
        let extreme = binaryCrossEntropyWithLogits(Tensor(shape: [3], scalars: [100, -100, 0]),
                                                   Tensor(shape: [3], scalars: [1, 1, 0.3]), reduction: .sum)
        #expect(close(extreme.loss, 100 + logf(2), 1e-6))
        #expect(close(extreme.gradient, Tensor(shape: [3], scalars: [0, -1, 0.2])))
    }

    @Test("BCE with logits: the sum and every gradient element agree with a Double reference, the same bits on 1 and 2 threads",
          arguments: [1, 15, 16, 17, 1000, 3 * bernoulliBlock + 5])
    func bceWithLogitsAgainstDouble(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        // Logits from −40 to 40 (σ saturates, e^−|x| underflows past 87 only), targets binary and in between.
        let x = Tensor.randomNormal([count], std: 10, using: &generator)
        let targets: [Float] = (0..<count).map { (i: Int) -> Float in i % 3 == 2 ? Float(i % 7) / 6 : Float(i % 2) }
        let t = Tensor(shape: [count], scalars: targets)
        var exactLoss = 0.0, worstGradient = 0.0
        let one = Parallel.withThreadCount(1) { binaryCrossEntropyWithLogits(x, t, reduction: .sum) }
        let two = Parallel.withThreadCount(2) { binaryCrossEntropyWithLogits(x, t, reduction: .sum) }
        for i in 0..<count {
            let xi: Double = Double(x.scalars[i]), ti: Double = Double(targets[i])
            let term: Double = Swift.max(xi, 0) - xi * ti + Foundation_log1p(Foundation_exp(-Swift.abs(xi)))
            exactLoss += term
            let sigma: Double = 1 / (1 + Foundation_exp(-xi))
            worstGradient = Swift.max(worstGradient, Swift.abs(Double(one.gradient.scalars[i]) - (sigma - ti)))
        }
        #expect(Swift.abs(Double(one.loss) - exactLoss) <= 2e-6 * exactLoss, "loss \(one.loss), Double \(exactLoss)")
        #expect(worstGradient <= 2e-7, "gradient off by \(worstGradient)")
        #expect(one.loss.bitPattern == two.loss.bitPattern && one.gradient.scalars == two.gradient.scalars)
    }

    @Test("KL to N(0, 1) is 0 at μ = 0, σ = 1 with zero gradients")
    func klZeroAtPrior() {
        let zeros = Tensor.zeros([3, 4])
        let r = gaussianKL(mu: zeros, logVar: zeros)
        #expect(r.loss == 0)
        #expect(r.dMu == zeros && r.dLogVar == zeros)
        #expect(gaussianKL(mu: zeros, sigma: .ones([3, 4])).loss == 0)
    }

    @Test("KL to N(0, 1) by hand: ½μ² per dimension, and ½(σ² − 1 − log σ²) for σ = 2")
    func klByHand() {
        let mu = Tensor(shape: [1, 2], scalars: [1, 2])
        #expect(close(gaussianKL(mu: mu, logVar: .zeros([1, 2])).loss, 2.5))
        let wide = gaussianKL(mu: .zeros([1, 1]), logVar: Tensor(shape: [1, 1], scalars: [logf(4)]))
        #expect(close(wide.loss, 0.5 * (4 - 1 - logf(4))))
        #expect(close(wide.dLogVar.item, 0.5 * (4 - 1)))
    }

    @Test("the log-variance, log-σ and σ forms agree, and their gradients follow the chain rule",
          arguments: Reduction.allCases)
    func klParameterizationsAgree(reduction: Reduction) {
        var generator = SeededGenerator(seed: 2)
        let mu = Tensor.randomNormal([4, 3], using: &generator)
        let logVar = Tensor.randomNormal([4, 3], std: 0.8, using: &generator)
        let a = gaussianKL(mu: mu, logVar: logVar, reduction: reduction)
        let b = gaussianKL(mu: mu, logSigma: 0.5 * logVar, reduction: reduction)
        let sigma = exp(0.5 * logVar)
        let c = gaussianKL(mu: mu, sigma: sigma, reduction: reduction)
        #expect(close(a.loss, b.loss) && close(a.loss, c.loss, 1e-5))
        #expect(close(a.dMu, b.dMu) && close(a.dMu, c.dMu))
        #expect(close(b.dLogSigma, 2 * a.dLogVar, 1e-5))                 // logVar = 2 logσ
        #expect(close(c.dSigma, a.dLogVar * 2 / sigma, 1e-5))            // logVar = 2 log σ, d/dσ = 2/σ
    }

    @Test("KL between two Gaussians: 0 for equal ones, the N(0, 1) form for a standard second, asymmetric")
    func klTwoGaussians() {
        var generator = SeededGenerator(seed: 3)
        let mu = Tensor.randomNormal([5, 2], using: &generator)
        let logSigma = Tensor.randomNormal([5, 2], std: 0.5, using: &generator)
        let same = gaussianKL(mu1: mu, logSigma1: logSigma, mu2: mu, logSigma2: logSigma)
        #expect(abs(same.loss) < 1e-6)
        let toPrior = gaussianKL(mu1: mu, logSigma1: logSigma, mu2: .zeros([5, 2]), logSigma2: .zeros([5, 2]))
        let standard = gaussianKL(mu: mu, logSigma: logSigma)
        #expect(close(toPrior.loss, standard.loss))
        #expect(close(toPrior.dMu1, standard.dMu) && close(toPrior.dLogSigma1, standard.dLogSigma))
        // Broadcasting the prior's [D] parameters gives the same loss, gradients summed over the batch.
        let broadcast = gaussianKL(mu1: mu, logSigma1: logSigma, mu2: .zeros([2]), logSigma2: .zeros([2]))
        #expect(close(broadcast.loss, toPrior.loss))
        #expect(close(broadcast.dMu2, toPrior.dMu2.sum(axis: 0)) && close(broadcast.dLogSigma2, toPrior.dLogSigma2.sum(axis: 0)))
        let reversed = gaussianKL(mu1: .zeros([5, 2]), logSigma1: .zeros([5, 2]), mu2: mu, logSigma2: logSigma)
        #expect(abs(reversed.loss - toPrior.loss) > 1e-3)
        // By hand: KL(N(0, 1) ‖ N(1, 2²)) = log 2 + (1 + 1)/8 − ½.
        let hand = gaussianKL(mu1: .zeros([1, 1]), logSigma1: .zeros([1, 1]),
                              mu2: .ones([1, 1]), logSigma2: Tensor(shape: [1, 1], scalars: [logf(2)]))
        #expect(close(hand.loss, logf(2) + 0.25 - 0.5))
    }

    @Test("per-dimension KL: the batch mean of each column, summing to the batch-mean KL")
    func perDimension() {
        let mu = Tensor(shape: [2, 3], scalars: [0, 1, 2, 0, 1, 0])
        let logVar = Tensor.zeros([2, 3])
        let kl = perDimensionKL(mu: mu, logVar: logVar)
        #expect(close(kl, Tensor(shape: [3], scalars: [0, 0.5, 1])))  // ½μ², averaged over the batch
        #expect(close(kl.sum(), gaussianKL(mu: mu, logVar: logVar).loss))
    }
}

/// Random inputs of `shape` uniform on [low, high).
private func uniform(_ shape: [Int], _ low: Float, _ high: Float, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: low, high: high, using: &generator)
}

@Suite("GradientChecks — losses")
struct LossGradientChecks {
    @Test("MSE gradient w.r.t. input and target matches central differences", arguments: Reduction.allCases)
    func mseGradient(reduction: Reduction) {
        let x = uniform([3, 4], -2, 2, seed: 10), t = uniform([3, 4], -2, 2, seed: 11)
        let result = gradientCheck(name: "mse(reduction: .\(reduction))", inputs: [("input", x), ("target", t)]) { v in
            let r = mse(v[0], v[1], reduction: reduction)
            return (r.loss, [r.gradient, -r.gradient])
        }
        #expect(result.passed, "\(result)")
    }

    @Test("BCE gradient w.r.t. probabilities matches central differences", arguments: Reduction.allCases)
    func bceGradient(reduction: Reduction) {
        let p = uniform([3, 4], 0.1, 0.9, seed: 12), t = uniform([3, 4], 0, 1, seed: 13)
        let result = gradientCheck(name: "binaryCrossEntropy(reduction: .\(reduction))", inputs: [("probabilities", p)]) { v in
            let r = binaryCrossEntropy(v[0], t, reduction: reduction)
            return (r.loss, [r.gradient])
        }
        #expect(result.passed, "\(result)")
    }

    @Test("BCE-with-logits gradient w.r.t. logits matches central differences", arguments: Reduction.allCases)
    func bceWithLogitsGradient(reduction: Reduction) {
        let x = uniform([3, 4], -6, 6, seed: 14), t = uniform([3, 4], 0, 1, seed: 15)
        let result = gradientCheck(name: "binaryCrossEntropyWithLogits(reduction: .\(reduction))", inputs: [("logits", x)]) { v in
            let r = binaryCrossEntropyWithLogits(v[0], t, reduction: reduction)
            return (r.loss, [r.gradient])
        }
        #expect(result.passed, "\(result)")
    }

    @Test("Gaussian KL gradients (log-variance, log-σ, σ forms) match central differences",
          arguments: Reduction.allCases, ["logVar", "logSigma", "sigma"])
    func klGradient(reduction: Reduction, form: String) {
        let mu = uniform([4, 3], -2, 2, seed: 16)
        let second = form == "sigma" ? uniform([4, 3], 0.4, 2.5, seed: 17) : uniform([4, 3], -1.5, 1.5, seed: 17)
        let result = gradientCheck(name: "gaussianKL(mu:\(form):reduction: .\(reduction))", inputs: [("mu", mu), (form, second)]) { v in
            switch form {
            case "logVar":
                let r = gaussianKL(mu: v[0], logVar: v[1], reduction: reduction)
                return (r.loss, [r.dMu, r.dLogVar])
            case "logSigma":
                let r = gaussianKL(mu: v[0], logSigma: v[1], reduction: reduction)
                return (r.loss, [r.dMu, r.dLogSigma])
            default:
                let r = gaussianKL(mu: v[0], sigma: v[1], reduction: reduction)
                return (r.loss, [r.dMu, r.dSigma])
            }
        }
        #expect(result.passed, "\(result)")
    }

    @Test("KL between two Gaussians: all four gradients match central differences, also broadcast",
          arguments: Reduction.allCases, [false, true])
    func klTwoGradient(reduction: Reduction, broadcastSecond: Bool) {
        let shape2 = broadcastSecond ? [3] : [4, 3]
        let inputs: [(name: String, value: Tensor)] = [
            ("mu1", uniform([4, 3], -1.5, 1.5, seed: 18)), ("logSigma1", uniform([4, 3], -1, 1, seed: 19)),
            ("mu2", uniform(shape2, -1.5, 1.5, seed: 20)), ("logSigma2", uniform(shape2, -1, 1, seed: 21)),
        ]
        let result = gradientCheck(name: "gaussianKL(mu1:logSigma1:mu2:logSigma2:) \(shape2)", inputs: inputs) { v in
            let r = gaussianKL(mu1: v[0], logSigma1: v[1], mu2: v[2], logSigma2: v[3], reduction: reduction)
            return (r.loss, [r.dMu1, r.dLogSigma1, r.dMu2, r.dLogSigma2])
        }
        #expect(result.passed, "\(result)")
    }
}

@Suite("Bernoulli loss terms in Double")
struct BernoulliTermTests {
    /// Arguments a ≥ 0 across the whole range: 0, tiny, both sides of the √2 split of 1 + e⁻ᵃ
    /// (a = 0.8814), where 1 + e⁻ᵃ rounds to 1 (a > 37), the clamp (700) and beyond.
    static let arguments: [Double] = [
        0, 1e-12, 1e-6, 0.01, 0.3, 0.88, 0.8814, 0.882, 1, 2.5, 10, 17, 36, 38, 50, 87, 103, 200, 699, 700, 720,
    ]

    @Test("softplusOfNegative is log(1 + e⁻ᵃ) to 1e-13 relative, lane by lane")
    func softplusAgainstLibm() {
        var lanes = Self.arguments
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<200 { lanes.append(Double(Float.random(in: 0...40, using: &rng))) }
        while lanes.count % 8 != 0 { lanes.append(3) }
        for start in stride(from: 0, to: lanes.count, by: 8) {
            let a = SIMD8<Double>(lanes[start..<start + 8])
            let ours = VectorMath.softplusOfNegative(a)
            for lane in 0..<8 {
                let exact = log1p(exp(-Swift.min(a[lane], 700)))
                #expect(abs(ours[lane] - exact) <= 1e-13 * exact, "a = \(a[lane]): \(ours[lane]) vs \(exact)")
            }
        }
    }

    /// Logits from −30 to 30 (and a few extreme ones) against targets in [0, 1].
    static func problem(_ count: Int) -> (logits: [Float], targets: [Float]) {
        var rng = SeededGenerator(seed: 9)
        var logits = (0..<count).map { _ in Float.random(in: -30...30, using: &rng) }
        for (i, extreme) in [Float(0), -90, 90, 1e-7].enumerated() where i < count { logits[i] = extreme }
        return (logits, (0..<count).map { _ in Float.random(in: 0...1, using: &rng) })
    }

    @Test("the .vector loss is the exact Bernoulli NLL of its Float inputs to 1e-12; the gradient is unchanged",
          arguments: [1, 7, 8, 9, 1000, 8195])
    func vectorTerms(count: Int) {
        let (logits, targets) = Self.problem(count)
        var exact = 0.0
        for (x, t) in zip(logits, targets) {
            let (x, t) = (Double(x), Double(t))
            exact += Swift.max(x, 0) - x * t + log1p(exp(-abs(x)))
        }
        var vectorGradient = [Float](repeating: 0, count: count), libmGradient = vectorGradient
        let vector = bernoulliNLL(logits: logits, targets: targets, count: count, gradient: &vectorGradient, terms: .vector)
        let libm = bernoulliNLL(logits: logits, targets: targets, count: count, gradient: &libmGradient, terms: .libm)
        #expect(abs(vector - exact) <= 1e-12 * abs(exact), "\(count) terms: \(vector) vs \(exact)")
        // The libm terms are each rounded to Float: close, but not to 1e-12.
        #expect(abs(libm - exact) <= 1e-6 * abs(exact))
        #expect(vectorGradient == libmGradient)
    }
}
