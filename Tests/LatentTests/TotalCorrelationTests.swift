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
