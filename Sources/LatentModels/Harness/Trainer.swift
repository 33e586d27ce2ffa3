import Latent
import LatentData

/// Everything around a training step, for every chapter: the epoch loop and its progress bar, the
/// NaN/Inf stop that names the culprit, the per-epoch history and timing, a checkpoint after every
/// epoch, and Ctrl-C, which finishes the step, writes a checkpoint and stops, so that `--resume`
/// continues the very same run, bit for bit.
///
/// A chapter keeps only its step, the few lines that are the lesson, and hands it to `train`:
///
/// ```swift
/// let trainer = Trainer(model: vae, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"))
/// if resume { try trainer.resume(replaying: &loader) }
/// try trainer.train(epochs: 10, loader: &loader, step: { batch in
///     let eps = Tensor.randomNormal([batch.count, z], using: &random["eps"])
///     let terms = vaeStep(vae, x: batch.input, eps: eps, objective: .elbo(.bce))
///     return StepReport(["rec", terms.reconstruction, "kl": terms.kl], averagedOver: batch.count, input: batch.input)
/// }, evaluate: { [("rec", testRec), ("kl", testKL)] })
/// ```
///
/// Each step: `optimizer.zeroGrad()`, the chapter's step (forward and backward), a check that every
/// term is finite, `optimizer.step()`.
public final class Trainer {
    /// The model being trained.
    public let model: any TrainableModel
    /// Its optimizer (Adam's moments and step count go into the checkpoint).
    public let optimizer: Adam
    /// The run's generators (saved in the checkpoint).
    public let random: RandomStreams
    /// Where the checkpoint is written after every epoch and at a Ctrl-C.
    public let checkpoint: String
    /// What the checkpoint records about the model (`model`, `latent`, … as strings), so a
    /// checkpoint can be rebuilt without the command line (e.g. chapter 3's `--ae`).
    public let config: [(String, String)]
    /// Printed before "epoch k/n" (e.g. "β=4 "), for runs that train several models.
    public let label: String
    /// The epochs trained so far.
    public private(set) var history = TrainingHistory()

    /// Set when a Ctrl-C stopped the run inside an epoch (restored by `resume`).
    private var partial: PartialEpoch?
    /// Asked after every step: stop now, writing a checkpoint (Ctrl-C; tests stop at a chosen step).
    private let shouldStop: () -> Bool

    /// A harness for `model` and `optimizer`, its generators `random`, checkpointing to `checkpoint`.
    public init(model: any TrainableModel, optimizer: Adam, random: RandomStreams, checkpoint: String,
                config: [(String, String)] = [], label: String = "", shouldStop: @escaping () -> Bool = { Interrupt.requested }) {
        self.model = model
        self.optimizer = optimizer
        self.random = random
        self.checkpoint = checkpoint
        self.config = config
        self.label = label
        self.shouldStop = shouldStop
    }

    /// `--resume`: loads the checkpoint, when there is one, into the model, the optimizer, the
    /// generators and the history, and advances `loader` past the epochs already trained (its shuffle
    /// for epoch k is then the one the uninterrupted run drew). Without a checkpoint it says so and
    /// the run starts from scratch.
    public func resume<Dataset>(replaying loader: inout DataLoader<Dataset>) throws {
        guard FileIO.pathExists(checkpoint) else {  // a folder or broken link there fails to load, naming it
            print("no checkpoint at \(checkpoint): starting from scratch")
            return
        }
        let state = try TrainingCheckpoint.load(checkpoint, model: model, optimizer: optimizer, random: random)
        (history, partial) = (state.history, state.partial)
        for _ in 0..<history.epochs { _ = loader.epoch() }
        print("resumed from \(checkpoint) after epoch \(history.epochs)" + (partial.map { " and \($0.steps) steps" } ?? ""))
    }

