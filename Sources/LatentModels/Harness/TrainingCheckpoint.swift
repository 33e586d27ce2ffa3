import Latent
import LatentData

/// The harness's checkpoint: LatentData's `Checkpoint` (safetensors with PyTorch names: the model's
/// parameters and buffers, Adam's moments and step, a content checksum), and in its metadata the
/// history, every generator of the run and, after a Ctrl-C inside an epoch, how far that epoch got.
/// One format for every chapter.
public enum TrainingCheckpoint {
    /// What a checkpoint restores besides the weights and the optimizer.
    public struct State {
        /// The epochs trained so far.
        public var history: TrainingHistory
        /// Set when the run was interrupted inside epoch `history.epochs + 1`.
        var partial: PartialEpoch?
    }

    /// Writes the run to `file` atomically (a temporary file, then a rename).
    public static func save(_ file: String, model: any Layer, optimizer: Adam, random: RandomStreams, history: TrainingHistory,
                            config: [(String, String)] = []) throws {
        try save(file, model: model, optimizer: optimizer, random: random, history: history, partial: nil, config: config)
    }

    static func save(_ file: String, model: any Layer, optimizer: Adam, random: RandomStreams, history: TrainingHistory,
                     partial: PartialEpoch?, config: [(String, String)]) throws {
        var settings = Dictionary(config, uniquingKeysWith: { $1 })
        settings["history"] = history.json.serialized()
        settings["generators"] = JSONValue.object(random.text).serialized()
        if let partial { settings["partial_epoch"] = partial.json.serialized() }
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: history.epochs, step: optimizer.stepCount,
                            config: settings, to: file)
    }

    /// Restores a run from `file` into `model`, `optimizer` and `random`; refused, naming the file and
    /// the key, when the checkpoint does not fit or its metadata does not parse (the model may then
    /// hold the checkpoint's weights, but training does not start).
    public static func load(_ file: String, model: any Layer, optimizer: Adam, random: RandomStreams) throws -> State {
        let info = try Checkpoint.load(from: file, into: model, optimizer: optimizer)
        func parsed(_ key: String) throws -> JSONValue {
            guard let text = info.config[key] else {
                throw CheckpointError.notACheckpoint(file: file, reason: "no config.\(key): not written by a chapter's training harness")
            }
            guard let value = try? JSONValue(parsing: text) else {
                throw CheckpointError.badMetadata(file: file, key: "config.\(key)", value: text)
            }
            return value
        }
        let historyJSON = try parsed("history")
        guard let history = TrainingHistory(json: historyJSON), history.epochs == info.epoch else {
            throw CheckpointError.badMetadata(file: file, key: "config.history", value: info.config["history"] ?? "")
        }
        guard random.restore(try parsed("generators")) else {
            throw CheckpointError.badMetadata(file: file, key: "config.generators", value: info.config["generators"] ?? "")
        }
        var state = State(history: history, partial: nil)
        if info.config["partial_epoch"] != nil {
            guard let partial = PartialEpoch(json: try parsed("partial_epoch")) else {
                throw CheckpointError.badMetadata(file: file, key: "config.partial_epoch", value: info.config["partial_epoch"] ?? "")
            }
            state.partial = partial
        }
        return state
    }
}
