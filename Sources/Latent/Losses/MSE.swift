/// Mean squared error, PyTorch's `F.mse_loss(input, target, reduction:)`, with its gradient.
///
///     loss = s · Σᵢ (inputᵢ − targetᵢ)²        ∂loss/∂inputᵢ = 2s · (inputᵢ − targetᵢ)
///
/// where s is the reduction's scale (1/count for `.mean`, 1 for `.sum`, 1/N for `.batchMean`).
/// input, target: any shape, the same for both → (loss, ∂loss/∂input shaped like input).
/// The gradient w.r.t. target is the negative of the one returned.
public func mse(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> (loss: Float, gradient: Tensor) {
    checkSameShape(input, target, "mse")
    let scale = reduction.scale(for: input.shape)
    var sum = SquaredErrorSum()
    let gradient = input.withUnsafeBufferPointer { x in
        target.withUnsafeBufferPointer { t in
            Tensor(shape: input.shape) { g in
                sum.add(x.baseAddress!, t.baseAddress!, count: input.count, gradient: g.baseAddress!, gradientScale: 2 * scale)
            }
        }
    }
    return (Float(sum.value * Double(scale)), gradient)
}

/// Σᵢ (xᵢ − tᵢ)², summed as `mse` sums it: sixteen lanes at a time in Float, the lanes flushed into a
/// Double every 4,096 elements so that long sums keep their precision, the last count mod 16 elements
/// one at a time.
///
/// The elements may come in pieces, e.g. a batch of reconstructions at a time, so that the whole
/// tensors never exist at once: the sum is then the very same Double as over the pieces joined, as
/// long as every piece but the last is a multiple of 16 elements long (`add` traps otherwise).
public struct SquaredErrorSum {
    private var total = 0.0
    private var lanes = SIMD16<Float>()
    /// Elements added so far; the flushes fall where they would in one tensor.
    private var index = 0
    /// Whether a piece that is not a multiple of 16 long has been added (it must be the last).
    private var closed = false

    public init() {}

    /// The sum of the elements added so far.
    public var value: Double { total + Double(lanes.sum()) }

    /// Adds the next `count` elements' squared differences; with `gradient`, also writes
    /// gradientScale · (xᵢ − tᵢ) there.
    public mutating func add(
        _ x: UnsafePointer<Float>, _ t: UnsafePointer<Float>, count n: Int,
        gradient g: UnsafeMutablePointer<Float>? = nil, gradientScale: Float = 0
    ) {
        precondition(!closed, "SquaredErrorSum: only the last piece may have a length that is not a multiple of 16")
        var i = 0
        while i &+ 16 <= n {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                - UnsafeRawPointer(t + i).loadUnaligned(as: SIMD16<Float>.self)
            lanes = lanes.addingProduct(d, d)
            if let g { UnsafeMutableRawPointer(g + i).storeBytes(of: gradientScale * d, as: SIMD16<Float>.self) }
            i &+= 16
            index &+= 16
            if index & 4095 == 0 {
                total += Double(lanes.sum())
                lanes = SIMD16<Float>()
            }
        }
        guard i < n else { return }
        closed = true
        total += Double(lanes.sum())
        lanes = SIMD16<Float>()
        while i < n {
            let d = x[i] - t[i]
            total += Double(d * d)
            g?[i] = gradientScale * d
            i &+= 1
        }
    }
}
