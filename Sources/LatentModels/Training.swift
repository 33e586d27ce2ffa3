import Latent

/// An encoder/decoder pair of Sequentials: x → z = encoder(x) → x̂ = decoder(z).
///
/// The chapters' models (`DenseAutoencoder`, `ConvAutoencoder`, `CelebAAutoencoder`) conform; the
/// protocol gives them `forward`/`backward` through both halves and PyTorch names `encoder.*`, `decoder.*`.
public protocol AutoencoderModel: Layer {
    /// Image → code.
    var encoder: Sequential { get }
    /// Code → image.
    var decoder: Sequential { get }
}

extension AutoencoderModel {
    /// x: [N, …] → x̂ = decoder(encoder(x)).
    public func forward(_ x: Tensor) -> Tensor { decoder.forward(encoder.forward(x)) }
    /// dx̂ → dx through the decoder then the encoder; accumulates every parameter's gradient.
    public func backward(_ dy: Tensor) -> Tensor { encoder.backward(decoder.backward(dy)) }
    /// `encoder.*` then `decoder.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters.map { ("encoder." + $0.name, $0.parameter) }
            + decoder.namedParameters.map { ("decoder." + $0.name, $0.parameter) }
    }
    /// `encoder.*` then `decoder.*` buffers.
    public var namedBuffers: [(name: String, value: Tensor)] {
        encoder.namedBuffers.map { ("encoder." + $0.name, $0.value) } + decoder.namedBuffers.map { ("decoder." + $0.name, $0.value) }
    }
    /// Sets `encoder.<…>` or `decoder.<…>`.
    public func setBuffer(_ name: String, to value: Tensor) {
        if name.hasPrefix("encoder.") {
            encoder.setBuffer(String(name.dropFirst("encoder.".count)), to: value)
        } else if name.hasPrefix("decoder.") {
            decoder.setBuffer(String(name.dropFirst("decoder.".count)), to: value)
        } else {
            preconditionFailure("\(type(of: self)) has no buffer named \(name)")
        }
    }
    /// Training or evaluation mode of both halves.
    public var isTraining: Bool {
        get { encoder.isTraining }
        set { encoder.isTraining = newValue; decoder.isTraining = newValue }
    }

    /// `title` then both Sequentials, indented as PyTorch prints modules.
    public func autoencoderDescription(_ title: String) -> String {
        let indent = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        return "\(title)(\n  (encoder): \(indent(encoder.description))\n  (decoder): \(indent(decoder.description))\n)"
    }

    /// A table of every layer: its name, what it is, its output shape for `inputShape` ([C, H, W]) and
    /// its parameter count, with the total (computed with one image in evaluation mode).
    public func summary(inputShape: [Int]) -> String {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var rows: [(String, String, String, String)] = [("layer", "type", "output shape", "parameters")]
        var x = Tensor.zeros([1] + inputShape)
        rows.append(("input", "", "\(inputShape)", ""))
        for (half, sequential) in [("encoder", encoder), ("decoder", decoder)] {
            for (index, layer) in sequential.layers.enumerated() {
                x = layer.forward(x)
                let kind = String(describing: layer).split(separator: "\n").first.map(String.init) ?? "\(type(of: layer))"
                let count = layer.parameterCount
                rows.append(("\(half).\(index)", kind, "\(Array(x.shape.dropFirst()))", count == 0 ? "" : "\(count)"))
            }
        }
        rows.append(("total", "", "", "\(parameterCount)"))
        let widths = (0..<4).map { column in rows.map { [$0.0, $0.1, $0.2, $0.3][column].count }.max()! }
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        return rows.map { row in
            "\(pad(row.0, widths[0]))  \(pad(row.1, widths[1]))  \(pad(row.2, widths[2]))  \(pad(row.3, widths[3], right: true))"
        }.joined(separator: "\n")
    }
}

extension ConvAutoencoder: AutoencoderModel {}

