import Foundation
import Latent
import LatentData
import LatentModels

// Checkpoints in the safetensors layout: the model's parameters and BatchNorm buffers under their
// PyTorch names, Adam's moments as `optimizer.exp_avg.<name>` / `optimizer.exp_avg_sq.<name>`, and
// in the metadata the step count, the per-epoch history and the generators' states, so `--resume`
// continues the same run.
//
// Shared by chapters 3 and 4 (Tutorials/04-BetaVAE/Checkpoint.swift is a link to this file).

/// What a checkpoint restores besides the weights.
struct TrainingState {
    var history: History
    var rng: SeededGenerator
    var binarizer: SeededGenerator
}

/// Writes model, Adam state, history and generators to `file` (atomically).
func saveCheckpoint(_ file: String, model: VAE, optimizer: Adam, history: History,
                    rng: SeededGenerator, binarizer: SeededGenerator) throws {
    var tensors: [(name: String, tensor: Tensor)] = model.namedParameters.map { ($0.name, $0.parameter.value) }
    tensors += model.namedBuffers.map { ($0.name, $0.value) }
    let names = model.namedParameters.map(\.name)
    for (name, moment) in zip(names, optimizer.expAvg) { tensors.append(("optimizer.exp_avg." + name, moment)) }
    for (name, moment) in zip(names, optimizer.expAvgSq) { tensors.append(("optimizer.exp_avg_sq." + name, moment)) }
    let metadata: [String: String] = [
        "format": "latent-vae-checkpoint-1",
        "kind": model.kind, "latent": "\(model.latentDimension)", "likelihood": model.likelihood.rawValue,
        "adam_step": "\(optimizer.stepCount)",
        "history": try jsonText(["train_rec": history.trainRec, "train_kl": history.trainKL, "test_rec": history.testRec,
                                 "test_kl": history.testKL, "test_pixel_mse": history.testPixelMSE, "seconds": history.seconds]),
        "rng": generatorText(rng), "binarizer": generatorText(binarizer),
    ]
    try FileIO.writeAtomically(safetensorsBytes(tensors, metadata: metadata), to: file)
}

/// Restores model, Adam state, history and generators from `file`.
func loadCheckpoint(_ file: String, model: VAE, optimizer: Adam) throws -> TrainingState {
    let (tensors, metadata) = try readSafetensors(file)
    guard metadata["kind"] == model.kind, metadata["latent"] == "\(model.latentDimension)" else {
        throw CheckpointError.mismatch(file: file, detail: "checkpoint is \(metadata["kind"] ?? "?") z=\(metadata["latent"] ?? "?"),"
                                       + " the run is \(model.kind) z=\(model.latentDimension): pass the same --model/--latent")
    }
    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let t = tensors[name] else { throw CheckpointError.mismatch(file: file, detail: "missing tensor \(name)") }
        guard t.shape == shape else { throw CheckpointError.mismatch(file: file, detail: "\(name) has shape \(t.shape), expected \(shape)") }
        return t
    }
    for (name, parameter) in model.namedParameters { parameter.value = try tensor(name, shape: parameter.value.shape) }
    for (name, value) in model.namedBuffers { model.setBuffer(name, to: try tensor(name, shape: value.shape)) }
    let names = model.namedParameters.map(\.name)
    let shapes = model.parameters.map(\.value.shape)
    optimizer.expAvg = try zip(names, shapes).map { try tensor("optimizer.exp_avg." + $0, shape: $1) }
    optimizer.expAvgSq = try zip(names, shapes).map { try tensor("optimizer.exp_avg_sq." + $0, shape: $1) }
    optimizer.stepCount = Int(metadata["adam_step"] ?? "") ?? 0
    let h = try JSONSerialization.jsonObject(with: Data((metadata["history"] ?? "{}").utf8)) as? [String: [Double]] ?? [:]
    let history = History(trainRec: h["train_rec"] ?? [], trainKL: h["train_kl"] ?? [], testRec: h["test_rec"] ?? [],
                          testKL: h["test_kl"] ?? [], testPixelMSE: h["test_pixel_mse"] ?? [], seconds: h["seconds"] ?? [])
    return TrainingState(history: history, rng: try generator(metadata["rng"], file), binarizer: try generator(metadata["binarizer"], file))
}

/// A checkpoint that does not fit the run.
enum CheckpointError: Error, CustomStringConvertible {
    case mismatch(file: String, detail: String)
    case malformed(file: String, offset: Int, detail: String)

    var description: String {
        switch self {
        case let .mismatch(file, detail): return "\(file): \(detail)"
        case let .malformed(file, offset, detail): return "\(file) at byte \(offset): \(detail)"
        }
    }
}

private func generatorText(_ g: SeededGenerator) -> String {
    (g.state.map { String($0) } + [g.spareNormal.map { String($0.bitPattern) } ?? "-"]).joined(separator: ",")
}

private func generator(_ text: String?, _ file: String) throws -> SeededGenerator {
    let parts = (text ?? "").split(separator: ",").map(String.init)
    guard parts.count == 5, let state = Optional(parts[0..<4].compactMap { UInt64($0) }), state.count == 4 else {
        throw CheckpointError.mismatch(file: file, detail: "generator state \(text ?? "missing") is not 4 words and a spare")
    }
    var g = SeededGenerator(seed: 0)
    g.state = state
    g.spareNormal = UInt32(parts[4]).map { Float(bitPattern: $0) }
    return g
}

