import Latent
import LatentData

/// `count` training indices with the same number of each class (count / classes each, the first of
/// each class in a seeded shuffle), sorted; all indices when `count` is nil.
/// - Precondition: `count` is a multiple of `classes` and every class has enough examples.
public func balancedLabelSubset(_ labels: [Int], count: Int?, classes: Int, seed: UInt64) -> [Int] {
    guard let count else { return Array(labels.indices) }
    precondition(count % classes == 0, "balancedLabelSubset: \(count) is not a multiple of \(classes) classes")
    var generator = SeededGenerator(seed: seed)
    var order = Array(labels.indices)
    order.shuffle(using: &generator)
    var taken = [Int](repeating: 0, count: classes), chosen: [Int] = []
    for index in order where taken[labels[index]] < count / classes {
        taken[labels[index]] += 1
        chosen.append(index)
    }
    precondition(chosen.count == count, "balancedLabelSubset: some class has fewer than \(count / classes) examples")
    return chosen.sorted()
}

/// Test accuracies of a linear probe and of k-NN (k = 1 and 5) on codes, trained with a fixed
/// number of labels.
public struct CodeProbeResult: Sendable {
    /// Labelled training codes used (nil in `labelCounts` = all).
    public var labels: Int
    /// Softmax regression on standardized codes.
    public var probe: Double
    /// 1-NN and 5-NN, Euclidean on the raw codes.
    public var knn1: Double, knn5: Double
    /// Seconds for this label count (probe + k-NN).
    public var seconds: Double

    /// {"labels", "linear_probe", "knn1", "knn5", "seconds"}.
    public var json: JSONValue {
        ["labels": .number(Double(labels)), "linear_probe": .number(probe), "knn1": .number(knn1), "knn5": .number(knn5),
         "seconds": .number(seconds)]
    }
}

/// Probes codes with 100, 1,000 and all training labels (the subsets balanced per class and fixed by
/// `seed`): train codes [N, D] with their labels, test codes [M, D] with theirs.
public func probeCodes(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int],
                       labelCounts: [Int?] = [100, 1000, nil], classes: Int = 10, seed: UInt64 = 0) -> [CodeProbeResult] {
    let d = train.shape[1]
    return labelCounts.map { count in
        let clock = Stopwatch()
        let chosen = balancedLabelSubset(trainLabels, count: count, classes: classes, seed: seed)
        let x = Tensor(shape: [chosen.count, d], scalars: chosen.flatMap { train.scalars[$0 * d..<($0 + 1) * d] })
        let y = chosen.map { trainLabels[$0] }
        let probe = LinearProbe(features: x, labels: y, classes: classes, statistics: train, seed: seed)
        let knn = NearestNeighbors(references: x, labels: y).predict(test, ks: [1, 5])
        return CodeProbeResult(labels: chosen.count, probe: accuracy(probe.predict(test), testLabels),
                               knn1: accuracy(knn[0], testLabels), knn5: accuracy(knn[1], testLabels),
                               seconds: clock.seconds)
    }
}
