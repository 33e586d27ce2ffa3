import Foundation
import Latent
import Testing
@testable import LatentData

/// The inputs that once crashed a reader: `Fixtures/fuzz/<harness>/crash-*`, saved by `Fuzz/run.sh`
/// (or written by `Fixtures/fuzz/make_review_cases.py` for the ones found by reading the code).
enum FuzzCases {
    /// Every saved input, as a path relative to `Fixtures/fuzz` (`<harness>/crash-…`), sorted.
    static let all: [String] = {
        let root = TestPaths.fixture("fuzz")
        let manager = FileManager.default
        var cases: [String] = []
        for harness in (try? manager.contentsOfDirectory(atPath: root)) ?? [] where FileIO.isFolder(root + "/" + harness) {
            for name in (try? manager.contentsOfDirectory(atPath: root + "/" + harness)) ?? [] where name.hasPrefix("crash-") {
                cases.append(harness + "/" + name)
            }
        }
        return cases.sorted()
    }()

    /// Feeds `bytes` to the reader the harness `harness` (Fuzz/<harness>.swift) exercises, as the harness does.
    static func read(_ bytes: [UInt8], harness: String) throws {
        switch harness {
        case "idx":
            var data = bytes
            if data.count >= 2 && data[0] == 0x1f && data[1] == 0x8b { data = try Zlib.gunzip(data, file: "case.gz", limit: 1 << 24) }
            _ = try IDXFile(parsing: data, file: "case")
        case "zip":
            let archive = try ZIPArchive(bytes: bytes, name: "case.zip")
            for entry in archive.entries { _ = try archive.data(for: entry) }
        case "jpeg":
            _ = try JPEGDecoder(maxPixels: 1 << 22).decode(bytes)
        case "png":
            _ = try PNG.decode(bytes, file: "case.png")
        case "safetensors":
            _ = try FixtureFile(bytes: bytes, source: "case.safetensors")
        case "celeba-attr":
            _ = try CelebALists.parseAttributes(bytes, file: "list_attr_celeba.txt", wanted: ["000001.jpg"])
        case "celeba-partition":
            _ = try CelebALists.parsePartition(bytes, file: "list_eval_partition.txt")
        case "celeba-cache":
            _ = try CelebACache(decoding: bytes, path: "celeba-cache.bin")
        case "image-folder-cache":
            _ = try ImageFolderCache(decoding: bytes, path: "image-folder-cache.bin")
        case "npy":
            _ = try NPYArray(bytes: bytes, name: "case.npy").integers()
        default:
            Issue.record("Fixtures/fuzz/\(harness): no reader is known for this harness")
        }
    }
}

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test("the saved inputs include the IDX dimension overflow found by fuzz-idx")
    func casesArePresent() {
        #expect(FuzzCases.all.contains("idx/crash-7a9cda3dfcd9acd4fbf3273aeeafa4ba9436f52e"))
        #expect(FuzzCases.all.filter { $0.hasPrefix("safetensors/") }.count >= 4)
    }

    @Test("every input that once crashed a reader is now refused with an error", arguments: FuzzCases.all)
    func refused(path: String) throws {
        let harness = String(path.prefix { $0 != "/" })
        let bytes = try FileIO.readFile(TestPaths.fixture("fuzz/" + path))
        #expect(throws: (any Error).self) { try FuzzCases.read(bytes, harness: harness) }
    }

    @Test("The image-folder cache seed of Fuzz/corpus is a valid cache; cut short by a byte, it is refused")
    func imageFolderCacheSeed() throws {
        let bytes = try FileIO.readFile(TestPaths.packageRoot + "/Fuzz/corpus/image-folder-cache/three_2x2.bin")
        let cache = try ImageFolderCache(decoding: bytes, path: "seed")
        #expect(cache.size == 2 && cache.channels == 1 && cache.source == "/home/me/pictures")
        #expect(cache.entries.map(\.name) == ["a.png", "sub/b.jpg", "broken.jpg"])
        #expect(cache.entries.map(\.failure) == [nil, nil, "not a JPEG or PNG"] && cache.pixels == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(cache.encoded() == bytes, "the writer makes the same bytes")
        #expect(throws: ImageFolderCache.ReadError.self) { try ImageFolderCache(decoding: Array(bytes.dropLast()), path: "cut") }
    }

    @Test("The .npy seeds of Fuzz/corpus (format 1 and 2) read as 2×3 uint8 arrays; one byte short, they are refused",
          arguments: ["u1_2x3_v1.npy", "u1_2x3_v2.npy"])
    func npySeeds(name: String) throws {
        let bytes = try FileIO.readFile(TestPaths.packageRoot + "/Fuzz/corpus/npy/" + name)
        let array = try NPYArray(bytes: bytes, name: name)
        #expect(array.descr == "|u1" && array.shape == [2, 3] && array.integers() == [0, 1, 2, 3, 4, 5])
        #expect(throws: NPYError.self) { try NPYArray(bytes: Array(bytes.dropLast()), name: name) }
    }

    @Test("IDX dimensions whose product overflows an Int are reported as a size mismatch")
    func idxDimensionOverflow() throws {
        // Rank 4, each dimension 0xFFFFFFFF: the product of the declared sizes overflows Int.
        let data: [UInt8] = [0, 0, 0x08, 4] + [UInt8](repeating: 0xFF, count: 16) + [1, 2, 3]
        let error = try #require(throws: IDXError.self) { try IDXFile(parsing: data, file: "overflow") }
        guard case let .sizeMismatch(_, dimensions, expected, found) = error else {
            Issue.record("expected sizeMismatch, got \(error)")
            return
        }
        #expect(dimensions == [Int](repeating: 0xFFFF_FFFF, count: 4))
        #expect(expected == Int.max)
        #expect(found == 3)
    }

    @Test("FixtureFile refuses nesting deeper than its limit, naming the byte offset")
    func fixtureNesting() throws {
        let header = [UInt8](repeating: UInt8(ascii: "["), count: 1000)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init)
        bytes += header
        let error = try #require(throws: FixtureFileError.self) { try FixtureFile(bytes: bytes, source: "deep") }
        guard case let .badHeader(_, offset, message) = error else {
            Issue.record("expected badHeader, got \(error)")
            return
        }
        // The 64th "[" (at file offset 8 + 64) is one level too deep.
        #expect(offset == 8 + 64)
        #expect(message.contains("nesting"))
    }

    @Test("FixtureFile refuses shape entries and data offsets beyond an Int",
          arguments: ["\"shape\":[1e300],\"data_offsets\":[0,4]", "\"shape\":[1],\"data_offsets\":[0,1e30]",
                      "\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]",
                      "\"shape\":[-1],\"data_offsets\":[0,4]", "\"shape\":[1],\"data_offsets\":[0.5,4]"])
    func fixtureHugeSizes(fields: String) throws {
        let header = Array("{\"x\":{\"dtype\":\"F32\",\(fields)}}".utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init)
        bytes += header + [0, 0, 0, 0]
        #expect(throws: FixtureFileError.self) { try FixtureFile(bytes: bytes, source: "huge") }
    }

    @Test("raw inflate with an absurd declared size reports the real size instead of allocating it",
          arguments: [1 << 32, 1 << 40, Int.max])
    func inflateDeclaredSize(declared: Int) throws {
        let original = sampleBytes(1000, seed: 5)
        let zlibStream = Zlib.deflate(original)
        // Strip the 2-byte zlib header and 4-byte Adler-32 to get raw deflate.
        let raw = Array(zlibStream[2..<(zlibStream.count - 4)])
        let error = try #require(throws: ZlibError.self) { try Zlib.inflateRaw(raw, expectedSize: declared, file: "lie") }
        #expect(error == .sizeMismatch(file: "lie", expected: declared, found: 1000))
    }
}
