import Testing
@testable import LatentData

/// Deterministic test bytes: a mix of runs and noise so deflate has work to do.
func sampleBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { i in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return i % 7 < 3 ? UInt8(i % 251) : UInt8(truncatingIfNeeded: state)
    }
}

@Suite("zlib wrapper")
struct ZlibTests {
    @Test("deflate then zlib-inflate gives the input back", arguments: [0, 1, 100, 70_000, 1 << 20])
    func deflateRoundTrip(count: Int) throws {
        let data = sampleBytes(count, seed: UInt64(count))
        let packed = Zlib.deflate(data, level: 6)
        #expect(packed.first == 0x78)  // zlib header, 32 KiB window
        #expect(try Zlib.inflateZlib(packed, file: "mem") == data)
    }

    @Test("gzip then gunzip gives the input back", arguments: [0, 5, 300_000])
    func gzipRoundTrip(count: Int) throws {
        let data = sampleBytes(count, seed: 3)
        let packed = Zlib.gzip(data)
        #expect(Array(packed.prefix(2)) == [0x1f, 0x8b])
        #expect(try Zlib.gunzip(packed, file: "mem.gz") == data)
    }

    @Test("gunzip concatenates every member of a multi-member file")
    func multiMember() throws {
        let parts = [sampleBytes(1000, seed: 1), sampleBytes(0, seed: 2), sampleBytes(50_000, seed: 3)]
        let file = parts.flatMap { Zlib.gzip($0) }
        #expect(try Zlib.gunzip(file, file: "multi.gz") == parts.flatMap { $0 })
    }

    @Test("raw inflate of a deflate body checks the declared size")
    func rawInflate() throws {
        let data = sampleBytes(10_000, seed: 9)
        let packed = Zlib.deflate(data)
        // Strip the 2-byte zlib header and 4-byte Adler-32 trailer to get raw deflate, as in ZIP.
        let raw = Array(packed[2..<(packed.count - 4)])
        #expect(try Zlib.inflateRaw(raw, expectedSize: data.count, file: "a.zip:x") == data)
        #expect(try Zlib.inflateRaw(raw[...], expectedSize: nil, file: "a.zip:x") == data)
        #expect(throws: ZlibError.sizeMismatch(file: "a.zip:x", expected: 9_999, found: 10_000)) {
            try Zlib.inflateRaw(raw, expectedSize: 9_999, file: "a.zip:x")
        }
        #expect(throws: ZlibError.sizeMismatch(file: "a.zip:x", expected: 10_001, found: 10_000)) {
            try Zlib.inflateRaw(raw, expectedSize: 10_001, file: "a.zip:x")
        }
    }

    @Test("a corrupt gzip stream throws an error naming the file")
    func corrupt() throws {
        var packed = Zlib.gzip(sampleBytes(5000, seed: 4))
        for i in 20..<40 { packed[i] ^= 0x5A }
        let error = try #require(throws: ZlibError.self) { try Zlib.gunzip(packed, file: "bad.gz") }
        #expect(error.description.hasPrefix("bad.gz: corrupt"))
    }

    @Test("a truncated gzip stream throws .truncated", arguments: [10, 100, 1000])
    func truncated(keep: Int) throws {
        let packed = Zlib.gzip(sampleBytes(20_000, seed: 5))
        #expect(throws: ZlibError.truncated(file: "cut.gz", offset: keep)) {
            try Zlib.gunzip(Array(packed.prefix(keep)), file: "cut.gz")
        }
    }

    @Test("bytes after the last gzip member are reported")
    func trailingGarbage() throws {
        let packed = Zlib.gzip([1, 2, 3])
        #expect(throws: ZlibError.trailingGarbage(file: "t.gz", offset: packed.count)) {
            try Zlib.gunzip(packed + [0x00, 0x42], file: "t.gz")
        }
    }

    @Test("the output limit stops a decompression bomb")
    func outputLimit() throws {
        let packed = Zlib.gzip([UInt8](repeating: 0, count: 1 << 20))
        #expect(packed.count < 2000)
        #expect(throws: ZlibError.outputTooLarge(file: "bomb.gz", limit: 1000)) {
            try Zlib.gunzip(packed, file: "bomb.gz", limit: 1000)
        }
    }

    @Test("crc32 matches the standard check values", arguments: [
        ("123456789", UInt32(0xCBF4_3926)),
        ("", UInt32(0)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
    ])
    func crc32(text: String, expected: UInt32) {
        #expect(Zlib.crc32(Array(text.utf8)) == expected)
    }

    @Test("crc32 can continue from a previous value")
    func crc32Incremental() {
        let bytes = Array("123456789".utf8)
        #expect(Zlib.crc32(bytes[4...], initial: Zlib.crc32(bytes[..<4])) == 0xCBF4_3926)
    }
}
