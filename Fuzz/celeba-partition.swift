// libFuzzer harness: the `list_eval_partition.txt` parser.
import LatentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CelebALists.parsePartition(bytes, file: "list_eval_partition.txt")
    return 0
}
