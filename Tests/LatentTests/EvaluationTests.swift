import Foundation
import Testing
@testable import Latent
@testable import LatentModels

@Suite("AUROC")
struct AUROCTests {
    @Test("hand-computable cases: separated, reversed, all tied, and ties across the classes")
    func byHand() {
        #expect(auroc(positives: [3, 4], negatives: [1, 2]) == 1)
        #expect(auroc(positives: [1, 2], negatives: [3, 4]) == 0)
        #expect(auroc(positives: [5, 5, 5], negatives: [5, 5]) == 0.5)
        // Pairs (+, −): (1,2) 0, (1,2.5) 0, (2,2) ½, (2,2.5) 0, (3,2) 1, (3,2.5) 1 → 2.5 / 6.
        #expect(abs(auroc(positives: [1, 2, 3], negatives: [2, 2.5]) - 2.5 / 6) < 1e-15)
        // A tie inside the positives only does not count: 3 of 4 pairs won.
        #expect(auroc(positives: [2, 2], negatives: [1, 3]) == 0.5)
        #expect(auroc(positives: [4, 4], negatives: [1, 3]) == 1)
    }

    @Test("equals the pairwise definition and scikit-learn's roc_auc_score on tied scores (Fixtures/sklearn)")
    func sklearnFixture() throws {
        let file = packageRoot.appendingPathComponent("Fixtures/sklearn/auroc.json").path
        let json = try JSONValue(parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self))
        guard case let .array(cases)? = json["cases"] else { Issue.record("no cases in \(file)"); return }
        #expect(cases.count == 4)
        for item in cases {
            guard case let .array(p)? = item["positives"], case let .array(n)? = item["negatives"],
                  case let .number(expected)? = item["roc_auc_score"] else { Issue.record("bad case in \(file)"); continue }
            let numbers = { (values: [JSONValue]) in values.compactMap { if case let .number(x) = $0 { x } else { nil } } }
            let (positives, negatives) = (numbers(p), numbers(n))
            var pairwise = 0.0
            for a in positives { for b in negatives { pairwise += a > b ? 1 : a == b ? 0.5 : 0 } }
            pairwise /= Double(positives.count * negatives.count)
            let value = auroc(positives: positives, negatives: negatives)
            #expect(abs(value - expected) < 1e-12, "auroc \(value), sklearn \(expected)")
            #expect(abs(value - pairwise) < 1e-12, "auroc \(value), pairwise \(pairwise)")
        }
    }
}

@Suite("NearestNeighbors")
struct NearestNeighborsTests {
    @Test("the GEMM distances give the same neighbours as sorting exact distances", arguments: [1, 3, 7])
    func againstBruteForce(k: Int) {
        var generator = SeededGenerator(seed: UInt64(k))
        let references = Tensor.randomNormal([40, 6], using: &generator)
        let queries = Tensor.randomNormal([25, 6], using: &generator)
        let knn = NearestNeighbors(references: references, labels: Array(repeating: 0, count: 40))
        let found = knn.neighbors(of: queries, k: k, block: 8)  // several blocks, the last one partial
        for q in 0..<25 {
            let distances = (0..<40).map { r in
                (0..<6).reduce(0.0) { total, j in
                    let d = Double(queries.scalars[q * 6 + j]) - Double(references.scalars[r * 6 + j])
                    return total + d * d
                }
            }
            let expected = Array((0..<40).sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(k))
            #expect(found[q] == expected, "query \(q)")
        }
    }

    @Test("ties: the smaller index is nearer; a split vote goes to the class whose member is nearest")
    func ties() {
        // Points 0 and 1 coincide; query 0.5 is equally far from 0, 1 (at 0) and 2 (at 1).
        let knn = NearestNeighbors(references: Tensor(shape: [4, 1], scalars: [0, 0, 1, 3]), labels: [7, 2, 2, 5])
        #expect(knn.neighbors(of: Tensor(shape: [1, 1], scalars: [0.5]), k: 3) == [[0, 1, 2]])
        let queries = Tensor(shape: [3, 1], scalars: [0.25, 0.75, 2.9])
        let predictions = knn.predict(queries, ks: [1, 2, 3])
        #expect(predictions[0] == [7, 2, 5])
        #expect(predictions[1] == [7, 2, 5], "k = 2: one vote each, the nearest member's class wins")
        #expect(predictions[2] == [2, 2, 5], "k = 3: two votes for 2 beat the nearest 7; at 2.9 three single votes, 5 nearest")
    }
}

