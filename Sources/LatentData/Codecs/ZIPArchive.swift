/// Why a ZIP archive or one of its members could not be read; messages name the file and byte offset.
public enum ZIPError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be opened.
    case cannotOpen(file: String, reason: String)
    /// The structure is broken at `offset` (bad signature, sizes pointing outside the file, ...).
    case corrupt(file: String, offset: Int, reason: String)
    /// A member uses a feature this reader does not implement (encryption, a compression method).
    case unsupported(file: String, member: String, offset: Int, reason: String)
    /// A member's data does not match its CRC-32 or size.
    case checksumMismatch(file: String, member: String, expected: UInt32, found: UInt32)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "cannot open ZIP \(file): \(reason)"
        case .corrupt(let file, let offset, let reason):
            return "corrupt ZIP \(file) at byte \(offset): \(reason)"
        case .unsupported(let file, let member, let offset, let reason):
            return "unsupported ZIP member \(file):\(member) at byte \(offset): \(reason)"
        case .checksumMismatch(let file, let member, let expected, let found):
            return "ZIP member \(file):\(member) fails its CRC-32: expected \(hex(expected)), found \(hex(found))"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}

/// One member of a ZIP archive, from its central-directory record.
public struct ZIPEntry: Sendable, Equatable {
    /// The member's path inside the archive, e.g. `img_align_celeba/000001.jpg`.
    public let name: String
    /// Compression method: 0 stored, 8 deflated (others are listed but cannot be read).
    public let method: Int
    /// Size of the stored (possibly compressed) data in bytes.
    public let compressedSize: Int
    /// Size after decompression in bytes.
    public let uncompressedSize: Int
    /// CRC-32 of the uncompressed data.
    public let crc32: UInt32
    /// General-purpose flags (bit 0: encrypted).
    public let flags: Int
    /// Offset of the member's local header in the archive.
    public let localHeaderOffset: Int

    /// Whether the entry is a folder (its name ends with "/").
    public var isFolder: Bool { name.hasSuffix("/") }
}

/// A read-only ZIP archive (PKWARE APPNOTE): end-of-central-directory search, central directory,
/// stored and deflated members, ZIP64 (EOCD64 locator and record, extra field 0x0001).
///
/// The file is held open and read with `pread`: the central directory once, then each member's local
/// header and data when asked for, so iterating the members of a large archive (the 1.4 GB
/// `img_align_celeba.zip`) reads only those bytes and never extracts anything to disk. Not a memory map:
/// a mapped file cut short by another program turns the next read into a crash (SIGBUS), where a read
/// that comes up short is an error naming the file. Reading members from several threads at once is
/// safe, and a file renamed over the path later does not change what an open archive reads.
public final class ZIPArchive: Sendable {
    /// Where the archive came from (used in error messages).
    public let path: String
    /// Every member, in central-directory order.
    public let entries: [ZIPEntry]
    /// Archive size in bytes.
    public let size: Int

    private let source: Source

    /// Where the bytes are: an open file, or an archive held in memory.
    private enum Source: Sendable {
        case file(OpenFile)
        case memory([UInt8])
    }

    /// Opens the archive at `path` and reads its central directory.
    public convenience init(path: String) throws {
        let file: OpenFile
        do { file = try OpenFile(path) } catch let error as FileIOError {
            guard case .cannotOpen(_, let reason) = error else { throw error }
            throw ZIPError.cannotOpen(file: path, reason: reason)
        }
        try self.init(path: path, source: .file(file), size: file.size)
    }

