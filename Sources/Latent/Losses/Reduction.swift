/// How a loss turns per-element terms into one number, named as in PyTorch's `reduction=` argument.
public enum Reduction: String, Sendable, CaseIterable {
    /// The mean over all elements (PyTorch's `'mean'`, the default of `mse_loss` and `binary_cross_entropy`).
    case mean
    /// The sum over all elements (`'sum'`).
    case sum
    /// The sum divided by the batch size N = shape[0] (`'batchmean'`): per-example totals, averaged
    /// over the batch — the usual VAE convention for the KL term.
    case batchMean

    /// The factor that turns the sum of the per-element terms of `shape` into the reduced loss;
    /// it is also the factor in every element's gradient.
    public func scale(for shape: [Int]) -> Float {
        switch self {
        case .mean: return 1 / Float(max(Tensor.count(of: shape), 1))
        case .sum: return 1
        case .batchMean: return 1 / Float(max(shape.first ?? 1, 1))
        }
    }
}
