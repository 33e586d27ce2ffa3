#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binary cross-entropy on probabilities, PyTorch's `F.binary_cross_entropy(p, t, reduction:)`.
///
///     loss = s · Σᵢ −[tᵢ · max(log pᵢ, −100) + (1 − tᵢ) · max(log(1 − pᵢ), −100)]
///     ∂loss/∂pᵢ = s · (pᵢ − tᵢ) / max(pᵢ(1 − pᵢ), 1e−12)
///
/// Both clamps are PyTorch's: the log is clamped at −100 so p = 0 or 1 gives a finite loss, and the
/// gradient's denominator at 1e−12 so it stays finite too. s is the reduction's scale.
/// probabilities: any shape, values in [0, 1]; target: the same shape (usually in [0, 1])
/// → (loss, ∂loss/∂probabilities shaped like probabilities).
public func binaryCrossEntropy(
    _ probabilities: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> (loss: Float, gradient: Tensor) {
    checkSameShape(probabilities, target, "binaryCrossEntropy")
    let n = probabilities.count
    let scale = reduction.scale(for: probabilities.shape)
    var total = 0.0
    let gradient = probabilities.withUnsafeBufferPointer { p in
        target.withUnsafeBufferPointer { t in
            Tensor(shape: probabilities.shape) { g in
                for i in 0..<n {
                    let (pi, ti) = (p[i], t[i])
                    precondition(pi >= 0 && pi <= 1,
                                 "binaryCrossEntropy: probability \(pi) at element \(i) is outside [0, 1]")
                    let logP = max(logf(pi), -100)
                    let logQ = max(logf(1 - pi), -100)
                    total -= Double(ti * logP + (1 - ti) * logQ)
                    g[i] = scale * (pi - ti) / max((1 - pi) * pi, 1e-12)
                }
            }
        }
    }
    return (Float(total * Double(scale)), gradient)
}

/// Binary cross-entropy on logits, PyTorch's `F.binary_cross_entropy_with_logits(x, t, reduction:)`:
/// BCE of σ(x), computed without forming σ(x) so it never overflows or loses precision.
///
///     loss = s · Σᵢ [max(xᵢ, 0) − xᵢ·tᵢ + log(1 + e^−|xᵢ|)]        ∂loss/∂xᵢ = s · (σ(xᵢ) − tᵢ)
///
/// s is the reduction's scale. logits: any shape; target: the same shape
/// → (loss, ∂loss/∂logits shaped like logits).
public func binaryCrossEntropyWithLogits(
    _ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> (loss: Float, gradient: Tensor) {
    checkSameShape(logits, target, "binaryCrossEntropyWithLogits")
    let n = logits.count
    let scale = reduction.scale(for: logits.shape)
    var total = 0.0
    let gradient = logits.withUnsafeBufferPointer { x in
        target.withUnsafeBufferPointer { t in
            Tensor(shape: logits.shape) { g in
                for i in 0..<n {
                    let (xi, ti) = (x[i], t[i])
                    let e = expf(-abs(xi))  // in (0, 1]: never overflows
                    total += Double(max(xi, 0) - xi * ti + log1pf(e))
                    // σ(x) from e^−|x|: 1/(1+e) for x ≥ 0, e/(1+e) for x < 0.
                    let sigma = xi >= 0 ? 1 / (1 + e) : e / (1 + e)
                    g[i] = scale * (sigma - ti)
                }
            }
        }
    }
    return (Float(total * Double(scale)), gradient)
}
