/// Updates parameters from their gradients, one `step()` per batch (PyTorch's `torch.optim.Optimizer`).
///
/// The training loop is the same for every optimizer:
///
///     optimizer.zeroGrad()
///     _ = model.forward(x) ...; _ = model.backward(dLoss)
///     optimizer.step()
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in the order it was given them.
    var parameters: [Parameter] { get }
    /// Applies one update to every parameter from its current `grad`.
    func step()
    /// Sets every parameter's gradient to zero (PyTorch's `zero_grad`).
    func zeroGrad()
}

extension Optimizer {
    /// Sets every parameter's gradient to zero (PyTorch's `zero_grad`).
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}

/// Items below which an optimizer update stays on one thread.
let optimizerGrain = 1 << 15

/// Sixteen floats at `p` (unaligned).
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Writes sixteen floats to `p` (unaligned).
@inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
