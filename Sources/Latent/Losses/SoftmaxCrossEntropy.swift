#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cross-entropy of a softmax over classes against integer labels, PyTorch's
/// `F.cross_entropy(logits, labels, reduction:)`, with its gradient.
///
///     pₙ = softmax(logitsₙ)                      computed as exp(logitsₙc − maxₙ) / Σ exp(· − maxₙ)
///     loss = s · Σₙ −log pₙ,yₙ = s · Σₙ (log Σc exp(logitsₙc) − logitsₙ,yₙ)
///     ∂loss/∂logitsₙc = s · (pₙc − [c = yₙ])
///
/// logits: [N, C], labels: N integers in 0..<C → (loss, ∂loss/∂logits [N, C]). s is the reduction's
/// scale over the N examples: `.mean` and `.batchMean` both divide by N (one term per example, as
/// PyTorch's 'mean'), `.sum` by 1. Subtracting the row's maximum keeps exp finite for any logits.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int], reduction: Reduction = .mean) -> (loss: Float, gradient: Tensor) {
    precondition(logits.rank == 2, "softmaxCrossEntropy: logits must be [N, C], got \(logits.shape)")
    let (n, classes) = (logits.shape[0], logits.shape[1])
    precondition(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows of logits")
    precondition(labels.allSatisfy { (0..<classes).contains($0) }, "softmaxCrossEntropy: labels must lie in 0..<\(classes)")
    let scale: Float = reduction == .sum ? 1 : 1 / Float(max(n, 1))
    var total = 0.0
    var gradient = Tensor.zeros([n, classes])
    logits.withUnsafeBufferPointer { z in
        gradient.withUnsafeMutableBufferPointer { g in
            for row in 0..<n {
                let zRow = z.baseAddress! + row * classes, gRow = g.baseAddress! + row * classes
                var largest = zRow[0]
                for c in 1..<classes { largest = max(largest, zRow[c]) }
                var sum = 0.0
                for c in 0..<classes {
                    let e = exp(Double(zRow[c] - largest))
                    gRow[c] = Float(e)
                    sum += e
                }
                total += log(sum) + Double(largest) - Double(zRow[labels[row]])
                for c in 0..<classes { gRow[c] = scale * (Float(Double(gRow[c]) / sum) - (c == labels[row] ? 1 : 0)) }
            }
        }
    }
    return (Float(total * Double(scale)), gradient)
}
