// libFuzzer harness: the PNG reader. Inputs of even length get their chunk CRCs repaired first, so the
// fuzzer gets past the checksums to the header, inflate and row-filter code; odd lengths are read as is.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if size % 2 == 0 { repairCRCs(&bytes) }
    _ = try? PNG.decode(bytes, file: "fuzz.png")
    return 0
}

/// Rewrites the CRC of every complete chunk after the 8-byte signature.
func repairCRCs(_ bytes: inout [UInt8]) {
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        guard length <= bytes.count - offset - 12 else { return }
        let crc = Zlib.crc32(bytes[(offset + 4)..<(offset + 8 + length)])
        let at = offset + 8 + length
        bytes[at] = UInt8(crc >> 24)
        bytes[at + 1] = UInt8(truncatingIfNeeded: crc >> 16)
        bytes[at + 2] = UInt8(truncatingIfNeeded: crc >> 8)
        bytes[at + 3] = UInt8(truncatingIfNeeded: crc)
        offset = at + 4
    }
}
