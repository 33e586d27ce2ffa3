// libFuzzer harness: the ZIP reader (central directory, ZIP64, stored and deflated members, CRC).
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let archive = try? ZIPArchive(bytes: bytes, name: "fuzz.zip") else { return 0 }
    for entry in archive.entries.prefix(64) {
        _ = try? archive.data(for: entry)
    }
    return 0
}
