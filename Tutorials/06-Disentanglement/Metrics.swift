import Foundation
import Latent
import LatentData
import LatentModels

/// β as the console and file names show it: 4, 0.5, 1e-04.
func formatBeta(_ beta: Float) -> String {
    beta == beta.rounded() && abs(beta) < 1e9 ? String(Int(beta)) : "\(beta)"
}

/// The pictures and the metrics of a trained model: `shapes.png` (the data's factors), `traversals.png`
/// (each code dimension swept), and the five disentanglement scores, as summary.json's metrics.
func describe(_ vae: VAE, shapes: Shapes, testImages: Tensor, scale: Double, seed: UInt64, run: RunFolder) throws -> JSONValue {
    vae.isTraining = false
    // The data: each row sweeps one factor from the middle image (square, scale 3, 0°, centre).
    var rows: [Int] = []
    for (k, size) in Shapes.factorSizes.enumerated() {
        for step in 0..<10 {
            var f = [0, 2, 0, 16, 16]
            f[k] = size <= 10 ? min(step, size - 1) : step * (size - 1) / 9
            rows.append(Shapes.gridIndex(of: f))
        }
    }
    try run.writeGrid(shapes.tensor(indices: rows.map { min($0, shapes.count - 1) }), columns: 10, as: "shapes.png")

    // Traversals: from the first test image's μ, each dimension in turn set to −2.5 … 2.5.
    let mu = vae.encode(testImages.slice(0..<1)).mu
    let all = vae.encodeAll(testImages)
    let kl = perDimensionKL(mu: all.mu, logVar: all.logVar)
    let z = vae.latentDimension, steps = 9
    var codes = [Float]()
    for dim in 0..<z {
        for s in 0..<steps {
            var row = mu.scalars
            row[dim] = -2.5 + 5 * Float(s) / Float(steps - 1)
            codes += row
        }
    }
    try run.writeGrid(vae.decodeAll(Tensor(shape: [z * steps, z], scalars: codes)), columns: steps, as: "traversals.png")

    // ---- The five metrics --------------------------------------------------------------------------
    // encode: factor rows → the images they make → μ.
    let encode: ([[Int]]) -> Tensor = { rows in vae.encodeAll(shapes.tensor(indices: rows.map { shapes.index(of: $0)! })).mu }
    func n(_ base: Int) -> Int { max(2, Int((Double(base) * scale).rounded())) }
    var generator = SeededGenerator(seed: seed &+ 1000)
    let sample = (0..<n(5000)).map { _ in Shapes.factorSizes.map { Int(generator.next() % UInt64($0)) } }
    let sampleCodes = encode(sample)
    let cut = sample.count * 4 / 5
    let (trainCodes, testCodes) = (sampleCodes.slice(0..<cut), sampleCodes.slice(cut..<sample.count))
    let (trainFactors, testFactors) = (Array(sample[..<cut]), Array(sample[cut...]))
    let clock = Stopwatch()
    let mig = mutualInformationGap(codes: sampleCodes, factors: sample)
    let sap = separatedAttributePredictability(trainCodes: trainCodes, trainFactors: trainFactors, testCodes: testCodes, testFactors: testFactors)
    let dciResult = dci(trainCodes: trainCodes, trainFactors: trainFactors, testCodes: testCodes, testFactors: testFactors)
    let betaScore = betaVAEScore(factorSizes: Shapes.factorSizes, trainPoints: n(500), testPoints: n(250), pairs: min(16, n(16)),
                                 seed: seed &+ 2000, encode: encode)
    let factorScore = factorVAEScore(factorSizes: Shapes.factorSizes, trainVotes: n(300), testVotes: n(150), batch: min(64, n(64)),
                                     varianceSamples: n(5000), seed: seed &+ 3000, encode: encode)
    // Which factor each dimension follows: the one it has most MI with, as a fraction of that factor's entropy.
    let labels = (0..<z).map { dim -> String in
        let share = (0..<Shapes.factorNames.count).map { mig.mutualInformation[dim][$0] / max(mig.factorEntropy[$0], 1e-12) }
        let best = share.indices.max { share[$0] < share[$1] }!
        return share[best] >= 0.1 ? "\(Shapes.factorNames[best]) (\(Format.fixed(share[best], 2)))" : "—"
    }
    print("metrics (\(Format.clock(clock.seconds))): β-VAE score \(Format.fixed(betaScore.test, 3))  FactorVAE score \(Format.fixed(factorScore.test, 3))"
          + "  MIG \(Format.fixed(mig.score, 3))  SAP \(Format.fixed(sap.score, 3))  DCI disentanglement \(Format.fixed(dciResult.disentanglement, 3))"
          + " completeness \(Format.fixed(dciResult.completeness, 3)) informativeness \(Format.fixed(dciResult.informativeness, 3))")
    for dim in 0..<z { print("  traversal row \(dim + 1): z\(dim), KL \(Format.fixed(Double(kl.scalars[dim]), 2)) nats: \(labels[dim])") }
    // The codes and factors, for the cross-check with disent (crosscheck.py).
    var csv = "split," + (0..<z).map { "z\($0)" }.joined(separator: ",") + "," + Shapes.factorNames.map { $0.replacingOccurrences(of: " ", with: "_") }.joined(separator: ",") + "\n"
    for (i, row) in sample.enumerated() {
        csv += (i < cut ? "train," : "test,") + (0..<z).map { "\(sampleCodes.scalars[i * z + $0])" }.joined(separator: ",")
            + "," + row.map(String.init).joined(separator: ",") + "\n"
    }
    try run.write(csv, as: "codes.csv")
    func matrix(_ m: [[Double]]) -> JSONValue { .array(m.map { .array($0.map { .number($0) }) }) }
    return [
        "beta_vae_score": .number(betaScore.test), "beta_vae_score_train": .number(betaScore.train),
        "factor_vae_score": .number(factorScore.test), "factor_vae_score_train": .number(factorScore.train),
        "factor_vae_active_dimensions": .number(Double(factorScore.activeDimensions)),
        "mig": .number(mig.score), "mig_per_factor": .array(mig.gapPerFactor.map { .number($0) }),
        "sap": .number(sap.score), "dci_disentanglement": .number(dciResult.disentanglement),
        "dci_completeness": .number(dciResult.completeness), "dci_informativeness": .number(dciResult.informativeness),
        "mutual_information": matrix(mig.mutualInformation), "dci_importance": matrix(dciResult.importance),
        "sap_scores": matrix(sap.scores), "traversal_labels": .array(labels.map { .string($0) }),
        "kl_per_dimension": .array(kl.scalars.map { .float($0) }),
        "metric_samples": ["shared": .number(Double(sample.count)), "beta_vae_points": .number(Double(n(500) + n(250))),
                           "beta_vae_pairs": .number(Double(min(16, n(16)))), "factor_vae_votes": .number(Double(n(300) + n(150))), "factor_vae_batch": .number(Double(min(64, n(64))))],
    ]
}
