/// A fully connected layer, PyTorch's `nn.Linear`: y = x·Wᵀ + b.
///
/// x: [N, in] → y: [N, out]. `weight` is [out, in], `bias` is [out]; both start uniform on ±1/√in.
public final class Linear: Layer, CustomStringConvertible {
    /// The number of input features.
    public let inFeatures: Int
    /// The number of output features.
    public let outFeatures: Int
    /// W: [out, in].
    public let weight: Parameter
    /// b: [out], or nil when built with `bias: false`.
    public let bias: Parameter?
    /// Training or evaluation mode (no effect on Linear).
    public var isTraining = true

    private var cachedInput: Tensor?

    /// A Linear layer initialized as PyTorch does (weight, then bias, drawn from `generator`).
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, using generator: inout SeededGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Initializer.kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures, using: &generator))
        self.bias = bias ? Parameter(Initializer.biasUniform(outFeatures, fanIn: inFeatures, using: &generator)) : nil
    }

    /// `Linear(in_features=256, out_features=64, bias=True)`.
    public var description: String {
        "Linear(in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias == nil ? "False" : "True"))"
    }

    /// `weight`, then `bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// x: [N, in] → y = x·Wᵀ + b: [N, out].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inFeatures,
                     "\(description): expected input [N, \(inFeatures)], got \(x.shape)")
        cachedInput = x
        let n = x.shape[0]
        // Every element is written: the bias, then x·Wᵀ added (beta = 1), or x·Wᵀ alone (beta = 0).
        let y = Tensor(shape: [n, outFeatures]) { out in
            if let bias {
                bias.value.withUnsafeBufferPointer { b in
                    for row in 0..<n { (out.baseAddress! + row * outFeatures).initialize(from: b.baseAddress!, count: outFeatures) }
                }
            }
            x.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    gemm(transposeB: true, m: n, n: outFeatures, k: inFeatures,
                         a: x.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                         beta: bias == nil ? 0 : 1, c: out.baseAddress!, ldc: outFeatures)
                }
            }
        }
        return y
    }

    /// dy: [N, out] → dx = dy·W: [N, in]; dW += dyᵀ·x, db += Σₙ dy.
    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true)! }

    /// dW and db as `backward` accumulates them, without dx = dy·W (the input is data).
    public func backwardParametersOnly(_ dy: Tensor) { _ = backward(dy, inputGradient: false) }

    private func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = cachedInput else { preconditionFailure("\(description): backward before forward") }
        precondition(dy.shape == [x.shape[0], outFeatures], "\(description): dy \(dy.shape) does not match output [\(x.shape[0]), \(outFeatures)]")
        let n = x.shape[0]
        dy.withUnsafeBufferPointer { dy in
            x.withUnsafeBufferPointer { x in
                weight.grad.withUnsafeMutableBufferPointer { dw in
                    gemm(transposeA: true, m: outFeatures, n: inFeatures, k: n,
                         a: dy.baseAddress!, lda: outFeatures, b: x.baseAddress!, ldb: inFeatures,
                         beta: 1, c: dw.baseAddress!, ldc: inFeatures)
                }
            }
            if let bias {
                bias.grad.withUnsafeMutableBufferPointer { db in
                    for row in 0..<n { Elementwise.axpy(1, dy.baseAddress! + row * outFeatures, db.baseAddress!, count: outFeatures) }
                }
            }
        }
        guard inputGradient else { return nil }
        return Tensor(shape: x.shape) { dx in  // beta = 0: the GEMM writes every element
            dy.withUnsafeBufferPointer { dy in
                weight.value.withUnsafeBufferPointer { w in
                    gemm(m: n, n: inFeatures, k: outFeatures,
                         a: dy.baseAddress!, lda: outFeatures, b: w.baseAddress!, ldb: inFeatures,
                         c: dx.baseAddress!, ldc: inFeatures)
                }
            }
        }
    }
}
