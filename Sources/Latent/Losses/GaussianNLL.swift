#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The negative log-likelihood of a Gaussian decoder with one variance σ² shared by every pixel,
/// parameterized by log σ²: PyTorch's `F.gaussian_nll_loss(input, target, var, full=True)` with a
/// scalar variance, summed and reduced.
///
///     loss = s · Σᵢ ½ (log 2π + log σ² + (targetᵢ − inputᵢ)² / σ²)
///     ∂loss/∂inputᵢ = s · (inputᵢ − targetᵢ) / σ²
///     ∂loss/∂log σ² = s · Σᵢ ½ (1 − (targetᵢ − inputᵢ)² / σ²)
///
/// s is the reduction's scale (`.batchMean`: nats per image). The last gradient is 0 when σ² is the
/// mean squared error: that is the optimal shared variance (`optimalLogVariance`).
/// input (the decoder's means), target: the same shape → (loss, ∂loss/∂input, ∂loss/∂log σ²).
public func gaussianNLL(
    _ input: Tensor, _ target: Tensor, logVariance: Float, reduction: Reduction = .batchMean
) -> (loss: Float, gradient: Tensor, dLogVariance: Float) {
    checkSameShape(input, target, "gaussianNLL")
    let scale = reduction.scale(for: input.shape)
    let inverseVariance = expf(-logVariance)
    var squares = 0.0
    var gradient = Tensor.zeros(like: input)
    for i in 0..<input.count {
        let d = input.scalars[i] - target.scalars[i]
        squares += Double(d) * Double(d)
        gradient.scalars[i] = scale * d * inverseVariance
    }
    let n = Double(input.count)
    let total = 0.5 * (n * (log(2 * Double.pi) + Double(logVariance)) + squares * Double(inverseVariance))
    let dLogVariance = 0.5 * (n - squares * Double(inverseVariance))
    return (Float(total * Double(scale)), gradient, Float(dLogVariance * Double(scale)))
}

/// log σ² of the shared decoder variance that minimizes `gaussianNLL` for these residuals: the log of
/// the mean squared error (Rybkin et al. 2021's optimal σ-VAE), floored at `minimum` so a perfect fit
/// stays finite. input, target: the same shape → log σ².
public func optimalLogVariance(_ input: Tensor, _ target: Tensor, minimum: Float = 1e-6) -> Float {
    checkSameShape(input, target, "optimalLogVariance")
    var squares = 0.0
    for i in 0..<input.count {
        let d = Double(input.scalars[i] - target.scalars[i])
        squares += d * d
    }
    return Float(log(max(squares / Double(max(input.count, 1)), Double(minimum))))
}
