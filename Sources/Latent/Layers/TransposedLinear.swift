/// The decoder half of a tied pair: a fully connected layer that reuses another `Linear`'s weight,
/// transposed. y = x·W + b with W the tied layer's [out, in] weight, so it maps out → in.
///
/// x: [N, tied.out] → y: [N, tied.in]. The weight is one `Parameter` shared with `tied`: it is listed
/// only by `tied` (an optimizer sees it once), and both layers' backward passes add into its `grad`,
/// so after a step W.grad = ∂L/∂W through the encoder + ∂L/∂W through the decoder. `bias` is this
/// layer's own, [tied.in], uniform on ±1/√(tied.out) as PyTorch would draw a Linear(out, in)'s.
public final class TransposedLinear: Layer, CustomStringConvertible {
    /// The layer whose weight is shared.
    public let tied: Linear
    /// b: [tied.inFeatures], or nil when built with `bias: false`.
    public let bias: Parameter?
    /// Training or evaluation mode (no effect).
    public var isTraining = true

    private var cachedInput: Tensor?

    /// The transposed twin of `tied`; the bias (if any) is drawn from `generator`.
    public init(tiedTo tied: Linear, bias: Bool = true, using generator: inout SeededGenerator) {
        self.tied = tied
        self.bias = bias ? Parameter(Initializer.biasUniform(tied.inFeatures, fanIn: tied.outFeatures, using: &generator)) : nil
    }

    /// The shared W: [tied.out, tied.in].
    public var weight: Parameter { tied.weight }

    /// `TransposedLinear(in_features=200, out_features=784, tied)`.
    public var description: String {
        "TransposedLinear(in_features=\(tied.outFeatures), out_features=\(tied.inFeatures), bias=\(bias == nil ? "False" : "True"), tied)"
    }

    /// Only `bias`: the weight belongs to `tied`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        bias.map { [("bias", $0)] } ?? []
    }

    /// x: [N, out] → y = x·W + b: [N, in].
    public func forward(_ x: Tensor) -> Tensor {
        let (inner, outer) = (tied.outFeatures, tied.inFeatures)
        precondition(x.rank == 2 && x.shape[1] == inner, "\(description): expected input [N, \(inner)], got \(x.shape)")
        cachedInput = x
        let n = x.shape[0]
        var y = Tensor.zeros([n, outer])
        if let bias {
            y.withUnsafeMutableBufferPointer { out in
                bias.value.withUnsafeBufferPointer { b in
                    for row in 0..<n { (out.baseAddress! + row * outer).update(from: b.baseAddress!, count: outer) }
                }
            }
        }
        x.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { out in
                    gemm(m: n, n: outer, k: inner, a: x.baseAddress!, lda: inner, b: w.baseAddress!, ldb: outer,
                         beta: bias == nil ? 0 : 1, c: out.baseAddress!, ldc: outer)
                }
            }
        }
        return y
    }

    /// dy: [N, in] → dx = dy·Wᵀ: [N, out]; W.grad += xᵀ·dy (added to what `tied` contributes), db += Σₙ dy.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = cachedInput else { preconditionFailure("\(description): backward before forward") }
        let (inner, outer) = (tied.outFeatures, tied.inFeatures)
        precondition(dy.shape == [x.shape[0], outer], "\(description): dy \(dy.shape) does not match output [\(x.shape[0]), \(outer)]")
        let n = x.shape[0]
        var dx = Tensor.zeros(x.shape)
        dy.withUnsafeBufferPointer { dy in
            x.withUnsafeBufferPointer { x in
                weight.grad.withUnsafeMutableBufferPointer { dw in
                    gemm(transposeA: true, m: inner, n: outer, k: n, a: x.baseAddress!, lda: inner, b: dy.baseAddress!, ldb: outer,
                         beta: 1, c: dw.baseAddress!, ldc: outer)
                }
            }
            weight.value.withUnsafeBufferPointer { w in
                dx.withUnsafeMutableBufferPointer { dx in
                    gemm(transposeB: true, m: n, n: inner, k: outer, a: dy.baseAddress!, lda: outer, b: w.baseAddress!, ldb: outer,
                         c: dx.baseAddress!, ldc: inner)
                }
            }
            if let bias {
                bias.grad.withUnsafeMutableBufferPointer { db in
                    for row in 0..<n { Elementwise.axpy(1, dy.baseAddress! + row * outer, db.baseAddress!, count: outer) }
                }
            }
        }
        return dx
    }
}
