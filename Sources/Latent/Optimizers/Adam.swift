#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam, `torch.optim.Adam` step for step (no AMSGrad; weight decay as L2 added to the gradient).
///
/// For each parameter p with gradient g, at step t = 1, 2, … (λ = weightDecay, β₁, β₂ = betas):
///
///     g ← g + λ·p
///     m ← m + (1 − β₁)(g − m)              (exp_avg: β₁·m + (1 − β₁)·g, as torch's lerp)
///     v ← β₂·v + (1 − β₂)·g²               (exp_avg_sq)
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
///
/// The bias corrections are computed in Double as PyTorch does in Python. The update is one
/// vectorized pass over each parameter (sixteen lanes at a time, split across threads when large).
public final class Adam: Optimizer {
    /// The parameters updated, in order.
    public let parameters: [Parameter]
    /// The learning rate; may be changed between steps (for a schedule).
    public var lr: Float
    /// (β₁, β₂): decay rates of the first and second moment estimates.
    public let betas: (Float, Float)
    /// Added to the denominator for numerical stability.
    public let eps: Float
    /// The L2 penalty λ added to each gradient as λ·p.
    public let weightDecay: Float
    /// Steps taken so far (PyTorch's `state['step']`); restore it with the moments from a checkpoint.
    public var stepCount: Int = 0
    /// First and second moment estimates of each parameter, flat.
    private var moments: [(m: [Float], v: [Float])]

    /// An optimizer for `parameters` with PyTorch's argument names and defaults.
    public init(parameters: [Parameter], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 0) {
        precondition(lr >= 0, "Adam: invalid learning rate \(lr)")
        precondition(eps >= 0, "Adam: invalid eps \(eps)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam: invalid betas \(betas)")
        precondition(weightDecay >= 0, "Adam: invalid weightDecay \(weightDecay)")
        self.parameters = parameters
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.moments = parameters.map {
            ([Float](repeating: 0, count: $0.value.count), [Float](repeating: 0, count: $0.value.count))
        }
    }

    /// Each parameter's first moment estimate (PyTorch's `exp_avg`), shaped like the parameter;
    /// assign to restore from a checkpoint.
    public var expAvg: [Tensor] {
        get { zip(parameters, moments).map { Tensor(shape: $0.value.shape, scalars: $1.m) } }
        set {
            checkState(newValue, "expAvg")
            for i in newValue.indices { moments[i].m = newValue[i].scalars }
        }
    }

    /// Each parameter's second moment estimate (PyTorch's `exp_avg_sq`), shaped like the parameter;
    /// assign to restore from a checkpoint.
    public var expAvgSq: [Tensor] {
        get { zip(parameters, moments).map { Tensor(shape: $0.value.shape, scalars: $1.v) } }
        set {
            checkState(newValue, "expAvgSq")
            for i in newValue.indices { moments[i].v = newValue[i].scalars }
        }
    }

    private func checkState(_ tensors: [Tensor], _ name: String) {
        precondition(tensors.count == parameters.count, "Adam: \(tensors.count) \(name) tensors for \(parameters.count) parameters")
        for (i, tensor) in tensors.enumerated() {
            precondition(tensor.shape == parameters[i].value.shape,
                         "Adam: \(name)[\(i)] has shape \(tensor.shape), parameter has \(parameters[i].value.shape)")
        }
    }

    /// Applies one Adam update to every parameter.
    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let (beta1, beta2) = betas
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(lr) / biasCorrection1)
        let sqrtBC2 = Float(biasCorrection2.squareRoot())
        let (eps, decay, oneMinusBeta1, oneMinusBeta2) = (eps, weightDecay, 1 - beta1, 1 - beta2)
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.value.count
            precondition(parameter.grad.shape == parameter.value.shape,
                         "Adam: parameter \(index) has shape \(parameter.value.shape) but gradient \(parameter.grad.shape)")
            guard count > 0 else { continue }
            precondition(moments[index].m.count == count, "Adam: parameter \(index) changed size since the optimizer was made")
            // Move the moments out while the kernel writes them (no copy, no overlapping access).
            var (mStorage, vStorage) = moments[index]
            moments[index] = ([], [])
            defer { moments[index] = (mStorage, vStorage) }
            parameter.grad.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    mStorage.withUnsafeMutableBufferPointer { m in
                        vStorage.withUnsafeMutableBufferPointer { v in
                            let shared = UncheckedSendable((p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!))
                            parallelFor(count, grain: optimizerGrain) { range in
                                let (p, g, m, v) = shared.value
                                var i = range.lowerBound
                                while i < range.upperBound {
                                    let lanes = min(16, range.upperBound &- i)
                                    var pv = loadLanes(p + i, lanes)
                                    let gv = loadLanes(g + i, lanes).addingProduct(decay, pv)
                                    var mv = loadLanes(m + i, lanes)
                                    mv = mv.addingProduct(oneMinusBeta1, gv - mv)
                                    var vv = loadLanes(v + i, lanes)
                                    vv = (beta2 * vv).addingProduct(oneMinusBeta2 * gv, gv)
                                    let denominator = vv.squareRoot() / sqrtBC2 + eps
                                    pv -= stepSize * mv / denominator
                                    storeLanes(mv, m + i, lanes)
                                    storeLanes(vv, v + i, lanes)
                                    storeLanes(pv, p + i, lanes)
                                    i &+= lanes
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
