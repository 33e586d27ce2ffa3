import Latent

/// A safetensors file that cannot be read, naming the file, the byte offset and what is wrong.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than its own header says (a torn write, a truncated copy).
    case truncated(file: String, expected: Int, found: Int)
    /// The file is longer than its header accounts for.
    case trailingBytes(file: String, expected: Int, found: Int)
    /// The declared header length is larger than the cap or the file.
    case headerTooLarge(file: String, declared: UInt64, limit: Int)
    /// The JSON header does not parse.
    case badHeader(file: String, offset: Int, reason: String)
    /// A tensor entry is malformed (unknown dtype, bad shape, offsets out of range, overlap...).
    case badTensor(file: String, name: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .truncated(file, expected, found):
            return "\(file): truncated safetensors file: header declares \(expected) bytes, file has \(found) (torn write or incomplete copy)"
        case let .trailingBytes(file, expected, found):
            return "\(file): header declares \(expected) bytes but file has \(found): unexpected trailing bytes from offset \(expected)"
        case let .headerTooLarge(file, declared, limit):
            return "\(file): byte 0: declared header length \(declared) exceeds the limit \(limit) (or the file size)"
        case let .badHeader(file, offset, reason):
            return "\(file): byte \(offset): malformed JSON header: \(reason)"
        case let .badTensor(file, name, reason):
            return "\(file): tensor \"\(name)\": \(reason)"
        }
    }
}

/// The element types Latent reads and writes in safetensors files.
public enum SafeTensorsDType: String, Sendable, Equatable {
    /// 32-bit IEEE float, little-endian (parameters, buffers, optimizer moments).
    case f32 = "F32"
    /// 64-bit signed integer, little-endian (BatchNorm's `num_batches_tracked`, as PyTorch saves it).
    case i64 = "I64"

    /// Bytes per element.
    public var size: Int { self == .f32 ? 4 : 8 }
}

/// One tensor as stored: element type, shape and its little-endian bytes.
public struct StoredTensor: Sendable, Equatable {
    /// Element type.
    public var dtype: SafeTensorsDType
    /// Shape ([] for a scalar).
    public var shape: [Int]
    /// Raw little-endian bytes, `shape.product × dtype.size` of them.
    public var bytes: [UInt8]

    /// A Float32 tensor's bytes.
    public init(_ tensor: Tensor) {
        dtype = .f32
        shape = tensor.shape
        bytes = tensor.scalars.withUnsafeBytes { Array($0) }  // x86-64 and arm64 are little-endian
    }

    /// A 64-bit integer tensor of the given shape.
    public init(int64 values: [Int64], shape: [Int]) {
        precondition(Tensor.count(of: shape) == values.count, "StoredTensor: \(values.count) values for shape \(shape)")
        dtype = .i64
        self.shape = shape
        bytes = values.withUnsafeBytes { Array($0) }
    }

    /// Raw bytes of a given type and shape (checked by the caller).
    init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The values as a Float tensor (I64 values converted).
    public var tensor: Tensor {
        switch dtype {
        case .f32:
            let scalars = bytes.withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            }
            return Tensor(shape: shape, scalars: scalars)
        case .i64:
            let scalars = bytes.withUnsafeBytes { raw in
                (0..<(raw.count / 8)).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }
}

/// The safetensors layout (Hugging Face): what `safetensors.torch.load_file` opens.
///
///     bytes 0..<8        header length N, UInt64 little-endian
///     bytes 8..<8+N      JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
///                               "__metadata__": {"key": "string value", ...}}   (padded with spaces)
///     bytes 8+N...       the data section: each tensor's raw little-endian bytes at [begin, end)
///
/// The reader checks everything before returning anything: the header length against a cap and the
/// file size, the JSON, every dtype, shape and offset (in range, sized to the shape, no overlaps, no
/// gaps), and that the file ends exactly where the data section does.
public enum SafeTensors {
    /// The largest JSON header accepted (the header of a model with thousands of tensors is a few hundred KB).
    public static let headerLimit = 64 << 20

