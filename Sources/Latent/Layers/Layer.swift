/// A trainable tensor and its gradient. Layers own parameters; optimizers update them in place.
public final class Parameter {
    /// The current value (e.g. a weight matrix).
    public var value: Tensor
    /// ∂loss/∂value, accumulated by `backward` until `zeroGrad()`.
    public var grad: Tensor

    /// A parameter starting at `value` with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        self.grad = Tensor.zeros(like: value)
    }

    /// Resets the gradient to zero (PyTorch's `zero_grad`), in place: the buffer is kept, so a step
    /// allocates (and the system zero-fills) no fresh pages for it. A large gradient is cleared by
    /// several threads, each its own slice.
    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { g in
            guard let base = g.baseAddress else { return }
            let shared = UncheckedSendable(base)
            parallelFor(g.count, grain: Parameter.zeroGrain) { range in
                (shared.value + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
    }

    /// A gradient is cleared in slices of at least this many floats, one slice per thread: one of fewer
    /// than twice this many is cleared on the calling thread.
    static let zeroGrain = 1 << 16
}

/// A building block with an explicit forward and backward pass — no tape, no autograd.
///
/// `forward` computes the output and caches what `backward` needs; `backward` takes ∂loss/∂output,
/// adds ∂loss/∂parameter into each parameter's `grad`, and returns ∂loss/∂input. Layers are classes
/// so that a `Sequential`, an optimizer and a checkpoint can all refer to the same parameters.
public protocol Layer: AnyObject {
    /// The output for input `x`; caches what `backward` needs.
    func forward(_ x: Tensor) -> Tensor
    /// ∂loss/∂input for ∂loss/∂output `dy`; accumulates parameter gradients.
    func backward(_ dy: Tensor) -> Tensor
    /// Accumulates the same parameter gradients as `backward(dy)`, bit for bit, without computing
    /// ∂loss/∂input: for a network whose input is data, which needs no gradient (PyTorch does the
    /// same for an input that does not require grad). A Linear layer saves one of its three products.
    func backwardParametersOnly(_ dy: Tensor)
    /// Parameters with their PyTorch names relative to this layer (`"weight"`, `"bias"`, `"0.weight"`).
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// Non-trainable state saved in checkpoints with PyTorch names (`"running_mean"`, …).
    var namedBuffers: [(name: String, value: Tensor)] { get }
    /// Replaces the buffer called `name` (as listed by `namedBuffers`) when loading a checkpoint.
    func setBuffer(_ name: String, to value: Tensor)
    /// Training mode (batch statistics in BatchNorm) or evaluation mode (running statistics).
    var isTraining: Bool { get set }
}

extension Layer {
    /// `backward(dy)` with its result dropped, unless a layer has a cheaper way (Linear, Conv2d, Sequential).
    public func backwardParametersOnly(_ dy: Tensor) { _ = backward(dy) }
    /// The parameters alone, in order (what an optimizer is given).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }
    /// No buffers, unless a layer has some.
    public var namedBuffers: [(name: String, value: Tensor)] { [] }
    /// No buffers to set, unless a layer has some.
    public func setBuffer(_ name: String, to value: Tensor) {
        preconditionFailure("\(type(of: self)) has no buffer named \(name)")
    }
    /// Sets every parameter's gradient to zero.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
