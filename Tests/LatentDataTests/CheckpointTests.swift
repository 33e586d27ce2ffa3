import Foundation
import Latent
import Testing
@testable import LatentData

/// A small model with parameters and BatchNorm buffers, trained one Adam step so every state is non-trivial.
private struct TrainedModel {
    let model: Sequential
    let adam: Adam
    var rng: SeededGenerator

    init(seed: UInt64, hidden: Int = 6) {
        var generator = SeededGenerator(seed: seed)
        model = Sequential(
            Linear(inFeatures: 5, outFeatures: hidden, using: &generator),
            BatchNorm1d(numFeatures: hidden),
            ReLU(),
            Linear(inFeatures: hidden, outFeatures: 3, using: &generator))
        adam = Adam(parameters: model.parameters, lr: 1e-2)
        let x = Tensor.randomNormal([8, 5], using: &generator)
        for _ in 0..<2 {
            adam.zeroGrad()
            let y = model.forward(x)
            _ = model.backward(y)  // gradient of ½‖y‖²
            adam.step()
        }
        _ = generator.nextNormal()  // leaves a spare normal in the generator state
        rng = generator
    }

    /// Every number the checkpoint should carry, flattened for exact comparison.
    var state: [[Float]] {
        model.namedParameters.map(\.parameter.value.scalars) + model.namedBuffers.map(\.value.scalars)
            + adam.expAvg.map(\.scalars) + adam.expAvgSq.map(\.scalars) + [[Float(adam.stepCount)]]
    }
}

private func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "latent-checkpoint-\(UInt64.random(in: 0...UInt64.max))-\(name)"
}

@Suite("Checkpoints (safetensors layout)")
struct CheckpointTests {
    @Test("save then load restores parameters, buffers, Adam state, RNG, epoch, step and config exactly")
    func roundTrip() throws {
        let source = TrainedModel(seed: 1)
        let path = temporaryPath("roundtrip.safetensors")
        defer { FileIO.removeFile(path) }
        try Checkpoint.save(model: source.model, optimizer: source.adam, rng: source.rng, epoch: 3, step: 42,
                            config: ["lr": "0.01", "model": "tiny"], to: path)
        let target = TrainedModel(seed: 2)
        #expect(target.state != source.state)
        let info = try Checkpoint.load(from: path, into: target.model, optimizer: target.adam)
        #expect(target.state == source.state)
        #expect(info.epoch == 3 && info.step == 42)
        #expect(info.config == ["lr": "0.01", "model": "tiny"])
        #expect(info.rng == source.rng)
        #expect(source.rng.spareNormal != nil)
        let x = Tensor(shape: [2, 5], scalars: (0..<10).map { Float($0) / 10 })
        source.model.isTraining = false
        target.model.isTraining = false
        #expect(source.model.forward(x) == target.model.forward(x))
    }