@Suite("LinearProbe")
struct LinearProbeTests {
    /// Three well separated Gaussian blobs in 2-D, scaled by 1000 (standardization must undo it).
    static func blobs(_ perClass: Int, seed: UInt64) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centers: [(Float, Float)] = [(0, 4), (4, -2), (-4, -2)]
        var scalars: [Float] = [], labels: [Int] = []
        for (c, center) in centers.enumerated() {
            for _ in 0..<perClass {
                scalars += [1000 * (center.0 + generator.nextNormal()), 1000 * (center.1 + generator.nextNormal())]
                labels.append(c)
            }
        }
        return (Tensor(shape: [labels.count, 2], scalars: scalars), labels)
    }

    @Test("softmax regression with Adam separates three blobs; with shuffled labels it stays near chance")
    func separatesBlobs() {
        let (x, y) = Self.blobs(30, seed: 1)
        let (testX, testY) = Self.blobs(200, seed: 2)
        let probe = LinearProbe(features: x, labels: y, classes: 3, steps: 300)
        #expect(probe.losses.last! < 0.2 * probe.losses.first!, "loss \(probe.losses.first!) → \(probe.losses.last!)")
        let right = accuracy(probe.predict(testX), testY)
        #expect(right > 0.95, "accuracy \(right)")
        var generator = SeededGenerator(seed: 3)
        let shuffled = LinearProbe(features: x, labels: y.shuffled(using: &generator), classes: 3, steps: 300)
        let chance = accuracy(shuffled.predict(testX), testY)
        #expect(chance < 0.6, "accuracy with shuffled labels \(chance)")
    }

    @Test("balanced label subsets: count/classes of each class, fixed by the seed")
    func balancedSubsets() {
        let labels = (0..<500).map { ($0 * 7) % 10 }
        let a = balancedLabelSubset(labels, count: 100, classes: 10, seed: 4)
        #expect(a.count == 100 && Set(a).count == 100)
        #expect((0..<10).allSatisfy { c in a.filter { labels[$0] == c }.count == 10 })
        #expect(a == balancedLabelSubset(labels, count: 100, classes: 10, seed: 4))
        #expect(a != balancedLabelSubset(labels, count: 100, classes: 10, seed: 5))
        #expect(balancedLabelSubset(labels, count: nil, classes: 10, seed: 4) == Array(0..<500))
    }
}

@Suite("VAE anomaly scores")
struct VAEAnomalyScoreTests {
    @Test("with one sample, the mean −ELBO per image equals evaluateELBO's on the same draws", arguments: [VAELikelihood.bce, .mse])
    func matchesEvaluateELBO(likelihood: VAELikelihood) {
        var generator = SeededGenerator(seed: 6)
        let vae = VAE.dense(inputs: [1, 3, 3], hidden: 5, latent: 2, likelihood: likelihood, using: &generator)
        let images = Tensor.randomUniform([7, 1, 3, 3], low: 0, high: 1, using: &generator)
        var a = SeededGenerator(seed: 8), b = SeededGenerator(seed: 8)
        let scores = vae.anomalyScores(images: images, samples: 1, batch: 4, using: &a)
        let estimate = vae.evaluateELBO(images: images, batch: 4, using: &b)
        let mean = scores.negativeELBO.reduce(0, +) / 7
        #expect(abs(mean + estimate.elbo) < 1e-5 * abs(estimate.elbo), "−ELBO \(mean) vs \(-estimate.elbo)")
        #expect(scores.reconstruction.count == 7 && scores.negativeELBO.allSatisfy(\.isFinite))
    }
}
