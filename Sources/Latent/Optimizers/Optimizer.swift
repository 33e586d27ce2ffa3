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

/// The `lanes` (1…16) floats at `p` as a vector, zero-padded: one update body serves the SIMD loop and the tail.
@inline(__always)
func loadLanes(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
    if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
    var v = SIMD16<Float>()
    for k in 0..<lanes { v[k] = p[k] }
    return v
}

/// Writes the first `lanes` (1…16) elements of `v` to `p`.
@inline(__always)
func storeLanes(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 16 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        return
    }
    for k in 0..<lanes { p[k] = v[k] }
}
