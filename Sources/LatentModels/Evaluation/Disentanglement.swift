#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

// Five scores of disentanglement: how well single code dimensions follow single ground-truth factors.
// Each takes the codes (the encoder's means μ, [N, D]) and the factors that made the images (class
// indices, N rows of K), or, for the two that choose their own images, the factor sizes and a function
// from factor rows to codes. Sample sizes and details follow disentanglement_lib (Locatello et al.
// 2019) unless a doc comment says otherwise.

/// Codes [N, D] as rows of Doubles.
func rows(_ codes: Tensor) -> [[Double]] {
    precondition(codes.rank == 2, "expected codes [N, D], got \(codes.shape)")
    let d = codes.shape[1]
    return (0..<codes.shape[0]).map { i in (0..<d).map { Double(codes.scalars[i * d + $0]) } }
}

// MARK: - MIG

/// The mutual information gap (Chen et al. 2018, §5), with the MI matrix it is computed from.
public struct MIGResult: Sendable {
    /// I(c_d; v_k) in nats, [D][K], each code dimension discretized into `bins` equal-width bins.
    public var mutualInformation: [[Double]]
    /// H(v_k) in nats.
    public var factorEntropy: [Double]
    /// (top − second) I(c; v_k) / H(v_k), for each factor k.
    public var gapPerFactor: [Double]
    /// The mean of `gapPerFactor`.
    public var score: Double
}

/// Discretizes each column into `bins` equal-width bins between its minimum and maximum
/// (`np.histogram` edges then `np.digitize`, as disentanglement_lib's `_histogram_discretize`).
public func discretize(_ codes: [[Double]], bins: Int) -> [[Int]] {
    guard let d = codes.first?.count else { return [] }
    var out = codes.map { _ in [Int](repeating: 0, count: d) }
    for j in 0..<d {
        let column = codes.map { $0[j] }
        let (low, high) = (column.min()!, column.max()!)
        let width = high > low ? (high - low) / Double(bins) : 1
        for i in codes.indices {
            // bin b holds [low + b·w, low + (b+1)·w); the maximum goes into the last bin.
            out[i][j] = high > low ? min(Int(((column[i] - low) / width).rounded(.down)), bins - 1) : 0
        }
    }
    return out
}

/// I(a; b) in nats of two discrete sequences (sklearn's `mutual_info_score`).
public func mutualInformation(_ a: [Int], _ b: [Int]) -> Double {
    precondition(a.count == b.count && !a.isEmpty)
    var joint: [Int: Int] = [:], pa: [Int: Int] = [:], pb: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        joint[x &* 1_000_003 &+ y, default: 0] += 1
        pa[x, default: 0] += 1
        pb[y, default: 0] += 1
    }
    let n = Double(a.count)
    var mi = 0.0
    for (x, y) in zip(a, b) where joint[x &* 1_000_003 &+ y] != nil {
        let key = x &* 1_000_003 &+ y
        let c = Double(joint[key]!)
        joint[key] = nil  // each cell once
        mi += c / n * log(c * n / (Double(pa[x]!) * Double(pb[y]!)))
    }
    return max(mi, 0)
}

/// MIG: for each factor, the gap between the two code dimensions that know most about it, as a
/// fraction of the factor's entropy, averaged over factors:
///
///     MIG = (1/K) Σ_k [I(c_{j(k)}; v_k) − max_{j ≠ j(k)} I(c_j; v_k)] / H(v_k),   j(k) = argmax_j I(c_j; v_k)
///
/// 1 when each factor is known to exactly one dimension and fully; 0 when two dimensions know it equally.
public func mutualInformationGap(codes: Tensor, factors: [[Int]], bins: Int = 20) -> MIGResult {
    let discrete = discretize(rows(codes), bins: bins)
    let (d, k) = (codes.shape[1], factors[0].count)
    let factorColumns = (0..<k).map { j in factors.map { $0[j] } }
    let mi = (0..<d).map { i in (0..<k).map { j in mutualInformation(discrete.map { $0[i] }, factorColumns[j]) } }
    let entropy = factorColumns.map { mutualInformation($0, $0) }
    let gaps = (0..<k).map { j -> Double in
        let sorted = mi.map { $0[j] }.sorted(by: >)
        let second = sorted.count > 1 ? sorted[1] : 0
        return entropy[j] > 0 ? (sorted[0] - second) / entropy[j] : 0
    }
    return MIGResult(mutualInformation: mi, factorEntropy: entropy, gapPerFactor: gaps, score: gaps.reduce(0, +) / Double(k))
}

// MARK: - SAP

