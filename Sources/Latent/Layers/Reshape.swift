/// Flattens all but the batch dimension, PyTorch's `nn.Flatten()`. x: [N, …] → [N, prod(…)].
public final class Flatten: Layer, CustomStringConvertible {
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedShape: [Int] = []

    /// A Flatten.
    public init() {}

    /// `Flatten(start_dim=1, end_dim=-1)`.
    public var description: String { "Flatten(start_dim=1, end_dim=-1)" }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// x: [N, …] → [N, prod(…)].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1, "Flatten needs a batch dimension, got a scalar")
        cachedShape = x.shape
        return x.reshaped([x.shape[0], x.shape.dropFirst().reduce(1, *)])
    }

    /// dy: [N, prod(…)] → [N, …].
    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(cachedShape) }
}

/// Unflattens the features of each item, PyTorch's `nn.Unflatten(1, shape)`. x: [N, prod(shape)] → [N] + shape.
public final class Unflatten: Layer, CustomStringConvertible {
    /// The shape of each item after unflattening, e.g. [256, 1, 1].
    public let shape: [Int]
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedShape: [Int] = []

    /// An Unflatten to `[N] + shape`.
    public init(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 > 0 }, "Unflatten needs positive sizes, got \(shape)")
        self.shape = shape
    }

    /// `Unflatten(dim=1, unflattened_size=(256, 1, 1))`.
    public var description: String {
        "Unflatten(dim=1, unflattened_size=(\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")))"
    }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// x: [N, prod(shape)] → [N] + shape.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.count == x.shape[0] * shape.reduce(1, *),
                     "Unflatten(\(shape)): input \(x.shape) does not hold [N] + \(shape)")
        cachedShape = x.shape
        return x.reshaped([x.shape[0]] + shape)
    }

    /// dy: [N] + shape → the input's shape.
    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(cachedShape) }
}

/// Another name for `Unflatten`: reshapes each item of the batch (`Reshape([256, 1, 1])`).
public typealias Reshape = Unflatten
