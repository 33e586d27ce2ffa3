#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binary cross-entropy on probabilities, PyTorch's `F.binary_cross_entropy(p, t, reduction:)`.
///
///     loss = s · Σᵢ −[tᵢ · max(log pᵢ, −100) + (1 − tᵢ) · max(log(1 − pᵢ), −100)]
///     ∂loss/∂pᵢ = s · (pᵢ − tᵢ) / max(pᵢ(1 − pᵢ), 1e−12)
///
/// Both clamps are PyTorch's: the log is clamped at −100 so p = 0 or 1 gives a finite loss, and the
/// gradient's denominator at 1e−12 so it stays finite too. s is the reduction's scale.
/// probabilities: any shape, values in [0, 1]; target: the same shape (usually in [0, 1])
/// → (loss, ∂loss/∂probabilities shaped like probabilities).
public func binaryCrossEntropy(
    _ probabilities: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> (loss: Float, gradient: Tensor) {
    checkSameShape(probabilities, target, "binaryCrossEntropy")
    let n = probabilities.count
    let scale = reduction.scale(for: probabilities.shape)
    var total = 0.0
    let gradient = probabilities.withUnsafeBufferPointer { p in
        target.withUnsafeBufferPointer { t in
            Tensor(shape: probabilities.shape) { g in
                for i in 0..<n {
                    let (pi, ti) = (p[i], t[i])
                    precondition(pi >= 0 && pi <= 1,
                                 "binaryCrossEntropy: probability \(pi) at element \(i) is outside [0, 1]")
                    let logP = max(logf(pi), -100)
                    let logQ = max(logf(1 - pi), -100)
                    total -= Double(ti * logP + (1 - ti) * logQ)
                    g[i] = scale * (pi - ti) / max((1 - pi) * pi, 1e-12)
                }
            }
        }
    }
    return (Float(total * Double(scale)), gradient)
}

/// Binary cross-entropy on logits, PyTorch's `F.binary_cross_entropy_with_logits(x, t, reduction:)`:
/// BCE of σ(x), computed without forming σ(x) so it never overflows or loses precision.
///
///     loss = s · Σᵢ [max(xᵢ, 0) − xᵢ·tᵢ + log(1 + e^−|xᵢ|)]        ∂loss/∂xᵢ = s · (σ(xᵢ) − tᵢ)
///
/// s is the reduction's scale. logits: any shape; target: the same shape
/// → (loss, ∂loss/∂logits shaped like logits).
///
/// The elements are cut into blocks of `bernoulliBlock`, each summed by `bernoulliNLL` (threads take
/// whole blocks), and the blocks' sums are added in order: the same bits on any thread count. The loss
/// is only reported (the gradient does not use it), so its terms are the fast `.vector` ones.
public func binaryCrossEntropyWithLogits(
    _ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> (loss: Float, gradient: Tensor) {
    checkSameShape(logits, target, "binaryCrossEntropyWithLogits")
    let n = logits.count
    let scale = reduction.scale(for: logits.shape)
    let blocks = (n + bernoulliBlock - 1) / bernoulliBlock
    var sums = [Double](repeating: 0, count: blocks)
    let gradient = logits.withUnsafeBufferPointer { x in
        target.withUnsafeBufferPointer { t in
            sums.withUnsafeMutableBufferPointer { sums in
                Tensor(shape: logits.shape) { g in
                    let shared = UncheckedSendable((x.baseAddress!, t.baseAddress!, g.baseAddress!, sums.baseAddress!))
                    parallelFor(blocks, grain: 2) { range in
                        let (x, t, g, sums) = shared.value
                        for block in range {
                            let start = block &* bernoulliBlock
                            sums[block] = bernoulliNLL(logits: x + start, targets: t + start, count: Swift.min(bernoulliBlock, n &- start),
                                                       scale: scale, gradient: g + start, terms: .vector)
                        }
                    }
                }
            }
        }
    }
    return (Float(sums.reduce(0, +) * Double(scale)), gradient)
}

/// How `bernoulliNLL` evaluates its loss terms max(l, 0) − l·t + log(1 + e^−|l|).
public enum BernoulliTerms: Sendable {
    /// In Float with libm's `expf` and `log1pf`, one element at a time, summed in Double: the terms IWAE
    /// and M2 weight their gradients by, kept as they were when the chapters' numbers were measured (a
    /// different rounding would change those runs in their last digits).
    case libm
    /// In Double with `VectorMath.softplusOfNegative`, eight lanes at a time: for a loss that is only
    /// reported, whose gradient does not depend on it.
    case vector
}

/// Elements per block of `binaryCrossEntropyWithLogits` (a block is one thread's unit of work).
public let bernoulliBlock = 8192

/// The Bernoulli negative log-likelihood of `count` logits lᵢ against targets tᵢ, the one kernel behind
/// every BCE with logits in Latent (`binaryCrossEntropyWithLogits`, the IWAE and M2 per-image terms):
///
///     returns Σᵢ max(lᵢ, 0) − lᵢ·tᵢ + log(1 + e^−|lᵢ|)   (in Double)      gradient[i] = scale · (σ(lᵢ) − tᵢ)
///
/// The loss terms are `terms`: libm's `expf`/`log1pf` (`.libm`), or `VectorMath.softplusOfNegative`
/// in Double eight at a time (`.vector`: several times faster, and more accurate); a Float vector log1p's
/// few-ulp terms made the step's central-difference checks too noisy. The gradient is computed sixteen
/// elements at a time with `VectorMath.exp`, the last partial group zero-padded so every element gets
/// the same arithmetic. e^−|l| is in (0, 1], so nothing overflows, and σ(l) is 1/(1 + e^−|l|) for
/// l ≥ 0, e^−|l|/(1 + e^−|l|) below. `gradient` may be nil.
@inlinable
public func bernoulliNLL(
    logits l: UnsafePointer<Float>, targets t: UnsafePointer<Float>, count: Int, scale: Float = 1,
    gradient g: UnsafeMutablePointer<Float>?, terms: BernoulliTerms = .libm
) -> Double {
    var total = 0.0
    switch terms {
    case .libm:
        for i in 0..<count {
            let (x, target) = (l[i], t[i])
            total += Double(Swift.max(x, 0) - x * target + log1pf(expf(-Swift.abs(x))))
        }
    case .vector:
        @inline(__always) func terms(_ x: SIMD8<Double>, _ target: SIMD8<Double>) -> SIMD8<Double> {
            let positive = x.replacing(with: 0, where: x .< 0)
            return positive - x * target + VectorMath.softplusOfNegative(x.replacing(with: -x, where: x .< 0))
        }
        func widened(_ v: SIMD8<Float>) -> SIMD8<Double> {
            SIMD8(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]), Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
        }
        var sums = SIMD8<Double>()
        var i = 0
        while i &+ 8 <= count {
            let x = UnsafeRawPointer(l + i).loadUnaligned(as: SIMD8<Float>.self)
            let target = UnsafeRawPointer(t + i).loadUnaligned(as: SIMD8<Float>.self)
            sums += terms(widened(x), widened(target))
            i &+= 8
        }
        if i < count {  // the last 1…7 elements; the padding lanes are dropped
            var x = SIMD8<Double>(), target = SIMD8<Double>()
            for lane in 0..<(count &- i) { (x[lane], target[lane]) = (Double(l[i &+ lane]), Double(t[i &+ lane])) }
            let tail = terms(x, target)
            for lane in 0..<(count &- i) { total += tail[lane] }
        }
        total += sums.sum()
    }
    guard let g else { return total }
    @inline(__always) func gradient(_ x: SIMD16<Float>, _ target: SIMD16<Float>) -> SIMD16<Float> {
        let e = VectorMath.exp(x.replacing(with: -x, where: x .>= 0))  // e^−|x|
        let inverse = 1 / (1 + e)
        let sigma = inverse.replacing(with: e * inverse, where: x .< 0)
        return scale * (sigma - target)
    }
    var i = 0
    while i &+ 16 <= count {
        let x = UnsafeRawPointer(l + i).loadUnaligned(as: SIMD16<Float>.self)
        let target = UnsafeRawPointer(t + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(g + i).storeBytes(of: gradient(x, target), as: SIMD16<Float>.self)
        i &+= 16
    }
    if i < count {  // the last 1…15 elements, zero-padded, through the same arithmetic
        var x = SIMD16<Float>(), target = SIMD16<Float>()
        for lane in 0..<(count &- i) { (x[lane], target[lane]) = (l[i &+ lane], t[i &+ lane]) }
        let tail = gradient(x, target)
        for lane in 0..<(count &- i) { g[i &+ lane] = tail[lane] }
    }
    return total
}
