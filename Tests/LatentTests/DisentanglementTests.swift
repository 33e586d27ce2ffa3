import Foundation
import Latent
import Testing
@testable import LatentModels

/// Every combination of factors of sizes [3, 6, 10], `repeats` times: the factors are exactly independent.
private func grid(repeats: Int = 2) -> [[Int]] {
    var rows: [[Int]] = []
    for _ in 0..<repeats { for a in 0..<3 { for b in 0..<6 { for c in 0..<10 { rows.append([a, b, c]) } } } }
    return rows
}

private func codes(_ rows: [[Int]], _ make: ([Int]) -> [Double]) -> Tensor {
    let values = rows.map(make)
    return Tensor(shape: [rows.count, values[0].count], scalars: values.flatMap { $0.map { Float($0) } })
}

@Suite("Disentanglement metrics")
struct DisentanglementTests {
    @Test("Mutual information by hand: identical halves log 2, independent 0")
    func mutualInformationByHand() {
        let ln2: Double = Foundation.log(2), ln3: Double = Foundation.log(3)
        let expected: Double = ln3 - 2.0 / 3.0 * ln2
        #expect(abs(mutualInformation([0, 0, 1, 1], [0, 0, 1, 1]) - ln2) < 1e-12)
        #expect(abs(mutualInformation([0, 0, 1, 1], [5, 5, 7, 7]) - ln2) < 1e-12)
        #expect(abs(mutualInformation([0, 1, 0, 1], [0, 0, 1, 1])) < 1e-12)
        // 3 equally likely values, b knows only whether a == 0: I = H(b) = log 3 − (2/3) log 2.
        #expect(abs(mutualInformation([0, 1, 2], [0, 1, 1]) - expected) < 1e-12)
        #expect(discretize([[0], [1], [2], [10]], bins: 5).map { $0[0] } == [0, 0, 1, 4])
    }

    @Test("MIG: codes = factors 1; a duplicated code takes its factor's gap to 0; shuffled codes ≈ 0")
    func mig() {
        let f = grid()
        #expect(abs(mutualInformationGap(codes: codes(f) { $0.map(Double.init) }, factors: f).score - 1) < 1e-9)
        let duplicated = mutualInformationGap(codes: codes(f) { [Double($0[0]), Double($0[0]), Double($0[1]), Double($0[2])] }, factors: f)
        #expect(abs(duplicated.gapPerFactor[0]) < 1e-9 && abs(duplicated.score - 2.0 / 3) < 1e-9)
        // Each code column shuffled across the rows on its own: the codes no longer follow the factors.
        var generator = SeededGenerator(seed: 3)
        let permutations = (0..<3).map { _ in generator.permutation(f.count) }
        let shuffled = Tensor(shape: [f.count, 3], scalars: (0..<f.count).flatMap { i in (0..<3).map { Float(f[permutations[$0][i]][$0]) } })
        #expect(mutualInformationGap(codes: shuffled, factors: f).score < 0.1)
    }

    @Test("SAP: codes = factors ≈ 1 (the gap to an independent code); one code mixing two factors scores low")
    func sap() {
        let f = grid(repeats: 3)
        let exact = codes(f) { $0.map(Double.init) }
        let good = separatedAttributePredictability(trainCodes: exact, trainFactors: f, testCodes: exact, testFactors: f)
        #expect(good.score > 0.99)
        // By hand: R² of c = f0 + f1 for f0 (variance 2/3) is (2/3) / (2/3 + 35/12) = 0.186…
        let mixed = codes(f) { [Double($0[0] + $0[1]), Double($0[2])] }
        let bad = separatedAttributePredictability(trainCodes: mixed, trainFactors: f, testCodes: mixed, testFactors: f)
        #expect(abs(bad.scores[0][0] - (2.0 / 3) / (2.0 / 3 + 35.0 / 12)) < 1e-9)
        #expect(bad.score < 0.7)
    }

    @Test("DCI: importance by hand; codes = factors give D = C = 1, rotated codes low D")
    func dciScoresByHand() {
        #expect(dciScores([[1, 0], [0, 1]]) == (1, 1))
        let flat = dciScores([[1, 1], [1, 1]])
        #expect(abs(flat.disentanglement) < 1e-12 && abs(flat.completeness) < 1e-12)
        let one = dciScores([[1, 0], [1, 0]])  // both codes about factor 0: disentangled but not complete
        #expect(abs(one.disentanglement - 1) < 1e-12 && abs(one.completeness) < 1e-12)
        // Lasso on one unit-variance feature: the least-squares weight shrunk by α.
        let w = lasso([[1], [-1], [1], [-1]], [0.5, -0.5, 0.5, -0.5], alpha: 0.1)
        #expect(abs(w[0] - 0.4) < 1e-9)

        let f = grid(repeats: 3)
        let exact = codes(f) { $0.map(Double.init) }
        let good = dci(trainCodes: exact, trainFactors: f, testCodes: exact, testFactors: f)
        #expect(good.disentanglement > 0.99 && good.completeness > 0.99 && good.informativeness > 0.97)
        let rotated = codes(f) { [Double($0[0]) / 0.82 + Double($0[1]) / 1.71, Double($0[0]) / 0.82 - Double($0[1]) / 1.71, Double($0[2])] }
        let bad = dci(trainCodes: rotated, trainFactors: f, testCodes: rotated, testFactors: f)
        #expect(bad.disentanglement < 0.7)
    }

