#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a ZIP archive or one of its members could not be read; messages name the file and byte offset.
public enum ZIPError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be opened or mapped.
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
/// The file is memory-mapped, so iterating the members of a large archive (the 1.4 GB
/// `img_align_celeba.zip`) reads only the bytes asked for and never extracts anything to disk.
/// Reading members from several threads at once is safe: the mapping is never written.
public final class ZIPArchive {
    /// Where the archive came from (used in error messages).
    public let path: String
    /// Every member, in central-directory order.
    public let entries: [ZIPEntry]
    /// Archive size in bytes.
    public let size: Int

    private let base: UnsafeRawPointer
    private let release: () -> Void

    /// Opens and maps the archive at `path` and reads its central directory.
    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ZIPError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ZIPError.cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw ZIPError.corrupt(file: path, offset: 0, reason: "empty file") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw ZIPError.cannotOpen(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        try self.init(path: path, base: UnsafeRawPointer(mapped), size: size) { munmap(mapped, size) }
    }

    /// Reads an archive held in memory (`name` is used in error messages).
    public convenience init(bytes: [UInt8], name: String) throws {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { copy.copyMemory(from: b, byteCount: bytes.count) } }
        try self.init(path: name, base: UnsafeRawPointer(copy), size: bytes.count) { copy.deallocate() }
    }

    private init(path: String, base: UnsafeRawPointer, size: Int, release: @escaping () -> Void) throws {
        self.path = path
        self.base = base
        self.size = size
        self.release = release
        do {
            entries = try Self.readDirectory(path: path, base: base, size: size)
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// The member called `name`, if present.
    public func entry(named name: String) -> ZIPEntry? { entries.first { $0.name == name } }

    /// The uncompressed bytes of `entry`, checked against its size and CRC-32.
    public func data(for entry: ZIPEntry) throws -> [UInt8] {
        let (start, count) = try dataRange(of: entry)
        let raw = UnsafeRawBufferPointer(start: base + start, count: count)
        let bytes: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ZIPError.corrupt(
                    file: path, offset: entry.localHeaderOffset,
                    reason: "stored member \(entry.name) has compressed size \(entry.compressedSize) ≠ size \(entry.uncompressedSize)")
            }
            bytes = [UInt8](raw)
        case 8:
            // Deflate expands at most ~1032:1, so a larger declared size is a lie (and would be allocated up front).
            guard entry.uncompressedSize <= entry.compressedSize * 1032 + 1024 else {
                throw ZIPError.corrupt(
                    file: path, offset: entry.localHeaderOffset,
                    reason: "member \(entry.name) declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed")
            }
            bytes = try Zlib.inflateRaw(raw, expectedSize: entry.uncompressedSize, file: "\(path):\(entry.name)")
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

    /// Offset and length of a member's stored data, after checking its local header.
    private func dataRange(of entry: ZIPEntry) throws -> (Int, Int) {
        let at = entry.localHeaderOffset
        guard entry.flags & 1 == 0 else {
            throw ZIPError.unsupported(file: path, member: entry.name, offset: at, reason: "encrypted member")
        }
        guard at >= 0, at <= size - 30 else {
            throw ZIPError.corrupt(file: path, offset: at, reason: "local header of \(entry.name) outside the file (size \(size))")
        }
        guard Self.u32(base, at) == 0x0403_4B50 else {
            throw ZIPError.corrupt(file: path, offset: at, reason: "expected a local file header signature (PK\\3\\4) for \(entry.name)")
        }
        let start = at + 30 + Self.u16(base, at + 26) + Self.u16(base, at + 28)
        guard entry.compressedSize >= 0, start <= size, entry.compressedSize <= size - start else {
            throw ZIPError.corrupt(
                file: path, offset: at,
                reason: "data of \(entry.name) (\(entry.compressedSize) bytes at \(start)) runs past the end of the file (size \(size))")
        }
        return (start, entry.compressedSize)
    }

    // MARK: - Directory

    static func u16(_ p: UnsafeRawPointer, _ at: Int) -> Int {
        Int(p.load(fromByteOffset: at, as: UInt8.self)) | Int(p.load(fromByteOffset: at + 1, as: UInt8.self)) << 8
    }

    static func u32(_ p: UnsafeRawPointer, _ at: Int) -> Int { u16(p, at) | u16(p, at + 2) << 16 }

    static func u64(_ p: UnsafeRawPointer, _ at: Int) -> Int {
        let value = UInt64(u32(p, at)) | UInt64(u32(p, at + 4)) << 32
        return value > UInt64(Int.max) ? Int.max : Int(value)
    }

    private static func readDirectory(path: String, base: UnsafeRawPointer, size: Int) throws -> [ZIPEntry] {
        func corrupt(_ offset: Int, _ reason: String) -> ZIPError { .corrupt(file: path, offset: offset, reason: reason) }
        // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the very end.
        guard size >= 22 else { throw corrupt(0, "file of \(size) bytes is too small for a ZIP (at least 22)") }
        var eocd = -1
        var at = size - 22
        let lowest = max(0, size - 22 - 65535)
        while at >= lowest {
            if u32(base, at) == 0x0605_4B50 && at + 22 + u16(base, at + 20) <= size {
                eocd = at
                break
            }
            at -= 1
        }
        guard eocd >= 0 else {
            throw corrupt(lowest, "no end-of-central-directory record (PK\\5\\6) in the last \(size - lowest) bytes")
        }
        var count = u16(base, eocd + 10)
        var directorySize = u32(base, eocd + 12)
        var directoryOffset = u32(base, eocd + 16)
        guard u16(base, eocd + 4) == 0 || u16(base, eocd + 4) == 0xFFFF else {
            throw corrupt(eocd + 4, "multi-disk archives are not supported")
        }
        // ZIP64: a locator just before the EOCD points to the ZIP64 end-of-central-directory record.
        if eocd >= 20 && u32(base, eocd - 20) == 0x0706_4B50 {
            let locator = eocd - 20
            let record = u64(base, locator + 8)
            guard record >= 0, record <= size - 56, u32(base, record) == 0x0606_4B50 else {
                throw corrupt(locator + 8, "ZIP64 locator points to \(record), where there is no ZIP64 end-of-central-directory record (PK\\6\\6)")
            }
            count = u64(base, record + 32)
            directorySize = u64(base, record + 40)
            directoryOffset = u64(base, record + 48)
        } else if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw corrupt(eocd, "end-of-central-directory record needs ZIP64 but there is no ZIP64 locator (PK\\6\\7)")
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw corrupt(eocd, "central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file (size \(size))")
        }
        guard count <= directorySize / 46 else {
            throw corrupt(eocd, "\(count) entries cannot fit in a central directory of \(directorySize) bytes")
        }
        var entries: [ZIPEntry] = []
        entries.reserveCapacity(count)
        var p = directoryOffset
        let end = directoryOffset + directorySize
        for index in 0..<count {
            guard p <= end - 46 else { throw corrupt(p, "central directory ends inside entry \(index) of \(count)") }
            guard u32(base, p) == 0x0201_4B50 else {
                throw corrupt(p, "expected a central directory header signature (PK\\1\\2) for entry \(index) of \(count)")
            }
            let flags = u16(base, p + 8)
            let method = u16(base, p + 10)
            let crc = UInt32(u32(base, p + 16))
            var compressed = u32(base, p + 20)
            var uncompressed = u32(base, p + 24)
            let nameLength = u16(base, p + 28)
            let extraLength = u16(base, p + 30)
            let commentLength = u16(base, p + 32)
            var localOffset = u32(base, p + 42)
            let total = 46 + nameLength + extraLength + commentLength
            guard p <= end - total else { throw corrupt(p, "entry \(index) runs past the end of the central directory") }
            let name = String(decoding: UnsafeRawBufferPointer(start: base + p + 46, count: nameLength), as: UTF8.self)
            // ZIP64 extended information (0x0001): the 64-bit values of the fields saturated at 0xFFFFFFFF.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let tag = u16(base, e)
                let length = u16(base, e + 2)
                guard e + 4 + length <= extraEnd else { throw corrupt(e, "extra field of \(name) runs past its end") }
                if tag == 0x0001 {
                    var q = e + 4
                    func next(_ what: String) throws -> Int {
                        guard q + 8 <= e + 4 + length else { throw corrupt(q, "ZIP64 extra field of \(name) lacks the \(what)") }
                        defer { q += 8 }
                        return u64(base, q)
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
