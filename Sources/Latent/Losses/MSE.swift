/// Mean squared error, PyTorch's `F.mse_loss(input, target, reduction:)`, with its gradient.
///
///     loss = s · Σᵢ (inputᵢ − targetᵢ)²        ∂loss/∂inputᵢ = 2s · (inputᵢ − targetᵢ)
///
/// where s is the reduction's scale (1/count for `.mean`, 1 for `.sum`, 1/N for `.batchMean`).
/// input, target: any shape, the same for both → (loss, ∂loss/∂input shaped like input).
/// The gradient w.r.t. target is the negative of the one returned.
public func mse(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> (loss: Float, gradient: Tensor) {
    checkSameShape(input, target, "mse")
    let n = input.count
    let scale = reduction.scale(for: input.shape)
    var total = 0.0
    let gradient = input.withUnsafeBufferPointer { x in
        target.withUnsafeBufferPointer { t in
            Tensor(shape: input.shape) { g in
                let (x, t, g) = (x.baseAddress!, t.baseAddress!, g.baseAddress!)
                let twoScale = 2 * scale
                var lanes = SIMD16<Float>()
                var i = 0
                while i &+ 16 <= n {
                    let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                        - UnsafeRawPointer(t + i).loadUnaligned(as: SIMD16<Float>.self)
                    lanes = lanes.addingProduct(d, d)
                    UnsafeMutableRawPointer(g + i).storeBytes(of: twoScale * d, as: SIMD16<Float>.self)
                    i &+= 16
                    if i & 4095 == 0 {  // flush to Double now and then so long sums keep their precision
                        total += Double(lanes.sum())
                        lanes = SIMD16<Float>()
                    }
                }
                total += Double(lanes.sum())
                while i < n {
                    let d = x[i] - t[i]
                    total += Double(d * d)
                    g[i] = twoScale * d
                    i &+= 1
                }
            }
        }
    }
    return (Float(total * Double(scale)), gradient)
}
