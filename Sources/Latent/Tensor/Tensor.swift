/// A Float32 tensor: a shape and a contiguous row-major buffer of scalars. Images are NCHW.
///
/// `Tensor` is a value type. Its storage is a Swift array, so copies are cheap and copy-on-write:
/// `var b = a; b[0] = 1` leaves `a` untouched. Operations read like the math they implement
/// (`mu + std * eps`, `exp(0.5 * logVar)`, `matmul(x, w, transposeB: true)`); see `TensorMath.swift`.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, outermost first (`[N, C, H, W]` for a batch of images).
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor of `shape` holding `scalars` (row-major).
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(
            Tensor.count(of: shape) == scalars.count,
            "shape \(shape) needs \(Tensor.count(of: shape)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` with every element equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.count(of: shape)))
    }

    /// A tensor of `shape` filled by `fill`, which writes all `count` elements.
    @inlinable
    public init(shape: [Int], unsafeUninitialized fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let n = Tensor.count(of: shape)
        let scalars = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            fill(buffer)
            initialized = n
        }
        self.init(shape: shape, scalars: scalars)
    }

    /// A 0-dimensional tensor holding one number.
    public init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// Zeros of the given shape.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// Ones of the given shape.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// Zeros shaped like `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// The number of elements a shape holds.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return scalars[0]
    }

    /// The element at a full multi-index, e.g. `x[n, c, h, w]`.
    public subscript(_ indices: Int...) -> Float {
        get { scalars[offset(of: indices)] }
        set { scalars[offset(of: indices)] = newValue }
    }

    private func offset(of indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "index \(indices) does not fit shape \(shape)")
        var offset = 0
        for (index, size) in Swift.zip(indices, shape) {
            precondition(index >= 0 && index < size, "index \(indices) is out of bounds for shape \(shape)")
            offset = offset * size + index
        }
        return offset
    }

    /// The same elements under another shape with the same count; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(Tensor.count(of: resolved) == count, "cannot reshape \(shape) to \(newShape)")
        var result = self
        result.shape = resolved
        return result
    }

    /// Calls `body` with a pointer to the elements (row-major).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the elements (row-major), copying first if shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0) }
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and the first few elements, e.g. `Tensor[2, 3] [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]`.
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor\(shape) [\(shown)\(count > 8 ? ", …" : "")]"
    }
}

/// Stops with a message naming the operation and both shapes when they differ.
@usableFromInline
func checkSameShape(_ a: Tensor, _ b: Tensor, _ operation: String) {
    precondition(a.shape == b.shape, "shape mismatch in \(operation): \(a.shape) vs \(b.shape)")
}
