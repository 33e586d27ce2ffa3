/// A malformed IDX file: what was expected and what was found.
public enum IDXError: Error, CustomStringConvertible, Equatable {
    /// The first two bytes must be zero.
    case badMagic(file: String, found: [UInt8])
    /// Only unsigned bytes (type code 0x08) are supported.
    case unsupportedType(file: String, code: UInt8)
    /// The header is shorter than its declared number of dimensions needs.
    case truncatedHeader(file: String, expected: Int, found: Int)
    /// The data after the header is not exactly the product of the dimensions.
    case sizeMismatch(file: String, dimensions: [Int], expected: Int, found: Int)
    /// The file's rank or dimensions are not what the caller asked for.
    case unexpectedShape(file: String, expected: String, found: [Int])

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .badMagic(file, found):
            return "\(file): not an IDX file: expected magic bytes 00 00 at offset 0, found \(hex(found))"
        case let .unsupportedType(file, code):
            return "\(file): IDX element type 0x\(String(code, radix: 16)) at offset 2 is not supported, expected 0x08 (ubyte)"
        case let .truncatedHeader(file, expected, found):
            return "\(file): IDX header truncated: expected \(expected) bytes, found \(found)"
        case let .sizeMismatch(file, dimensions, expected, found):
            let shape = dimensions.map(String.init).joined(separator: "×")
            return "\(file): IDX dimensions \(shape) need \(expected) data bytes from byte \(4 + 4 * dimensions.count), found \(found)"
                + (found < expected ? " (file truncated?)" : " (extra bytes at the end)")
        case let .unexpectedShape(file, expected, found):
            return "\(file): expected \(expected), found dimensions \(found)"
        }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined(separator: " ")
    }
}

/// An IDX array of unsigned bytes (the MNIST file format): big-endian dimensions, then the data.
///
/// Layout: `00 00 <type> <rank>`, then `rank` big-endian UInt32 dimensions, then the elements row-major.
public struct IDXFile: Sendable, Equatable {
    /// The dimensions, e.g. `[60000, 28, 28]` for MNIST training images, `[60000]` for labels.
    public var dimensions: [Int]
    /// The elements, row-major; `bytes.count == dimensions.reduce(1, *)`.
    public var bytes: [UInt8]

    /// Wraps decoded dimensions and bytes.
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count, "IDX: \(dimensions) needs \(dimensions.reduce(1, *)) bytes, got \(bytes.count)")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Parses an IDX file held in memory (already decompressed). `file` names it in errors.
    public init(parsing data: [UInt8], file: String) throws {
        guard data.count >= 4 else {
            if data.count >= 2 && (data[0] != 0 || data[1] != 0) {
                throw IDXError.badMagic(file: file, found: Array(data.prefix(2)))
            }
            throw IDXError.truncatedHeader(file: file, expected: 4, found: data.count)
        }
        guard data[0] == 0 && data[1] == 0 else { throw IDXError.badMagic(file: file, found: Array(data[0..<2])) }
        guard data[2] == 0x08 else { throw IDXError.unsupportedType(file: file, code: data[2]) }
        let rank = Int(data[3])
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else {
            throw IDXError.truncatedHeader(file: file, expected: headerSize, found: data.count)
        }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let found = data.count - headerSize
        // The product of the declared dimensions, saturated: four dimensions near 2³² overflow an Int.
        var expected = 1
        for d in dims {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            expected = overflow ? Int.max : product
        }
        guard expected == found else {
            throw IDXError.sizeMismatch(file: file, dimensions: dims, expected: expected, found: found)
        }
        self.dimensions = dims
        self.bytes = Array(data[headerSize...])
    }

    /// Reads an IDX file from disk; a name ending in `.gz` is gunzipped first.
    public init(contentsOf path: String) throws {
        var data = try FileIO.readFile(path)
        if path.hasSuffix(".gz") {
            // The largest MNIST-style file is 47 MB; 1 GiB is a generous cap against a corrupt size.
            data = try Zlib.gunzip(data, file: path, limit: 1 << 30)
        }
        try self.init(parsing: data, file: path)
    }

    /// The file's encoding: header plus data (what `IDXFile(parsing:)` reads back).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        return out + bytes
    }

    /// Checks the rank and (where not nil) each dimension; `file` names it in the error.
    public func expectShape(_ expected: [Int?], file: String) throws {
        let ok = expected.count == dimensions.count
            && zip(expected, dimensions).allSatisfy { $0.0 == nil || $0.0 == $0.1 }
        guard ok else {
            let text = expected.map { $0.map(String.init) ?? "N" }.joined(separator: "×")
            throw IDXError.unexpectedShape(file: file, expected: "dimensions \(text)", found: dimensions)
        }
    }
}
