// libFuzzer harness: the NumPy `.npy` reader (`NPYArray(bytes:name:)`, then `integers()`), which reads
// the arrays of a dSprites `.npz` a learner downloaded.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let array = try? NPYArray(bytes: bytes, name: "case.npy") { _ = array.integers() }
    return 0
}
