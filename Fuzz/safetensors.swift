// libFuzzer harness: `FixtureFile`, the Float view of Latent's safetensors reader (PyTorch fixtures). The
// checkpoint reader (`Checkpoint.load` over `SafeTensors.decode`) has its own harness, checkpoint.swift.
import Latent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let fixture = try? FixtureFile(bytes: bytes, source: "fuzz.safetensors") {
        for name in fixture.names { _ = try? fixture.tensor(name) }
    }
    return 0
}
