/// Batch normalization over the channel axis of [N, C, …], shared by `BatchNorm1d` and `BatchNorm2d`.
///
/// Training: each channel is normalized with its batch mean and biased variance,
///     x̂ = (x − μ_B) / √(σ²_B + eps),   y = γ·x̂ + β,
/// and the running statistics move toward the batch's: running_mean ← (1 − m)·running_mean + m·μ_B,
/// running_var ← (1 − m)·running_var + m·σ²_B·M/(M − 1) (unbiased; M = N·H·W values per channel).
/// Evaluation: the running statistics replace the batch's. As PyTorch's `_BatchNorm`.
public class BatchNorm: Layer {
    /// Channels C.
    public let numFeatures: Int
    /// Added to the variance before the square root.
    public let eps: Float
    /// Weight of the newest batch in the running statistics.
    public let momentum: Float
    /// γ: [C] (starts at 1), or nil when `affine` is false.
    public let weight: Parameter?
    /// β: [C] (starts at 0), or nil when `affine` is false.
    public let bias: Parameter?
    /// Running mean: [C] (starts at 0).
    public private(set) var runningMean: Tensor
    /// Running variance: [C] (starts at 1).
    public private(set) var runningVar: Tensor
    /// How many training batches have updated the running statistics (a 0-d tensor, as PyTorch saves it).
    public private(set) var numBatchesTracked: Tensor
    /// Training (batch statistics) or evaluation (running statistics).
    public var isTraining = true

    private let expectedRank: Int
    private var cachedNormalized: [Float] = []  // x̂, same layout as x
    private var cachedInvStd: [Float] = []      // 1/√(σ² + eps) per channel, as used in forward
    private var cachedShape: [Int] = []
    private var cachedTraining = true