/// Training hit a NaN or Inf: where (epoch, step) and what first produced it.
public struct NonFiniteError: Error, CustomStringConvertible, Equatable {
    /// The epoch (1-based) of the failing step.
    public var epoch: Int
    /// The global step (1-based) that produced the non-finite loss.
    public var step: Int
    /// The first culprit found: a parameter, a layer's output, the input, or the loss itself.
    public var culprit: String

    /// A message that says where training stopped and why.
    public var description: String {
        "training stopped: non-finite loss at epoch \(epoch), step \(step); first non-finite value: \(culprit)"
    }
}

/// True when every element of `tensor` is finite (no NaN, no ±Inf).
public func isAllFinite(_ tensor: Tensor) -> Bool {
    tensor.withUnsafeBufferPointer { buffer in
        var accumulator: Float = 0
        for value in buffer { accumulator += value * 0 }  // NaN·0 = NaN, ±Inf·0 = NaN, finite·0 = 0
        return accumulator == 0
    }
}

/// Trains an autoencoder on the mean squared reconstruction error, one minibatch at a time.
///
/// The step, with x̃ the input the model sees (x itself, or x plus noise when denoising) and x the target:
///
///     x̂ = decoder(encoder(x̃))
///     L = 1/n Σ (x̂ − x)²                        (`mse`, reduction mean; n = B·C·H·W)
///     ∂L/∂x̂ = 2 (x̂ − x) / n                     → backward through decoder, then encoder
///     Adam step on every parameter
///
/// The loss is checked every step; when it is NaN or Inf the trainer finds the first parameter, layer
/// output or input that holds a non-finite value and throws `NonFiniteError` naming epoch, step and culprit.
public final class AutoencoderTrainer {
    /// The model being trained.
    public let model: any AutoencoderModel
    /// Its optimizer.
    public let optimizer: Adam
    /// Optimizer steps taken so far (across epochs; restored from checkpoints).
    public var step: Int

    /// A trainer for `model` with `optimizer`, having taken `step` steps already.
    public init(model: any AutoencoderModel, optimizer: Adam, step: Int = 0) {
        self.model = model
        self.optimizer = optimizer
        self.step = step
    }

    /// One training step on input x̃ [B, C, H, W] and target x (same shape); returns the batch's mean squared error.
    @discardableResult
    public func trainStep(input: Tensor, target: Tensor, epoch: Int) throws -> Float {
        model.isTraining = true
        optimizer.zeroGrad()
        let xHat = model.forward(input)
        let (loss, dxHat) = mse(xHat, target)
        step += 1
        guard loss.isFinite else {
            throw NonFiniteError(epoch: epoch, step: step, culprit: locateNonFinite(input: input))
        }
        _ = model.backward(dxHat)
        optimizer.step()
        return loss
    }

    /// Runs `trainStep` over `batches` ([(input x̃, target x)]); `onStep(index, loss)` after each (for a
    /// progress bar); stops early, after finishing a step, when `shouldStop()` turns true.
    /// Returns the mean loss of the steps taken and how many there were.
    public func trainEpoch<Batches: Sequence>(
        _ batches: Batches, epoch: Int, onStep: (Int, Float) -> Void = { _, _ in }, shouldStop: () -> Bool = { false }
    ) throws -> (meanLoss: Float, steps: Int) where Batches.Element == (input: Tensor, target: Tensor) {
        var total: Double = 0
        var count = 0
        for (input, target) in batches {
            total += Double(try trainStep(input: input, target: target, epoch: epoch))
            count += 1
            onStep(count, Float(total / Double(count)))
            if shouldStop() { break }
        }
        try checkParameters(epoch: epoch)
        return (count == 0 ? 0 : Float(total / Double(count)), count)
    }

