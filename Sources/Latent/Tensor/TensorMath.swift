// Arithmetic that reads like math: elementwise operators, exp/log/sqrt/tanh/sigmoid, reductions,
// matmul, transpose, batch slicing and column split/concat. Elementwise work runs on the SIMD kernels
// in `Kernels/Elementwise.swift`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// `f` applied to every element, vectorized; `grain` as `Elementwise.map`'s (`Elementwise.transcendentalGrain`
    /// for a costly `f`).
    @inlinable
    public func map(grain: Int = Elementwise.grain, vector: (SIMD16<Float>) -> SIMD16<Float>, scalar: (Float) -> Float) -> Tensor {
        withUnsafeBufferPointer { a in
            Tensor(shape: shape) { out in
                Elementwise.map(a.baseAddress!, out.baseAddress!, count: count, grain: grain, vector: vector, scalar: scalar)
            }
        }
    }

    /// `f` applied to matching elements of two tensors of the same shape, vectorized.
    @inlinable
    public func zip(
        _ other: Tensor, _ operation: String,
        vector: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, scalar: (Float, Float) -> Float
    ) -> Tensor {
        checkSameShape(self, other, operation)
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                Tensor(shape: shape) { out in
                    Elementwise.zip(a.baseAddress!, b.baseAddress!, out.baseAddress!, count: count,
                                    vector: vector, scalar: scalar)
                }
            }
        }
    }

    // MARK: Tensor–tensor

    /// Elementwise sum; shapes must match.
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.zip(b, "+", vector: { $0 + $1 }, scalar: { $0 + $1 }) }
    /// Elementwise difference; shapes must match.
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.zip(b, "-", vector: { $0 - $1 }, scalar: { $0 - $1 }) }
    /// Elementwise product; shapes must match.
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.zip(b, "*", vector: { $0 * $1 }, scalar: { $0 * $1 }) }
    /// Elementwise quotient; shapes must match.
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.zip(b, "/", vector: { $0 / $1 }, scalar: { $0 / $1 }) }

    /// Adds `b` into `a` elementwise; shapes must match.
    public static func += (a: inout Tensor, b: Tensor) {
        checkSameShape(a, b, "+=")
        let n = a.count
        b.withUnsafeBufferPointer { b in
            a.withUnsafeMutableBufferPointer { a in Elementwise.axpy(1, b.baseAddress!, a.baseAddress!, count: n) }
        }
    }

    /// Subtracts `b` from `a` elementwise; shapes must match.
    public static func -= (a: inout Tensor, b: Tensor) {
        checkSameShape(a, b, "-=")
        let n = a.count
        b.withUnsafeBufferPointer { b in
            a.withUnsafeMutableBufferPointer { a in Elementwise.axpy(-1, b.baseAddress!, a.baseAddress!, count: n) }
        }
    }

    // MARK: Tensor–scalar

    /// Adds `s` to every element.
    public static func + (a: Tensor, s: Float) -> Tensor { a.map(vector: { $0 + s }, scalar: { $0 + s }) }
    /// Adds `s` to every element.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    /// Subtracts `s` from every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a.map(vector: { $0 - s }, scalar: { $0 - s }) }
    /// `s` minus every element.
    public static func - (s: Float, a: Tensor) -> Tensor { a.map(vector: { s - $0 }, scalar: { s - $0 }) }
    /// Multiplies every element by `s`.
    public static func * (a: Tensor, s: Float) -> Tensor { a.map(vector: { $0 * s }, scalar: { $0 * s }) }
    /// Multiplies every element by `s`.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// Divides every element by `s`.
    public static func / (a: Tensor, s: Float) -> Tensor { a.map(vector: { $0 / s }, scalar: { $0 / s }) }
    /// `s` divided by every element.
    public static func / (s: Float, a: Tensor) -> Tensor { a.map(vector: { s / $0 }, scalar: { s / $0 }) }
    /// Every element negated.
    public static prefix func - (a: Tensor) -> Tensor { a.map(vector: { -$0 }, scalar: { -$0 }) }

    /// Multiplies every element by `s` in place.
    public static func *= (a: inout Tensor, s: Float) {
        let n = a.count
        a.withUnsafeMutableBufferPointer { p in
            Elementwise.map(p.baseAddress!, p.baseAddress!, count: n, vector: { $0 * s }, scalar: { $0 * s })
        }
    }

    // MARK: Reductions

    /// The sum of all elements.
    public func sum() -> Float {
        withUnsafeBufferPointer { Elementwise.sum($0.baseAddress!, count: count) }
    }

    /// The mean of all elements.
    public func mean() -> Float { sum() / Float(count) }

    /// The sum along `axis`, which is removed from the shape (`[N, D].sum(axis: 0)` is `[D]`).
    public func sum(axis: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank, "sum(axis: \(axis)) on a tensor of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let size = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape.remove(at: axis)
        var result = Tensor.zeros(outShape)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                for o in 0..<outer {
                    let dst = out.baseAddress! + o * inner
                    for s in 0..<size {
                        Elementwise.axpy(1, x.baseAddress! + (o * size + s) * inner, dst, count: inner)
                    }
                }
            }
        }
        return result
    }

    /// The mean along `axis`, which is removed from the shape.
    public func mean(axis: Int) -> Tensor { sum(axis: axis) / Float(shape[axis]) }

    /// The largest element.
    public func max() -> Float { scalars.max() ?? -.infinity }

    /// The smallest element.
    public func min() -> Float { scalars.min() ?? .infinity }

    /// True when every element is finite (no NaN, no ±Inf).
    public var isFinite: Bool {
        withUnsafeBufferPointer { p in
            var i = 0
            let n = p.count
            var bad = SIMD16<Int32>()
            while i + 16 <= n {
                let v = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
                // x - x is 0 for finite x and NaN for ±Inf and NaN.
                bad |= SIMD16<Int32>(repeating: 1).replacing(with: 0, where: (v - v) .== 0)
                i += 16
            }
            if bad != SIMD16<Int32>() { return false }
            while i < n {
                if !p[i].isFinite { return false }
                i += 1
            }
            return true
        }
    }

    // MARK: Shapes

    /// The transpose of a 2-D tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a 2-D tensor, shape is \(shape)")
        let (rows, cols) = (shape[0], shape[1])
        return withUnsafeBufferPointer { x in
            Tensor(shape: [cols, rows]) { out in
                // In 32 × 32 blocks, so both the reads and the writes stay within a few cache lines.
                let block = 32
                for r0 in stride(from: 0, to: rows, by: block) {
                    for c0 in stride(from: 0, to: cols, by: block) {
                        for r in r0..<Swift.min(r0 + block, rows) {
                            for c in c0..<Swift.min(c0 + block, cols) { out[c * rows + r] = x[r * cols + c] }
                        }
                    }
                }
            }
        }
    }

    /// Items `range` of the first (batch) dimension: `x.slice(0..<64)` is the first 64 images.
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "slice \(range) out of bounds for shape \(shape)")
        let itemSize = count / Swift.max(shape[0], 1)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * itemSize)..<(range.upperBound * itemSize)]))
    }

    /// Splits a `[N, D]` tensor into its first `k` columns and the rest: `[N, k]`, `[N, D − k]`.
    public func splitColumns(_ k: Int) -> (Tensor, Tensor) {
        precondition(rank == 2 && k >= 0 && k <= shape[1], "splitColumns(\(k)) on a tensor of shape \(shape)")
        let (n, d) = (shape[0], shape[1])
        var left = [Float]()
        var right = [Float]()
        left.reserveCapacity(n * k)
        right.reserveCapacity(n * (d - k))
        for row in 0..<n {
            left.append(contentsOf: scalars[(row * d)..<(row * d + k)])
            right.append(contentsOf: scalars[(row * d + k)..<(row * d + d)])
        }
        return (Tensor(shape: [n, k], scalars: left), Tensor(shape: [n, d - k], scalars: right))
    }
}

