// libFuzzer harness: the image-folder cache reader (`ImageFolderCache(decoding:path:)`), which reads
// back a file the project wrote under ~/.cache/latent/images — possibly torn, stale or from another version.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageFolderCache(decoding: bytes, path: "image-folder-cache.bin")
    return 0
}
