// libFuzzer harness: the decoded-CelebA cache file reader (`CelebACache(decoding:path:)`), which reads
// back a file the project wrote — possibly torn or stale.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CelebACache(decoding: bytes, path: "celeba-cache.bin")
    return 0
}
