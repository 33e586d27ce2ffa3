// Numerical gradient checking by central differences (ARCHITECTURE.md §6).
//
// For a layer, the scalar loss is L = Σᵢ wᵢ·yᵢ with fixed random weights w (not a plain sum, which
// would not notice a transposed or permuted gradient). Its gradient with respect to the output is w
// itself, so `backward(w)` must return ∂L/∂x and leave ∂L/∂θ in each parameter's `grad`. Each sampled
// coordinate c of the input and of every parameter is then perturbed:
//
//     D(ε) = (L(θ_c + ε) − L(θ_c − ε)) / 2ε,   numerical(c) = (4·D(ε/2) − D(ε)) / 3
//
// (Richardson extrapolation: D's ε² error term cancels, leaving O(ε⁴)), and compared with the
// analytic value. Float32 makes this delicate: the loss is accumulated in Double, ε is large
// (1e-2 by default), and the comparison is relative with a floor:
//
//     |analytic − numerical| ≤ tolerance · (|numerical| + 0.1 · scale) + rounding floor + absoluteTolerance
//
// where scale = max(rms of the analytic gradient over the tensor, rms of the numerical one over the
// checked coordinates): relative to the gradient's own size, so a backward that returns zeros (or a tiny
// multiple of the truth) cannot shrink the allowed difference and pass. The rounding floor,
// 4·u·‖w⊙y‖₂/ε (u = 2⁻²⁴; for a function, 4·u·|f|/ε), is the smallest derivative central differences
// of a Float loss resolve: below it (a gradient that is exactly zero, like a conv bias feeding BatchNorm)
// the check cannot judge, and a zeroed gradient fails only where the true one is above it. So make the
// checked gradients large (e.g. BatchNorm at batch 2 with a large eps), and keep absoluteTolerance (0 by
// default) far below them.
//
// Kinks (ReLU at 0) break central differences. A coordinate whose two estimates D(ε) and D(ε/2)
// disagree by more than the allowed difference is not smooth there (a perturbation crossed a kink):
// it is skipped and counted, not judged. Both estimates are numerical, so a wrong backward cannot
// hide this way; a tensor whose every coordinate is skipped fails.

/// How one checked tensor fared: its worst coordinate and the values there.
public struct GradientCheckTensorReport: CustomStringConvertible, Sendable {
    /// The tensor's name: `"input"`, a parameter name such as `"weight"`, or a function input's name.
    public let name: String
    /// The tensor's shape.
    public let shape: [Int]
    /// How many coordinates were perturbed.
    public let checkedCount: Int
    /// The flat (row-major) offsets of the perturbed coordinates, in the order they were checked.
    public let checkedIndices: [Int]
    /// How many of them were skipped because the loss is not smooth there (a kink within ε).
    public let skippedCount: Int
    /// The worst coordinate as a multi-index into `shape` (e.g. `[1, 0, 2, 3]`).
    public let worstIndex: [Int]
    /// The analytic gradient (from `backward`) at the worst coordinate.
    public let analytic: Float
    /// The central-difference gradient at the worst coordinate.
    public let numerical: Float
    /// |analytic − numerical| divided by the allowed difference at the worst coordinate; ≤ 1 passes.
    public let errorRatio: Float

    /// True when every judged coordinate is within tolerance (and not all were skipped).
    public var passed: Bool { errorRatio <= 1 && (checkedCount == 0 || skippedCount < checkedCount) }

    /// e.g. `weight [4, 3, 3, 3]: worst at [1, 0, 2, 2]: analytic 0.31250, numerical 0.31249 (0.02 of allowed), 108 checked`.
    public var description: String {
        let verdict = passed ? "ok" : "FAILED"
        return "\(verdict) \(name) \(shape): worst at \(worstIndex): analytic \(analytic), numerical \(numerical) "
            + "(\(errorRatio) of allowed difference), \(checkedCount) coordinates checked"
            + (skippedCount > 0 ? ", \(skippedCount) skipped as not smooth (a kink within ε)" : "")
    }
}

