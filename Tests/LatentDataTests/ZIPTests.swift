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

    /// What `make_zip_fixtures.py` put into both archives: member → (compression method, bytes).
    /// The JPEG members are the fixture files themselves; the text is the script's literal.
    static func knownMembers() throws -> [(name: String, method: Int, bytes: [UInt8])] {
        let text = Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40).utf8)
        func jpeg(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/\(name).jpg")))
        }
        return [
            ("img_align_celeba/000001.jpg", 0, try jpeg("q75_420_17x9")),
            ("img_align_celeba/000002.jpg", 8, try jpeg("q75_444_35x29")),
            ("notes/readme.txt", 8, text),
            ("empty.bin", 0, []),
        ]
    }

    @Test("Stored and deflated members hold exactly the bytes Python's zipfile was given",
          arguments: ["small.zip", "zip64.zip"])
    func membersHoldKnownBytes(archiveName: String) throws {
        let archive = try ZIPArchive(bytes: try fixtureArchive(archiveName), name: archiveName)
        let known = try Self.knownMembers()
        let files = archive.entries.filter { !$0.isFolder }
        #expect(files.map(\.name) == known.map(\.name))
        for (entry, want) in zip(files, known) {
            #expect(entry.method == want.method, "\(entry.name): method \(entry.method)")
            let member = try archive.data(for: entry)
            #expect(member.count == want.bytes.count, "\(entry.name)")
            let identical = member == want.bytes  // (not inside #expect: it would print both arrays)
            #expect(identical, "\(entry.name): first differing byte at \(String(describing: zip(member, want.bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset))")
        }
        if archiveName == "small.zip" {
            let folder = try #require(archive.entry(named: "img_align_celeba/"))
            #expect(try archive.data(for: folder).isEmpty)
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

    @Test("A wrong CRC-32 in the central directory is reported with Python's CRC as the one found",
          arguments: ["img_align_celeba/000001.jpg", "img_align_celeba/000002.jpg", "notes/readme.txt"])
    func centralDirectoryCRCMismatch(member: String) throws {
        var bytes = try fixtureArchive("small.zip")
        let python = try #require(try expectedMembers()["small.zip"]?.first { $0.name == member })
        // Find the member's central directory record (PK\1\2, name at +46) and flip one bit of its CRC (+16).
        let name = Array(member.utf8)
        let record = try #require((0..<(bytes.count - 46 - name.count)).first { at in
            le32(bytes, at) == 0x0201_4B50 && Array(bytes[(at + 46)..<(at + 46 + name.count)]) == name
        })
        #expect(UInt32(le32(bytes, record + 16)) == python.crc)
        bytes[record + 16] ^= 0x01
        let damaged = try ZIPArchive(bytes: bytes, name: "small.zip")
        let entry = try #require(damaged.entry(named: member))
        #expect(throws: ZIPError.checksumMismatch(file: "small.zip", member: member,
                                                  expected: python.crc ^ 0x01, found: python.crc)) {
            try damaged.data(for: entry)
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

    /// A copy of a fixture archive in a fresh temporary file.
    private func copyOfFixture(_ name: String) throws -> (path: String, bytes: [UInt8]) {
        let bytes = try fixtureArchive(name)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latent-zip-\(UUID().uuidString).zip").path
        try FileIO.writeAtomically(bytes, to: path)
        return (path, bytes)
    }

    @Test("An archive cut short after it was opened fails the read, naming the file, and never crashes")
    func truncatedAfterOpening() throws {
        let (path, _) = try copyOfFixture("small.zip")
        defer { FileIO.removeFile(path) }
        let archive = try ZIPArchive(path: path)
        let first = try #require(archive.entry(named: "img_align_celeba/000001.jpg"))
        let later = try #require(archive.entry(named: "notes/readme.txt"))
        #expect(first.localHeaderOffset < later.localHeaderOffset)
        // Keep the first member whole and cut inside the later one's local header (a mapped file would
        // now raise SIGBUS on that page).
        #expect(truncate(path, off_t(later.localHeaderOffset + 10)) == 0)
        #expect(try archive.data(for: first) == Self.knownMembers()[0].bytes)
        #expect {
            try archive.data(for: later)
        } throws: { error in
            guard case .corrupt(let file, let offset, let reason)? = error as? ZIPError else { return false }
            return file == path && offset == later.localHeaderOffset + 10 && reason.contains("the file ends there")
        }
    }

    @Test("An archive replaced by another file after it was opened still reads its own members")
    func replacedAfterOpening() throws {
        let (path, bytes) = try copyOfFixture("small.zip")
        defer { FileIO.removeFile(path) }
        let archive = try ZIPArchive(path: path)
        try FileIO.writeAtomically([UInt8](repeating: 0, count: bytes.count), to: path)
        let files = archive.entries.filter { !$0.isFolder }
        #expect(try files.map { try archive.data(for: $0) } == Self.knownMembers().map(\.bytes))
    }

    @Test("A folder given as the archive is refused, naming it")
    func folderIsNotAnArchive() {
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: ZIPError.cannotOpen(file: folder, reason: "not a regular file")) {
            try ZIPArchive(path: folder)
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