    /// Throws `NonFiniteError` if any parameter holds NaN/Inf (a last gradient can poison weights
    /// without a non-finite loss in the same step) — checked before a checkpoint is written.
    public func checkParameters(epoch: Int) throws {
        if let bad = model.namedParameters.first(where: { !isAllFinite($0.parameter.value) }) {
            throw NonFiniteError(epoch: epoch, step: step, culprit: "parameter \(bad.name) (after the update of step \(step))")
        }
    }

    /// The mean squared error per pixel over every image of `batches`, in evaluation mode.
    public func meanSquaredError<Batches: Sequence>(_ batches: Batches) -> Float where Batches.Element == (input: Tensor, target: Tensor) {
        var total: Double = 0
        var count = 0
        for (input, target) in batches {
            let (loss, _) = mse(reconstruct(input), target)
            total += Double(loss) * Double(target.count)
            count += target.count
        }
        return count == 0 ? .nan : Float(total / Double(count))
    }

    /// x̂ = decoder(encoder(x)) in evaluation mode (BatchNorm uses its running statistics).
    public func reconstruct(_ x: Tensor) -> Tensor { evaluating { model.forward(x) } }
    /// z = encoder(x) in evaluation mode: [N, C, H, W] → [N, latent].
    public func encode(_ x: Tensor) -> Tensor { evaluating { model.encoder.forward(x) } }
    /// x̂ = decoder(z) in evaluation mode: [N, latent] → [N, C, H, W].
    public func decode(_ z: Tensor) -> Tensor { evaluating { model.decoder.forward(z) } }

    private func evaluating<T>(_ body: () -> T) -> T {
        let wasTraining = model.isTraining
        model.isTraining = false
        defer { model.isTraining = wasTraining }
        return body()
    }

    /// The first non-finite value: a parameter, then the input, then each layer's output in order.
    private func locateNonFinite(input: Tensor) -> String {
        if let bad = model.namedParameters.first(where: { !isAllFinite($0.parameter.value) }) {
            return "parameter \(bad.name) (made non-finite by an earlier update)"
        }
        if !isAllFinite(input) { return "the input batch" }
        var x = input
        for (half, sequential) in [("encoder", model.encoder), ("decoder", model.decoder)] {
            for (index, layer) in sequential.layers.enumerated() {
                x = layer.forward(x)
                if !isAllFinite(x) {
                    let kind = String(describing: layer).split(separator: "\n").first.map(String.init) ?? "\(type(of: layer))"
                    return "output of layer \(half).\(index) \(kind)"
                }
            }
        }
        return "the loss itself (finite outputs, overflow in the squared error)"
    }
}

/// Images along the batch axis, one after another: [Nᵢ, C, H, W]… → [ΣNᵢ, C, H, W].
public func stackImages(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "stackImages: nothing to stack")
    let item = Array(parts[0].shape.dropFirst())
    for part in parts {
        precondition(Array(part.shape.dropFirst()) == item, "stackImages: shapes \(parts[0].shape) and \(part.shape) differ past the batch axis")
    }
    let count = parts.reduce(0) { $0 + $1.shape[0] }
    return Tensor(shape: [count] + item, scalars: parts.flatMap(\.scalars))
}

/// Codes on the straight line from z₀ to z₁: [1, d], [1, d] → [steps, d], endpoints included (steps ≥ 2).
public func interpolateLatents(from z0: Tensor, to z1: Tensor, steps: Int) -> Tensor {
    precondition(z0.shape == z1.shape && z0.rank == 2 && z0.shape[0] == 1, "interpolateLatents: expected two [1, d] codes, got \(z0.shape), \(z1.shape)")
    precondition(steps >= 2, "interpolateLatents: need at least 2 steps")
    let rows = (0..<steps).map { i -> [Float] in
        let t = Float(i) / Float(steps - 1)
        return zip(z0.scalars, z1.scalars).map { (1 - t) * $0 + t * $1 }
    }
    return Tensor(shape: [steps, z0.shape[1]], scalars: rows.flatMap { $0 })
}
