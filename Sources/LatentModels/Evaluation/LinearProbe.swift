import Latent

/// A linear probe: softmax regression on frozen features, to ask how much of the label a code holds
/// in a linearly readable form. Built from the framework's own pieces: a `Linear` layer D → classes,
/// `softmaxCrossEntropy`, and Adam.
///
/// Features are standardized first (each column minus its mean, over its standard deviation, both
/// measured on `statistics`: the unlabelled training codes, which a semi-supervised learner has).
/// Training: `steps` Adam steps on minibatches of `batchSize` labelled examples (all of them when
/// fewer), drawn epoch by epoch in a seeded shuffle, with L2 weight decay `weightDecay`.
public final class LinearProbe {
    /// The classifier: logits = standardized(features)·Wᵀ + b.
    public let layer: Linear
    /// Per-column mean and 1/std of the standardization.
    public let mean: [Float], inverseStd: [Float]
    /// The training loss (mean cross-entropy) of each step.
    public private(set) var losses: [Float] = []

    /// Fits the probe on `features` [N, D] with `labels` (N integers in 0..<classes).
    public init(features: Tensor, labels: [Int], classes: Int, statistics: Tensor? = nil, steps: Int = 2000,
                batchSize: Int = 256, lr: Float = 1e-2, weightDecay: Float = 1e-3, seed: UInt64 = 0) {
        precondition(features.rank == 2 && features.shape[0] == labels.count && !labels.isEmpty,
                     "LinearProbe: features must be [N, D] with N = \(labels.count) labels, got \(features.shape)")
        let d = features.shape[1]
        let stats = statistics ?? features
        precondition(stats.rank == 2 && stats.shape[1] == d, "LinearProbe: statistics must be [M, \(d)], got \(stats.shape)")
        var mean = [Float](repeating: 0, count: d), inverseStd = [Float](repeating: 1, count: d)
        let rows = stats.shape[0]
        for j in 0..<d {
            var (sum, squares) = (0.0, 0.0)
            for i in 0..<rows {
                let v = Double(stats.scalars[i * d + j])
                sum += v
                squares += v * v
            }
            let m = sum / Double(rows)
            let variance = max(squares / Double(rows) - m * m, 0)
            mean[j] = Float(m)
            inverseStd[j] = variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1
        }
        self.mean = mean
        self.inverseStd = inverseStd
        var generator = SeededGenerator(seed: seed)
        layer = Linear(inFeatures: d, outFeatures: classes, using: &generator)
        let adam = Adam(parameters: layer.parameters, lr: lr, weightDecay: weightDecay)
        let x = standardized(features)
        let n = labels.count, batch = min(batchSize, n)
        var order = Array(0..<n), position = n
        for _ in 0..<steps {
            if position + batch > n {
                order.shuffle(using: &generator)
                position = 0
            }
            let indices = Array(order[position..<position + batch])
            position += batch
            let xb = Tensor(shape: [batch, d], scalars: indices.flatMap { x.scalars[$0 * d..<($0 + 1) * d] })
            layer.zeroGrad()
            let (loss, dLogits) = softmaxCrossEntropy(layer.forward(xb), labels: indices.map { labels[$0] })
            layer.backwardParametersOnly(dLogits)
            adam.step()
            losses.append(loss)
        }
    }

    /// (features − mean) / std, column by column: [N, D] → [N, D].
    public func standardized(_ features: Tensor) -> Tensor {
        let d = mean.count
        precondition(features.rank == 2 && features.shape[1] == d, "LinearProbe: features must be [N, \(d)], got \(features.shape)")
        var out = features
        for i in 0..<features.shape[0] {
            for j in 0..<d { out.scalars[i * d + j] = (features.scalars[i * d + j] - mean[j]) * inverseStd[j] }
        }
        return out
    }

    /// The most likely class of each row of `features` [N, D] (the lowest index among equal logits).
    public func predict(_ features: Tensor) -> [Int] {
        let logits = layer.forward(standardized(features))
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { i in
            var best = 0
            for c in 1..<classes where logits.scalars[i * classes + c] > logits.scalars[i * classes + best] { best = c }
            return best
        }
    }
}