    /// The file bytes for `tensors` (written in the given order) and string `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:]) -> [UInt8] {
        var json = "{"
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { "\(JSONValue.quote($0)):\(JSONValue.quote(metadata[$0]!))" }.joined(separator: ",")
            json += "},"
        }
        var offset = 0
        var entries: [String] = []
        for (name, tensor) in tensors {
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONValue.quote(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += entries.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }  // align the data section to 8 bytes
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for (_, tensor) in tensors { bytes.append(contentsOf: tensor.bytes) }
        return bytes
    }

    /// The tensors (by name, in file order) and metadata of a safetensors file's bytes; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw SafeTensorsError.truncated(file: file, expected: 8, found: bytes.count) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(headerLimit) else {
            throw SafeTensorsError.headerTooLarge(file: file, declared: declared, limit: headerLimit)
        }
        let headerLength = Int(declared)
        guard bytes.count >= 8 + headerLength else {
            throw SafeTensorsError.truncated(file: file, expected: 8 + headerLength, found: bytes.count)
        }
        var parser = JSONParser(bytes: bytes, start: 8, end: 8 + headerLength, file: file)
        let root = try parser.parseDocument()
        guard case let .object(members) = root else {
            throw SafeTensorsError.badHeader(file: file, offset: 8, reason: "expected a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)] = []
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else {
                throw SafeTensorsError.badTensor(file: file, name: name, reason: "appears twice in the header")
            }
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw SafeTensorsError.badTensor(file: file, name: name, reason: "must be an object of strings")
                }
                for (key, item) in pairs {
                    guard case let .string(text) = item else {
                        throw SafeTensorsError.badTensor(file: file, name: name, reason: "value of \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try tensorEntry(name: name, value: value, file: file))
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        // The data section must be covered exactly: sorted by offset, each tensor starts where the last ended.
        var expectedBegin = 0
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard entry.begin == expectedBegin else {
                throw SafeTensorsError.badTensor(file: file, name: entry.name,
                                                 reason: "data_offsets begin at \(entry.begin), expected \(expectedBegin) (overlap or gap)")
            }
            expectedBegin = entry.end
        }
        if expectedBegin > dataLength {
            throw SafeTensorsError.truncated(file: file, expected: dataStart + expectedBegin, found: bytes.count)
        }
        if expectedBegin < dataLength {
            throw SafeTensorsError.trailingBytes(file: file, expected: dataStart + expectedBegin, found: bytes.count)
        }
        let tensors = entries.map { entry in
            (entry.name, StoredTensor(dtype: entry.dtype, shape: entry.shape,
                                      bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])))
        }
        return (tensors, metadata)
    }

    /// Reads and decodes a safetensors file (size-capped at `limit` bytes).
    public static func read(_ path: String, limit: Int = 8 << 30) throws -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        if let size = FileIO.fileSize(path), size > limit {
            throw SafeTensorsError.headerTooLarge(file: path, declared: UInt64(size), limit: limit)
        }
        return try decode(try FileIO.readFile(path), file: path)
    }

    /// Validates one `{"dtype", "shape", "data_offsets"}` entry; sizes are checked without overflow.
    private static func tensorEntry(name: String, value: SafeTensorsJSON, file: String) throws
        -> (name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int) {
        func fail(_ reason: String) -> SafeTensorsError { .badTensor(file: file, name: name, reason: reason) }
        guard case let .object(fields) = value else { throw fail("entry is not an object") }
        var dtypeText: String?
        var shapeValues: [SafeTensorsJSON]?
        var offsetValues: [SafeTensorsJSON]?
        for (key, item) in fields {
            switch (key, item) {
            case ("dtype", .string(let text)): dtypeText = text
            case ("shape", .array(let items)): shapeValues = items
            case ("data_offsets", .array(let items)): offsetValues = items
            default: throw fail("unexpected field \"\(key)\" or wrong type")
            }
        }
        guard let dtypeText else { throw fail("missing dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw fail("dtype \(dtypeText) is not supported (F32, I64)")
        }
        guard let shapeValues, shapeValues.count <= 16 else { throw fail("missing shape or more than 16 dimensions") }
        var shape: [Int] = []
        var count = 1
        for item in shapeValues {
            guard case let .integer(dim) = item, dim >= 0, dim <= Int(Int32.max) else { throw fail("shape entry is not a size") }
            shape.append(dim)
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) else { throw fail("shape \(shape)… holds too many elements") }
            count = product
        }
        guard let offsetValues, offsetValues.count == 2,
              case let .integer(begin) = offsetValues[0], case let .integer(end) = offsetValues[1],
              begin >= 0, end >= begin else { throw fail("data_offsets must be [begin, end] with 0 ≤ begin ≤ end") }
        guard end - begin == count * dtype.size else {
            throw fail("data_offsets span \(end - begin) bytes, shape \(shape) of \(dtype.rawValue) needs \(count * dtype.size)")
        }
        return (name, dtype, shape, begin, end)
    }
}

