// libFuzzer harness: the `list_attr_celeba.txt` parser.
import LatentData

let wanted = ["000001.jpg", "000002.jpg", "000003.jpg", "a", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CelebALists.parseAttributes(bytes, file: "list_attr_celeba.txt", wanted: wanted)
    return 0
}
