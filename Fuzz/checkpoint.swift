// libFuzzer harness: `SafeTensors.decode` and `Checkpoint.load` into a small model with Adam (built by
// run.sh only when Sources/LatentData/Output/Checkpoint.swift exists). Inputs that decode as safetensors
// are also re-encoded with the format tag and a correct content checksum, so the fuzzer reaches the
// metadata and shape checks behind the checksum.
import Glibc
import Latent
@testable import LatentData

/// The model every input is loaded into: a Linear layer (weight, bias) and BatchNorm1d (running statistics).
func makeModel() -> (Sequential, Adam) {
    var generator = SeededGenerator(seed: 1)
    let model = Sequential(Linear(inFeatures: 3, outFeatures: 2, using: &generator), BatchNorm1d(numFeatures: 2))
    return (model, Adam(parameters: model.parameters))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // `LATENT_FUZZ_WRITE_SEED=<path> fuzz-checkpoint <any file>` writes the corpus seed: a valid
    // checkpoint of this model (see Fuzz/make_corpus.sh).
    if let path = getenv("LATENT_FUZZ_WRITE_SEED") {
        let (model, adam) = makeModel()
        let seed = Checkpoint.encode(model: model, optimizer: adam, rng: SeededGenerator(seed: 7), epoch: 1, step: 3,
                                     config: ["lr": "0.001"])
        try! FileIO.writeAtomically(seed, to: String(cString: path))
        exit(0)
    }
    // A fresh model per input, so a successful load cannot change what the next input meets.
    let (model, adam) = makeModel()
    _ = try? Checkpoint.load(bytes: bytes, file: "fuzz.ckpt", into: model, optimizer: adam)
    if let (tensors, decodedMetadata) = try? SafeTensors.decode(bytes, file: "fuzz.ckpt") {
        for (_, stored) in tensors { _ = stored.tensor }
        var metadata = decodedMetadata
        if metadata["format"] == nil { metadata["format"] = Checkpoint.format }
        let crc = String(Checkpoint.contentCRC(tensors: tensors, metadata: metadata), radix: 16)
        metadata["content_crc32"] = String(repeating: "0", count: 8 - crc.count) + crc
        let sealed = SafeTensors.encode(tensors, metadata: metadata)
        _ = try? Checkpoint.load(bytes: sealed, file: "fuzz.ckpt", into: model, optimizer: adam)
    }
    return 0
}
