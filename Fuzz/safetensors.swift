// libFuzzer harness: `FixtureFile`, the safetensors reader in Latent (PyTorch fixtures). The checkpoint
// reader (`SafeTensors.decode`, `Checkpoint.load`) has its own harness, checkpoint.swift.
import Latent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let fixture = try? FixtureFile(bytes: bytes, source: "fuzz.safetensors") {
        for name in fixture.names { _ = try? fixture.tensor(name) }
    }
    return 0
}
