// libFuzzer harness: the JPEG decoder, baseline and progressive (markers, Huffman tables, entropy data,
// progressive scan parameters, EOB runs and refinement bits, restarts, upsampling).
import LatentData

// Reused across inputs, as the CelebA loader reuses one decoder per thread; a cap of 4 Mpixel keeps
// each input fast and far below the fuzzer's memory limit.
nonisolated(unsafe) let decoder = JPEGDecoder(maxPixels: 1 << 22)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let image = try? decoder.decode(bytes) {
        _ = image.interleaved()
    }
    return 0
}
