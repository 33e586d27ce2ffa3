// libFuzzer harness: gzip (Zlib.gunzip) and the IDX parser, as `IDXFile(contentsOf:)` reads MNIST.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Gzip-looking input goes through gunzip first (with a cap far below the fuzzer's memory limit).
    if bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        guard let inflated = try? Zlib.gunzip(bytes, file: "fuzz.gz", limit: 1 << 24) else { return 0 }
        bytes = inflated
    }
    if let file = try? IDXFile(parsing: bytes, file: "fuzz") {
        _ = try? file.expectShape([nil, 28, 28], file: "fuzz")
    }
    return 0
}
