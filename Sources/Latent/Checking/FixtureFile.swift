#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named tensors in one file, in the safetensors layout — the format of the PyTorch parity fixtures
/// (and of checkpoints).
///
/// Layout (all little-endian):
///
///     bytes 0..<8      UInt64 n: the length of the JSON header
///     bytes 8..<8+n    JSON: {"__metadata__": {"key": "value", …},
///                             "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
///     bytes 8+n…       the data; each tensor's raw row-major elements at [begin, end) of this part
///
/// Metadata values are strings (a fixture keeps its configuration there: `"kernel_size": "3"`).
/// Reading accepts F32, F64, I32 and I64 elements and converts them to Float; writing uses F32.
public struct FixtureFile: Sendable {
    /// The tensors by name.
    public var tensors: [String: Tensor]
    /// The free-form string metadata (`__metadata__`).
    public var metadata: [String: String]
    /// Where the file was read from (for error messages), or a description of its origin.
    public let source: String

    /// Tensor names in the order of their data in the file (sorted by name for a file made in memory).
    public var names: [String] { orderedNames.isEmpty ? tensors.keys.sorted() : orderedNames }
    private var orderedNames: [String] = []

    /// An empty file to fill and `write`.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        self.source = "<memory>"
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(FixtureFileError) {
        try self.init(bytes: try readFile(path), source: path)
    }

    /// Parses the bytes of a file; `source` names it in error messages.
    public init(bytes: [UInt8], source: String) throws(FixtureFileError) {
        self.source = source
        guard bytes.count >= 8 else {
            throw .truncated(file: source, offset: 0, expected: "8-byte header length", found: "\(bytes.count) bytes in the file")
        }
        var headerLength = 0
        for k in 0..<8 { headerLength |= Int(bytes[k]) << (8 * k) }
        guard headerLength >= 2, headerLength <= bytes.count - 8 else {
            throw .truncated(file: source, offset: 0, expected: "a JSON header of \(headerLength) bytes",
                             found: "\(bytes.count - 8) bytes after the length")
        }
        var parser = JSONParser(bytes: bytes, position: 8, end: 8 + headerLength, file: source)
        let header = try parser.parseDocument()
        guard case .object(let entries) = header else {
            throw .badHeader(file: source, offset: 8, message: "expected a JSON object at the top of the header")
        }
        let dataStart = 8 + headerLength
        let dataCount = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var order: [(begin: Int, name: String)] = []
        for (name, value) in entries {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw .badHeader(file: source, offset: 8, message: "__metadata__ must be an object of strings")
                }
                for (key, item) in pairs {
                    guard case .string(let text) = item else {
                        throw .badHeader(file: source, offset: 8, message: "__metadata__[\(key)] must be a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard case .object(let fields) = value,
                  case .string(let dtype)? = fields.first(where: { $0.0 == "dtype" })?.1,
                  case .array(let shapeValues)? = fields.first(where: { $0.0 == "shape" })?.1,
                  case .array(let offsetValues)? = fields.first(where: { $0.0 == "data_offsets" })?.1,
                  offsetValues.count == 2
            else {
                throw .badHeader(file: source, offset: 8,
                                 message: "tensor \(name) needs dtype (string), shape (array) and data_offsets ([begin, end])")
            }
            // Sizes are checked as Doubles before conversion: Int(1e300) would trap.
            let shape = try shapeValues.map { value throws(FixtureFileError) -> Int in
                guard case .number(let d) = value, d >= 0, d == d.rounded(), d <= Double(Int32.max) else {
                    throw .badHeader(file: source, offset: 8,
                                     message: "tensor \(name) has a shape entry that is not an integer in 0...\(Int32.max)")
                }
                return Int(d)
            }
            guard case .number(let b) = offsetValues[0], case .number(let e) = offsetValues[1],
                  b == b.rounded(), e == e.rounded(), b >= 0, e >= 0, b <= 0x1p52, e <= 0x1p52
            else {
                throw .badHeader(file: source, offset: 8,
                                 message: "tensor \(name) has data_offsets that are not integers in 0...2⁵²")
            }
            let (begin, end) = (Int(b), Int(e))
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F64", "I64": width = 8
            default: throw .unsupportedType(file: source, tensor: name, dtype: dtype)
            }
            // The element count, saturated (each dimension is below 2³¹, their product may overflow).
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                count = overflow ? Int.max : product
            }
            guard begin >= 0, end >= begin, end <= dataCount else {
                throw .truncated(file: source, offset: dataStart + begin,
                                 expected: "tensor \(name) at data bytes \(begin)..<\(end)",
                                 found: "\(dataCount) data bytes")
            }
            guard count <= dataCount, end - begin == count * width else {
                let needed = count <= dataCount ? "\(count * width)" : "more than \(dataCount)"
                throw .badHeader(file: source, offset: 8,
                                 message: "tensor \(name): shape \(shape) of \(dtype) needs \(needed) bytes, data_offsets give \(end - begin)")
            }
            var scalars = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + begin
                for i in 0..<count {
                    let p = base + i * width
                    switch dtype {
                    case "F32": scalars[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                    case "F64": scalars[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
                    case "I32": scalars[i] = Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
                    default: scalars[i] = Float(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                    }
                }
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
            order.append((begin, name))
        }
        self.tensors = tensors
        self.metadata = metadata
        self.orderedNames = order.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }.map(\.name)
    }

    /// The tensor called `name`, or an error naming the file and the tensors it does have.
    public func tensor(_ name: String) throws(FixtureFileError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw .missingTensor(file: source, tensor: name, available: names)
        }
        return tensor
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? { tensors[name] }

    /// The file's bytes: header length, JSON header (names sorted), F32 data in the same order.
    public func encoded() -> [UInt8] {
        let sortedNames = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in sortedNames {
            let tensor = tensors[name]!
            let size = tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }  // pad with spaces so the data is aligned
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: header.count >> (8 * k))) }
        bytes += header
        for name in sortedNames {
            for value in tensors[name]!.scalars {
                let bits = value.bitPattern
                for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k)))) }
            }
        }
        return bytes
    }

    /// Writes `encoded()` to `path`, replacing any file there.
    public func write(to path: String) throws(FixtureFileError) {
        guard let file = fopen(path, "wb") else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        let bytes = encoded()
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw .truncated(file: path, offset: written, expected: "\(bytes.count) bytes written", found: "\(written)")
        }
    }
}