/// The separated attribute predictability (Kumar et al. 2018, §3), with its score matrix.
public struct SAPResult: Sendable {
    /// R²(c_d, v_k) on the test half, [D][K].
    public var scores: [[Double]]
    /// (top − second) of each factor's column.
    public var gapPerFactor: [Double]
    /// The mean of `gapPerFactor`.
    public var score: Double
}

/// SAP: for each code dimension d and factor k, how well v_k is predicted from c_d alone; then the gap
/// between the best and the second-best dimension, averaged over factors:
///
///     S[d, k] = R² of the least-squares line v_k ≈ a·c_d + b (fitted on train, scored on test)
///     SAP = (1/K) Σ_k (top − second of S[·, k])
///
/// Kumar et al.'s score for continuous factors, used here for all five (dSprites' factors are ordered
/// values, the shape class counts 0, 1, 2). disentanglement_lib uses a linear SVM's accuracy for discrete
/// factors instead; the README compares the two.
public func separatedAttributePredictability(trainCodes: Tensor, trainFactors: [[Int]], testCodes: Tensor, testFactors: [[Int]]) -> SAPResult {
    let (train, test) = (rows(trainCodes), rows(testCodes))
    let (d, k) = (trainCodes.shape[1], trainFactors[0].count)
    var scores = [[Double]](repeating: [Double](repeating: 0, count: k), count: d)
    for i in 0..<d {
        for j in 0..<k {
            let (a, b) = leastSquaresLine(x: train.map { $0[i] }, y: trainFactors.map { Double($0[j]) })
            let y = testFactors.map { Double($0[j]) }
            let mean = y.reduce(0, +) / Double(y.count)
            var residual = 0.0, total = 0.0
            for (row, target) in zip(test, y) {
                let e = target - (a * row[i] + b)
                residual += e * e
                total += (target - mean) * (target - mean)
            }
            scores[i][j] = total > 0 ? max(0, 1 - residual / total) : 0
        }
    }
    let gaps = (0..<k).map { j -> Double in
        let sorted = scores.map { $0[j] }.sorted(by: >)
        return sorted[0] - (sorted.count > 1 ? sorted[1] : 0)
    }
    return SAPResult(scores: scores, gapPerFactor: gaps, score: gaps.reduce(0, +) / Double(k))
}

/// y ≈ a·x + b by least squares; a = 0 when x is constant.
func leastSquaresLine(x: [Double], y: [Double]) -> (a: Double, b: Double) {
    let n = Double(x.count)
    let (mx, my) = (x.reduce(0, +) / n, y.reduce(0, +) / n)
    var sxy = 0.0, sxx = 0.0
    for (u, v) in zip(x, y) {
        sxy += (u - mx) * (v - my)
        sxx += (u - mx) * (u - mx)
    }
    let a = sxx > 1e-12 ? sxy / sxx : 0
    return (a, my - a * mx)
}

// MARK: - DCI

/// Eastwood & Williams 2018's disentanglement, completeness and informativeness.
public struct DCIResult: Sendable {
    /// R[d, k] = |w_dk|, the weight of code dimension d in the Lasso predicting factor k, [D][K].
    public var importance: [[Double]]
    /// Σ_d ρ_d (1 − H_K(P_d·)): each dimension's importance spread over factors.
    public var disentanglement: Double
    /// Σ_k ρ_k (1 − H_D(P̃_·k)): each factor's importance spread over dimensions.
    public var completeness: Double
    /// The mean test R² of the K Lasso regressions.
    public var informativeness: Double
}

