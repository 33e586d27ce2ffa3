import Testing
@testable import LatentData

/// The fixture pixel formula of `Fixtures/idx/make_idx_fixtures.py`.
func fixturePixel(_ n: Int, _ r: Int, _ c: Int) -> UInt8 { UInt8((n * 7 + r * 3 + c * 5) % 256) }

@Suite("IDX reader")
struct IDXTests {
    @Test("the Python-made fixtures read back with their dimensions and values", arguments: ["", ".gz"])
    func fixtures(suffix: String) throws {
        let images = try IDXFile(contentsOf: TestPaths.fixture("idx/tiny-images-idx3-ubyte" + suffix))
        #expect(images.dimensions == [3, 28, 28])
        var expected: [UInt8] = []
        for n in 0..<3 { for r in 0..<28 { for c in 0..<28 { expected.append(fixturePixel(n, r, c)) } } }
        #expect(images.bytes == expected)
        let labels = try IDXFile(contentsOf: TestPaths.fixture("idx/tiny-labels-idx1-ubyte" + suffix))
        #expect(labels.dimensions == [3])
        let expectedLabels: [UInt8] = (0..<3).map { n in UInt8((n * 4 + 5) % 10) }
        #expect(labels.bytes == expectedLabels)
    }

    @Test("encoded() and parsing round-trip", arguments: [[0], [5], [2, 3], [4, 1, 7]])
    func roundTrip(dimensions: [Int]) throws {
        let bytes = sampleBytes(dimensions.reduce(1, *), seed: 11)
        let file = IDXFile(dimensions: dimensions, bytes: bytes)
        #expect(try IDXFile(parsing: file.encoded(), file: "mem") == file)
    }

    @Test("a truncated file reports expected and found data sizes")
    func truncated() throws {
        let path = TestPaths.fixture("idx/truncated-images-idx3-ubyte")
        #expect(throws: IDXError.sizeMismatch(file: path, dimensions: [3, 28, 28], expected: 2352, found: 2252)) {
            try IDXFile(contentsOf: path)
        }
    }

    @Test("a bad magic number is reported with the bytes found")
    func badMagic() throws {
        let path = TestPaths.fixture("idx/badmagic-idx1-ubyte")
        let error = try #require(throws: IDXError.self) { try IDXFile(contentsOf: path) }
        #expect(error == .badMagic(file: path, found: [1, 2]))
        #expect(error.description.contains("expected magic bytes 00 00"))
    }

    @Test("headers cut short are reported", arguments: [
        ([UInt8]([0, 0]), 4), ([0, 0, 8, 3, 0, 0, 0, 1], 16),
    ])
    func shortHeader(data: [UInt8], expected: Int) {
        #expect(throws: IDXError.truncatedHeader(file: "h", expected: expected, found: data.count)) {
            try IDXFile(parsing: data, file: "h")
        }
    }

    @Test("a non-byte element type is rejected")
    func elementType() {
        #expect(throws: IDXError.unsupportedType(file: "f", code: 0x0D)) {
            try IDXFile(parsing: [0, 0, 0x0D, 1, 0, 0, 0, 0], file: "f")
        }
    }

    @Test("expectShape checks rank and fixed dimensions")
    func expectShape() throws {
        let file = IDXFile(dimensions: [2, 28, 28], bytes: [UInt8](repeating: 0, count: 2 * 784))
        try file.expectShape([nil, 28, 28], file: "x")
        #expect(throws: IDXError.self) { try file.expectShape([nil], file: "x") }
        #expect(throws: IDXError.self) { try file.expectShape([nil, 28, 27], file: "x") }
    }
}

@Suite("MD5")
struct MD5Tests {
    @Test("MD5 matches the RFC 1321 test suite", arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func rfcVectors(text: String, digest: String) {
        #expect(MD5.hex(Array(text.utf8)) == digest)
    }

    @Test("feeding in pieces gives the same digest as one call", arguments: [1, 7, 63, 64, 65, 1000])
    func incremental(piece: Int) {
        let data = sampleBytes(5000, seed: 21)
        var md5 = MD5()
        var i = 0
        while i < data.count {
            md5.update(data[i..<min(i + piece, data.count)])
            i += piece
        }
        #expect(md5.hexDigest() == MD5.hex(data))
    }
}
