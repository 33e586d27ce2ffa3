import Latent

/// A checkpoint that cannot be used, naming the file and what is wrong; nothing was loaded.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file is a safetensors file but not a Latent checkpoint (no format/checksum metadata).
    case notACheckpoint(file: String, reason: String)
    /// The stored checksum does not match the contents: the file was damaged after it was written.
    case checksumMismatch(file: String, stored: String, computed: String)
    /// A metadata value (epoch, step, RNG state, optimizer step) does not parse.
    case badMetadata(file: String, key: String, value: String)
    /// The checkpoint's tensors do not fit the model (or optimizer): every difference, listed.
    case mismatch(file: String, differences: [String])

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .notACheckpoint(file, reason):
            return "\(file): not a Latent checkpoint: \(reason)"
        case let .checksumMismatch(file, stored, computed):
            return "\(file): corrupt checkpoint: content CRC-32 is \(computed), the file says \(stored) (damaged after writing); refusing to load it"
        case let .badMetadata(file, key, value):
            return "\(file): metadata \"\(key)\" has an unreadable value \"\(value)\""
        case let .mismatch(file, differences):
            return "\(file): checkpoint does not fit the model:\n  " + differences.joined(separator: "\n  ")
        }
    }
}

/// What a loaded checkpoint says about the run it came from.
public struct CheckpointInfo: Sendable, Equatable {
    /// The file it was read from.
    public var file: String
    /// Epochs completed when it was written.
    public var epoch: Int
    /// Optimizer steps completed when it was written.
    public var step: Int
    /// The run's configuration (`--lr`, `--latent`, … as strings).
    public var config: [String: String]
    /// The random generator's state at that moment, if saved.
    public var rng: SeededGenerator?
    /// All `__metadata__` entries as stored.
    public var metadata: [String: String]
}

/// Training checkpoints in the safetensors layout, so `safetensors.torch.load_file` opens them.
///
/// Tensors, all with PyTorch names:
///
///     encoder.0.weight, …                            parameters (F32), from `namedParameters`
///     encoder.3.running_mean, …                      buffers (F32; `num_batches_tracked` as I64)
///     optimizer.state.<parameter>.exp_avg            Adam's moments (F32), per parameter
///     optimizer.state.<parameter>.exp_avg_sq
///     optimizer.state.<parameter>.momentum_buffer    SGD's momentum (when it has one)
///
/// Metadata (strings): `format`, `epoch`, `step`, `config.<key>`, `rng.state`, `rng.spare_normal`,
/// `optimizer`, `optimizer.step` and hyperparameters, and `content_crc32` — a CRC-32 of the data section,
/// the tensor index and the other metadata — so a damaged file is refused. Files are written to a
/// temporary name and renamed (`FileIO.writeAtomically`); a torn file fails the length check. Loading
/// checks everything (length, checksum, every name and shape) before it changes the model or optimizer.
public enum Checkpoint {
    /// The value of the `format` metadata key.
    public static let format = "latent-checkpoint-1"

    /// Saves `model` (parameters and buffers), the optimizer's state, `rng`, progress and `config` to `path`.
    public static func save(
        model: any Layer, optimizer: (any Optimizer)? = nil, rng: SeededGenerator? = nil,
        epoch: Int, step: Int, config: [String: String] = [:], to path: String
    ) throws {
        try FileIO.writeAtomically(encode(model: model, optimizer: optimizer, rng: rng, epoch: epoch, step: step, config: config), to: path)
    }

