import Foundation
import LatentData
import Testing

/// `Fixtures/jpeg/progressive/<name>.jpg` (made by make_progressive_fixtures.py).
private func progressiveBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/progressive/\(name).jpg")))
}

/// The fixture cases: every progressive file with a Pillow reference beside it.
private let progressiveCases: [String] = {
    let folder = CelebATestPaths.fixtures("jpeg/progressive")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".jpg") && !$0.hasPrefix("unsupported_") }
        .map { String($0.dropLast(4)) }.sorted()
}()

/// Pillow's pixels for a fixture (NAME.ppm or NAME.pgm beside NAME.jpg).
private func pillowReference(_ name: String) throws -> NetpbmImage {
    let folder = CelebATestPaths.fixtures("jpeg/progressive")
    let ppm = folder.appendingPathComponent("\(name).ppm")
    let url = FileManager.default.fileExists(atPath: ppm.path) ? ppm : folder.appendingPathComponent("\(name).pgm")
    return try NetpbmImage(contentsOf: url)
}

/// A segment of a JPEG file: its marker, the offset of its 0xFF, and where its payload starts and ends.
private struct Segment {
    var marker: UInt8
    var offset: Int
    var start: Int
    var end: Int
}

/// The file's segments in order, stepping over each scan's entropy-coded data.
private func segments(_ bytes: [UInt8]) -> [Segment] {
    var result: [Segment] = []
    var i = 2
    while i + 3 < bytes.count, bytes[i] == 0xFF {
        let marker = bytes[i + 1]
        if marker == 0xD9 { break }
        let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        result.append(Segment(marker: marker, offset: i, start: i + 4, end: i + 2 + length))
        i += 2 + length
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart.
            while i + 1 < bytes.count
                && !(bytes[i] == 0xFF && bytes[i + 1] != 0 && !(0xD0...0xD7).contains(bytes[i + 1]))
            {
                i += 1
            }
        }
    }
    return result
}

@Suite("JPEG decoder, progressive files")
struct JPEGProgressiveTests {
    @Test("Progressive fixture cases exist (make_progressive_fixtures.py has been run)")
    func fixturesPresent() {
        #expect(progressiveCases.count >= 23)
    }

    @Test("Progressive files decode to exactly Pillow's bytes", arguments: progressiveCases)
    func bitExactWithPillow(name: String) throws {
        let image = try JPEGDecoder.decode(try progressiveBytes(name))
        let expected = try pillowReference(name)
        #expect(image.width == expected.width && image.height == expected.height && image.channels == expected.channels)
        let pixels = image.interleaved()
        try #require(pixels.count == expected.samples.count)
        let differing = pixels.indices.filter { pixels[$0] != expected.samples[$0] }
        #expect(differing.isEmpty, "\(name): \(differing.count) of \(pixels.count) bytes differ, first at \(differing.first ?? -1)")
    }