/// A parsed JSON value (just what a safetensors header needs: numbers are integers).
enum SafeTensorsJSON: Equatable {
    case object([(String, SafeTensorsJSON)])
    case array([SafeTensorsJSON])
    case string(String)
    case integer(Int)
    case other  // true, false, null, non-integer numbers

    static func == (a: SafeTensorsJSON, b: SafeTensorsJSON) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case (.other, .other): return true
        default: return false
        }
    }
}

/// A small strict JSON parser over a byte range, with a nesting limit and byte offsets in its errors.
struct JSONParser {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let file: String
    let depthLimit = 64

    init(bytes: [UInt8], start: Int, end: Int, file: String) {
        self.bytes = bytes
        self.position = start
        self.end = end
        self.file = file
    }

    /// One value, then only whitespace to the end.
    mutating func parseDocument() throws -> SafeTensorsJSON {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == end else { throw error("unexpected bytes after the JSON value") }
        return value
    }

    private func error(_ reason: String) -> SafeTensorsError {
        .badHeader(file: file, offset: position, reason: reason)
    }

    private mutating func skipWhitespace() {
        while position < end, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard position < end, bytes[position] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws -> SafeTensorsJSON {
        guard depth < depthLimit else { throw error("nesting deeper than \(depthLimit)") }
        skipWhitespace()
        guard position < end else { throw error("unexpected end of header") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, SafeTensorsJSON)] = []
            skipWhitespace()
            if position < end, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard position < end else { throw error("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [SafeTensorsJSON] = []
            skipWhitespace()
            if position < end, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < end else { throw error("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            for word in ["true", "false", "null"] {
                let utf8 = Array(word.utf8)
                if position + utf8.count <= end, Array(bytes[position..<(position + utf8.count)]) == utf8 {
                    position += utf8.count
                    return .other
                }
            }
            throw error("unexpected character")
        }
    }

    private mutating func parseNumber() throws -> SafeTensorsJSON {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        var value = 0
        var digits = 0
        var overflow = false
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw error("malformed number") }
        var isInteger = !overflow
        while position < end, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[position])
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            isInteger = false
            position += 1
        }
        guard isInteger else { return .other }
        return .integer(bytes[start] == UInt8(ascii: "-") ? -value : value)
    }

    private mutating func parseString() throws -> String {
        guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        position += 1
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() throws {
            guard !run.isEmpty else { return }
            guard let text = String(validating: run, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
            scalars.append(contentsOf: text.unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while true {
            guard position < end else { throw error("unterminated string") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw error("control character in string") }
            if byte != UInt8(ascii: "\\") { run.append(byte); continue }
            try flush()
            guard position < end else { throw error("unterminated escape") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code) {  // a surrogate pair
                    guard position + 2 <= end, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    position += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                scalars.append(scalar)
            default:
                throw error("invalid escape")
            }
        }
        try flush()
        return String(scalars)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= end else { throw error("truncated \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }
}