/// The outcome of `gradientCheck`: one report per checked tensor.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    /// What was checked, e.g. `Conv2d(2, 3, kernel_size=3, stride=2, padding=1)`.
    public let name: String
    /// One report per tensor: the input first, then parameters in `namedParameters` order.
    public let tensors: [GradientCheckTensorReport]

    /// True when every tensor passed.
    public var passed: Bool { tensors.allSatisfy(\.passed) }

    /// The report whose worst coordinate is furthest out of tolerance.
    public var worst: GradientCheckTensorReport? { tensors.max { $0.errorRatio < $1.errorRatio } }

    /// The name, a verdict, then one line per tensor.
    public var description: String {
        let header = "gradient check of \(name): " + (passed ? "passed" : "FAILED")
        return ([header] + tensors.map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// Checks a layer's `backward` against central differences of L = Σ wᵢ·yᵢ (random fixed w).
///
/// Checks ∂L/∂input and ∂L/∂θ for every parameter, sampling up to `samplesPerTensor` coordinates of
/// each (all of them when the tensor is small; the coordinate with the largest analytic gradient is
/// always included). The layer is left as it was found: parameter values, gradients and buffers
/// (BatchNorm's running statistics) are restored. The layer's current mode (`isTraining`) is used.
///
///     var rng = SeededGenerator(seed: 0)
///     let conv = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, using: &rng)
///     let result = gradientCheck(conv, input: Tensor.randomNormal([2, 2, 7, 7], using: &rng))
///     print(result)  // one line per tensor: worst coordinate, analytic vs numerical
///     // result.passed is false when some coordinate differs by more than the tolerance
/// - Parameters:
///   - layer: the layer to check.
///   - input: a typical input (coordinates where a perturbation crosses a kink are skipped and counted).
///   - name: what to call the layer in the result (defaults to its description).
///   - epsilon: the central-difference step.
///   - tolerance: the allowed relative difference.
///   - absoluteTolerance: an allowed absolute difference on top of it (0: the comparison is relative to the
///     gradient's scale; an absolute floor above the true gradients would let a zero gradient pass).
///   - samplesPerTensor: how many coordinates of each tensor to perturb at most.
///   - seed: seeds the loss weights w and the coordinate sample.
public func gradientCheck(
    _ layer: any Layer, input: Tensor, name: String? = nil,
    epsilon: Float = 1e-2, tolerance: Float = 5e-3, absoluteTolerance: Float = 0,
    samplesPerTensor: Int = 200, seed: UInt64 = 0
) -> GradientCheckResult {
    var generator = SeededGenerator(seed: seed)
    let savedBuffers = layer.namedBuffers
    let parameters = layer.namedParameters
    let savedGrads = parameters.map { $0.parameter.grad }
    defer {
        for (name, value) in savedBuffers { layer.setBuffer(name, to: value) }
        for (entry, grad) in zip(parameters, savedGrads) { entry.parameter.grad = grad }
    }

    // Analytic: one forward, then backward with ∂L/∂y = w.
    let output = layer.forward(input)
    let weights = Tensor.randomUniform(output.shape, low: -1, high: 1, using: &generator)
    var termSquares = 0.0
    for i in 0..<output.count { let t = Double(weights.scalars[i]) * Double(output.scalars[i]); termSquares += t * t }
    let floor = absoluteTolerance + roundingFloor(lossTermsNorm: termSquares.squareRoot(), epsilon: epsilon)
    for (entry) in parameters { entry.parameter.zeroGrad() }
    let inputGradient = layer.backward(weights)
    precondition(inputGradient.shape == input.shape,
                 "\(name ?? "layer"): backward returned shape \(inputGradient.shape) for input \(input.shape)")

    func loss(_ x: Tensor) -> Double {
        for (bufferName, value) in savedBuffers { layer.setBuffer(bufferName, to: value) }
        let y = layer.forward(x)
        var total = 0.0
        for i in 0..<y.count { total += Double(weights.scalars[i]) * Double(y.scalars[i]) }
        return total
    }

    var reports: [GradientCheckTensorReport] = []
    // The input.
    var x = input
    reports.append(checkTensor(
        name: "input", shape: input.shape, analytic: inputGradient, epsilon: epsilon, tolerance: tolerance,
        floor: floor, samples: samplesPerTensor, generator: &generator,
        perturb: { index, delta in
            let original = x.scalars[index]
            x.scalars[index] = original + delta
            let value = loss(x)
            x.scalars[index] = original
            return value
        }))
    // Every parameter.
    for entry in parameters {
        let parameter = entry.parameter
        reports.append(checkTensor(
            name: entry.name, shape: parameter.value.shape, analytic: parameter.grad, epsilon: epsilon,
            tolerance: tolerance, floor: floor, samples: samplesPerTensor,
            generator: &generator,
            perturb: { index, delta in
                let original = parameter.value.scalars[index]
                parameter.value.scalars[index] = original + delta
                let value = loss(input)
                parameter.value.scalars[index] = original
                return value
            }))
    }
    return GradientCheckResult(name: name ?? String(describing: layer), tensors: reports)
}

/// Checks the gradients a scalar function returns against central differences, one input at a time.
///
/// For losses and other functions `f(inputs) → (value, [∂f/∂input])`: each input's analytic gradient
/// (same shape as the input) is compared with (f(x + ε) − f(x − ε)) / 2ε on up to `samplesPerTensor`
/// coordinates. `function` must be deterministic (fix any random ε it uses).
/// - Parameters:
///   - name: what was checked, e.g. `"mse(reduction: .mean)"`.
///   - inputs: the named input tensors, e.g. `[("prediction", xHat), ("target", x)]`.
///   - epsilon: the central-difference step.
///   - tolerance: the allowed relative difference (see the layer overload).
///   - absoluteTolerance: an allowed absolute difference on top of it.
///   - samplesPerTensor: how many coordinates of each input to perturb at most.
///   - seed: seeds the coordinate sample.
///   - function: computes the value and the gradient with respect to each input, in order.
public func gradientCheck(
    name: String, inputs: [(name: String, value: Tensor)],
    epsilon: Float = 1e-2, tolerance: Float = 5e-3, absoluteTolerance: Float = 0,
    samplesPerTensor: Int = 200, seed: UInt64 = 0,
    function: ([Tensor]) -> (value: Float, gradients: [Tensor])
) -> GradientCheckResult {
    var generator = SeededGenerator(seed: seed)
    var values = inputs.map(\.value)
    let (value, analytic) = function(values)
    let floor = absoluteTolerance + roundingFloor(lossTermsNorm: Double(abs(value)), epsilon: epsilon)
    precondition(analytic.count == inputs.count,
                 "\(name): function returned \(analytic.count) gradients for \(inputs.count) inputs")
    var reports: [GradientCheckTensorReport] = []
    for (k, input) in inputs.enumerated() {
        precondition(analytic[k].shape == input.value.shape,
                     "\(name): gradient for \(input.name) has shape \(analytic[k].shape), input has \(input.value.shape)")
        reports.append(checkTensor(
            name: input.name, shape: input.value.shape, analytic: analytic[k], epsilon: epsilon,
            tolerance: tolerance, floor: floor, samples: samplesPerTensor,
            generator: &generator,
            perturb: { index, delta in
                let original = values[k].scalars[index]
                values[k].scalars[index] = original + delta
                let value = Double(function(values).value)
                values[k].scalars[index] = original
                return value
            }))
    }
    return GradientCheckResult(name: name, tensors: reports)
}

/// Compares `analytic` with central differences of `perturb(index, ±epsilon)` on sampled coordinates.
private func checkTensor(
    name: String, shape: [Int], analytic: Tensor, epsilon: Float, tolerance: Float,
    floor: Float, samples: Int, generator: inout SeededGenerator,
    perturb: (Int, Float) -> Double
) -> GradientCheckTensorReport {
    let count = analytic.count
    guard count > 0 else {
        return GradientCheckTensorReport(name: name, shape: shape, checkedCount: 0, checkedIndices: [], skippedCount: 0, worstIndex: [],
                                         analytic: 0, numerical: 0, errorRatio: 0)
    }
    // Which coordinates: all of a small tensor, else a random sample plus the largest gradient.
    var indices: [Int]
    if count <= samples {
        indices = Array(0..<count)
    } else {
        indices = Array(generator.permutation(count).prefix(max(samples - 1, 0)))
        let largest = analytic.scalars.indices.max { abs(analytic.scalars[$0]) < abs(analytic.scalars[$1]) }!
        if !indices.contains(largest) { indices.append(largest) }
    }
    // Both estimates at every sampled coordinate first: the scale of the comparison needs them all.
    let estimates = indices.map { index -> (wide: Double, narrow: Double) in
        let wide = (perturb(index, epsilon) - perturb(index, -epsilon)) / (2 * Double(epsilon))
        let narrow = (perturb(index, epsilon / 2) - perturb(index, -epsilon / 2)) / Double(epsilon)
        return (wide, narrow)
    }
    // The gradient's scale: the larger of the analytic rms (whole tensor) and the numerical rms (sampled
    // coordinates). Taking the numerical one too means a backward that returns zeros (or a tiny multiple of
    // the truth) cannot shrink the allowed difference to nothing and pass.
    var analyticSquares = 0.0
    for value in analytic.scalars { analyticSquares += Double(value) * Double(value) }
    var numericalSquares = 0.0
    for (wide, narrow) in estimates { let n = (4 * narrow - wide) / 3; numericalSquares += n * n }
    let scale = Float(max(analyticSquares / Double(count), numericalSquares / Double(indices.count)).squareRoot())

    var worst = (index: indices[0], analytic: Float(0), numerical: Float(0), ratio: -Float.infinity)
    var skipped = 0
    for (index, (wide, narrow)) in zip(indices, estimates) {
        let numerical = Float((4 * narrow - wide) / 3)  // Richardson: the ε² error terms cancel
        let a = analytic.scalars[index]
        let allowed = tolerance * (abs(numerical) + 0.1 * scale) + floor
        if abs(Float(wide - narrow)) > allowed {  // the two steps disagree: a kink within ε
            skipped += 1
            continue
        }
        let difference = abs(a - numerical)
        let ratio = difference.isNaN ? Float.infinity : difference / allowed
        if ratio > worst.ratio { worst = (index, a, numerical, ratio) }
    }
    return GradientCheckTensorReport(
        name: name, shape: shape, checkedCount: indices.count, checkedIndices: indices, skippedCount: skipped,
        worstIndex: multiIndex(worst.index, in: shape),
        analytic: worst.analytic, numerical: worst.numerical, errorRatio: max(worst.ratio, 0))
}

/// The smallest derivative central differences of a Float loss can resolve: each loss term tᵢ = wᵢ·yᵢ
/// carries a rounding error of a few units of u = 2⁻²⁴ (the forward's last operations), independent across
/// terms, so one loss evaluation is off by about u·‖t‖₂, and the Richardson estimate
/// (4·D(ε/2) − D(ε))/3 turns that into about 2·u·‖t‖₂/ε. The factor 4 allows ~2 u of error per term
/// (measured on Linear(40, 30) at batch 8: the worst honest |analytic − numerical| is 0.3 of this floor).
func roundingFloor(lossTermsNorm: Double, epsilon: Float) -> Float {
    Float(4 * Double(Float.ulpOfOne / 2) * lossTermsNorm / Double(epsilon))
}

/// The row-major multi-index of flat offset `offset` in `shape`.
private func multiIndex(_ offset: Int, in shape: [Int]) -> [Int] {
    var rest = offset
    var index = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}
