/// The decoded-CelebA cache file: every image resized and cropped once, stored as bytes, so epochs
/// never decode a JPEG again.
///
/// Layout (integers little-endian):
/// ```
/// "LTCELEBA"            8-byte magic
/// version   UInt32      (currently 1)
/// size      UInt32      S, the side of every image
/// count     UInt32      N
/// fingerprint UInt64    of the source's file list (names and sizes / CRCs): a changed source is stale
/// sourceLength UInt32, source path bytes (UTF-8)
/// N × (nameLength UInt8, name bytes)      e.g. "000001.jpg"
/// N × 3 × S × S pixel bytes                planar RGB per image
/// ```
public struct CelebACache: Sendable, Equatable {
    /// The file's first eight bytes.
    public static let magic: [UInt8] = Array("LTCELEBA".utf8)
    /// The layout version; files of another version are rebuilt.
    public static let version: UInt32 = 1

    /// Side length S of the square images.
    public var size: Int
    /// The folder or zip the images were decoded from.
    public var source: String
    /// Fingerprint of the source's file list when the cache was built.
    public var fingerprint: UInt64
    /// The image file names, in cache order.
    public var names: [String]
    /// The images, [N, 3, S, S].
    public var pixels: [UInt8]

    /// A cache of `names.count` images of side `size`.
    public init(size: Int, source: String, fingerprint: UInt64, names: [String], pixels: [UInt8]) {
        precondition(pixels.count == names.count * 3 * size * size, "CelebACache: pixel count mismatch")
        self.size = size
        self.source = source
        self.fingerprint = fingerprint
        self.names = names
        self.pixels = pixels
    }

    /// The file contents.
    public func encoded() -> [UInt8] { header() + pixels }

    /// Everything before the pixels: magic, version, size, count, fingerprint, source and names.
    public func header() -> [UInt8] {
        Self.header(size: size, source: source, fingerprint: fingerprint, names: names)
    }

    /// The header of a cache of `names.count` images of side `size`.
    public static func header(size: Int, source: String, fingerprint: UInt64, names: [String]) -> [UInt8] {
        var out = magic
        func put32(_ v: Int) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        put32(Int(version))
        put32(size)
        put32(names.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: fingerprint >> UInt64(8 * i))) }
        let sourceBytes = Array(source.utf8)
        put32(sourceBytes.count)
        out += sourceBytes
        for name in names {
            let bytes = Array(name.utf8.prefix(255))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        return out
    }

    /// Writes the cache atomically (temporary file + rename), the header and then the pixels straight
    /// from memory: no second copy of the 2.5 GB that the full 202,599 faces take at 64×64.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(parts: [header(), pixels], to: path)
    }

    /// Why a cache file is unusable (the loader then rebuilds it).
    public enum ReadError: Error, CustomStringConvertible, Equatable {
        /// Not a cache file, another version, or cut short.
        case invalid(path: String, offset: Int, reason: String)

        public var description: String {
            switch self {
            case .invalid(let path, let offset, let reason): return "CelebA cache \(path) at byte \(offset): \(reason)"
            }
        }
    }

    /// A cache file's header: what `init(decoding:)` reads before the pixels, and where they start.
    public struct Header: Sendable, Equatable {
        public var size: Int, source: String, fingerprint: UInt64, names: [String]
        /// Byte offset of the first pixel in the file.
        public var pixelOffset: Int
    }

    /// Parses a cache file's bytes (`path` for messages).
    public init(decoding bytes: [UInt8], path: String) throws {
        let header = try Self.parseHeader(bytes, fileSize: bytes.count, path: path)
        self.init(size: header.size, source: header.source, fingerprint: header.fingerprint, names: header.names,
                  pixels: Array(bytes[header.pixelOffset...]))
    }

    /// Reads only the header of the cache file `file` (the pixels stay on disk; the loader's splits
    /// read them from `file` batch by batch).
    public static func readHeader(_ file: OpenFile) throws -> Header {
        let fileSize = file.size
        func bytes(_ count: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            try out.withUnsafeMutableBufferPointer { try file.read(offset: 0, into: $0) }
            return out
        }
        // The fixed fields, then the source path, then up to 256 bytes per name: never more than the file.
        let fixed = try bytes(min(fileSize, 32))
        var guess = fixed.count
        if fixed.count >= 32 {
            let u32 = { (at: Int) in (0..<4).reduce(0) { $0 | Int(fixed[at + $1]) << (8 * $1) } }
            let (count, sourceLength) = (u32(16), u32(28))
            guess = min(fileSize, 32 &+ min(sourceLength, fileSize) &+ min(count, fileSize) &* 256)
        }
        return try parseHeader(try bytes(guess), fileSize: fileSize, path: file.path)
    }

    /// Parses the header at the start of `bytes` of a file of `fileSize` bytes, checking that the
    /// pixels after it are exactly N × 3 × S × S bytes.
    static func parseHeader(_ bytes: [UInt8], fileSize: Int, path: String) throws -> Header {
        var p = 0
        func fail(_ reason: String) -> ReadError { .invalid(path: path, offset: p, reason: reason) }
        func need(_ n: Int) throws {
            guard n >= 0, p + n <= bytes.count else { throw fail("file ends after \(fileSize) bytes, expected \(n) more") }
        }
        func get32() throws -> Int {
            try need(4)
            defer { p += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[p + $1]) << (8 * $1) }
        }
        try need(8)
        guard Array(bytes[0..<8]) == Self.magic else { throw fail("not a CelebA cache (bad magic)") }
        p = 8
        let version = try get32()
        guard version == Self.version else { throw fail("version \(version), expected \(Self.version)") }
        let size = try get32()
        let count = try get32()
        guard size > 0, size <= 4096 else { throw fail("image size \(size)") }
        try need(8)
        var fingerprint: UInt64 = 0
        for i in 0..<8 { fingerprint |= UInt64(bytes[p + i]) << UInt64(8 * i) }
        p += 8
        let sourceLength = try get32()
        try need(sourceLength)
        let source = String(decoding: bytes[p..<(p + sourceLength)], as: UTF8.self)
        p += sourceLength
        // Each name takes at least one byte: a count beyond the file size is corrupt, not an allocation.
        guard count <= fileSize - p else { throw fail("\(count) images cannot fit in \(fileSize) bytes") }
        var names: [String] = []
        names.reserveCapacity(count)
        for _ in 0..<count {
            try need(1)
            let length = Int(bytes[p])
            p += 1
            try need(length)
            names.append(String(decoding: bytes[p..<(p + length)], as: UTF8.self))
            p += length
        }
        let pixelCount = count * 3 * size * size
        guard fileSize - p == pixelCount else {
            throw fail("expected \(pixelCount) pixel bytes for \(count) images of \(size)×\(size), found \(fileSize - p)")
        }
        return Header(size: size, source: source, fingerprint: fingerprint, names: names, pixelOffset: p)
    }

    /// FNV-1a 64-bit hash of `bytes`, continuing from `hash`.
    public static func fnv1a<Bytes: Sequence>(_ bytes: Bytes, hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64
    where Bytes.Element == UInt8 {
        var h = hash
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