    @Test("jpegtran's progressive copy of a baseline file decodes to the baseline file's pixels")
    func losslessConversionMatchesBaseline() throws {
        let progressive = try JPEGDecoder.decode(try progressiveBytes("jpegtran_q75_420_17x9"))
        let baseline = try JPEGDecoder.decode([UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/q75_420_17x9.jpg"))))
        #expect(progressive == baseline)
    }

    @Test("One decoder reused across progressive and baseline files gives the same pixels as fresh decoders")
    func reuseIsStateless() throws {
        let decoder = JPEGDecoder()
        let baseline = [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/restart1_444_61x45.jpg")))
        for name in progressiveCases {
            let bytes = try progressiveBytes(name)
            #expect(try decoder.decode(bytes) == JPEGDecoder.decode(bytes), "\(name)")
            _ = try decoder.decode(baseline)
        }
    }

    @Test("An arithmetic-coded progressive file (SOF10) is refused as unsupported")
    func arithmeticIsUnsupported() throws {
        let bytes = try progressiveBytes("unsupported_arithmetic_progressive")
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .unsupported(_, let kind) = error as? JPEGError else { return false }
            return kind == "progressive, arithmetic-coded"
        }
    }

    @Test("Every truncation of a progressive file throws, with an offset inside the data",
          arguments: ["cjpeg_approximation_420_35x29", "cjpeg_approximation_restart3_420_61x45", "pillow_gray_17x13"])
    func truncationThrows(name: String) throws {
        let bytes = try progressiveBytes(name)
        let decoder = JPEGDecoder()
        for cut in 0..<bytes.count {
            do {
                _ = try decoder.decode(Array(bytes[..<cut]))
                Issue.record("\(name) cut at \(cut) of \(bytes.count) decoded without error")
            } catch {
                #expect(error.offset <= cut, "\(name) cut at \(cut): \(error)")
            }
        }
    }

    @Test("Random byte corruption of progressive files throws or decodes, never crashes",
          arguments: ["cjpeg_approximation_420_35x29", "cjpeg_noninterleaved_dc_422_33x21", "pillow_restart2_420_61x45",
                      "cjpeg_spectral_444_35x29"])
    func corruptionNeverCrashes(name: String) throws {
        let original = try progressiveBytes(name)
        expectCorruptionNeverCrashes(original, seed: 0x9E37_79B9)
    }

    /// Scan-header edits of cjpeg_approximation_gray_17x13 (scans: DC Al 1; AC 1-5 Al 2; AC 6-63 Al 2;
    /// AC 1-63 Ah 2 Al 1; DC Ah 1 Al 0; AC 1-63 Ah 1 Al 0) that break T.81 G.1.1: which scan, its new
    /// Ss, Se and Ah|Al bytes (nil: unchanged), and the reason the decoder must give.
    static let badScans: [(scan: Int, ss: UInt8?, se: UInt8?, approx: UInt8?, reason: String)] = [
        (0, nil, 5, nil, "progressive DC scan with Se = 5 (must be 0)"),
        (1, nil, 64, nil, "progressive AC band 1...64 (need 1 ≤ Ss ≤ Se ≤ 63)"),
        (1, 9, nil, nil, "progressive AC band 9...5 (need 1 ≤ Ss ≤ Se ≤ 63)"),
        (0, nil, nil, 0x0E, "successive approximation Ah = 0, Al = 14 (each at most 13)"),
        (0, nil, nil, 0x10, "refinement Ah = 1 of coefficient 0 of component 0, never sent"),
        (3, nil, nil, 0x20, "refinement scan with Ah = 2, Al = 0 (need Al = Ah - 1)"),
        (4, nil, nil, 0x21, "refinement Ah = 2 of coefficient 0 of component 0, last sent with Al = 1"),
        (2, 1, 5, nil, "coefficient 1 of component 0 sent twice (Ah = 0 again)"),
    ]

    @Test("Scan parameters outside T.81's progression are malformed, at an offset in the scan header",
          arguments: 0..<8)
    func badScanParameters(index: Int) throws {
        let edit = Self.badScans[index]
        var bytes = try progressiveBytes("cjpeg_approximation_gray_17x13")
        let scans = segments(bytes).filter { $0.marker == 0xDA }
        try #require(scans.count == 6)
        let target = scans[edit.scan]
        if let ss = edit.ss { bytes[target.end - 3] = ss }
        if let se = edit.se { bytes[target.end - 2] = se }
        if let approx = edit.approx { bytes[target.end - 1] = approx }
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .malformed(let offset, let reason) = error as? JPEGError else { return false }
            return reason == edit.reason && offset >= target.start && offset < target.end
        }
    }

    @Test("A progressive frame of an absurd size throws tooLarge before allocating")
    func absurdSizeThrows() throws {
        var bytes = try progressiveBytes("pillow_420_35x29")
        let sof = try #require(segments(bytes).first { $0.marker == 0xC2 })
        bytes[sof.start + 1] = 0xFF; bytes[sof.start + 2] = 0xFF  // height 65535
        bytes[sof.start + 3] = 0xFF; bytes[sof.start + 4] = 0xFF  // width 65535
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .tooLarge(_, let w, let h, _) = error as? JPEGError else { return false }
            return w == 65535 && h == 65535
        }
    }