    /// The checkpoint file's bytes (what `save` writes).
    public static func encode(
        model: any Layer, optimizer: (any Optimizer)? = nil, rng: SeededGenerator? = nil,
        epoch: Int, step: Int, config: [String: String] = [:]
    ) -> [UInt8] {
        var tensors: [(name: String, tensor: StoredTensor)] = []
        for (name, parameter) in model.namedParameters { tensors.append((name, StoredTensor(parameter.value))) }
        for (name, value) in model.namedBuffers { tensors.append((name, stored(buffer: name, value))) }
        var metadata: [String: String] = ["format": format, "epoch": String(epoch), "step": String(step)]
        for (key, value) in config { metadata["config." + key] = value }
        if let rng {
            metadata["rng.state"] = rng.state.map { String($0, radix: 16) }.joined(separator: ",")
            if let spare = rng.spareNormal { metadata["rng.spare_normal"] = String(spare.bitPattern, radix: 16) }
        }
        if let optimizer {
            let names = parameterNames(model: model, optimizer: optimizer)
            let (state, info) = optimizerState(optimizer, names: names)
            tensors += state
            metadata.merge(info) { $1 }
        }
        metadata["content_crc32"] = crcText(contentCRC(tensors: tensors, metadata: metadata))
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    /// Loads `path` into `model` (and `optimizer`), all or nothing; returns epoch, step, config and RNG state.
    ///
    /// Refused, with the model untouched: a truncated or padded file, a checksum mismatch, a missing or
    /// extra tensor, a shape that differs (each difference is listed), missing optimizer state.
    @discardableResult
    public static func load(from path: String, into model: any Layer, optimizer: (any Optimizer)? = nil) throws -> CheckpointInfo {
        try load(bytes: try FileIO.readFile(path), file: path, into: model, optimizer: optimizer)
    }

    /// Loads checkpoint bytes (named `file` in errors) into `model` and `optimizer`; see `load(from:into:optimizer:)`.
    @discardableResult
    public static func load(bytes: [UInt8], file: String, into model: any Layer, optimizer: (any Optimizer)? = nil) throws -> CheckpointInfo {
        let (tensors, metadata) = try verified(bytes: bytes, file: file)
        let info = try checkpointInfo(metadata, file: file)
        var byName: [String: StoredTensor] = [:]
        for (name, tensor) in tensors { byName[name] = tensor }

        // Check everything first.
        var differences: [String] = []
        var expected = Set<String>()
        func check(_ name: String, shape: [Int]) {
            expected.insert(name)
            guard let stored = byName[name] else { differences.append("missing \(name) \(shape)"); return }
            if stored.shape != shape { differences.append("\(name): checkpoint has shape \(stored.shape), model has \(shape)") }
        }
        for (name, parameter) in model.namedParameters { check(name, shape: parameter.value.shape) }
        for (name, value) in model.namedBuffers { check(name, shape: value.shape) }
        var optimizerNames: [String] = []
        if let optimizer {
            optimizerNames = parameterNames(model: model, optimizer: optimizer)
            if let adam = optimizer as? Adam {
                if metadata["optimizer"] != "Adam" { differences.append("optimizer: checkpoint has \(metadata["optimizer"] ?? "none"), run uses Adam") }
                for (name, parameter) in zip(optimizerNames, adam.parameters) {
                    check("optimizer.state.\(name).exp_avg", shape: parameter.value.shape)
                    check("optimizer.state.\(name).exp_avg_sq", shape: parameter.value.shape)
                }
                if Int(metadata["optimizer.step"] ?? "") == nil {
                    throw CheckpointError.badMetadata(file: file, key: "optimizer.step", value: metadata["optimizer.step"] ?? "(missing)")
                }
            } else if let sgd = optimizer as? SGD {
                if metadata["optimizer"] != "SGD" { differences.append("optimizer: checkpoint has \(metadata["optimizer"] ?? "none"), run uses SGD") }
                for (name, parameter) in zip(optimizerNames, sgd.parameters) {
                    let key = "optimizer.state.\(name).momentum_buffer"
                    if byName[key] != nil { check(key, shape: parameter.value.shape) }
                }
            }
        }
        let unexpected = tensors.map(\.name).filter { name in
            !expected.contains(name) && !(optimizer == nil && name.hasPrefix("optimizer.state."))
                && !(optimizer is SGD && name.hasSuffix(".momentum_buffer"))
        }
        for name in unexpected { differences.append("unexpected \(name) \(byName[name]!.shape) (not in the model)") }
        guard differences.isEmpty else { throw CheckpointError.mismatch(file: file, differences: differences) }

        // Then assign.
        for (name, parameter) in model.namedParameters { parameter.value = byName[name]!.tensor }
        for (name, _) in model.namedBuffers { model.setBuffer(name, to: byName[name]!.tensor) }
        if let adam = optimizer as? Adam {
            adam.expAvg = optimizerNames.map { byName["optimizer.state.\($0).exp_avg"]!.tensor }
            adam.expAvgSq = optimizerNames.map { byName["optimizer.state.\($0).exp_avg_sq"]!.tensor }
            adam.stepCount = Int(metadata["optimizer.step"]!)!
        } else if let sgd = optimizer as? SGD {
            sgd.momentumBuffers = optimizerNames.map { byName["optimizer.state.\($0).momentum_buffer"]?.tensor }
        }
        return info
    }

    /// Loads a PyTorch `state_dict` saved by `safetensors.torch.save_file` (no Latent metadata) into
    /// `model`: every parameter and buffer by its PyTorch name, all or nothing. Refused, listing every
    /// difference, when a name is missing or extra, a shape differs, or a parameter is not F32.
    public static func loadStateDict(from path: String, into model: any Layer) throws {
        let (tensors, _) = try SafeTensors.decode(try FileIO.readFile(path), file: path)
        var byName: [String: StoredTensor] = [:]
        for (name, tensor) in tensors { byName[name] = tensor }
        var differences: [String] = []
        var expected = Set<String>()
        for (name, shape, isParameter) in model.namedParameters.map({ ($0.name, $0.parameter.value.shape, true) })
            + model.namedBuffers.map({ ($0.name, $0.value.shape, false) }) {
            expected.insert(name)
            guard let stored = byName[name] else { differences.append("missing \(name) \(shape)"); continue }
            if stored.shape != shape { differences.append("\(name): file has shape \(stored.shape), model has \(shape)") }
            if isParameter && stored.dtype != .f32 { differences.append("\(name): file has \(stored.dtype), a parameter must be F32") }
        }
        for (name, tensor) in tensors where !expected.contains(name) { differences.append("unexpected \(name) \(tensor.shape) (not in the model)") }
        guard differences.isEmpty else { throw CheckpointError.mismatch(file: path, differences: differences) }
        for (name, parameter) in model.namedParameters { parameter.value = byName[name]!.tensor }
        for (name, _) in model.namedBuffers { model.setBuffer(name, to: byName[name]!.tensor) }
    }

    /// Reads only the metadata of a checkpoint (after verifying length and checksum).
    public static func info(of path: String) throws -> CheckpointInfo {
        let (_, metadata) = try verified(bytes: try FileIO.readFile(path), file: path)
        return try checkpointInfo(metadata, file: path)
    }

    /// Decodes the file and checks its format tag and content checksum.
    static func verified(bytes: [UInt8], file: String) throws -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: file)
        guard metadata["format"] == format else {
            throw CheckpointError.notACheckpoint(file: file, reason: "metadata \"format\" is \(metadata["format"].map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\"")
        }
        guard let stored = metadata["content_crc32"] else {
            throw CheckpointError.notACheckpoint(file: file, reason: "metadata \"content_crc32\" is missing")
        }
        let computed = crcText(contentCRC(tensors: tensors, metadata: metadata))
        guard stored == computed else { throw CheckpointError.checksumMismatch(file: file, stored: stored, computed: computed) }
        return (tensors, metadata)
    }

    /// The CRC-32 over the data (in file order), each tensor's name/dtype/shape, and the metadata except the CRC.
    static func contentCRC(tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) -> UInt32 {
        var crc: UInt32 = 0
        for (_, tensor) in tensors { crc = Zlib.crc32(tensor.bytes, initial: crc) }
        var index = ""
        for (name, tensor) in tensors { index += "\(name)\t\(tensor.dtype.rawValue)\t\(tensor.shape)\n" }
        for key in metadata.keys.sorted() where key != "content_crc32" { index += "\(key)=\(metadata[key]!)\n" }
        return Zlib.crc32(Array(index.utf8), initial: crc)
    }

    private static func crcText(_ crc: UInt32) -> String {
        let hex = String(crc, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// A buffer as stored: `num_batches_tracked` as I64 (as PyTorch), the rest F32.
    private static func stored(buffer name: String, _ value: Tensor) -> StoredTensor {
        if name.hasSuffix("num_batches_tracked") {
            return StoredTensor(int64: value.scalars.map { Int64($0) }, shape: value.shape)
        }
        return StoredTensor(value)
    }

    /// The model's name for each of the optimizer's parameters (matched by identity).
    private static func parameterNames(model: any Layer, optimizer: any Optimizer) -> [String] {
        let named = model.namedParameters
        return optimizer.parameters.enumerated().map { index, parameter in
            guard let match = named.first(where: { $0.parameter === parameter }) else {
                preconditionFailure("Checkpoint: optimizer parameter \(index) \(parameter.value.shape) is not a parameter of the model")
            }
            return match.name
        }
    }

    /// The optimizer's state tensors and metadata.
    private static func optimizerState(_ optimizer: any Optimizer, names: [String]) -> ([(name: String, tensor: StoredTensor)], [String: String]) {
        var tensors: [(name: String, tensor: StoredTensor)] = []
        var metadata: [String: String] = [:]
        if let adam = optimizer as? Adam {
            for (name, (m, v)) in zip(names, zip(adam.expAvg, adam.expAvgSq)) {
                tensors.append(("optimizer.state.\(name).exp_avg", StoredTensor(m)))
                tensors.append(("optimizer.state.\(name).exp_avg_sq", StoredTensor(v)))
            }
            metadata["optimizer"] = "Adam"
            metadata["optimizer.step"] = String(adam.stepCount)
            metadata["optimizer.lr"] = "\(adam.lr)"
            metadata["optimizer.betas"] = "\(adam.betas.0),\(adam.betas.1)"
            metadata["optimizer.eps"] = "\(adam.eps)"
            metadata["optimizer.weight_decay"] = "\(adam.weightDecay)"
        } else if let sgd = optimizer as? SGD {
            for (name, buffer) in zip(names, sgd.momentumBuffers) {
                if let buffer { tensors.append(("optimizer.state.\(name).momentum_buffer", StoredTensor(buffer))) }
            }
            metadata["optimizer"] = "SGD"
            metadata["optimizer.lr"] = "\(sgd.lr)"
            metadata["optimizer.momentum"] = "\(sgd.momentum)"
            metadata["optimizer.weight_decay"] = "\(sgd.weightDecay)"
        } else {
            preconditionFailure("Checkpoint: no checkpoint format for optimizer \(type(of: optimizer))")
        }
        return (tensors, metadata)
    }

    /// Epoch, step, config and RNG state from the metadata.
    private static func checkpointInfo(_ metadata: [String: String], file: String) throws -> CheckpointInfo {
        func integer(_ key: String) throws -> Int {
            guard let text = metadata[key], let value = Int(text), value >= 0 else {
                throw CheckpointError.badMetadata(file: file, key: key, value: metadata[key] ?? "(missing)")
            }
            return value
        }
        var config: [String: String] = [:]
        for (key, value) in metadata where key.hasPrefix("config.") { config[String(key.dropFirst("config.".count))] = value }
        var rng: SeededGenerator?
        if let text = metadata["rng.state"] {
            let words = text.split(separator: ",").compactMap { UInt64($0, radix: 16) }
            guard words.count == 4, words.contains(where: { $0 != 0 }) else {
                throw CheckpointError.badMetadata(file: file, key: "rng.state", value: text)
            }
            var generator = SeededGenerator(seed: 0)
            generator.state = words
            if let spare = metadata["rng.spare_normal"] {
                guard let bits = UInt32(spare, radix: 16) else { throw CheckpointError.badMetadata(file: file, key: "rng.spare_normal", value: spare) }
                generator.spareNormal = Float(bitPattern: bits)
            }
            rng = generator
        }
        return CheckpointInfo(file: file, epoch: try integer("epoch"), step: try integer("step"), config: config, rng: rng, metadata: metadata)
    }
}

extension SafeTensors {
    /// Reads and decodes a safetensors file (size-capped at `limit` bytes).
    public static func read(_ path: String, limit: Int = 8 << 30) throws -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        if let size = FileIO.fileSize(path), size > limit {
            throw SafeTensorsError.headerTooLarge(file: path, declared: UInt64(size), limit: limit)
        }
        return try decode(try FileIO.readFile(path), file: path)
    }
}
