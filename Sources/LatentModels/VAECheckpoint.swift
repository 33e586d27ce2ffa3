import Latent
import LatentData

// A VAE training run on disk, for chapters 3 and 4: LatentData's `Checkpoint` (safetensors layout,
// PyTorch names, Adam state, the sampling generator, a content checksum) plus, in its `config.*`
// metadata, the per-epoch history and the binarization generator, so `--resume` continues the very
// same run.

/// The per-epoch numbers of a VAE run, per image: what the curves and summary.json show.
public struct VAEHistory: Sendable, Equatable {
    /// Mean reconstruction term per training image, one entry per epoch.
    public var trainRec: [Double] = []
    /// Mean KL per training image, per epoch.
    public var trainKL: [Double] = []
    /// Mean reconstruction term per test image, per epoch.
    public var testRec: [Double] = []
    /// Mean KL per test image, per epoch.
    public var testKL: [Double] = []
    /// Per-pixel test MSE on the [0, 1] scale, per epoch (CelebA runs; empty otherwise).
    public var testPixelMSE: [Double] = []
    /// Seconds of training at the end of each epoch, cumulative across resumes.
    public var seconds: [Double] = []

    /// An empty history (no epoch trained yet).
    public init() {}

    /// Epochs recorded.
    public var epochs: Int { trainRec.count }

    /// The history as the JSON object a checkpoint stores (keys sorted).
    public var json: JSONValue {
        ["seconds": .numbers(seconds), "test_kl": .numbers(testKL), "test_pixel_mse": .numbers(testPixelMSE),
         "test_rec": .numbers(testRec), "train_kl": .numbers(trainKL), "train_rec": .numbers(trainRec)]
    }

    /// The history stored as `json` (a missing list is empty).
    public init(json: JSONValue) {
        let list = { (key: String) in json[key]?.doubles ?? [] }
        (trainRec, trainKL, testRec, testKL) = (list("train_rec"), list("train_kl"), list("test_rec"), list("test_kl"))
        (testPixelMSE, seconds) = (list("test_pixel_mse"), list("seconds"))
    }
}

/// How far into an epoch a run was when it was interrupted (Ctrl-C): the steps done and the running
/// sums of the epoch's training terms, so the resumed epoch reports the same means.
public struct VAEPartialEpoch: Sendable, Equatable {
    /// Steps (batches) of the epoch already trained.
    public var steps: Int
    /// Σ of the reconstruction term so far in the epoch.
    public var recSum: Double
    /// Σ of the KL term so far in the epoch.
    public var klSum: Double
    /// What the sums are divided by for the epoch's means: images so far (chapter 3's per-image sums)
    /// or batches so far (chapter 4's per-batch means).
    public var seen: Int

    /// A partial epoch after `steps` batches, its sums over `seen` images (or batches).
    public init(steps: Int, recSum: Double, klSum: Double, seen: Int) {
        (self.steps, self.recSum, self.klSum, self.seen) = (steps, recSum, klSum, seen)
    }

    /// As checkpoint metadata: `steps,recSum,klSum,seen` (the sums as exact bit patterns).
    var text: String { "\(steps),\(String(recSum.bitPattern, radix: 16)),\(String(klSum.bitPattern, radix: 16)),\(seen)" }

    /// The partial epoch stored as `text`, or nil when it does not parse.
    init?(text: String) {
        let parts = text.split(separator: ",").map(String.init)
        guard parts.count == 4, let steps = Int(parts[0]), steps >= 0, let rec = UInt64(parts[1], radix: 16),
              let kl = UInt64(parts[2], radix: 16), let seen = Int(parts[3]), seen >= 0 else { return nil }
        self.init(steps: steps, recSum: Double(bitPattern: rec), klSum: Double(bitPattern: kl), seen: seen)
    }
}

/// What a VAE checkpoint restores besides the weights and Adam's state.
public struct VAETrainingState: Sendable {
    /// The epochs trained so far.
    public var history: VAEHistory
    /// The generator of the reparameterization noise ε.
    public var rng: SeededGenerator
    /// The generator of the per-batch binarization (Bernoulli decoders).
    public var binarizer: SeededGenerator
    /// Set when the run was interrupted inside epoch `history.epochs + 1`.
    public var partial: VAEPartialEpoch?
}

/// Writes a VAE run to `file` (atomically): model, Adam state, history, both generators and, after a
/// Ctrl-C inside an epoch, how far that epoch got (`partial`).
public func saveCheckpoint(_ file: String, model: VAE, optimizer: Adam, history: VAEHistory,
                           rng: SeededGenerator, binarizer: SeededGenerator, partial: VAEPartialEpoch? = nil) throws {
    var config: [String: String] = [
        "model": model.kind, "latent": "\(model.latentDimension)", "likelihood": model.likelihood.rawValue,
        "history": history.json.serialized(),
        "binarizer": binarizer.state.map { String($0, radix: 16) }.joined(separator: ",")
            + "/" + (binarizer.spareNormal.map { String($0.bitPattern, radix: 16) } ?? ""),
    ]
    if let partial { config["partial_epoch"] = partial.text }
    try Checkpoint.save(model: model, optimizer: optimizer, rng: rng, epoch: history.epochs, step: optimizer.stepCount,
                        config: config, to: file)
}

/// Ctrl-C inside an epoch: writes the run's checkpoint with how far the epoch got (`partial`) and says
/// so; the caller then exits with status 130, and `--resume` continues from the next step.
public func saveInterruptedRun(_ file: String, model: VAE, optimizer: Adam, history: VAEHistory,
                               rng: SeededGenerator, binarizer: SeededGenerator, partial: VAEPartialEpoch) throws {
    try saveCheckpoint(file, model: model, optimizer: optimizer, history: history, rng: rng, binarizer: binarizer, partial: partial)
    print("\ninterrupted: checkpoint written to \(file); continue with --resume")
}

/// Restores a VAE run from `file` into `model` and `optimizer` and returns its history and generators
/// (refused, with the model untouched, if the file does not fit).
public func loadCheckpoint(_ file: String, model: VAE, optimizer: Adam) throws -> VAETrainingState {
    let info = try Checkpoint.load(from: file, into: model, optimizer: optimizer)
    let historyText = info.config["history"] ?? "{}"
    let history: VAEHistory
    do {
        history = VAEHistory(json: try JSONValue(parsing: historyText))
    } catch {
        throw CheckpointError.badMetadata(file: file, key: "config.history", value: historyText)
    }
    var binarizer = SeededGenerator(seed: 0)
    let parts = (info.config["binarizer"] ?? "").split(separator: "/", omittingEmptySubsequences: false)
    let words = parts.first.map { $0.split(separator: ",").compactMap { UInt64($0, radix: 16) } } ?? []
    if words.count == 4 {
        binarizer.state = words
        binarizer.spareNormal = parts.count > 1 ? UInt32(parts[1], radix: 16).map { Float(bitPattern: $0) } : nil
    }
    var partial: VAEPartialEpoch?
    if let text = info.config["partial_epoch"] {
        guard let parsed = VAEPartialEpoch(text: text) else {
            throw CheckpointError.badMetadata(file: file, key: "config.partial_epoch", value: text)
        }
        partial = parsed
    }
    return VAETrainingState(history: history, rng: info.rng ?? SeededGenerator(seed: 0), binarizer: binarizer, partial: partial)
}