/// The safetensors bytes: 8-byte little-endian header length, JSON header, raw little-endian Float32 data.
func safetensorsBytes(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) throws -> [UInt8] {
    var header: [String: Any] = ["__metadata__": metadata]
    var offset = 0
    for (name, t) in tensors {
        header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
        offset += 4 * t.count
    }
    var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    while json.count % 8 != 0 { json.append(0x20) }
    var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json
    bytes.reserveCapacity(bytes.count + offset)
    for (_, t) in tensors { t.scalars.withUnsafeBytes { bytes += $0 } }
    return bytes
}

/// Float32 tensors by name and the metadata of a safetensors file.
func readSafetensors(_ file: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let bytes = try FileIO.readFile(file)
    guard bytes.count >= 8 else { throw CheckpointError.malformed(file: file, offset: 0, detail: "shorter than the 8-byte header length") }
    let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    guard length <= bytes.count - 8 else {
        throw CheckpointError.malformed(file: file, offset: 0, detail: "header length \(length) exceeds the file (\(bytes.count) bytes)")
    }
    guard let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any] else {
        throw CheckpointError.malformed(file: file, offset: 8, detail: "header is not a JSON object")
    }
    let base = 8 + length
    var tensors: [String: Tensor] = [:]
    for (name, value) in header where name != "__metadata__" {
        guard let entry = value as? [String: Any], let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
              offsets.count == 2, entry["dtype"] as? String == "F32", offsets[1] - offsets[0] == 4 * shape.reduce(1, *),
              base + offsets[1] <= bytes.count
        else { throw CheckpointError.malformed(file: file, offset: 8, detail: "entry \(name) is not a valid F32 tensor") }
        let scalars = bytes[(base + offsets[0])..<(base + offsets[1])].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        tensors[name] = Tensor(shape: shape, scalars: scalars)
    }
    return (tensors, header["__metadata__"] as? [String: String] ?? [:])
}

/// A chapter-2 autoencoder rebuilt from its checkpoint: the dense AE (Linear layers with ReLU, a
/// Sigmoid output) or seed 001's conv AE, told apart by the rank of `encoder.0.weight`.
struct LoadedAutoencoder {
    let encoder: Sequential
    let decoder: Sequential

    /// Decodes `steps` codes on the line between the codes of x's two images. x: [2, 1, 28, 28] → [steps, 1, 28, 28].
    func interpolate(_ x: Tensor, steps: Int) -> Tensor {
        encoder.isTraining = false
        decoder.isTraining = false
        let codes = encoder.forward(x)
        return decoder.forward(LatentCodes.interpolation(from: LatentCodes.row(codes, 0), to: LatentCodes.row(codes, 1), steps: steps))
            .reshaped([steps, 1, 28, 28])
    }
}

/// Loads a chapter-2 AE checkpoint (see `LoadedAutoencoder`).
func loadAutoencoder(_ file: String) throws -> LoadedAutoencoder {
    let (tensors, _) = try readSafetensors(file)
    guard let first = tensors["encoder.0.weight"] else {
        throw CheckpointError.mismatch(file: file, detail: "no encoder.0.weight: not a chapter-2 autoencoder checkpoint")
    }
    var generator = SeededGenerator(seed: 0)
    let encoder: Sequential, decoder: Sequential
    if first.rank == 4 {
        guard let map = tensors["decoder.0.weight"] else { throw CheckpointError.mismatch(file: file, detail: "no decoder.0.weight") }
        let ae = ConvAutoencoder(latentDimension: map.shape[1], using: &generator)
        (encoder, decoder) = (ae.encoder, ae.decoder)
    } else {
        // Dense: encoder.0, encoder.2, … and decoder.0, decoder.2, … are Linear layers with ReLU between.
        func linears(_ prefix: String, sigmoidLast: Bool) -> Sequential {
            var layers: [any Layer] = []
            var index = 0
            while let w = tensors["\(prefix).\(index).weight"] {
                if index > 0 { layers.append(ReLU()) }
                layers.append(Linear(inFeatures: w.shape[1], outFeatures: w.shape[0], using: &generator))
                index += 2
            }
            if sigmoidLast { layers.append(Sigmoid()) }
            return Sequential(layers)
        }
        encoder = Sequential([Flatten()] + linears("encoder", sigmoidLast: false).layers)
        decoder = linears("decoder", sigmoidLast: true)
    }
    // Names: the conv AE's are `encoder.<i>.…`; the dense one's encoder gained a Flatten at index 0.
    let shift = first.rank == 4 ? 0 : 1
    for (half, network, offset) in [("encoder", encoder, shift), ("decoder", decoder, 0)] {
        for (name, parameter) in network.namedParameters {
            let parts = name.split(separator: ".", maxSplits: 1)
            let stored = "\(half).\(Int(parts[0])! - offset).\(parts[1])"
            guard let t = tensors[stored], t.shape == parameter.value.shape else {
                throw CheckpointError.mismatch(file: file, detail: "\(stored) missing or of another shape than \(parameter.value.shape)")
            }
            parameter.value = t
        }
        for (name, _) in network.namedBuffers {
            let parts = name.split(separator: ".", maxSplits: 1)
            if let t = tensors["\(half).\(Int(parts[0])! - offset).\(parts[1])"] { network.setBuffer(name, to: t) }
        }
    }
    return LoadedAutoencoder(encoder: encoder, decoder: decoder)
}