/// DCI with a Lasso regressor (Eastwood & Williams's first choice), on standardized codes and
/// standardized factors, so the weights are comparable across dimensions and factors:
///
///     w_k = argmin_w  (1/2N) ‖ṽ_k − C̃ w‖² + α ‖w‖₁           (coordinate descent)
///     R[d, k] = |w_dk|,  P[d, k] = R[d, k] / Σ_k' R[d, k'],  ρ_d = Σ_k R[d, k] / Σ R
///     D = Σ_d ρ_d (1 − H_K(P[d, ·])),  H_K = entropy in base K (number of factors)
///     C = Σ_k ρ_k (1 − H_D(P̃[·, k])),  P̃[d, k] = R[d, k] / Σ_d' R[d', k],  ρ_k = Σ_d R[d, k] / Σ R
///
/// disentanglement_lib and disent use gradient-boosted trees; the README says why a Lasso here.
public func dci(trainCodes: Tensor, trainFactors: [[Int]], testCodes: Tensor, testFactors: [[Int]], alpha: Double = 0.01) -> DCIResult {
    let (train, test) = (rows(trainCodes), rows(testCodes))
    let (d, k) = (trainCodes.shape[1], trainFactors[0].count)
    // Standardize codes with the training statistics.
    var mean = [Double](repeating: 0, count: d), scale = [Double](repeating: 1, count: d)
    for i in 0..<d {
        let column = train.map { $0[i] }
        mean[i] = column.reduce(0, +) / Double(column.count)
        let variance = column.reduce(0) { $0 + ($1 - mean[i]) * ($1 - mean[i]) } / Double(column.count)
        scale[i] = variance > 1e-12 ? 1 / variance.squareRoot() : 0
    }
    let xs = train.map { row in (0..<d).map { (row[$0] - mean[$0]) * scale[$0] } }
    let ts = test.map { row in (0..<d).map { (row[$0] - mean[$0]) * scale[$0] } }
    var importance = [[Double]](repeating: [Double](repeating: 0, count: k), count: d)
    var r2 = 0.0
    for j in 0..<k {
        let y = trainFactors.map { Double($0[j]) }
        let my = y.reduce(0, +) / Double(y.count)
        let sy = (y.reduce(0) { $0 + ($1 - my) * ($1 - my) } / Double(y.count)).squareRoot()
        let target = y.map { sy > 0 ? ($0 - my) / sy : 0 }
        let w = lasso(xs, target, alpha: alpha)
        for i in 0..<d { importance[i][j] = abs(w[i]) }
        // Test R² in the standardized units.
        let yTest = testFactors.map { sy > 0 ? (Double($0[j]) - my) / sy : 0 }
        let mTest = yTest.reduce(0, +) / Double(yTest.count)
        var residual = 0.0, total = 0.0
        for (row, t) in zip(ts, yTest) {
            var p = 0.0
            for i in 0..<d { p += w[i] * row[i] }
            residual += (t - p) * (t - p)
            total += (t - mTest) * (t - mTest)
        }
        r2 += total > 0 ? max(0, 1 - residual / total) : 0
    }
    let (dis, com) = dciScores(importance)
    return DCIResult(importance: importance, disentanglement: dis, completeness: com, informativeness: r2 / Double(k))
}

/// D and C from an importance matrix R [D][K] (the formulas of `dci`).
public func dciScores(_ importance: [[Double]]) -> (disentanglement: Double, completeness: Double) {
    let d = importance.count, k = importance.first?.count ?? 0
    let total = importance.reduce(0) { $0 + $1.reduce(0, +) }
    guard total > 0, d > 0, k > 0 else { return (0, 0) }
    func oneMinusEntropy(_ p: [Double], base: Int) -> Double {
        let s = p.reduce(0, +)
        guard s > 0, base > 1 else { return base > 1 ? 0 : 1 }
        var h = 0.0
        for x in p where x > 0 { h -= x / s * log(x / s) }
        return 1 - h / log(Double(base))
    }
    var dis = 0.0, com = 0.0
    for i in 0..<d { dis += importance[i].reduce(0, +) / total * oneMinusEntropy(importance[i], base: k) }
    for j in 0..<k {
        let column = importance.map { $0[j] }
        com += column.reduce(0, +) / total * oneMinusEntropy(column, base: d)
    }
    return (dis, com)
}

/// The Lasso by cyclic coordinate descent (scikit-learn's objective): (1/2N)‖y − Xw‖² + α‖w‖₁, no
/// intercept (X and y are centred). Stops when no weight moves by more than 1e-7 or after 1000 sweeps.
public func lasso(_ x: [[Double]], _ y: [Double], alpha: Double) -> [Double] {
    let n = Double(x.count), d = x.first?.count ?? 0
    var w = [Double](repeating: 0, count: d)
    var residual = y
    let norms = (0..<d).map { j in x.reduce(0) { $0 + $1[j] * $1[j] } / n }
    for _ in 0..<1000 {
        var moved = 0.0
        for j in 0..<d where norms[j] > 0 {
            var rho = 0.0
            for (row, r) in zip(x, residual) { rho += row[j] * r }
            rho = rho / n + norms[j] * w[j]
            let new = (rho > alpha ? rho - alpha : rho < -alpha ? rho + alpha : 0) / norms[j]
            let delta = new - w[j]
            if delta != 0 {
                for i in x.indices { residual[i] -= delta * x[i][j] }
                w[j] = new
                moved = max(moved, abs(delta))
            }
        }
        if moved < 1e-7 { break }
    }
    return w
}

// MARK: - Scores that choose their own images

/// Uniformly random factor rows.
func randomFactors(_ sizes: [Int], count: Int, using generator: inout SeededGenerator) -> [[Int]] {
    (0..<count).map { _ in sizes.map { Int(generator.next() % UInt64($0)) } }
}