    /// Reads an archive held in memory (`name` is used in error messages).
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(path: name, source: .memory(bytes), size: bytes.count)
    }

    private init(path: String, source: Source, size: Int) throws {
        guard size > 0 else { throw ZIPError.corrupt(file: path, offset: 0, reason: "empty file") }
        self.path = path
        self.source = source
        self.size = size
        entries = try Self.readDirectory(path: path, size: size) { try Self.read(source, path: path, at: $0, count: $1) }
    }

    /// The member called `name`, if present.
    public func entry(named name: String) -> ZIPEntry? { entries.first { $0.name == name } }

    /// The uncompressed bytes of `entry`, checked against its size and CRC-32.
    public func data(for entry: ZIPEntry) throws -> [UInt8] {
        let stored = try storedData(of: entry)
        let bytes: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ZIPError.corrupt(
                    file: path, offset: entry.localHeaderOffset,
                    reason: "stored member \(entry.name) has compressed size \(entry.compressedSize) ≠ size \(entry.uncompressedSize)")
            }
            bytes = stored.bytes
        case 8:
            // Deflate expands at most ~1032:1, so a larger declared size is a lie (and would be allocated up front).
            guard entry.uncompressedSize <= entry.compressedSize * 1032 + 1024 else {
                throw ZIPError.corrupt(
                    file: path, offset: entry.localHeaderOffset,
                    reason: "member \(entry.name) declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed")
            }
            bytes = try stored.bytes.withUnsafeBytes {
                try Zlib.inflateRaw($0, expectedSize: entry.uncompressedSize, file: "\(path):\(entry.name)")
            }
        default:
            throw ZIPError.unsupported(
                file: path, member: entry.name, offset: entry.localHeaderOffset,
                reason: "compression method \(entry.method) (only 0 stored and 8 deflated)")
        }
        let crc = Zlib.crc32(bytes)
        guard crc == entry.crc32 else {
            throw ZIPError.checksumMismatch(file: path, member: entry.name, expected: entry.crc32, found: crc)
        }
        return bytes
    }

    /// A member's stored (possibly compressed) data, after checking its local header.
    private func storedData(of entry: ZIPEntry) throws -> Window {
        let at = entry.localHeaderOffset
        guard entry.flags & 1 == 0 else {
            throw ZIPError.unsupported(file: path, member: entry.name, offset: at, reason: "encrypted member")
        }
        guard at >= 0, at <= size - 30 else {
            throw ZIPError.corrupt(file: path, offset: at, reason: "local header of \(entry.name) outside the file (size \(size))")
        }
        let header = try window(at: at, count: 30)
        guard header.u32(at) == 0x0403_4B50 else {
            throw ZIPError.corrupt(file: path, offset: at, reason: "expected a local file header signature (PK\\3\\4) for \(entry.name)")
        }
        let start = at + 30 + header.u16(at + 26) + header.u16(at + 28)
        guard entry.compressedSize >= 0, start <= size, entry.compressedSize <= size - start else {
            throw ZIPError.corrupt(
                file: path, offset: at,
                reason: "data of \(entry.name) (\(entry.compressedSize) bytes at \(start)) runs past the end of the file (size \(size))")
        }
        return try window(at: start, count: entry.compressedSize)
    }

    private func window(at offset: Int, count: Int) throws -> Window {
        try Self.read(source, path: path, at: offset, count: count)
    }

    /// `count` bytes from `offset` (inside the size the archive had when opened). A file that has
    /// since become shorter fails, naming it, and the offset it ends at.
    private static func read(_ source: Source, path: String, at offset: Int, count: Int) throws -> Window {
        switch source {
        case .memory(let bytes):
            return Window(start: offset, bytes: Array(bytes[offset..<(offset + count)]))
        case .file(let file):
            var bytes = [UInt8](repeating: 0, count: count)
            do {
                try bytes.withUnsafeMutableBufferPointer { try file.read(offset: offset, into: $0) }
            } catch let FileIOError.readFailed(_, at, reason) {
                throw ZIPError.corrupt(file: path, offset: at, reason: "cannot read (the archive was \(file.size) bytes when opened): \(reason)")
            }
            return Window(start: offset, bytes: bytes)
        }
    }

    /// Bytes read from the archive, addressed by their offset in it.
    struct Window {
        /// The archive offset of `bytes[0]`.
        let start: Int
        let bytes: [UInt8]

        func u16(_ at: Int) -> Int { Int(bytes[at - start]) | Int(bytes[at - start + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int {
            let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
            return value > UInt64(Int.max) ? Int.max : Int(value)
        }
        func string(_ at: Int, count: Int) -> String {
            String(decoding: bytes[(at - start)..<(at - start + count)], as: UTF8.self)
        }
    }

    // MARK: - Directory

    /// Finds the end-of-central-directory record in the archive's last 65,577 bytes, follows a ZIP64
    /// locator, then reads the whole central directory in one piece and parses its records.
    private static func readDirectory(path: String, size: Int, read: (Int, Int) throws -> Window) throws -> [ZIPEntry] {
        func corrupt(_ offset: Int, _ reason: String) -> ZIPError { .corrupt(file: path, offset: offset, reason: reason) }
        // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the very end.
        guard size >= 22 else { throw corrupt(0, "file of \(size) bytes is too small for a ZIP (at least 22)") }
        var eocd = -1
        var at = size - 22
        let lowest = max(0, size - 22 - 65535)
        let tail = try read(max(0, lowest - 20), size - max(0, lowest - 20))  // with room for a ZIP64 locator
        while at >= lowest {
            if tail.u32(at) == 0x0605_4B50 && at + 22 + tail.u16(at + 20) <= size {
                eocd = at
                break
            }
            at -= 1
        }
        guard eocd >= 0 else {
            throw corrupt(lowest, "no end-of-central-directory record (PK\\5\\6) in the last \(size - lowest) bytes")
        }
        var count = tail.u16(eocd + 10)
        var directorySize = tail.u32(eocd + 12)
        var directoryOffset = tail.u32(eocd + 16)
        guard tail.u16(eocd + 4) == 0 || tail.u16(eocd + 4) == 0xFFFF else {
            throw corrupt(eocd + 4, "multi-disk archives are not supported")
        }
        // ZIP64: a locator just before the EOCD points to the ZIP64 end-of-central-directory record.
        if eocd >= 20 && tail.u32(eocd - 20) == 0x0706_4B50 {
            let locator = eocd - 20
            let record = tail.u64(locator + 8)
            guard record >= 0, record <= size - 56, try read(record, 4).u32(record) == 0x0606_4B50 else {
                throw corrupt(locator + 8, "ZIP64 locator points to \(record), where there is no ZIP64 end-of-central-directory record (PK\\6\\6)")
            }
            let fields = try read(record + 32, 24)
            count = fields.u64(record + 32)
            directorySize = fields.u64(record + 40)
            directoryOffset = fields.u64(record + 48)
        } else if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw corrupt(eocd, "end-of-central-directory record needs ZIP64 but there is no ZIP64 locator (PK\\6\\7)")
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw corrupt(eocd, "central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file (size \(size))")
        }
        guard count <= directorySize / 46 else {
            throw corrupt(eocd, "\(count) entries cannot fit in a central directory of \(directorySize) bytes")
        }
        let directory = try read(directoryOffset, directorySize)
        var entries: [ZIPEntry] = []
        entries.reserveCapacity(count)
        var p = directoryOffset
        let end = directoryOffset + directorySize
        for index in 0..<count {
            guard p <= end - 46 else { throw corrupt(p, "central directory ends inside entry \(index) of \(count)") }
            guard directory.u32(p) == 0x0201_4B50 else {
                throw corrupt(p, "expected a central directory header signature (PK\\1\\2) for entry \(index) of \(count)")
            }
            let flags = directory.u16(p + 8)
            let method = directory.u16(p + 10)
            let crc = UInt32(directory.u32(p + 16))
            var compressed = directory.u32(p + 20)
            var uncompressed = directory.u32(p + 24)
            let nameLength = directory.u16(p + 28)
            let extraLength = directory.u16(p + 30)
            let commentLength = directory.u16(p + 32)
            var localOffset = directory.u32(p + 42)
            let total = 46 + nameLength + extraLength + commentLength
            guard p <= end - total else { throw corrupt(p, "entry \(index) runs past the end of the central directory") }
            let name = directory.string(p + 46, count: nameLength)
            // ZIP64 extended information (0x0001): the 64-bit values of the fields saturated at 0xFFFFFFFF.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let tag = directory.u16(e)
                let length = directory.u16(e + 2)
                guard e + 4 + length <= extraEnd else { throw corrupt(e, "extra field of \(name) runs past its end") }
                if tag == 0x0001 {
                    var q = e + 4
                    func next(_ what: String) throws -> Int {
                        guard q + 8 <= e + 4 + length else { throw corrupt(q, "ZIP64 extra field of \(name) lacks the \(what)") }
                        defer { q += 8 }
                        return directory.u64(q)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next("uncompressed size") }
                    if compressed == 0xFFFF_FFFF { compressed = try next("compressed size") }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next("local header offset") }
                }
                e += 4 + length
            }
            entries.append(
                ZIPEntry(
                    name: name, method: method, compressedSize: compressed, uncompressedSize: uncompressed, crc32: crc,
                    flags: flags, localHeaderOffset: localOffset))
            p += total
        }
        return entries
    }
}
