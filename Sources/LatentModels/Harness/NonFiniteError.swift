import Latent

/// Training met a NaN or infinity: where (epoch, step), what first produced it, and the last good
/// checkpoint to go back to.
public struct NonFiniteError: Error, CustomStringConvertible, Equatable {
    /// The epoch (1-based) of the failing step.
    public var epoch: Int
    /// The step within that epoch (1-based).
    public var step: Int
    /// The first culprit found: a parameter, the input, a layer's output, or a loss term.
    public var culprit: String
    /// The last good checkpoint (written after an earlier epoch), if there is one.
    public var checkpoint: String?

    /// A NonFiniteError at `epoch`/`step`, found in `culprit`; `checkpoint` is the last good one.
    public init(epoch: Int, step: Int, culprit: String, checkpoint: String? = nil) {
        (self.epoch, self.step, self.culprit, self.checkpoint) = (epoch, step, culprit, checkpoint)
    }

    /// Where training stopped and what to do next.
    public var description: String {
        "training stopped: non-finite value (NaN or Inf) at epoch \(epoch), step \(step); first non-finite value: \(culprit). "
            + (checkpoint.map { "Last good checkpoint: \($0): continue from it with --resume and a smaller --lr." }
                ?? "No checkpoint was written yet; try a smaller --lr.")
    }
}

/// A model the harness can train: a layer whose forward pass it can replay to find the first
/// non-finite value.
public protocol TrainableModel: Layer {
    /// The first layer output that is not finite for input `x` ("output of layer encoder.3 Linear(…)"),
    /// or nil when every output is finite. Runs in the current mode.
    func firstNonFiniteOutput(input x: Tensor) -> String?
}

extension TrainableModel {
    /// The first non-finite value behind a bad step: a parameter, then the input, then each layer's
    /// output in order; `fallback` (e.g. "the KL term") when all of those are finite.
    public func nonFiniteCulprit(input x: Tensor, fallback: String) -> String {
        if let bad = namedParameters.first(where: { !$0.parameter.value.isFinite }) {
            return "parameter \(bad.name)"
        }
        if !x.isFinite { return "the input batch" }
        return firstNonFiniteOutput(input: x) ?? fallback
    }
}

extension Sequential {
    /// Runs the layers one at a time on `x`; returns the output and, when one is not finite, the
    /// index and first description line of the first such layer.
    public func firstNonFiniteLayer(input x: Tensor) -> (output: Tensor, bad: (index: Int, layer: String)?) {
        var y = x
        for (index, layer) in layers.enumerated() {
            y = layer.forward(y)
            if !y.isFinite {
                return (y, (index, String(describing: layer).split(separator: "\n").first.map(String.init) ?? "\(type(of: layer))"))
            }
        }
        return (y, nil)
    }
}