/// The β-VAE score (Higgins et al. 2017, §3): how well a linear classifier tells, from the mean
/// absolute difference of the codes of `pairs` image pairs that share one factor, which factor that was.
///
///     pick k; draw pairs (v¹, v²) with v²_k = v¹_k, the rest independent; z_diff = (1/L) Σ |μ(v¹) − μ(v²)|
///     score = the test accuracy of a softmax regression (`LinearProbe`) from z_diff to k
///
/// `encode` maps factor rows to codes [n, D] (draw the images, take μ).
public func betaVAEScore(factorSizes: [Int], trainPoints: Int, testPoints: Int, pairs: Int,
                         seed: UInt64, encode: ([[Int]]) -> Tensor) -> (train: Double, test: Double) {
    var generator = SeededGenerator(seed: seed)
    func points(_ n: Int) -> (Tensor, [Int]) {
        var features: [Float] = [], labels: [Int] = []
        var dim = 0
        for _ in 0..<n {
            let k = Int(generator.next() % UInt64(factorSizes.count))
            let first = randomFactors(factorSizes, count: pairs, using: &generator)
            var second = randomFactors(factorSizes, count: pairs, using: &generator)
            for i in 0..<pairs { second[i][k] = first[i][k] }
            let codes = encode(first + second)
            dim = codes.shape[1]
            for j in 0..<dim {
                var s: Float = 0
                for i in 0..<pairs { s += abs(codes.scalars[i * dim + j] - codes.scalars[(pairs + i) * dim + j]) }
                features.append(s / Float(pairs))
            }
            labels.append(k)
        }
        return (Tensor(shape: [n, dim], scalars: features), labels)
    }
    let (trainX, trainY) = points(trainPoints), (testX, testY) = points(testPoints)
    let probe = LinearProbe(features: trainX, labels: trainY, classes: factorSizes.count, seed: seed)
    func accuracy(_ x: Tensor, _ y: [Int]) -> Double {
        Double(zip(probe.predict(x), y).filter { $0 == $1 }.count) / Double(y.count)
    }
    return (accuracy(trainX, trainY), accuracy(testX, testY))
}

/// The FactorVAE score (Kim & Mnih 2018, §4): fix one factor, and the dimension whose (normalized)
/// variance drops most should be the same one every time.
///
///     s_d = std of μ_d over `varianceSamples` random images; active: Var(μ_d) > 0.01
///     a vote: pick k, draw `batch` images with v_k fixed, d* = argmin over active d of Var(μ_d / s_d)
///     classifier: each d predicts the factor it voted for most; score = its accuracy on test votes
public func factorVAEScore(factorSizes: [Int], trainVotes: Int, testVotes: Int, batch: Int, varianceSamples: Int,
                           seed: UInt64, encode: ([[Int]]) -> Tensor) -> (train: Double, test: Double, activeDimensions: Int) {
    var generator = SeededGenerator(seed: seed)
    let all = rows(encode(randomFactors(factorSizes, count: varianceSamples, using: &generator)))
    let d = all.first?.count ?? 0
    let variance = (0..<d).map { j -> Double in
        let m = all.reduce(0) { $0 + $1[j] } / Double(all.count)
        return all.reduce(0) { $0 + ($1[j] - m) * ($1[j] - m) } / Double(all.count - 1)
    }
    let active = (0..<d).filter { variance[$0] > 0.01 }
    guard !active.isEmpty else { return (0, 0, 0) }
    func votes(_ n: Int) -> [[Int]] {
        var table = [[Int]](repeating: [Int](repeating: 0, count: factorSizes.count), count: d)
        for _ in 0..<n {
            let k = Int(generator.next() % UInt64(factorSizes.count))
            var f = randomFactors(factorSizes, count: batch, using: &generator)
            let fixed = f[0][k]
            for i in 0..<batch { f[i][k] = fixed }
            let codes = rows(encode(f))
            let best = active.min { a, b in
                localVariance(codes, a) / variance[a] < localVariance(codes, b) / variance[b]
            }!
            table[best][k] += 1
        }
        return table
    }
    let train = votes(trainVotes), test = votes(testVotes)
    let prediction = train.map { row in row.indices.max { row[$0] < row[$1] }! }
    func accuracy(_ table: [[Int]]) -> Double {
        let correct = table.indices.reduce(0) { $0 + table[$1][prediction[$1]] }
        return Double(correct) / Double(max(1, table.reduce(0) { $0 + $1.reduce(0, +) }))
    }
    return (accuracy(train), accuracy(test), active.count)
}

/// The sample variance (n − 1) of column j.
func localVariance(_ codes: [[Double]], _ j: Int) -> Double {
    let m = codes.reduce(0) { $0 + $1[j] } / Double(codes.count)
    return codes.reduce(0) { $0 + ($1[j] - m) * ($1[j] - m) } / Double(max(1, codes.count - 1))
}
