import CZlib

/// A zlib failure, naming the file (or stream) it happened in.
public enum ZlibError: Error, CustomStringConvertible, Equatable {
    /// zlib refused to initialize a stream (`code` is zlib's return value).
    case initFailed(file: String, code: Int32)
    /// The compressed data is corrupt: zlib's message, and the input byte offset where it stopped.
    case corrupt(file: String, offset: Int, message: String)
    /// The compressed data ended before the end of the stream.
    case truncated(file: String, offset: Int)
    /// Bytes after the last gzip member that are not another gzip member.
    case trailingGarbage(file: String, offset: Int)
    /// The decompressed data would exceed `limit` bytes (a guard against unbounded allocation).
    case outputTooLarge(file: String, limit: Int)
    /// Raw inflate produced a different number of bytes than the container promised.
    case sizeMismatch(file: String, expected: Int, found: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .initFailed(file, code):
            return "\(file): zlib could not start a stream (code \(code))"
        case let .corrupt(file, offset, message):
            return "\(file): corrupt compressed data near input byte \(offset): \(message)"
        case let .truncated(file, offset):
            return "\(file): compressed data ends early at byte \(offset) (file truncated?)"
        case let .trailingGarbage(file, offset):
            return "\(file): unexpected bytes after the gzip data at byte \(offset)"
        case let .outputTooLarge(file, limit):
            return "\(file): decompressed data exceeds the limit of \(limit) bytes"
        case let .sizeMismatch(file, expected, found):
            return "\(file): expected \(expected) decompressed bytes, found \(found)"
        }
    }
}

/// A thin Swift wrapper over the system zlib: gzip and raw inflate, zlib deflate, CRC-32.
public enum Zlib {
    /// The default cap on decompressed output: 4 GiB.
    public static let defaultOutputLimit = 4 << 30

    /// Decompresses gzip data (one or more concatenated members, as `gzip -d` does).
    ///
    /// - Parameters:
    ///   - data: the whole `.gz` file.
    ///   - file: the name used in error messages.
    ///   - limit: the largest output accepted; larger output throws `ZlibError.outputTooLarge`.
    public static func gunzip(_ data: [UInt8], file: String, limit: Int = defaultOutputLimit) throws -> [UInt8] {
        try data.withUnsafeBytes { input in
            try inflate(input, windowBits: 15 + 16, multiMember: true, expectedSize: nil, limit: limit, file: file)
        }
    }

    /// Inflates raw deflate data (no zlib or gzip header), e.g. a ZIP member stored with method 8.
    ///
    /// - Parameters:
    ///   - data: the compressed bytes.
    ///   - expectedSize: the uncompressed size the container declares; when given, any other size throws
    ///     `ZlibError.sizeMismatch` and the output is allocated once.
    ///   - file: the name used in error messages (e.g. `"img_align_celeba.zip:000001.jpg"`).
    public static func inflateRaw(
        _ data: UnsafeRawBufferPointer, expectedSize: Int?, file: String, limit: Int = defaultOutputLimit
    ) throws -> [UInt8] {
        try inflate(data, windowBits: -15, multiMember: false, expectedSize: expectedSize, limit: limit, file: file)
    }

    /// Inflates raw deflate data held in any byte collection (an array, a slice of a mapped file...).
    public static func inflateRaw<Bytes: Collection>(
        _ data: Bytes, expectedSize: Int?, file: String, limit: Int = defaultOutputLimit
    ) throws -> [UInt8] where Bytes.Element == UInt8 {
        if let result = try data.withContiguousStorageIfAvailable({ buffer in
            try inflateRaw(UnsafeRawBufferPointer(buffer), expectedSize: expectedSize, file: file, limit: limit)
        }) {
            return result
        }
        return try Array(data).withUnsafeBytes { try inflateRaw($0, expectedSize: expectedSize, file: file, limit: limit) }
    }

    /// Inflates zlib-wrapped data (2-byte header, deflate, Adler-32), e.g. a PNG's concatenated IDAT chunks.
    public static func inflateZlib(_ data: [UInt8], file: String, limit: Int = defaultOutputLimit) throws -> [UInt8] {
        try data.withUnsafeBytes { input in
            try inflate(input, windowBits: 15, multiMember: false, expectedSize: nil, limit: limit, file: file)
        }
    }

    /// Compresses `data` into a zlib stream (header + deflate + Adler-32), the format of PNG's IDAT.
    ///
    /// - Parameter level: 0 (store) … 9 (smallest); 6 is zlib's default trade-off.
    public static func deflate(_ data: [UInt8], level: Int = 6) -> [UInt8] {
        compress(data, level: level, windowBits: 15)
    }

    /// Compresses `data` into a single-member gzip file (e.g. to write `.gz` fixtures).
    public static func gzip(_ data: [UInt8], level: Int = 6) -> [UInt8] {
        compress(data, level: level, windowBits: 15 + 16)
    }

