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

    /// When set, the last `labelColumns` input features are a one-hot label (a conditional VAE's [x, y]),
    /// and `forward` multiplies each run of rows with the same x only once: see `labelledForward`.
    public let labelColumns: Int?

    private var cachedInput: Tensor?

    /// A Linear layer initialized as PyTorch does (weight, then bias, drawn from `generator`). With
    /// `labelColumns`, the input's last that many features are a one-hot label, and `forward` computes
    /// rows that repeat an x with another label without multiplying x again (the same bits).
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, labelColumns: Int? = nil,
                using generator: inout SeededGenerator) {
        precondition(labelColumns.map { $0 > 0 && $0 < inFeatures } ?? true,
                     "Linear: labelColumns \(labelColumns ?? 0) must be in 1..<\(inFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.labelColumns = labelColumns
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
        if let classes = labelColumns, let y = labelledForward(x, classes: classes) { return y }
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

    /// y = [x, onehot(label)]·Wᵀ + b computed as x·W_xᵀ + W[·, label] + b, where W_x is W without its
    /// last `classes` columns, with x·W_xᵀ once for each run of consecutive rows with the same x (M2 feeds
    /// every image with each of the ten labels: one product instead of ten). Nil, for `forward` to do
    /// the whole product, when a row's last `classes` features are not one 1 and zeros, or when fewer
    /// than half the rows repeat the row before.
    ///
    /// The same bits as the whole product: GEMM computes each element as one chain of fused
    /// multiply-adds over the inputs in order, from +0, which never becomes −0 (when the inputs are one
    /// depth block, `GemmKernel.depthBlock`). Over x's features that chain is x·W_xᵀ's; a label feature
    /// of 0 then adds ±0 (no change), the 1 adds W[j, label] with one rounding, and the bias is added to
    /// that sum with one more, as here.
    private func labelledForward(_ input: Tensor, classes: Int) -> Tensor? {
        let n = input.shape[0], width = inFeatures - classes
        var labels = [Int](repeating: 0, count: n)
        var runs: [Int] = []  // the first row of each run of equal x
        var runOfRow = [Int](repeating: 0, count: n)
        let valid = input.withUnsafeBufferPointer { p -> Bool in
            for row in 0..<n {
                let features = p.baseAddress! + row &* inFeatures
                var label = -1
                for c in 0..<classes {
                    let v = features[width &+ c]
                    if v == 1 && label < 0 { label = c } else if v != 0 { return false }
                }
                guard label >= 0 else { return false }
                labels[row] = label
                let repeated = runs.last.map { last in
                    (0..<width).allSatisfy { features[$0].bitPattern == p[last &* inFeatures &+ $0].bitPattern }
                } ?? false
                if !repeated { runs.append(row) }
                runOfRow[row] = runs.count &- 1
            }
            return true
        }
        // Without repeated rows, the whole product costs no more than this one and its extra passes. With
        // more inputs than one GEMM depth block, its chains restart at other places than this product's.
        guard valid && runs.count &* 2 <= n && GemmKernel.depthBlock(inFeatures) == inFeatures else { return nil }
        // The distinct x rows side by side, and their product with W_x: [runs, out].
        var distinct = [Float](repeating: 0, count: runs.count &* width)
        input.withUnsafeBufferPointer { p in
            for (i, row) in runs.enumerated() {
                for j in 0..<width { distinct[i &* width &+ j] = p[row &* inFeatures &+ j] }
            }
        }
        var product = [Float](repeating: 0, count: runs.count &* outFeatures)
        distinct.withUnsafeBufferPointer { a in
            weight.value.withUnsafeBufferPointer { w in
                product.withUnsafeMutableBufferPointer { c in
                    gemm(transposeB: true, m: runs.count, n: outFeatures, k: width, a: a.baseAddress!, lda: width,
                         b: w.baseAddress!, ldb: inFeatures, c: c.baseAddress!, ldc: outFeatures)
                }
            }
        }
        // W's label columns as rows: labelWeights[c·out + j] = W[j, width + c].
        let w = weight.value.scalars
        var labelWeights = [Float](repeating: 0, count: classes &* outFeatures)
        for c in 0..<classes {
            for j in 0..<outFeatures { labelWeights[c &* outFeatures &+ j] = w[j &* inFeatures &+ width &+ c] }
        }
        let b = bias?.value.scalars ?? []
        return Tensor(shape: [n, outFeatures]) { out in
            let shared = UncheckedSendable((out.baseAddress!, product, labelWeights, runOfRow, labels, b))
            parallelFor(n, grain: max(1, 16384 / outFeatures)) { rows in
                let (out, product, labelWeights, runOfRow, labels, b) = shared.value
                for row in rows {
                    let target = out + row &* outFeatures
                    let (sum, label) = (runOfRow[row] &* outFeatures, labels[row] &* outFeatures)
                    if b.isEmpty {
                        for j in 0..<outFeatures { target[j] = product[sum &+ j] + labelWeights[label &+ j] }
                    } else {
                        for j in 0..<outFeatures { target[j] = (product[sum &+ j] + labelWeights[label &+ j]) + b[j] }
                    }
                }
            }
        }
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
