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
            let constants = Constants(lr: lr, momentum: momentum, keep: 1 - dampening, weightDecay: weightDecay,
                                      nesterov: nesterov, firstStep: firstStep)
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
                            while i &+ 16 <= range.upperBound {
                                var pv = load16(p + i)
                                var bv = b.map { load16($0 + i) } ?? SIMD16<Float>()
                                SGD.update(&pv, load16(g + i), &bv, constants)
                                store16(pv, p + i)
                                if let b { store16(bv, b + i) }
                                i &+= 16
                            }
                            guard i < range.upperBound else { return }
                            // The last 1…15 elements go through the same update in zero-padded vectors.
                            let lanes = range.upperBound &- i
                            var (pv, gv, bv) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                            for k in 0..<lanes {
                                (pv[k], gv[k]) = (p[i &+ k], g[i &+ k])
                                if let b { bv[k] = b[i &+ k] }
                            }
                            SGD.update(&pv, gv, &bv, constants)
                            for k in 0..<lanes {
                                p[i &+ k] = pv[k]
                                if let b { b[i &+ k] = bv[k] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The per-step numbers the update needs.
    struct Constants {
        let lr: Float, momentum: Float, keep: Float, weightDecay: Float
        let nesterov: Bool, firstStep: Bool
    }

    /// One SGD update of sixteen parameters p with gradients g and momentum buffer b (torch's order of operations).
    @inline(__always)
    static func update(_ p: inout SIMD16<Float>, _ g: SIMD16<Float>, _ b: inout SIMD16<Float>, _ c: Constants) {
        var d = g.addingProduct(c.weightDecay, p)                    // L2: g + λ·p
        if c.momentum != 0 {
            b = c.firstStep ? d : (c.momentum * b).addingProduct(c.keep, d)  // μ·b + (1 − τ)·d
            d = c.nesterov ? d.addingProduct(c.momentum, b) : b
        }
        p = p.addingProduct(-c.lr, d)
    }
}