/// `[N, A]` and `[N, B]` side by side: `[N, A + B]`. The inverse of `splitColumns`.
public func concatColumns(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[0],
                 "concatColumns needs [N, A] and [N, B], got \(a.shape) and \(b.shape)")
    let (n, da, db) = (a.shape[0], a.shape[1], b.shape[1])
    var out = [Float]()
    out.reserveCapacity(n * (da + db))
    for row in 0..<n {
        out.append(contentsOf: a.scalars[(row * da)..<(row * da + da)])
        out.append(contentsOf: b.scalars[(row * db)..<(row * db + db)])
    }
    return Tensor(shape: [n, da + db], scalars: out)
}

/// Stacks tensors of the same shape along the first dimension: `[N₁, …] + [N₂, …] → [N₁ + N₂, …]`.
public func concatBatch(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "concatBatch needs at least one tensor")
    let tail = Array(parts[0].shape.dropFirst())
    var scalars = [Float]()
    var n = 0
    for part in parts {
        precondition(Array(part.shape.dropFirst()) == tail,
                     "concatBatch: shape mismatch \(parts[0].shape) vs \(part.shape)")
        scalars.append(contentsOf: part.scalars)
        n += part.shape[0]
    }
    return Tensor(shape: [n] + tail, scalars: scalars)
}

