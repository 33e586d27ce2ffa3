import Foundation
import LatentData
import Testing

/// `expected.txt` of the ZIP fixtures: archive → [(member, size, crc32)].
private func expectedMembers() throws -> [String: [(name: String, size: Int, crc: UInt32)]] {
    let text = try String(contentsOf: CelebATestPaths.fixtures("zip/expected.txt"), encoding: .utf8)
    var result: [String: [(name: String, size: Int, crc: UInt32)]] = [:]
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ").map(String.init)
        guard f.count == 4, let size = Int(f[2]), let crc = UInt32(f[3], radix: 16) else { continue }
        result[f[0], default: []].append((f[1], size, crc))
    }
    return result
}

private func fixtureArchive(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("zip/\(name)")))
}

private func le32(_ b: [UInt8], _ at: Int) -> Int {
    Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
}

@Suite("ZIP archives")
struct ZIPTests {
    @Test("Members, sizes and CRCs match what Python's zipfile reads", arguments: ["small.zip", "zip64.zip"])
    func membersMatchPython(archiveName: String) throws {
        let expected = try #require(try expectedMembers()[archiveName])
        let archive = try ZIPArchive(path: CelebATestPaths.fixtures("zip/\(archiveName)").path)
        #expect(archive.entries.map(\.name) == expected.map(\.name))
        for (entry, want) in zip(archive.entries, expected) {
            let data = try archive.data(for: entry)
            #expect(data.count == want.size, "\(entry.name)")
            #expect(Zlib.crc32(data) == want.crc, "\(entry.name)")
        }
    }

    @Test("Stored and deflated members hold the original JPEG bytes, which decode")
    func membersDecodeAsJPEG() throws {
        for archiveName in ["small.zip", "zip64.zip"] {
            let archive = try ZIPArchive(bytes: try fixtureArchive(archiveName), name: archiveName)
            let jpegs = archive.entries.filter { $0.name.hasPrefix("img_align_celeba/") && $0.name.hasSuffix(".jpg") }
            #expect(jpegs.count == 2)
            #expect(Set(jpegs.map(\.method)) == [0, 8], "one stored and one deflated member")
            for (entry, fixture) in zip(jpegs, ["q75_420_17x9", "q75_444_35x29"]) {
                let original = [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/\(fixture).jpg")))
                let member = try archive.data(for: entry)
                #expect(member == original)
                #expect(try JPEGDecoder.decode(member) == JPEGDecoder.decode(original))
            }
        }
    }

    @Test("The ZIP64 archive's 64-bit offsets and sizes come from the extra fields")
    func zip64UsesExtraFields() throws {
        let bytes = try fixtureArchive("zip64.zip")
        let archive = try ZIPArchive(bytes: bytes, name: "zip64.zip")
        // The classic fields are saturated; real values must have been taken from the extra field.
        #expect(archive.entries.allSatisfy { $0.compressedSize != 0xFFFF_FFFF && $0.localHeaderOffset != 0xFFFF_FFFF })
        #expect(archive.entries.first?.localHeaderOffset == 0)
        #expect(le32(bytes, bytes.count - 22 + 16) == 0xFFFF_FFFF)
    }

    @Test("Every truncation of an archive throws a ZIPError, never crashes", arguments: ["small.zip", "zip64.zip"])
    func truncationThrows(archiveName: String) throws {
        let bytes = try fixtureArchive(archiveName)
        for cut in 0..<bytes.count {
            #expect(throws: ZIPError.self, "cut at \(cut)") {
                let archive = try ZIPArchive(bytes: Array(bytes[..<cut]), name: archiveName)
                for entry in archive.entries { _ = try archive.data(for: entry) }
            }
        }
    }

    @Test("Random byte corruption throws or reads, never crashes")
    func corruptionNeverCrashes() throws {
        let original = try fixtureArchive("zip64.zip")
        var state: UInt64 = 99
        var failures = 0
        for _ in 0..<500 {
            var bytes = original
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes[Int(state >> 33) % bytes.count] = UInt8(truncatingIfNeeded: state >> 24)
            }
            do {
                let archive = try ZIPArchive(bytes: bytes, name: "corrupt.zip")
                for entry in archive.entries { _ = try archive.data(for: entry) }
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test("A file without an end-of-central-directory record is rejected with the searched offset")
    func missingEOCD() {
        let bytes = [UInt8](repeating: 0x41, count: 100)
        #expect(throws: ZIPError.corrupt(file: "junk.zip", offset: 0,
                                         reason: "no end-of-central-directory record (PK\\5\\6) in the last 100 bytes")) {
            try ZIPArchive(bytes: bytes, name: "junk.zip")
        }
    }

    @Test("A flipped data byte fails the CRC-32 check")
    func crcMismatch() throws {
        var bytes = try fixtureArchive("small.zip")
        let archive = try ZIPArchive(bytes: bytes, name: "small.zip")
        let entry = try #require(archive.entry(named: "img_align_celeba/000001.jpg"))
        let nameLength = Int(bytes[entry.localHeaderOffset + 26]) | Int(bytes[entry.localHeaderOffset + 27]) << 8
        let extraLength = Int(bytes[entry.localHeaderOffset + 28]) | Int(bytes[entry.localHeaderOffset + 29]) << 8
        bytes[entry.localHeaderOffset + 30 + nameLength + extraLength + 100] ^= 0x55
        let damaged = try ZIPArchive(bytes: bytes, name: "small.zip")
        #expect {
            try damaged.data(for: entry)
        } throws: { error in
            guard case .checksumMismatch(_, let member, let expected, _) = error as? ZIPError else { return false }
            return member == entry.name && expected == entry.crc32
        }
    }

    @Test("A broken local header signature is reported at the header's offset")
    func badLocalHeader() throws {
        var bytes = try fixtureArchive("small.zip")
        let entry = try #require(try ZIPArchive(bytes: bytes, name: "small.zip").entry(named: "notes/readme.txt"))
        bytes[entry.localHeaderOffset] = 0
        let damaged = try ZIPArchive(bytes: bytes, name: "small.zip")
        #expect {
            try damaged.data(for: entry)
        } throws: { error in
            guard case .corrupt(_, let offset, let reason) = error as? ZIPError else { return false }
            return offset == entry.localHeaderOffset && reason.contains("local file header")
        }
    }

    @Test("An entry count larger than the central directory can hold is rejected before allocating")
    func absurdEntryCount() throws {
        var bytes = try fixtureArchive("small.zip")
        let eocd = bytes.count - 22
        bytes[eocd + 10] = 0xFE; bytes[eocd + 11] = 0xFF
        #expect {
            try ZIPArchive(bytes: bytes, name: "small.zip")
        } throws: { error in
            guard case .corrupt(_, let offset, let reason) = error as? ZIPError else { return false }
            return offset == eocd && reason.contains("65534 entries")
        }
    }

    @Test("A ZIP64 locator pointing at garbage is reported at the locator")
    func badZip64Locator() throws {
        var bytes = try fixtureArchive("zip64.zip")
        let locator = bytes.count - 22 - 20
        bytes[locator + 8] = 3
        #expect {
            try ZIPArchive(bytes: bytes, name: "zip64.zip")
        } throws: { error in
            guard case .corrupt(_, let offset, _) = error as? ZIPError else { return false }
            return offset == locator + 8
        }
    }

    @Test("Opening a missing file names it")
    func missingFile() {
        #expect {
            try ZIPArchive(path: "/nonexistent/archive.zip")
        } throws: { error in
            "\(error)".contains("/nonexistent/archive.zip")
        }
    }
}