    /// Trains until `epochs` epochs are done (none when the history already has them).
    ///
    /// - Parameters:
    ///   - loader: the training batches; its generator advances once per epoch.
    ///   - step: the chapter's step on one batch: forward and backward (gradients accumulate into the
    ///     parameters; the harness zeroes them before and applies the optimizer after).
    ///   - evaluate: after each epoch, the test metrics to record (`("rec", …)` becomes `test_rec`).
    /// - Throws: `NonFiniteError` at a NaN or Inf, `TrainingInterrupted` after a Ctrl-C.
    public func train<Dataset>(
        epochs: Int, loader: inout DataLoader<Dataset>,
        step: (Batch) throws -> StepReport,
        evaluate: () throws -> [(name: String, value: Double)]
    ) throws {
        Interrupt.install()
        while history.epochs < epochs {
            let epoch = history.epochs + 1
            let clock = Stopwatch()
            model.isTraining = true
            let bar = ProgressBar(total: loader.batchCount, label: "\(label)epoch \(epoch)/\(epochs)")
            var sums = partial ?? PartialEpoch(steps: 0, names: [], sums: [], count: 0)
            var batches = loader.epoch()
            batches.skip(sums.steps)  // done before the Ctrl-C this run resumes from
            var index = sums.steps - 1
            while let batch = try batches.next() {
                index += 1
                optimizer.zeroGrad()
                let report = try step(batch)
                if let bad = report.terms.first(where: { !$0.value.isFinite }) {
                    throw NonFiniteError(epoch: epoch, step: index + 1,
                                         culprit: model.nonFiniteCulprit(input: report.input, fallback: "the loss term \(bad.name)"),
                                         checkpoint: FileIO.fileExists(checkpoint) ? checkpoint : nil)
                }
                optimizer.step()
                sums.add(report)
                bar.update(step: index + 1, metrics: sums.means.map { ($0.name, Float($0.value)) })
                if shouldStop() {
                    try save(partial: sums)
                    throw TrainingInterrupted(checkpoint: checkpoint)
                }
            }
            partial = nil
            bar.finish()
            let train = sums.means.map { (name: "train_" + $0.name, value: $0.value) }
            let test = try evaluate().map { (name: "test_" + $0.name, value: $0.value) }
            history.append(train + test, seconds: clock.seconds)
            print("\(label)epoch \(epoch): " + (train + test).map { "\($0.name) \(Format.metric(Float($0.value)))" }.joined(separator: "  ")
                  + "  (\(Format.clock(history.seconds.last ?? 0)))")
            if let bad = model.namedParameters.first(where: { !$0.parameter.value.isFinite }) {
                throw NonFiniteError(epoch: epoch, step: sums.steps, culprit: "parameter \(bad.name) (after the last update of the epoch)",
                                     checkpoint: FileIO.fileExists(checkpoint) ? checkpoint : nil)
            }
            try save(partial: nil)
        }
    }

    /// Writes the checkpoint (atomically): the model, Adam, the generators, the history and, after a
    /// Ctrl-C inside an epoch, how far that epoch got.
    private func save(partial: PartialEpoch?) throws {
        try TrainingCheckpoint.save(checkpoint, model: model, optimizer: optimizer, random: random, history: history,
                                    partial: partial, config: config)
    }
}

/// How far into an epoch a run is: steps done and the running sums of each term, so a resumed epoch
/// reports the same means as an uninterrupted one.
struct PartialEpoch: Equatable {
    /// Steps (batches) of the epoch already trained.
    var steps: Int
    /// The terms' names, in the step's order.
    var names: [String]
    /// Σ of each term so far.
    var sums: [Double]
    /// Σ of the steps' `count`s so far (images or batches).
    var count: Int

    /// Adds one step's report.
    mutating func add(_ report: StepReport) {
        if names.isEmpty {
            names = report.terms.map(\.name)
            sums = Array(repeating: 0, count: names.count)
        }
        for (index, term) in report.terms.enumerated() { sums[index] += Double(term.value) }
        count += report.count
        steps += 1
    }

    /// Each term's mean over the epoch so far.
    var means: [(name: String, value: Double)] {
        zip(names, sums).map { ($0, $1 / Double(count)) }
    }

    /// As checkpoint metadata, the sums as exact bit patterns.
    var json: JSONValue {
        ["steps": .number(Double(steps)), "count": .number(Double(count)),
         "names": .array(names.map { .string($0) }),
         "sums": .array(sums.map { .string(String($0.bitPattern, radix: 16)) })]
    }

    /// The partial epoch stored as `json`, or nil when it does not parse.
    init?(json: JSONValue) {
        guard case let .number(s)? = json["steps"], case let .number(c)? = json["count"],
              case let .array(nameItems)? = json["names"], case let .array(sumItems)? = json["sums"],
              s >= 0, c >= 0, s == s.rounded(), c == c.rounded(), nameItems.count == sumItems.count else { return nil }
        var names: [String] = [], sums: [Double] = []
        for (name, sum) in zip(nameItems, sumItems) {
            guard case let .string(n) = name, case let .string(bits) = sum, let pattern = UInt64(bits, radix: 16) else { return nil }
            names.append(n)
            sums.append(Double(bitPattern: pattern))
        }
        self.init(steps: Int(s), names: names, sums: sums, count: Int(c))
    }

    init(steps: Int, names: [String], sums: [Double], count: Int) {
        (self.steps, self.names, self.sums, self.count) = (steps, names, sums, count)
    }
}
