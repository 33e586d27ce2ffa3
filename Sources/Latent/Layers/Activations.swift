/// max(0, x), PyTorch's `nn.ReLU`. x: any shape → same shape.
public final class ReLU: Layer, CustomStringConvertible {
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedInput = Tensor(0)

    /// A ReLU.
    public init() {}

    /// `ReLU()`.
    public var description: String { "ReLU()" }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// y = max(0, x).
    public func forward(_ x: Tensor) -> Tensor {
        cachedInput = x
        return x.map(vector: { $0.replacing(with: 0, where: $0 .< 0) }, scalar: { $0 < 0 ? 0 : $0 })
    }

    /// dx = dy where x > 0, else 0.
    public func backward(_ dy: Tensor) -> Tensor {
        dy.zip(cachedInput, "ReLU.backward",
               vector: { dy, x in dy.replacing(with: 0, where: x .<= 0) }, scalar: { dy, x in x > 0 ? dy : 0 })
    }
}

/// x for x ≥ 0, negativeSlope·x below, PyTorch's `nn.LeakyReLU` (default slope 0.01). Any shape.
public final class LeakyReLU: Layer, CustomStringConvertible {
    /// The slope for negative inputs.
    public let negativeSlope: Float
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedInput = Tensor(0)

    /// A LeakyReLU with the given slope for x < 0.
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }

    /// `LeakyReLU(negative_slope=0.01)`.
    public var description: String { "LeakyReLU(negative_slope=\(negativeSlope))" }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// y = x if x > 0, else negativeSlope·x.
    public func forward(_ x: Tensor) -> Tensor {
        cachedInput = x
        let slope = negativeSlope
        return x.map(vector: { $0.replacing(with: $0 * slope, where: $0 .< 0) }, scalar: { $0 < 0 ? $0 * slope : $0 })
    }

    /// dx = dy if x > 0, else negativeSlope·dy.
    public func backward(_ dy: Tensor) -> Tensor {
        let slope = negativeSlope
        return dy.zip(cachedInput, "LeakyReLU.backward",
                      vector: { dy, x in dy.replacing(with: dy * slope, where: x .<= 0) },
                      scalar: { dy, x in x > 0 ? dy : dy * slope })
    }
}

/// 1 / (1 + e⁻ˣ), PyTorch's `nn.Sigmoid`. Any shape.
public final class Sigmoid: Layer, CustomStringConvertible {
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedOutput = Tensor(0)

    /// A Sigmoid.
    public init() {}

    /// `Sigmoid()`.
    public var description: String { "Sigmoid()" }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// y = σ(x).
    public func forward(_ x: Tensor) -> Tensor {
        cachedOutput = sigmoid(x)
        return cachedOutput
    }

    /// dx = dy · y · (1 − y).
    public func backward(_ dy: Tensor) -> Tensor {
        dy.zip(cachedOutput, "Sigmoid.backward", vector: { dy, y in dy * y * (1 - y) }, scalar: { dy, y in dy * y * (1 - y) })
    }
}

/// tanh(x), PyTorch's `nn.Tanh`. Any shape.
public final class Tanh: Layer, CustomStringConvertible {
    /// Training or evaluation mode (no effect).
    public var isTraining = true
    private var cachedOutput = Tensor(0)

    /// A Tanh.
    public init() {}

    /// `Tanh()`.
    public var description: String { "Tanh()" }
    /// None.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// y = tanh(x).
    public func forward(_ x: Tensor) -> Tensor {
        cachedOutput = tanh(x)
        return cachedOutput
    }

    /// dx = dy · (1 − y²).
    public func backward(_ dy: Tensor) -> Tensor {
        dy.zip(cachedOutput, "Tanh.backward", vector: { dy, y in dy * (1 - y * y) }, scalar: { dy, y in dy * (1 - y * y) })
    }
}
