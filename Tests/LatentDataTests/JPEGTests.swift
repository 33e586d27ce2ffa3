import Foundation
import LatentData
import Testing

/// The fixture cases: every `Fixtures/jpeg/*.jpg` with a Pillow reference beside it.
private let jpegCases: [String] = {
    let folder = CelebATestPaths.fixtures("jpeg")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".jpg") && !$0.hasPrefix("unsupported_") }
        .map { String($0.dropLast(4)) }.sorted()
}()

private func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/\(name).jpg")))
}

private func reference(_ name: String) throws -> NetpbmImage {
    let folder = CelebATestPaths.fixtures("jpeg")
    let ppm = folder.appendingPathComponent("\(name).ppm")
    let url = FileManager.default.fileExists(atPath: ppm.path) ? ppm : folder.appendingPathComponent("\(name).pgm")
    return try NetpbmImage(contentsOf: url)
}

/// Offset of the first byte after the SOS header (the entropy-coded data).
private func scanDataStart(_ bytes: [UInt8]) -> Int? {
    var i = 2
    while i + 3 < bytes.count {
        guard bytes[i] == 0xFF else { return nil }
        let marker = bytes[i + 1]
        let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        if marker == 0xDA { return i + 2 + length }
        i += 2 + length
    }
    return nil
}

/// nil when `decoded` and `expected` are equal byte for byte; else where they first differ and how many differ.
private func firstMismatch(_ decoded: [UInt8], _ expected: [UInt8], width: Int, channels: Int) -> String? {
    guard decoded != expected else { return nil }
    guard decoded.count == expected.count else { return "\(decoded.count) samples, expected \(expected.count)" }
    let differing = decoded.indices.filter { decoded[$0] != expected[$0] }
    let first = differing[0]
    let pixel = first / channels
    return "\(differing.count) of \(decoded.count) samples differ; first at x \(pixel % width), y \(pixel / width), "
        + "channel \(first % channels): \(decoded[first]) vs Pillow's \(expected[first])"
}

@Suite("JPEG decoder")
struct JPEGTests {
    @Test("Fixture cases exist (the generator script has been run)")
    func fixturesPresent() {
        #expect(jpegCases.count >= 30)
    }

    @Test("Decoded pixels equal Pillow/libjpeg's, every byte", arguments: jpegCases)
    func matchesPillow(name: String) throws {
        let image = try JPEGDecoder.decode(try fixtureBytes(name))
        let expected = try reference(name)
        #expect(image.width == expected.width && image.height == expected.height)
        #expect(image.channels == expected.channels)
        try #require(image.pixels.count == expected.samples.count)
        let mismatch = firstMismatch(image.interleaved(), expected.samples, width: expected.width, channels: expected.channels)
        #expect(mismatch == nil, "\(name): \(mismatch ?? "")")
    }

    @Test("One decoder reused across images gives the same pixels as fresh decoders")
    func reuseIsStateless() throws {
        let decoder = JPEGDecoder()
        for name in jpegCases.reversed() {
            let reused = try decoder.decode(try fixtureBytes(name))
            let fresh = try JPEGDecoder.decode(try fixtureBytes(name))
            #expect(reused == fresh, "\(name)")
        }
    }

