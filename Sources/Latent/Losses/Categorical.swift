#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The two pieces of the semi-supervised VAE's unlabelled bound (Kingma et al. 2014, eq. 7) that touch
// the classifier q(y|x): an expectation over the classes under q, and q's entropy. Both take q's
// logits, so their gradients go straight into the classifier's last layer.
//
//     U(x) = Σ_y q(y|x) · (−ELBO(x, y)) − H(q(y|x))
//          = categoricalExpectation(logits, values: −ELBO(x, ·)) − categoricalEntropy(logits)

/// Row-wise softmax of logits [N, C], shifted by each row's maximum so exp stays finite.
public func softmaxRows(_ logits: Tensor) -> Tensor {
    precondition(logits.rank == 2, "softmaxRows: logits must be [N, C], got \(logits.shape)")
    let (n, classes) = (logits.shape[0], logits.shape[1])
    var out = logits
    for row in 0..<n {
        let base = row * classes
        var largest = logits.scalars[base]
        for c in 1..<classes { largest = max(largest, logits.scalars[base + c]) }
        var sum = 0.0
        for c in 0..<classes {
            let e = exp(Double(logits.scalars[base + c] - largest))
            out.scalars[base + c] = Float(e)
            sum += e
        }
        for c in 0..<classes { out.scalars[base + c] = Float(Double(out.scalars[base + c]) / sum) }
    }
    return out
}

/// The entropy of the categorical distribution q = softmax(logits), row by row, with its gradient.
///
///     H(qₙ) = −Σ_c qₙc log qₙc,     log qₙc = logitsₙc − log Σ_c' exp(logitsₙc')
///     ∂H/∂logitsₙc = −qₙc (log qₙc + H(qₙ))
///
/// logits [N, C] → (s · Σₙ H(qₙ), ∂/∂logits [N, C]), s = 1 for `.sum`, 1/N otherwise.
public func categoricalEntropy(_ logits: Tensor, reduction: Reduction = .sum) -> (loss: Float, gradient: Tensor) {
    precondition(logits.rank == 2, "categoricalEntropy: logits must be [N, C], got \(logits.shape)")
    let (n, classes) = (logits.shape[0], logits.shape[1])
    let scale = reduction == .sum ? 1 : 1 / Double(max(n, 1))
    let q = softmaxRows(logits)
    var gradient = Tensor.zeros([n, classes])
    var total = 0.0
    for row in 0..<n {
        let base = row * classes
        var largest = logits.scalars[base]
        for c in 1..<classes { largest = max(largest, logits.scalars[base + c]) }
        var sum = 0.0
        for c in 0..<classes { sum += exp(Double(logits.scalars[base + c] - largest)) }
        let logNormalizer = Double(largest) + log(sum)
        var entropy = 0.0
        for c in 0..<classes { entropy -= Double(q.scalars[base + c]) * (Double(logits.scalars[base + c]) - logNormalizer) }
        for c in 0..<classes {
            let logQ = Double(logits.scalars[base + c]) - logNormalizer
            gradient.scalars[base + c] = Float(-scale * Double(q.scalars[base + c]) * (logQ + entropy))
        }
        total += entropy
    }
    return (Float(total * scale), gradient)
}

/// The expectation of per-class values under q = softmax(logits), row by row: the sum over y of the
/// unlabelled bound, with gradients into both the logits and the values.
///
///     Eₙ = Σ_c qₙc · valuesₙc
///     ∂E/∂valuesₙc = qₙc                          (each class's term is weighted by its probability)
///     ∂E/∂logitsₙc = qₙc (valuesₙc − Eₙ)          (q moves toward the classes with smaller values)
///
/// logits, values [N, C] → (s · Σₙ Eₙ, ∂/∂logits, ∂/∂values), s = 1 for `.sum`, 1/N otherwise.
public func categoricalExpectation(_ logits: Tensor, values: Tensor, reduction: Reduction = .sum)
    -> (loss: Float, dLogits: Tensor, dValues: Tensor)
{
    precondition(logits.rank == 2 && values.shape == logits.shape,
                 "categoricalExpectation: logits and values must both be [N, C], got \(logits.shape) and \(values.shape)")
    let (n, classes) = (logits.shape[0], logits.shape[1])
    let scale = reduction == .sum ? 1 : 1 / Double(max(n, 1))
    let q = softmaxRows(logits)
    var dLogits = Tensor.zeros([n, classes])
    var total = 0.0
    for row in 0..<n {
        let base = row * classes
        var expectation = 0.0
        for c in 0..<classes { expectation += Double(q.scalars[base + c]) * Double(values.scalars[base + c]) }
        for c in 0..<classes {
            dLogits.scalars[base + c] = Float(scale * Double(q.scalars[base + c]) * (Double(values.scalars[base + c]) - expectation))
        }
        total += expectation
    }
    return (Float(total * scale), dLogits, q * Float(scale))
}

/// One-hot rows: labels (N integers in 0..<classes) → [N, classes] with a 1 at each label.
public func oneHot(_ labels: [Int], classes: Int) -> Tensor {
    precondition(labels.allSatisfy { (0..<classes).contains($0) }, "oneHot: labels must lie in 0..<\(classes)")
    var out = Tensor.zeros([labels.count, classes])
    for (row, label) in labels.enumerated() { out.scalars[row * classes + label] = 1 }
    return out
}
