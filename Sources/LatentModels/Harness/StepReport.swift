import Latent

/// What one training step tells the harness: its loss terms, what they are averaged over, and the
/// input the model saw (replayed to find the culprit when a term is NaN or infinite).
///
/// A chapter whose terms are sums over the batch reports `averagedOver: n` (the epoch's mean is then
/// per image); one whose terms are already batch means reports `averagedOver: 1` (per batch).
public struct StepReport {
    /// `(name, value)` of each loss term, e.g. `("rec", 95.2), ("kl", 24.8)`.
    public var terms: [(name: String, value: Float)]
    /// What the terms' epoch means are divided by: images (summed terms) or 1 (batch means).
    public var count: Int
    /// The batch the model saw, x [B, C, H, W].
    public var input: Tensor

    /// A step's `terms`, averaged over `count` per step, on `input`.
    public init(_ terms: KeyValuePairs<String, Float>, averagedOver count: Int, input: Tensor) {
        self.terms = terms.map { ($0.key, $0.value) }
        self.count = count
        self.input = input
    }
}

/// Training stopped at a Ctrl-C after writing `checkpoint`; `--resume` continues from the next step.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    /// The checkpoint written at the stop.
    public var checkpoint: String
    /// "interrupted: checkpoint written to …; continue with --resume".
    public var description: String { "interrupted: checkpoint written to \(checkpoint); continue with --resume" }
}