    @Test("the file is safetensors: LE header length, JSON index with PyTorch names, I64 num_batches_tracked")
    func layout() throws {
        let source = TrainedModel(seed: 3)
        let bytes = Checkpoint.encode(model: source.model, optimizer: source.adam, epoch: 1, step: 2)
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        for name in ["\"0.weight\"", "\"1.running_mean\"", "\"3.bias\"", "\"optimizer.state.0.weight.exp_avg_sq\""] {
            #expect(header.contains(name), "header lacks \(name)")
        }
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: "layout")
        let tracked = try #require(tensors.first { $0.name == "1.num_batches_tracked" })
        #expect(tracked.tensor.dtype == .i64 && tracked.tensor.shape == [])
        #expect(tracked.tensor.tensor.item == 2)
        #expect(metadata["optimizer"] == "Adam" && metadata["optimizer.step"] == "2")
    }

    @Test("a torn (truncated) checkpoint is refused with the file named, the model untouched",
          arguments: [0, 5, 8, 100, -1, -4, -200])
    func tornFile(cut: Int) throws {
        let source = TrainedModel(seed: 4)
        let bytes = Checkpoint.encode(model: source.model, optimizer: source.adam, epoch: 1, step: 2)
        let keep = cut >= 0 ? cut : bytes.count + cut
        let target = TrainedModel(seed: 5)
        let before = target.state
        #expect {
            try Checkpoint.load(bytes: Array(bytes[0..<keep]), file: "torn.safetensors", into: target.model, optimizer: target.adam)
        } throws: { error in
            let message = "\(error)"
            return message.contains("torn.safetensors") && (message.contains("truncated") || message.contains("exceeds"))
        }
        #expect(target.state == before)
    }

    @Test("every single-bit flip anywhere in a checkpoint is refused, the model untouched", arguments: [UInt8(0x01), 0x10, 0x80])
    func flippedBits(mask: UInt8) throws {
        let source = TrainedModel(seed: 6, hidden: 2)
        let bytes = Checkpoint.encode(model: source.model, optimizer: source.adam, rng: source.rng, epoch: 1, step: 2)
        let target = TrainedModel(seed: 7, hidden: 2)
        let before = target.state
        var accepted: [Int] = []
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= mask
            if (try? Checkpoint.load(bytes: damaged, file: "flip", into: target.model, optimizer: target.adam)) != nil {
                accepted.append(position)
            }
        }
        #expect(accepted.isEmpty, "flips accepted at byte offsets \(accepted.prefix(10))")
        #expect(target.state == before)
    }

    @Test("a flipped data byte is reported as a checksum mismatch naming the file")
    func checksumMessage() throws {
        let source = TrainedModel(seed: 8)
        var bytes = Checkpoint.encode(model: source.model, epoch: 1, step: 2)
        bytes[bytes.count - 3] ^= 0x40
        #expect {
            try Checkpoint.load(bytes: bytes, file: "run/checkpoint.safetensors", into: TrainedModel(seed: 9).model)
        } throws: { error in
            guard case let CheckpointError.checksumMismatch(file, _, _) = error else { return false }
            return file == "run/checkpoint.safetensors" && "\(error)".contains("corrupt")
        }
    }

    @Test("a checkpoint of another architecture is refused, naming each tensor that differs")
    func wrongShapes() throws {
        let source = TrainedModel(seed: 10, hidden: 6)
        let target = TrainedModel(seed: 11, hidden: 7)
        let before = target.state
        let bytes = Checkpoint.encode(model: source.model, optimizer: source.adam, epoch: 1, step: 2)
        #expect {
            try Checkpoint.load(bytes: bytes, file: "other.safetensors", into: target.model, optimizer: target.adam)
        } throws: { error in
            guard case let CheckpointError.mismatch(_, differences) = error else { return false }
            let text = differences.joined(separator: "\n")
            return text.contains("0.weight: checkpoint has shape [6, 5], model has [7, 5]")
                && text.contains("1.running_var") && text.contains("optimizer.state.3.weight.exp_avg")
        }
        #expect(target.state == before)
    }

    @Test("missing and unexpected tensors are both listed")
    func missingAndUnexpected() throws {
        var generator = SeededGenerator(seed: 12)
        let small = Sequential(Linear(inFeatures: 2, outFeatures: 2, using: &generator))
        let large = Sequential(Linear(inFeatures: 2, outFeatures: 2, using: &generator), ReLU(),
                               Linear(inFeatures: 2, outFeatures: 2, using: &generator))
        let bytes = Checkpoint.encode(model: large, epoch: 0, step: 0)
        #expect {
            try Checkpoint.load(bytes: bytes, file: "large", into: small)
        } throws: { error in
            "\(error)".contains("unexpected 2.weight [2, 2]") && "\(error)".contains("unexpected 2.bias")
        }
        let smallBytes = Checkpoint.encode(model: small, epoch: 0, step: 0)
        #expect {
            try Checkpoint.load(bytes: smallBytes, file: "small", into: large)
        } throws: { error in
            "\(error)".contains("missing 2.weight [2, 2]")
        }
    }

    @Test("a plain safetensors file without Latent metadata is refused as not a checkpoint")
    func plainSafeTensors() throws {
        let bytes = SafeTensors.encode([("w", StoredTensor(Tensor.ones([2])))])
        #expect(throws: CheckpointError.self) {
            try Checkpoint.load(bytes: bytes, file: "plain", into: Sequential(ReLU()))
        }
    }

    @Test("malformed safetensors headers are rejected with the byte offset", arguments: [
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",   // span too small for shape
        "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}",   // unsupported dtype
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",  // negative size
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",  // overflow
        "{\"a\":1",                                                           // unterminated
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ])
    func malformedHeaders(header: String) throws {
        var bytes = [UInt8]()
        let json = Array(header.utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += json + [0, 0, 0, 0]
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(bytes, file: "bad") }
    }

    @Test("a declared header length beyond the cap is refused before allocating")
    func headerCap() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 8)
        bytes += Array("{}".utf8)
        #expect(throws: SafeTensorsError.headerTooLarge(file: "huge", declared: UInt64.max, limit: SafeTensors.headerLimit)) {
            try SafeTensors.decode(bytes, file: "huge")
        }
    }

    @Test("JSON strings with escapes and unicode survive encode and decode")
    func metadataEscapes() throws {
        let metadata = ["note": "quote \" backslash \\ tab \t newline \n é ✓ \u{1}"]
        let bytes = SafeTensors.encode([("x", StoredTensor(Tensor.zeros([0])))], metadata: metadata)
        let (tensors, decoded) = try SafeTensors.decode(bytes, file: "escapes")
        #expect(decoded == metadata)
        #expect(tensors.count == 1 && tensors[0].tensor.shape == [0])
    }

    /// The files in `folder` (names only).
    private func listing(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    @Test("a checkpoint write that fails midway leaves the previous checkpoint intact and names the file and why",
          arguments: [
            WriteFault(.write(afterBytes: 0), errorNumber: ENOSPC),
            WriteFault(.write(afterBytes: 700), errorNumber: ENOSPC),
            WriteFault(.write(afterBytes: 100_000_000), errorNumber: ENOSPC),  // all bytes written, then refused
            WriteFault(.sync, errorNumber: EIO),
            WriteFault(.rename, errorNumber: EROFS),
          ])
    func failedWriteKeepsPrevious(fault: WriteFault) throws {
        let folder = temporaryPath("faults")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/model.safetensors"
        let first = TrainedModel(seed: 1)
        try Checkpoint.save(model: first.model, optimizer: first.adam, rng: first.rng, epoch: 1, step: 10, config: [:], to: path)
        let before = try FileIO.readFile(path)
        let second = TrainedModel(seed: 2)
        let newBytes = try Checkpoint.encode(model: second.model, optimizer: second.adam, rng: second.rng, epoch: 2, step: 20, config: [:])
        #expect(newBytes != before && newBytes.count > 700)

        #expect(throws: FileIOError.writeFailed(path: path, reason: String(cString: strerror(fault.errorNumber)))) {
            try FileIO.withWriteFault(fault) {
                try Checkpoint.save(model: second.model, optimizer: second.adam, rng: second.rng, epoch: 2, step: 20,
                                    config: [:], to: path)
            }
        }
        // The old file, byte for byte, and nothing else in the folder (the temporary file is gone).
        #expect(try FileIO.readFile(path) == before)
        #expect(try listing(folder) == ["model.safetensors"])
        let restored = TrainedModel(seed: 3)
        let info = try Checkpoint.load(from: path, into: restored.model, optimizer: restored.adam)
        #expect(info.epoch == 1 && info.step == 10 && restored.state == first.state)
        // The message names the checkpoint and the system's reason.
        let message = "\(FileIOError.writeFailed(path: path, reason: String(cString: strerror(fault.errorNumber))))"
        #expect(message.contains(path) && message.contains(String(cString: strerror(fault.errorNumber))))
        // Outside the fault's scope the same save succeeds.
        try Checkpoint.save(model: second.model, optimizer: second.adam, rng: second.rng, epoch: 2, step: 20, config: [:], to: path)
        #expect(try FileIO.readFile(path) == newBytes)
    }

    @Test("an injected write fault stays in its task: a concurrent save elsewhere succeeds")
    func faultIsTaskLocal() async throws {
        let folder = temporaryPath("fault-scope")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = TrainedModel(seed: 4)
        let bytes = try Checkpoint.encode(model: model.model, optimizer: model.adam, rng: model.rng, epoch: 0, step: 0, config: [:])
        async let faulty: Bool = Task {
            (try? FileIO.withWriteFault(WriteFault(.write(afterBytes: 10), errorNumber: ENOSPC)) {
                try FileIO.writeAtomically(bytes, to: folder + "/a.safetensors")
            }) != nil
        }.value
        async let clean: Bool = Task { (try? FileIO.writeAtomically(bytes, to: folder + "/b.safetensors")) != nil }.value
        let (faultySucceeded, cleanSucceeded) = await (faulty, clean)
        #expect(!faultySucceeded && cleanSucceeded)
        #expect(try FileIO.readFile(folder + "/b.safetensors") == bytes)
        #expect(!FileIO.fileExists(folder + "/a.safetensors"))
    }

    @Test("a checkpoint whose folder cannot exist (its parent is a regular file) fails naming that folder and why")
    func parentIsAFile() throws {
        // Root ignores permission bits, but not this: mkdir under a regular file is ENOTDIR for everyone.
        let blocker = temporaryPath("blocker")
        defer { FileIO.removeFile(blocker) }
        try FileIO.writeAtomically("not a folder", to: blocker)
        let path = blocker + "/runs/model.safetensors"
        let model = TrainedModel(seed: 5)
        #expect(throws: FileIOError.cannotCreateFolder(path: blocker + "/runs", reason: String(cString: strerror(ENOTDIR)))) {
            try Checkpoint.save(model: model.model, optimizer: model.adam, rng: model.rng, epoch: 0, step: 0, config: [:], to: path)
        }
        #expect(try FileIO.readFile(blocker) == Array("not a folder".utf8))
    }
}