    /// The one deflate loop: windowBits 15 writes a zlib stream, 31 a gzip member.
    private static func compress(_ data: [UInt8], level: Int, windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, Int32(level), Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit failed (code \(status)); level must be 0...9, got \(level)")
        defer { deflateEnd(&stream) }
        var output = [UInt8]()
        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        data.withUnsafeBufferPointer { input in
            var consumed = 0
            while true {
                // zlib counts in 32-bit integers: feed at most 1 GiB per call.
                let take = min(input.count - consumed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                stream.avail_in = UInt32(take)
                consumed += take
                let flush = consumed == input.count ? Z_FINISH : Z_NO_FLUSH
                var code: Int32
                repeat {
                    code = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(chunkSize)
                        return CZlib.deflate(&stream, flush)
                    }
                    precondition(code != Z_STREAM_ERROR, "zlib deflate: inconsistent stream state")
                    output.append(contentsOf: chunk[0..<(chunkSize - Int(stream.avail_out))])
                } while stream.avail_out == 0
                if flush == Z_FINISH {
                    precondition(code == Z_STREAM_END, "zlib deflate did not finish (code \(code))")
                    break
                }
            }
        }
        return output
    }

    /// The CRC-32 (IEEE 802.3, as in gzip, ZIP and PNG) of `data`, continuing from `initial`.
    public static func crc32<Bytes: Collection>(_ data: Bytes, initial: UInt32 = 0) -> UInt32
    where Bytes.Element == UInt8 {
        if let value = data.withContiguousStorageIfAvailable({ crc32Raw(UnsafeRawBufferPointer($0), initial: initial) }) {
            return value
        }
        return Array(data).withUnsafeBytes { crc32Raw($0, initial: initial) }
    }

    /// The CRC-32 of raw memory, continuing from `initial`.
    public static func crc32Raw(_ data: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = UInt(initial)
        guard let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return initial }
        var offset = 0
        while offset < data.count {
            let take = min(data.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, base + offset, UInt32(take))
            offset += take
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// The one inflate loop behind gunzip, inflateRaw and inflateZlib.
    private static func inflate(
        _ input: UnsafeRawBufferPointer, windowBits: Int32, multiMember: Bool,
        expectedSize: Int?, limit: Int, file: String
    ) throws -> [UInt8] {
        var stream = z_stream()
        let status = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ZlibError.initFailed(file: file, code: status) }
        defer { inflateEnd(&stream) }

        let cap = min(limit, expectedSize ?? limit)
        var output = [UInt8]()
        // With a declared size, allocate once (plus one byte so an overlong stream is detected) — but never
        // more than deflate can expand this input to (~1032:1), nor more than zlib's 32-bit counters hold:
        // a lying size then costs nothing, and the stream's real size is reported.
        let plausible = min(input.count, Int(UInt32.max) / 2048) * 1032 + 1024
        var chunkSize = expectedSize.map { min(max(0, $0), limit, plausible) + 1 } ?? (1 << 18)
        if expectedSize == nil { output.reserveCapacity(min(cap, max(1 << 16, input.count * 4))) }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ZlibError.truncated(file: file, offset: 0)
        }
        var consumed = 0  // bytes of `input` handed to zlib so far

        func offsetNow() -> Int { consumed - Int(stream.avail_in) }

        while true {
            if stream.avail_in == 0 && consumed < input.count {
                let take = min(input.count - consumed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
                stream.avail_in = UInt32(take)
                consumed += take
            }
            let code: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(chunkSize)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunkSize - Int(stream.avail_out)
            if output.count + produced > cap {
                if let expectedSize, expectedSize < limit {
                    throw ZlibError.sizeMismatch(file: file, expected: expectedSize, found: output.count + produced)
                }
                throw ZlibError.outputTooLarge(file: file, limit: limit)
            }
            output.append(contentsOf: chunk[0..<produced])
            switch code {
            case Z_STREAM_END:
                let rest = input.count - offsetNow()
                if multiMember && rest > 0 {
                    let at = offsetNow()
                    // Another member starts with the gzip magic; anything else is garbage.
                    guard rest >= 2, inputBase[at] == 0x1f, inputBase[at + 1] == 0x8b else {
                        throw ZlibError.trailingGarbage(file: file, offset: at)
                    }
                    inflateReset(&stream)
                    continue
                }
                if !multiMember && rest > 0 && windowBits > 0 {
                    throw ZlibError.trailingGarbage(file: file, offset: offsetNow())
                }
                if let expectedSize, output.count != expectedSize {
                    throw ZlibError.sizeMismatch(file: file, expected: expectedSize, found: output.count)
                }
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the input is exhausted (truncated) or zlib needs more room.
                if stream.avail_in == 0 && consumed == input.count {
                    throw ZlibError.truncated(file: file, offset: input.count)
                }
                if stream.avail_out == 0 { chunkSize = max(chunkSize, 1 << 16); chunk = [UInt8](repeating: 0, count: chunkSize) }
                continue
            case Z_NEED_DICT:
                throw ZlibError.corrupt(file: file, offset: offsetNow(), message: "stream needs a preset dictionary")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                throw ZlibError.corrupt(file: file, offset: offsetNow(), message: message)
            }
        }
    }
}