/// What went wrong reading or writing a `FixtureFile`; each message names the file.
public enum FixtureFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened.
    case cannotOpen(file: String, reason: String)
    /// The file ends before the header or a tensor's data does.
    case truncated(file: String, offset: Int, expected: String, found: String)
    /// The JSON header is malformed or lacks a field.
    case badHeader(file: String, offset: Int, message: String)
    /// A tensor's element type is not one of F32, F64, I32, I64.
    case unsupportedType(file: String, tensor: String, dtype: String)
    /// A tensor the caller asked for is not in the file.
    case missingTensor(file: String, tensor: String, available: [String])

    /// A message saying where and what.
    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .truncated(let file, let offset, let expected, let found):
            return "\(file): truncated at byte \(offset): expected \(expected), found \(found)"
        case .badHeader(let file, let offset, let message):
            return "\(file): bad header at byte \(offset): \(message)"
        case .unsupportedType(let file, let tensor, let dtype):
            return "\(file): tensor \(tensor) has element type \(dtype); expected F32, F64, I32 or I64"
        case .missingTensor(let file, let tensor, let available):
            return "\(file): no tensor named \(tensor); the file has \(available.joined(separator: ", "))"
        }
    }
}

/// All bytes of the file at `path`.
private func readFile(_ path: String) throws(FixtureFileError) -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if read == 0 { break }
        bytes += chunk[0..<read]
    }
    return bytes
}

/// `text` as a JSON string literal.
private func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// A JSON value, as much as a safetensors header needs.
enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }
}

/// A small recursive-descent JSON parser over a byte range; errors carry the absolute byte offset.
struct JSONParser {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let file: String

    /// Deeper nesting is refused (recursion would otherwise exhaust the stack on `[[[[…`).
    static let depthLimit = 64

    mutating func parseDocument() throws(FixtureFileError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipSpace()
        guard position == end else { throw error("unexpected bytes after the JSON header") }
        return value
    }

    private func error(_ message: String) -> FixtureFileError {
        .badHeader(file: file, offset: position, message: message)
    }

    private mutating func skipSpace() {
        while position < end, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(FixtureFileError) {
        skipSpace()
        guard position < end, bytes[position] == byte else {
            let found = position < end ? "'\(Character(UnicodeScalar(bytes[position])))'" : "the end of the header"
            throw error("expected '\(Character(UnicodeScalar(byte)))', found \(found)")
        }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(FixtureFileError) -> JSONValue {
        guard depth < Self.depthLimit else { throw error("nesting deeper than \(Self.depthLimit) levels") }
        skipSpace()
        guard position < end else { throw error("expected a value, found the end of the header") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var entries: [(String, JSONValue)] = []
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(entries) }
            while true {
                skipSpace()
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                entries.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                guard position < end else { throw error("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(entries)
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard position < end else { throw error("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
                let utf8 = Array(word.utf8)
                if position + utf8.count <= end, Array(bytes[position..<(position + utf8.count)]) == utf8 {
                    position += utf8.count
                    return value
                }
            }
            throw error("unknown literal")
        default:
            let start = position
            while position < end, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            guard let number = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                throw error("expected a number")
            }
            return .number(number)
        }
    }

    private mutating func parseString() throws(FixtureFileError) -> String {
        guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        position += 1
        var utf8: [UInt8] = []
        while position < end {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: utf8, as: UTF8.self) }
            if byte != UInt8(ascii: "\\") { utf8.append(byte); continue }
            guard position < end else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "u"):
                guard position + 4 <= end,
                      let code = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16),
                      let scalar = UnicodeScalar(code) else { throw error("bad \\u escape") }
                position += 4
                utf8 += Array(String(Character(scalar)).utf8)
            default: utf8.append(escape)  // \" \\ \/
            }
        }
        throw error("unterminated string")
    }
}
