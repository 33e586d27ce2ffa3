/// Stochastic gradient descent with momentum, `torch.optim.SGD` step for step.
///
/// For each parameter p with gradient g (λ = weightDecay, μ = momentum, τ = dampening):
///
///     g ← g + λ·p                                  (L2 weight decay, added to the gradient)
///     b ← g on the first step, else μ·b + (1 − τ)·g (momentum buffer, only when μ ≠ 0)
///     g ← g + μ·b if nesterov, else b
///     p ← p − lr·g
public final class SGD: Optimizer {
    /// The parameters updated, in order.
    public let parameters: [Parameter]
    /// The learning rate; may be changed between steps (for a schedule).
    public var lr: Float
    /// The momentum factor μ (0: plain SGD).
    public let momentum: Float
    /// The dampening τ of the momentum buffer.
    public let dampening: Float
    /// The L2 penalty λ added to each gradient as λ·p.
    public let weightDecay: Float
    /// Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch).
    public let nesterov: Bool
    /// The momentum buffer of each parameter (PyTorch's `momentum_buffer`), empty before the first step.
    private var buffers: [[Float]]

    /// An optimizer for `parameters` with PyTorch's argument names and defaults.
    public init(parameters: [Parameter], lr: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(lr >= 0, "SGD: invalid learning rate \(lr)")
        precondition(momentum >= 0, "SGD: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "SGD: invalid weightDecay \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum requires a momentum and zero dampening")
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.buffers = parameters.map { _ in [] }
    }

    /// The momentum buffers as tensors shaped like their parameters (nil before the first step or
    /// without momentum); assign to restore them from a checkpoint.
    public var momentumBuffers: [Tensor?] {
        get {
            zip(parameters, buffers).map { parameter, buffer in
                buffer.isEmpty ? nil : Tensor(shape: parameter.value.shape, scalars: buffer)
            }
        }
        set {
            precondition(newValue.count == parameters.count,
                         "SGD: \(newValue.count) momentum buffers for \(parameters.count) parameters")
            for (i, buffer) in newValue.enumerated() {
                if let buffer {
                    precondition(buffer.shape == parameters[i].value.shape,
                                 "SGD: momentum buffer \(i) has shape \(buffer.shape), parameter has \(parameters[i].value.shape)")
                }
                buffers[i] = buffer?.scalars ?? []
            }
        }
    }

    /// Applies one SGD update to every parameter.
    public func step() {
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.value.count
            precondition(parameter.grad.shape == parameter.value.shape,
                         "SGD: parameter \(index) has shape \(parameter.value.shape) but gradient \(parameter.grad.shape)")
            guard count > 0 else { continue }
            let firstStep = momentum != 0 && buffers[index].isEmpty
            if firstStep { buffers[index] = [Float](repeating: 0, count: count) }
            let (lr, mu, decay, keep) = (lr, momentum, weightDecay, 1 - dampening)
            let nesterov = nesterov
            // Move the buffer out while the kernel writes it (no copy, no overlapping access).
            var bufferStorage = buffers[index]
            buffers[index] = []
            defer { buffers[index] = bufferStorage }
            parameter.grad.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    bufferStorage.withUnsafeMutableBufferPointer { b in
                        let buffer = momentum != 0 ? b.baseAddress : nil
                        let shared = UncheckedSendable((p.baseAddress!, g.baseAddress!, buffer))
                        parallelFor(count, grain: optimizerGrain) { range in
                            let (p, g, b) = shared.value
                            var i = range.lowerBound
                            while i < range.upperBound {
                                let lanes = min(16, range.upperBound &- i)
                                var pv = loadLanes(p + i, lanes)
                                var d = loadLanes(g + i, lanes).addingProduct(decay, pv)
                                if let b {
                                    var bv = loadLanes(b + i, lanes)
                                    bv = firstStep ? d : (mu * bv).addingProduct(keep, d)
                                    d = nesterov ? d.addingProduct(mu, bv) : bv
                                    storeLanes(bv, b + i, lanes)
                                }
                                pv = pv.addingProduct(-lr, d)
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
