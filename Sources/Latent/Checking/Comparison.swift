/// How far one tensor is from another, element by element, and where it is worst.
public struct Comparison: CustomStringConvertible, Sendable {
    /// Index (row-major) of the element with the largest error.
    public let worstIndex: Int
    /// `actual` at the worst element.
    public let actual: Float
    /// `expected` at the worst element.
    public let expected: Float
    /// The largest |actual − expected| / (|expected| + floor) over all elements.
    public let worstError: Float
    /// The largest absolute difference over all elements.
    public let maxAbsoluteDifference: Float

    /// Compares two tensors of the same shape; the relative error uses |expected| + `floor` as its
    /// scale, so tiny expected values are judged absolutely.
    public init(_ actual: Tensor, _ expected: Tensor, floor: Float = 1e-3) {
        precondition(actual.shape == expected.shape,
                     "comparing tensors of different shapes: \(actual.shape) vs \(expected.shape)")
        var worst = (index: 0, error: Float(-1))
        var maxAbs: Float = 0
        for i in 0..<actual.count {
            let a = actual.scalars[i], e = expected.scalars[i]
            let difference = abs(a - e)
            let error = a == e ? 0 : (difference.isNaN ? .infinity : difference / (abs(e) + floor))
            maxAbs = max(maxAbs, difference.isNaN ? .infinity : difference)
            if error > worst.error { worst = (i, error) }
        }
        worstIndex = worst.index
        self.actual = actual.count > 0 ? actual.scalars[worst.index] : 0
        self.expected = expected.count > 0 ? expected.scalars[worst.index] : 0
        worstError = max(worst.error, 0)
        maxAbsoluteDifference = maxAbs
    }

    /// True when every element is within `tolerance` (relative, with the floor above).
    public func isWithin(_ tolerance: Float) -> Bool { worstError <= tolerance }

    /// e.g. `worst error 2.1e-06 at element 17: 0.31250 vs 0.31250 (max |Δ| 6.0e-07)`.
    public var description: String {
        "worst error \(worstError) at element \(worstIndex): \(actual) vs expected \(expected) (max |Δ| \(maxAbsoluteDifference))"
    }
}
