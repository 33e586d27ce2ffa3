/// PyTorch's default initialization for `nn.Linear`, `nn.Conv2d` and `nn.ConvTranspose2d`.
///
/// PyTorch calls `kaiming_uniform_(weight, a=√5)`: gain = √(2 / (1 + a²)) = √(1/3), bound =
/// gain · √(3 / fanIn) = 1 / √fanIn. Biases are drawn from U(−1/√fanIn, 1/√fanIn). So both are
/// uniform on ±1/√fanIn, where fanIn is `weight.shape[1] · kernel area` (for ConvTranspose2d,
/// whose weight is `[Cin, Cout, k, k]`, that is Cout · k², exactly as PyTorch computes it).
public enum Initializer {
    /// Kaiming-uniform with a = √5: U(−1/√fanIn, 1/√fanIn).
    public static func kaimingUniform(
        _ shape: [Int], fanIn: Int, using generator: inout SeededGenerator
    ) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return Tensor.randomUniform(shape, low: -bound, high: bound, using: &generator)
    }

    /// PyTorch's bias initialization: U(−1/√fanIn, 1/√fanIn).
    public static func biasUniform(
        _ count: Int, fanIn: Int, using generator: inout SeededGenerator
    ) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return Tensor.randomUniform([count], low: -bound, high: bound, using: &generator)
    }

    /// fanIn as PyTorch's `_calculate_fan_in_and_fan_out` computes it: `shape[1] · Π shape[2...]`.
    public static func fanIn(ofWeight shape: [Int]) -> Int {
        precondition(shape.count >= 2, "fanIn needs a weight of rank ≥ 2, shape is \(shape)")
        return shape[1] * shape.dropFirst(2).reduce(1, *)
    }
}
