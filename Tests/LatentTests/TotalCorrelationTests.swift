import Foundation
import Testing
import Latent
import LatentModels

/// Random [M, D] inputs of the TC estimate: posteriors spread enough that every pair (i, j) matters.
private func tcInputs(m: Int = 5, d: Int = 3, seed: UInt64 = 4) -> (z: Tensor, mu: Tensor, logVar: Tensor) {
    var g = SeededGenerator(seed: seed)
    let mu = Tensor.randomNormal([m, d], using: &g)
    let logVar = 0.5 * Tensor.randomNormal([m, d], using: &g) - 0.5
    let z = mu + 1.5 * Tensor.randomNormal([m, d], using: &g)
    return (z, mu, logVar)
}

@Suite("β-TCVAE: the total correlation and its backward")
struct TotalCorrelationTests {
    @Test("∂TC/∂(z, μ, log σ²) match central differences")
    func gradientCheckTC() {
        let (z, mu, logVar) = tcInputs()
        let result = gradientCheck(name: "totalCorrelation", inputs: [("z", z), ("mu", mu), ("logVar", logVar)], tolerance: 1e-2) { t in
            let r = totalCorrelation(z: t[0], mu: t[1], logVar: t[2], datasetSize: 1000)
            return (r.loss, [r.dZ, r.dMu, r.dLogVar])
        }
        #expect(result.passed, "\(result)")
    }

    /// TC as the step charges it: z = μ + σ·ε, so μ and log σ² reach TC directly and through z.
    private func throughSample(_ mu: Tensor, _ logVar: Tensor, _ eps: Tensor, dropSamplePath: Bool) -> (Float, [Tensor]) {
        let std = exp(0.5 * logVar)
        let r = totalCorrelation(z: mu + std * eps, mu: mu, logVar: logVar, datasetSize: 1000)
        if dropSamplePath { return (r.loss, [r.dMu, r.dLogVar]) }
        return (r.loss, [r.dMu + r.dZ, r.dLogVar + r.dZ * eps * 0.5 * std])
    }

    @Test("Through the reparameterized sample, the gradient passes; dropping the path through z fails the same check")
    func samplePath() {
        let (_, mu, logVar) = tcInputs(seed: 7)
        var g = SeededGenerator(seed: 8)
        let eps = 1.5 * Tensor.randomNormal(mu.shape, using: &g)
        let honest = gradientCheck(name: "TC(μ + σε)", inputs: [("mu", mu), ("logVar", logVar)], tolerance: 1e-2) { t in
            throughSample(t[0], t[1], eps, dropSamplePath: false)
        }
        #expect(honest.passed, "\(honest)")
        let slip = gradientCheck(name: "TC(μ + σε) without ∂z", inputs: [("mu", mu), ("logVar", logVar)], tolerance: 1e-2) { t in
            throughSample(t[0], t[1], eps, dropSamplePath: true)
        }
        #expect(!slip.passed, "the check must reject a backward that ignores z = μ + σε")
    }

    @Test("betaTCVAEStep: at β = 1 it is vaeStep's ELBO; at β = 4 the encoder gets (β − 1)·∂TC through μ, log σ² and z = μ + σε")
    func stepCarriesTheTC() {
        var g = SeededGenerator(seed: 11)
        let vae = VAE.dense(inputs: [1, 4, 4], hidden: 8, latent: 3, likelihood: .bce, using: &g)
        let x = Tensor(shape: [6, 1, 4, 4], scalars: (0..<96).map { _ in g.nextUniform() < 0.4 ? 1 : 0 })
        let eps = Tensor.randomNormal([6, 3], using: &g)
        let elbo = vaeStep(vae, x: x, eps: eps, objective: VAEObjective(likelihood: .bce, reconstruction: .batchMean, kl: .batchMean, beta: 1))
        let one = betaTCVAEStep(vae, x: x, eps: eps, beta: 1, datasetSize: 1000)
        #expect(one.dEncoderOutput.scalars == elbo.dEncoderOutput.scalars && one.reconstruction == elbo.reconstruction && one.kl == elbo.kl)

        // The TC's share, computed here from the encoder's outputs: w·(∂TC/∂μ + ∂TC/∂z), w·(∂TC/∂log σ² + ∂TC/∂z·ε·½σ).
        let four = betaTCVAEStep(vae, x: x, eps: eps, beta: 4, datasetSize: 1000)
        let (mu, logVar) = vae.encoder.forward(x).splitColumns(3)
        let std = exp(0.5 * logVar)
        let tc = totalCorrelation(z: mu + std * eps, mu: mu, logVar: logVar, datasetSize: 1000)
        #expect(abs(four.totalCorrelation - tc.loss) < 1e-5 * max(1, abs(tc.loss)))
        let expected = one.dEncoderOutput + 3 * concatColumns(tc.dMu + tc.dZ, tc.dLogVar + tc.dZ * eps * 0.5 * std)
        let scale = expected.scalars.map(abs).max() ?? 1
        let worst = zip(four.dEncoderOutput.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5 * scale, "max |Δ| \(worst) against a scale of \(scale)")
        // Negative control: without the path through z the encoder's gradient is measurably different.
        let withoutZ = one.dEncoderOutput + 3 * concatColumns(tc.dMu, tc.dLogVar)
        let gap = zip(withoutZ.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(gap > 1e-2 * scale, "the path through z matters here (max |Δ| \(gap))")
    }

    @Test("By hand: one sample (M = 1) has TC = (D − 1) log N exactly, with zero gradient")
    func oneSample() {
        let (z, mu, logVar) = tcInputs(m: 1, d: 4)
        let r = totalCorrelation(z: z, mu: mu, logVar: logVar, datasetSize: 500)
        #expect(abs(Double(r.loss) - 3 * Foundation.log(500.0)) < 1e-4)
        #expect(r.dZ.scalars.allSatisfy { abs($0) < 1e-7 } && r.dLogVar.scalars.allSatisfy { abs($0) < 1e-7 })
    }

    @Test("Value and gradients equal PyTorch float64 autograd (Fixtures/pytorch/tc)")
    func pytorchParity() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let data = try Data(contentsOf: url.appendingPathComponent("Fixtures/pytorch/tc/tc.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let (m, d) = (json["m"] as! Int, json["d"] as! Int)
        func tensor(_ key: String) -> Tensor { Tensor(shape: [m, d], scalars: (json[key] as! [Double]).map { Float($0) }) }
        let r = totalCorrelation(z: tensor("z"), mu: tensor("mu"), logVar: tensor("logvar"), datasetSize: json["n"] as! Int)
        let expected = json["tc"] as! Double
        #expect(abs(Double(r.loss) - expected) < 1e-5 * abs(expected) + 1e-5, "TC \(r.loss) vs PyTorch \(expected)")
        for (ours, key) in [(r.dZ, "dz"), (r.dMu, "dmu"), (r.dLogVar, "dlogvar")] {
            let theirs = json[key] as! [Double]
            let scale = theirs.map(abs).max()!
            let worst = zip(ours.scalars, theirs).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5 * scale, "\(key): worst difference \(worst), scale \(scale)")
        }
    }
}