    @Test("A large declared size with too little data for its blocks throws before allocating for them",
          arguments: ["pillow_420_35x29", "cjpeg_approximation_gray_17x13"])
    func sizeBeyondTheDataThrows(name: String) throws {
        var bytes = try progressiveBytes(name)
        let sof = try #require(segments(bytes).first { $0.marker == 0xC2 })
        bytes[sof.start + 1] = 0x10; bytes[sof.start + 2] = 0x00  // height 4096
        bytes[sof.start + 3] = 0x10; bytes[sof.start + 4] = 0x00  // width 4096: within the pixel limit
        #expect {
            try JPEGDecoder.decode(bytes)
        } throws: { error in
            guard case .truncated(let offset, let expected) = error as? JPEGError else { return false }
            return offset == bytes.count && expected.hasPrefix("entropy-coded data for")
        }
    }

    @Test("A progressive file ending before a component's DC scan is refused at EOI")
    func missingDCScanThrows() throws {
        let bytes = try progressiveBytes("cjpeg_noninterleaved_dc_422_33x21")
        // Keep the Y DC scan only (the first), then EOI: Cb and Cr never got a DC scan.
        let all = segments(bytes)
        let second = try #require(all.filter { $0.marker == 0xDA }.dropFirst().first)
        let cut = Array(bytes[..<second.offset]) + [0xFF, 0xD9]
        #expect {
            try JPEGDecoder.decode(cut)
        } throws: { error in
            guard case .unexpectedMarker(let offset, let found, let expected) = error as? JPEGError else { return false }
            return offset == second.offset && found == 0xD9 && expected.contains("DC scan of every component")
        }
    }
}

/// The opt-in comparison run by Fixtures/jpeg/progressive/compare_real_files.py: `$LATENT_JPEG_COMPARE`
/// names a list of "group<TAB>file.jpg<TAB>Pillow reference" lines; the results go to `<list>.results`.
@Suite("JPEG decoder vs Pillow on listed real files",
       .enabled(if: ProcessInfo.processInfo.environment["LATENT_JPEG_COMPARE"] != nil))
struct JPEGListedFileTests {
    @Test("Every listed file decodes to exactly Pillow's bytes")
    func listedFilesMatchPillow() throws {
        let listing = try #require(ProcessInfo.processInfo.environment["LATENT_JPEG_COMPARE"])
        let lines = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n")
        let decoder = JPEGDecoder()
        var results = ""
        var exact = 0
        for line in lines {
            let fields = line.split(separator: "\t").map(String.init)
            try #require(fields.count == 3, "bad line: \(line)")
            let (group, path, referencePath) = (fields[0], fields[1], fields[2])
            let status: String
            let detail: String
            do {
                let image = try decoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
                let expected = try NetpbmImage(contentsOf: URL(fileURLWithPath: referencePath))
                let pixels = image.interleaved()
                if image.width != expected.width || image.height != expected.height || pixels.count != expected.samples.count {
                    (status, detail) = ("differ", "\(image.width)×\(image.height)×\(image.channels) vs \(expected.width)×\(expected.height)×\(expected.channels)")
                } else {
                    let differing = pixels.indices.filter { pixels[$0] != expected.samples[$0] }
                    let worst = differing.map { abs(Int(pixels[$0]) - Int(expected.samples[$0])) }.max() ?? 0
                    (status, detail) = differing.isEmpty
                        ? ("bit-exact", "\(image.width)×\(image.height)×\(image.channels)")
                        : ("differ", "\(differing.count) of \(pixels.count) bytes, max |Δ| \(worst)")
                }
            } catch {
                (status, detail) = ("refused", "\(error)")
            }
            if status == "bit-exact" { exact += 1 }
            results += "\(group)\t\(path)\t\(status)\t\(detail)\n"
        }
        try results.write(toFile: listing + ".results", atomically: true, encoding: .utf8)
        print("listed files vs Pillow: \(exact) of \(lines.count) bit-exact")
        #expect(exact == lines.count)
    }
}
