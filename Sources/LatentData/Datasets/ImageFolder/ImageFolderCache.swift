/// The decoded cache of an image folder: every picture prepared once (`ImagePreparation`) and stored
/// as bytes, with each file's size and modification time, so a later load decodes only the files that
/// are new or changed. Files that could not be used are remembered with their reason, so they are
/// reported again without being read again.
///
/// Layout (integers little-endian):
/// ```
/// "LTIMGDIR"            8-byte magic
/// version   UInt32      (currently 1)
/// size      UInt32      S
/// channels  UInt32      C (1 or 3)
/// count     UInt32      N entries (usable and skipped)
/// sourceLength UInt32, source folder bytes (UTF-8)
/// N × (nameLength UInt32, name, fileSize Int64, modified Int64 (ns), reasonLength UInt32, reason)
///                        reasonLength 0: a usable image, whose pixels follow in entry order
/// usable × C × S × S pixel bytes
/// ```
public struct ImageFolderCache: Sendable, Equatable {
    public static let magic: [UInt8] = Array("LTIMGDIR".utf8)
    public static let version: UInt32 = 1

    /// One listed file: its relative path, size and modification time, and why it was skipped (nil: usable).
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var fileSize: Int64
        public var modified: Int64
        public var failure: String?
        public init(name: String, fileSize: Int64, modified: Int64, failure: String?) {
            self.name = name
            self.fileSize = fileSize
            self.modified = modified
            self.failure = failure
        }
    }

    public var size: Int
    public var channels: Int
    public var source: String
    public var entries: [Entry]
    /// The usable entries' pixels, in entry order, C×S×S each.
    public var pixels: [UInt8]

    public init(size: Int, channels: Int, source: String, entries: [Entry], pixels: [UInt8]) {
        precondition(pixels.count == entries.filter { $0.failure == nil }.count * channels * size * size,
                     "ImageFolderCache: pixel count mismatch")
        self.size = size
        self.channels = channels
        self.source = source
        self.entries = entries
        self.pixels = pixels
    }

    /// The file contents.
    public func encoded() -> [UInt8] {
        var out = Self.magic
        func put32(_ v: Int) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        func put64(_ v: Int64) { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> Int64(8 * i))) } }
        func putText(_ s: String) { let b = Array(s.utf8); put32(b.count); out += b }
        put32(Int(Self.version))
        put32(size)
        put32(channels)
        put32(entries.count)
        putText(source)
        for entry in entries {
            putText(entry.name)
            put64(entry.fileSize)
            put64(entry.modified)
            putText(entry.failure ?? "")
        }
        out.reserveCapacity(out.count + pixels.count)
        out += pixels
        return out
    }

    /// Why a cache file is unusable (the loader then rebuilds it).
    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var offset: Int
        public var reason: String
        public var description: String { "image-folder cache \(path) at byte \(offset): \(reason)" }
    }

    /// Parses a cache file's bytes (`path` for messages).
    public init(decoding bytes: [UInt8], path: String) throws {
        var p = 0
        func fail(_ reason: String) -> ReadError { ReadError(path: path, offset: p, reason: reason) }
        func need(_ n: Int) throws {
            guard n >= 0, n <= bytes.count - p else { throw fail("file ends after \(bytes.count) bytes, expected \(n) more") }
        }
        func get32() throws -> Int {
            try need(4)
            defer { p += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[p + $1]) << (8 * $1) }
        }
        func get64() throws -> Int64 {
            try need(8)
            defer { p += 8 }
            return (0..<8).reduce(Int64(0)) { $0 | Int64(bytes[p + $1]) << Int64(8 * $1) }
        }
        func getText() throws -> String {
            let n = try get32()
            try need(n)
            defer { p += n }
            return String(decoding: bytes[p..<(p + n)], as: UTF8.self)
        }
        try need(8)
        guard Array(bytes[0..<8]) == Self.magic else { throw fail("not an image-folder cache (bad magic)") }
        p = 8
        let version = try get32()
        guard version == Self.version else { throw fail("version \(version), expected \(Self.version)") }
        let size = try get32(), channels = try get32(), count = try get32()
        guard (1...4096).contains(size), channels == 1 || channels == 3 else { throw fail("size \(size), channels \(channels)") }
        let source = try getText()
        // Each entry takes at least 24 bytes: a count beyond the file size is corrupt, not an allocation.
        guard count <= (bytes.count - p) / 24 else { throw fail("\(count) entries cannot fit in \(bytes.count) bytes") }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let name = try getText(), fileSize = try get64(), modified = try get64(), reason = try getText()
            entries.append(Entry(name: name, fileSize: fileSize, modified: modified, failure: reason.isEmpty ? nil : reason))
        }
        let usable = entries.filter { $0.failure == nil }.count
        guard bytes.count - p == usable * channels * size * size else {
            throw fail("expected \(usable * channels * size * size) pixel bytes for \(usable) images, found \(bytes.count - p)")
        }
        self.init(size: size, channels: channels, source: source, entries: entries, pixels: Array(bytes[p...]))
    }
}