// MARK: Elementwise functions

/// eˣ elementwise.
public func exp(_ x: Tensor) -> Tensor { x.map(grain: Elementwise.transcendentalGrain, vector: VectorMath.exp, scalar: { expf($0) }) }

/// Natural logarithm elementwise.
public func log(_ x: Tensor) -> Tensor { x.map(grain: Elementwise.transcendentalGrain, vector: { v in v.map { logf($0) } }, scalar: { logf($0) }) }

/// Square root elementwise.
public func sqrt(_ x: Tensor) -> Tensor { x.map(vector: { $0.squareRoot() }, scalar: { $0.squareRoot() }) }

/// Hyperbolic tangent elementwise.
public func tanh(_ x: Tensor) -> Tensor { x.map(grain: Elementwise.transcendentalGrain, vector: VectorMath.tanh, scalar: { tanhf($0) }) }

/// The logistic sigmoid 1 / (1 + e⁻ˣ) elementwise.
public func sigmoid(_ x: Tensor) -> Tensor { x.map(grain: Elementwise.transcendentalGrain, vector: VectorMath.sigmoid, scalar: { 1 / (1 + expf(-$0)) }) }

/// Absolute value elementwise.
public func abs(_ x: Tensor) -> Tensor { x.map(vector: { $0.replacing(with: -$0, where: $0 .< 0) }, scalar: { Swift.abs($0) }) }

/// Squares elementwise.
public func square(_ x: Tensor) -> Tensor { x * x }

extension SIMD16 where Scalar == Float {
    /// `f` applied lane by lane (for functions with no vector form).
    @inlinable
    func map(_ f: (Float) -> Float) -> SIMD16<Float> {
        var out = SIMD16<Float>()
        for i in 0..<16 { out[i] = f(self[i]) }
        return out
    }
}

// MARK: Matrix product

/// The matrix product of 2-D tensors, optionally reading either operand transposed (no copy):
/// `matmul(a, b)` is `[M, K]·[K, N]`, `matmul(a, b, transposeA: true)` is `aᵀ·b` for `a: [K, M]`, and
/// `matmul(a, b, transposeB: true)` is `a·bᵀ` for `b: [N, K]`.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs 2-D tensors, got \(a.shape) and \(b.shape)")
    let (m, ka) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(ka == kb, "matmul shape mismatch: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            Tensor(shape: [m, n]) { out in
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: ka,
                     a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                     c: out.baseAddress!, ldc: n)
            }
        }
    }
}
