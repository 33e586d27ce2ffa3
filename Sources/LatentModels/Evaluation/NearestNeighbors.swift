import Latent

/// k-nearest-neighbour classification by Euclidean distance: each query gets the majority label of
/// its k closest reference points.
///
/// Distances come from one GEMM per block of queries, ‖q − r‖² = ‖q‖² − 2 q·r + ‖r‖² (the ‖q‖² term
/// is the same for every reference of a query, so it is left out of the ranking), which makes 10,000
/// queries against 60,000 references of 64 numbers a few seconds. Ties are broken deterministically:
/// between equally distant references the one with the smaller index counts as nearer, and between
/// classes with the same number of votes the one whose nearest member comes first wins.
public struct NearestNeighbors: Sendable {
    /// The labelled points: [M, D].
    public let references: Tensor
    /// Their labels, M integers ≥ 0.
    public let labels: [Int]
    private let squaredNorms: [Float]

    /// A classifier that remembers `references` [M, D] and their `labels`.
    public init(references: Tensor, labels: [Int]) {
        precondition(references.rank == 2 && references.shape[0] == labels.count && !labels.isEmpty,
                     "NearestNeighbors: references must be [M, D] with M = \(labels.count) labels, got \(references.shape)")
        precondition(labels.allSatisfy { $0 >= 0 }, "NearestNeighbors: labels must be ≥ 0")
        self.references = references
        self.labels = labels
        let d = references.shape[1]
        squaredNorms = (0..<labels.count).map { i in
            var total: Float = 0
            for j in i * d..<(i + 1) * d { total += references.scalars[j] * references.scalars[j] }
            return total
        }
    }

    /// The indices of the k nearest references of each query, nearest first: queries [N, D] → N lists.
    public func neighbors(of queries: Tensor, k: Int, block: Int = 256) -> [[Int]] {
        let (m, d) = (references.shape[0], references.shape[1])
        precondition(queries.rank == 2 && queries.shape[1] == d, "NearestNeighbors: queries must be [N, \(d)], got \(queries.shape)")
        precondition(k >= 1 && k <= m, "NearestNeighbors: k must be in 1…\(m), got \(k)")
        let n = queries.shape[0]
        var result: [[Int]] = []
        result.reserveCapacity(n)
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            // dots[i, j] = q_i · r_j
            var dots = Tensor.zeros([rows, m])
            queries.withUnsafeBufferPointer { q in
                references.withUnsafeBufferPointer { r in
                    dots.withUnsafeMutableBufferPointer { c in
                        gemm(transposeB: true, m: rows, n: m, k: d, a: q.baseAddress! + start * d, lda: d,
                             b: r.baseAddress!, ldb: d, c: c.baseAddress!, ldc: m)
                    }
                }
            }
            dots.withUnsafeBufferPointer { dots in
                for i in 0..<rows {
                    // The k best (distance, index) so far, sorted; a later index never beats an equal distance.
                    var best: [(Float, Int)] = []
                    best.reserveCapacity(k + 1)
                    let row = dots.baseAddress! + i * m
                    for j in 0..<m {
                        let distance = squaredNorms[j] - 2 * row[j]
                        if best.count == k && distance >= best[k - 1].0 { continue }
                        var position = best.count
                        while position > 0 && best[position - 1].0 > distance { position -= 1 }
                        best.insert((distance, j), at: position)
                        if best.count > k { best.removeLast() }
                    }
                    result.append(best.map(\.1))
                }
            }
            start += rows
        }
        return result
    }

    /// The predicted label of each query for every k in `ks` (one distance pass): [ks.count][N].
    public func predict(_ queries: Tensor, ks: [Int]) -> [[Int]] {
        let lists = neighbors(of: queries, k: ks.max()!)
        return ks.map { k in lists.map { vote(Array($0.prefix(k))) } }
    }

    /// The majority label among `neighbors` (nearest first); a tie goes to the class seen first.
    func vote(_ neighbors: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        var order: [Int] = []
        for index in neighbors {
            let label = labels[index]
            if counts[label] == nil { order.append(label) }
            counts[label, default: 0] += 1
        }
        let most = counts.values.max()!
        return order.first { counts[$0] == most }!
    }
}

/// The fraction of `predicted` equal to `labels`.
public func accuracy(_ predicted: [Int], _ labels: [Int]) -> Double {
    precondition(predicted.count == labels.count && !labels.isEmpty, "accuracy: \(predicted.count) predictions for \(labels.count) labels")
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
}