    @Test("β-VAE and FactorVAE scores: codes = factors ≈ 1, random codes ≈ chance (1/3)")
    func sampledScores() {
        let sizes = [3, 6, 10]
        let exact: ([[Int]]) -> Tensor = { rows in codes(rows) { $0.map(Double.init) } }
        var noise = SeededGenerator(seed: 9)
        let random: ([[Int]]) -> Tensor = { rows in Tensor.randomNormal([rows.count, 3], using: &noise) }
        let beta = betaVAEScore(factorSizes: sizes, trainPoints: 60, testPoints: 40, pairs: 16, seed: 1, encode: exact)
        #expect(beta.test > 0.95)
        let betaRandom = betaVAEScore(factorSizes: sizes, trainPoints: 60, testPoints: 40, pairs: 16, seed: 1, encode: random)
        #expect(betaRandom.test < 0.55)
        let factor = factorVAEScore(factorSizes: sizes, trainVotes: 40, testVotes: 30, batch: 32, varianceSamples: 200, seed: 2, encode: exact)
        #expect(factor.test == 1 && factor.activeDimensions == 3)
        let factorRandom = factorVAEScore(factorSizes: sizes, trainVotes: 40, testVotes: 30, batch: 32, varianceSamples: 200, seed: 2, encode: random)
        #expect(factorRandom.test < 0.6)
    }

    @Test("MIG and SAP equal disent's on the same codes and factors (Fixtures/disent)")
    func disentFixture() throws {
        let file = packageRoot.appendingPathComponent("Fixtures/disent/metrics.json").path
        let json = try JSONValue(parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self))
        let numbers = { (value: JSONValue?) -> [Double] in
            guard case let .array(items)? = value else { return [] }
            return items.compactMap { if case let .number(x) = $0 { x } else { nil } }
        }
        let matrix = { (value: JSONValue?) -> [[Double]] in
            guard case let .array(rows)? = value else { return [] }
            return rows.map { numbers($0) }
        }
        let codeRows = matrix(json["codes"]), factors = matrix(json["factors"]).map { $0.map { Int($0) } }
        guard case let .number(mig)? = json["mig"], case let .number(sap)? = json["sap"],
              codeRows.count == 1000, factors.count == 1000 else { Issue.record("bad fixture \(file)"); return }
        let codes = Tensor(shape: [codeRows.count, codeRows[0].count], scalars: codeRows.flatMap { $0.map { Float($0) } })
        // The fixture's codes are Float values written as Doubles: reading them back as Float is exact.
        #expect(codes.scalars.enumerated().allSatisfy { Double($0.element) == codeRows[$0.offset / 6][$0.offset % 6] })

        let ours = mutualInformationGap(codes: codes, factors: factors)
        let theirsMI = matrix(json["mutual_information"])   // [D][K]
        for d in 0..<6 { for k in 0..<5 {
            #expect(abs(ours.mutualInformation[d][k] - theirsMI[d][k]) < 1e-12, "I(c\(d); v\(k)): \(ours.mutualInformation[d][k]) vs disent \(theirsMI[d][k])")
        } }
        #expect(abs(ours.score - mig) < 1e-12, "MIG \(ours.score), disent \(mig)")

        // disent's continuous SAP scores R² on the codes it fits: pass the sample as both halves.
        let ourSAP = separatedAttributePredictability(trainCodes: codes, trainFactors: factors, testCodes: codes, testFactors: factors)
        let theirsSAP = matrix(json["sap_scores"])
        for d in 0..<6 { for k in 0..<5 {
            #expect(abs(ourSAP.scores[d][k] - theirsSAP[d][k]) < 1e-10, "R²(c\(d), v\(k)): \(ourSAP.scores[d][k]) vs disent \(theirsSAP[d][k])")
        } }
        #expect(abs(ourSAP.score - sap) < 1e-10, "SAP \(ourSAP.score), disent \(sap)")
    }
}