    @Test("Arithmetic-coded, lossless, hierarchical and 12-bit frames are rejected as unsupported", arguments: [
        (UInt8(0xC9), "arithmetic-coded"), (UInt8(0xCA), "progressive, arithmetic-coded"), (UInt8(0xC3), "lossless"),
        (UInt8(0xC6), "hierarchical"), (UInt8(0xC0), "12-bit samples"),
    ])
    func otherFramesAreUnsupported(marker: UInt8, kind: String) throws {
        var bytes = try fixtureBytes("q75_420_17x9")
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 1] = marker
        if kind == "12-bit samples" { bytes[sof + 4] = 12 }
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .unsupported(let offset, let found) = error as? JPEGError else { return false }
            return found == kind && offset >= sof
        }
    }

    @Test("Every truncation of the file throws (never crashes), with an offset inside the data",
          arguments: ["q75_420_17x9", "restart1_420_61x45", "gray_q75_17x9"])
    func truncationThrows(name: String) throws {
        let bytes = try fixtureBytes(name)
        let decoder = JPEGDecoder()
        for cut in 0..<(bytes.count - 2) {
            do {
                _ = try decoder.decode(Array(bytes[..<cut]))
                Issue.record("\(name) cut at \(cut) of \(bytes.count) decoded without error")
            } catch {
                #expect(error.offset <= cut, "\(name) cut at \(cut): \(error)")
            }
        }
    }

    @Test("Random byte corruption throws or decodes, never crashes",
          arguments: ["restart1_420_61x45", "q75_422_17x9", "gray_restart_33x21", "optimized_exif_comment_444_50x40"])
    func corruptionNeverCrashes(name: String) throws {
        let original = try fixtureBytes(name)
        expectCorruptionNeverCrashes(original, seed: 0x1234_5678)
    }

    @Test("An absurd declared size throws tooLarge before allocating")
    func absurdSizeThrows() throws {
        var bytes = try fixtureBytes("q75_420_17x9")
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xFF; bytes[sof + 6] = 0xFF  // height 65535
        bytes[sof + 7] = 0xFF; bytes[sof + 8] = 0xFF  // width 65535
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .tooLarge(_, let w, let h, _) = error as? JPEGError else { return false }
            return w == 65535 && h == 65535
        }
    }

    @Test("Entropy data of all one-bits is an invalid Huffman code, reported with its offset")
    func invalidHuffmanCode() throws {
        let bytes = try fixtureBytes("q75_444_35x29")
        let start = try #require(scanDataStart(bytes))
        let corrupted = Array(bytes[..<start]) + [UInt8](repeating: 0xFF, count: 2).flatMap { [$0, 0x00] }
            + Array(repeating: [0xFF, 0x00], count: 20).flatMap { $0 } + [0xFF, 0xD9]
        #expect {
            try JPEGDecoder.decode(corrupted)
        } throws: { error in
            guard case .invalidHuffmanCode(let offset) = error as? JPEGError else { return false }
            return offset >= start && offset <= corrupted.count
        }
    }

    @Test("A file not starting with SOI is rejected at offset 0")
    func missingSOI() throws {
        var bytes = try fixtureBytes("q75_420_17x9")
        bytes[1] = 0xD9
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            (error as? JPEGError) == .unexpectedMarker(offset: 0, found: 0xD9, expected: "SOI (0xFFD8) at the start of the file")
        }
    }

    @Test("A restart marker out of sequence is reported with its offset")
    func wrongRestartMarker() throws {
        var bytes = try fixtureBytes("restart1_444_61x45")
        let start = try #require(scanDataStart(bytes))
        let rst = try #require((start..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xD0 })
        bytes[rst + 1] = 0xD5
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .unexpectedMarker(let offset, let found, _) = error as? JPEGError else { return false }
            return offset == rst && found == 0xD5
        }
    }

    @Test("Error messages name the byte offset")
    func errorMessagesNameOffset() {
        let error = JPEGError.truncated(offset: 1234, expected: "a marker")
        #expect("\(error)".contains("1234"))
        #expect("\(JPEGError.unsupported(offset: 2, kind: "lossless"))" == "unsupported JPEG (lossless) at byte 2")
    }
}

@Suite("JPEG decoder on real CelebA files", .enabled(if: CelebATestPaths.hasRealCelebA), .serialized)
struct JPEGRealDataTests {
    static func realFiles(_ count: Int) throws -> [URL] {
        let folder = try #require(CelebATestPaths.realCelebA).appendingPathComponent("img_align_celeba")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }
            .sorted()
        let step = max(1, names.count / count)
        return stride(from: 0, to: names.count, by: step).prefix(count).map { folder.appendingPathComponent(names[$0]) }
    }

    @Test("200 real CelebA files decode to 178×218 RGB with plausible content")
    func realFilesDecode() throws {
        let decoder = JPEGDecoder()
        for url in try Self.realFiles(200) {
            let image = try decoder.decode([UInt8](try Data(contentsOf: url)))
            #expect(image.width == 178 && image.height == 218 && image.channels == 3, "\(url.lastPathComponent)")
            let mean = image.pixels.reduce(0) { $0 + Int($1) } / image.pixels.count
            let distinct = Set(image.pixels.prefix(178 * 218)).count
            #expect((10...245).contains(mean), "\(url.lastPathComponent): mean \(mean)")
            #expect(distinct > 32, "\(url.lastPathComponent): \(distinct) distinct red levels")
        }
    }

    @Test("Real CelebA files equal Pillow's decoding, every byte",
          .enabled(if: Requirement.runs(CelebATestPaths.hasPillow)))
    func realFilesMatchPillow() throws {
        try Requirement.check(CelebATestPaths.hasPillow, "python3 with Pillow (pip: pillow)")
        let files = try Self.realFiles(40)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("latent-jpeg-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let script = CelebATestPaths.fixtures("jpeg/decode_with_pillow.py").path
        let status = try CelebATestPaths.run(["python3", script, out.path] + files.map(\.path))
        try #require(status == 0)
        let decoder = JPEGDecoder()
        for url in files {
            let image = try decoder.decode([UInt8](try Data(contentsOf: url)))
            let stem = url.deletingPathExtension().lastPathComponent
            let expected = try NetpbmImage(contentsOf: out.appendingPathComponent("\(stem).ppm"))
            try #require(image.pixels.count == expected.samples.count, "\(stem)")
            let mismatch = firstMismatch(image.interleaved(), expected.samples, width: expected.width, channels: expected.channels)
            #expect(mismatch == nil, "\(stem): \(mismatch ?? "")")
        }
    }
}