    init(numFeatures: Int, eps: Float, momentum: Float, affine: Bool, rank: Int) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        weight = affine ? Parameter(Tensor.ones([numFeatures])) : nil
        bias = affine ? Parameter(Tensor.zeros([numFeatures])) : nil
        runningMean = Tensor.zeros([numFeatures])
        runningVar = Tensor.ones([numFeatures])
        numBatchesTracked = Tensor(0)
        expectedRank = rank
    }

    /// `weight`, then `bias` (none when not affine).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// `running_mean`, `running_var`, `num_batches_tracked`.
    public var namedBuffers: [(name: String, value: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// Replaces `running_mean`, `running_var` or `num_batches_tracked`.
    public func setBuffer(_ name: String, to value: Tensor) {
        switch name {
        case "running_mean":
            precondition(value.shape == [numFeatures], "running_mean must be [\(numFeatures)], got \(value.shape)")
            runningMean = value
        case "running_var":
            precondition(value.shape == [numFeatures], "running_var must be [\(numFeatures)], got \(value.shape)")
            runningVar = value
        case "num_batches_tracked":
            precondition(value.count == 1, "num_batches_tracked must hold one number, got \(value.shape)")
            numBatchesTracked = value.reshaped([])
        default:
            preconditionFailure("\(type(of: self)) has no buffer named \(name)")
        }
    }

    /// x: [N, C, …] → y: same shape.
    public func forward(_ x: Tensor) -> Tensor {
        precondition((x.rank == expectedRank || (expectedRank == 2 && x.rank == 3)) && x.shape[1] == numFeatures,
                     "\(type(of: self))(\(numFeatures)): unexpected input shape \(x.shape)")
        let (n, c) = (x.shape[0], numFeatures)
        let plane = x.shape.dropFirst(2).reduce(1, *)
        let m = n * plane
        if isTraining { precondition(m > 1, "\(type(of: self)): training needs more than one value per channel, got \(x.shape)") }
        cachedShape = x.shape
        cachedTraining = isTraining
        var mean = [Float](repeating: 0, count: c)
        var invStd = [Float](repeating: 0, count: c)
        var variance = [Float](repeating: 0, count: c)
        let training = isTraining
        let gamma = weight?.value.scalars ?? [Float](repeating: 1, count: c)
        let beta = bias?.value.scalars ?? [Float](repeating: 0, count: c)
        let runningMean = self.runningMean.scalars, runningVar = self.runningVar.scalars
        let eps = self.eps
        var normalized = cachedNormalized  // reuse the cache's storage when the shape repeats
        cachedNormalized = []
        resizeScratch(&normalized, x.count)
        let y = Tensor(shape: x.shape) { y in
            x.withUnsafeBufferPointer { x in
                normalized.withUnsafeMutableBufferPointer { xhat in
                    mean.withUnsafeMutableBufferPointer { mean in
                        invStd.withUnsafeMutableBufferPointer { invStd in
                            variance.withUnsafeMutableBufferPointer { variance in
                                let shared = UncheckedSendable((x.baseAddress!, xhat.baseAddress!, y.baseAddress!, mean.baseAddress!,
                                                                invStd.baseAddress!, variance.baseAddress!))
                                // One item = one channel: its statistics, then x̂ and y = γ·x̂ + β.
                                parallelFor(c, grain: max(1, 16384 / max(m, 1))) { channels in
                                    let (x, xhat, y, mean, invStd, variance) = shared.value
                                    for ch in channels {
                                        var mu: Float, v: Float
                                        if training {  // two passes: the mean, then the biased variance
                                            var total = 0.0
                                            for i in 0..<n { total += Double(Elementwise.sum(x + (i &* c &+ ch) &* plane, count: plane)) }
                                            mu = Float(total / Double(m))
                                            var squares = 0.0
                                            for i in 0..<n { squares += Double(sumOfSquaredDeviations(x + (i &* c &+ ch) &* plane, plane, mu)) }
                                            v = Float(squares / Double(m))
                                        } else {
                                            mu = runningMean[ch]
                                            v = runningVar[ch]
                                        }
                                        let inv = 1 / (v + eps).squareRoot()
                                        mean[ch] = mu
                                        variance[ch] = v
                                        invStd[ch] = inv
                                        for i in 0..<n {
                                            let offset = (i &* c &+ ch) &* plane
                                            normalizeRun(x + offset, xhat + offset, y + offset, plane, mu, inv, gamma[ch], beta[ch])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        cachedNormalized = normalized
        cachedInvStd = invStd
        if training {
            let unbiased = Float(m) / Float(m - 1)
            for ch in 0..<c {
                self.runningMean.scalars[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch]
                self.runningVar.scalars[ch] = (1 - momentum) * runningVar[ch] + momentum * variance[ch] * unbiased
            }
            numBatchesTracked = Tensor(numBatchesTracked.item + 1)
        }
        return y
    }

    /// dy: [N, C, …] → dx: same shape; dγ += Σ dy·x̂, dβ += Σ dy.
    ///
    /// Training: dx = γ/√(σ² + eps) · (dy − mean(dy) − x̂·mean(dy·x̂)) per channel (the batch statistics
    /// depend on x). Evaluation: dx = γ/√(σ² + eps) · dy.
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == cachedShape, "\(type(of: self)): dy \(dy.shape) does not match the output \(cachedShape)")
        let (n, c) = (cachedShape[0], numFeatures)
        let plane = cachedShape.dropFirst(2).reduce(1, *)
        let m = Double(n * plane)
        var sumDy = [Float](repeating: 0, count: c)
        var sumDyXhat = [Float](repeating: 0, count: c)
        let gamma = weight?.value.scalars ?? [Float](repeating: 1, count: c)
        let training = cachedTraining
        let dx = dy.withUnsafeBufferPointer { dy in
            cachedNormalized.withUnsafeBufferPointer { xhat in
                cachedInvStd.withUnsafeBufferPointer { invStd in
                    sumDy.withUnsafeMutableBufferPointer { sumDy in
                        sumDyXhat.withUnsafeMutableBufferPointer { sumDyXhat in
                            Tensor(shape: cachedShape) { dx in
                                let shared = UncheckedSendable((dy.baseAddress!, xhat.baseAddress!, invStd.baseAddress!,
                                                                sumDy.baseAddress!, sumDyXhat.baseAddress!, dx.baseAddress!))
                                parallelFor(c, grain: max(1, 8192 / max(n * plane, 1))) { channels in
                                    let (dy, xhat, invStd, sumDy, sumDyXhat, dx) = shared.value
                                    for ch in channels {
                                        var s1 = 0.0, s2 = 0.0
                                        for i in 0..<n {
                                            let offset = (i &* c &+ ch) &* plane
                                            let (a, b) = sumAndDot(dy + offset, xhat + offset, plane)
                                            s1 += Double(a)
                                            s2 += Double(b)
                                        }
                                        sumDy[ch] = Float(s1)
                                        sumDyXhat[ch] = Float(s2)
                                        let scale = gamma[ch] * invStd[ch]
                                        // Evaluation: the statistics are constants, so only the scale remains.
                                        let meanDy = training ? Float(s1 / m) : 0, meanDyXhat = training ? Float(s2 / m) : 0
                                        for i in 0..<n {
                                            let offset = (i &* c &+ ch) &* plane
                                            batchNormInputGradient(dy + offset, xhat + offset, dx + offset, plane, scale, meanDy, meanDyXhat)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let weight, let bias {
            for ch in 0..<c {
                weight.grad.scalars[ch] += sumDyXhat[ch]
                bias.grad.scalars[ch] += sumDy[ch]
            }
        }
        return dx
    }

    fileprivate func summary(_ kind: String) -> String {
        let text = "\(kind)(\(numFeatures), eps=\(eps), momentum=\(momentum), affine=\(weight == nil ? "False" : "True")"
        return text + ", track_running_stats=True)"
    }
}

/// Batch normalization of features, PyTorch's `nn.BatchNorm1d`. x: [N, C] (or [N, C, L]) → same shape.
public final class BatchNorm1d: BatchNorm, CustomStringConvertible {
    /// γ = 1, β = 0, running mean 0 and variance 1, as PyTorch starts.
    public init(numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, rank: 2)
    }

    /// `BatchNorm1d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`.
    public var description: String { summary("BatchNorm1d") }
}

/// Batch normalization of image channels, PyTorch's `nn.BatchNorm2d`. x: [N, C, H, W] → same shape.
public final class BatchNorm2d: BatchNorm, CustomStringConvertible {
    /// γ = 1, β = 0, running mean 0 and variance 1, as PyTorch starts.
    public init(numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, rank: 4)
    }

    /// `BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`.
    public var description: String { summary("BatchNorm2d") }
}

// Per-run kernels of BatchNorm: SIMD16 over a contiguous run of one channel, scalar tail.

/// Σ (x − mu)² over `count` floats.
@inline(__always)
private func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, _ mu: Float) -> Float {
    var lanes = SIMD16<Float>()
    var i = 0
    while i &+ 16 <= count {
        let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - mu
        lanes.addProduct(d, d)
        i &+= 16
    }
    var total = lanes.sum()
    while i < count { let d = x[i] - mu; total += d * d; i &+= 1 }
    return total
}

/// x̂ = (x − mu)·inv and y = γ·x̂ + β over `count` floats.
@inline(__always)
private func normalizeRun(
    _ x: UnsafePointer<Float>, _ xhat: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    _ count: Int, _ mu: Float, _ inv: Float, _ gamma: Float, _ beta: Float
) {
    var i = 0
    while i &+ 16 <= count {
        let h = (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - mu) * inv
        UnsafeMutableRawPointer(xhat + i).storeBytes(of: h, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: h * gamma + beta, as: SIMD16<Float>.self)
        i &+= 16
    }
    while i < count {
        let h = (x[i] - mu) * inv
        xhat[i] = h
        y[i] = h * gamma + beta
        i &+= 1
    }
}

/// (Σ dy, Σ dy·x̂) over `count` floats.
@inline(__always)
private func sumAndDot(_ dy: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ count: Int) -> (Float, Float) {
    var sum = SIMD16<Float>(), dot = SIMD16<Float>()
    var i = 0
    while i &+ 16 <= count {
        let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
        sum += g
        dot.addProduct(g, UnsafeRawPointer(xhat + i).loadUnaligned(as: SIMD16<Float>.self))
        i &+= 16
    }
    var (s, d) = (sum.sum(), dot.sum())
    while i < count { s += dy[i]; d += dy[i] * xhat[i]; i &+= 1 }
    return (s, d)
}

/// dx = scale·(dy − meanDy − x̂·meanDyXhat) over `count` floats.
@inline(__always)
private func batchNormInputGradient(
    _ dy: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    _ count: Int, _ scale: Float, _ meanDy: Float, _ meanDyXhat: Float
) {
    var i = 0
    while i &+ 16 <= count {
        let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
        let h = UnsafeRawPointer(xhat + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dx + i).storeBytes(of: scale * (g - meanDy - h * meanDyXhat), as: SIMD16<Float>.self)
        i &+= 16
    }
    while i < count { dx[i] = scale * (dy[i] - meanDy - xhat[i] * meanDyXhat); i &+= 1 }
}
