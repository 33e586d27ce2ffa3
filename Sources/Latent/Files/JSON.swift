// JSON, the one reader and writer the project uses: safetensors headers (fixtures, checkpoints), the
// chapters' summary.json and the history a checkpoint carries in its metadata.

/// A JSON value with object keys kept in the order given (so summaries read like the config that made them).
///
/// ```swift
/// let summary: JSONValue = ["epochs": 10, "loss": .float(0.25), "names": ["a", "b"]]
/// print(summary.serialized())                                   // indented text
/// let header = try JSONValue(parsing: #"{"shape": [2, 3]}"#)     // strict RFC 8259 parsing
/// ```
public indirect enum JSONValue: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// A number; NaN and infinities are written as `null` (JSON has no spelling for them).
    case number(Double)
    /// A string.
    case string(String)
    /// true or false.
    case bool(Bool)
    /// null.
    case null
    /// A list.
    case array([JSONValue])
    /// An object, keys in order (a parsed object keeps the file's order, repeated keys included).
    case object([(String, JSONValue)])

    /// An integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A float literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal, keys kept in source order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }

    /// A Float (e.g. a loss).
    /// Stored as the Double nearest the Float's shortest decimal form, so 0.3 prints as 0.3, not 0.30000001192092896.
    public static func float(_ value: Float) -> JSONValue {
        value.isFinite ? .number(Double("\(value)") ?? Double(value)) : .number(Double(value))
    }
    /// A list of Floats (e.g. losses per epoch), each as in `float(_:)`.
    public static func floats(_ values: [Float]) -> JSONValue { .array(values.map { float($0) }) }
    /// A list of Doubles.
    public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }

    /// Equality, with objects compared key by key in order (NaN equals NaN: both are written as null).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value of the first `key` of an object (nil for a missing key or a value that is not an object).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// A list of numbers as Doubles (`null` entries as NaN), or nil when this is not such a list.
    public var doubles: [Double]? {
        guard case let .array(items) = self else { return nil }
        var values: [Double] = []
        for item in items {
            switch item {
            case let .number(x): values.append(x)
            case .null: values.append(.nan)
            default: return nil
            }
        }
        return values
    }

    // MARK: - Writing

    /// The JSON text, indented by two spaces per level; lists of numbers stay on one line.
    public func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), closing = String(repeating: "  ", count: indent)
        switch self {
        case let .number(x):
            guard x.isFinite else { return "null" }
            if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
            return "\(x)"  // Swift prints the shortest text that reads back as the same Double
        case let .string(s): return JSONValue.quote(s)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                return "[" + items.map { $0.serialized() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + closing + "]"
        case let .object(pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n" + pairs.map { pad + JSONValue.quote($0.0) + ": " + $0.1.serialized(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + closing + "}"
        }
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: - Reading

    /// Parses `text`, one JSON value with nothing but whitespace around it.
    public init(parsing text: String) throws(JSONError) {
        let bytes = Array(text.utf8)
        self = try JSONValue.parse(bytes, in: 0..<bytes.count)
    }

    /// Parses `bytes[range]` as one JSON value; error offsets count from the start of `bytes` (so a
    /// safetensors reader reports file offsets).
    public static func parse(_ bytes: [UInt8], in range: Range<Int>) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, position: range.lowerBound, end: range.upperBound)
        return try parser.parseDocument()
    }
}

/// Text that is not JSON: the byte offset where reading stopped and what was expected there.
public struct JSONError: Error, Equatable, CustomStringConvertible {
    /// The byte offset of the problem (from the start of the bytes given to `JSONValue.parse`).
    public var offset: Int
    /// What is wrong, e.g. "expected ',' or '}' in object".
    public var reason: String

    /// "byte 12: expected a value".
    public var description: String { "byte \(offset): \(reason)" }
}

/// A strict recursive-descent JSON parser (RFC 8259) over a byte range: numbers in JSON's grammar,
/// strings validated as UTF-8 with every escape (surrogate pairs included), nesting limited so that
/// `[[[[…` cannot exhaust the stack.
struct JSONParser {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    /// Deeper nesting is refused.
    static let depthLimit = 64

    /// One value, then only whitespace to the end.
    mutating func parseDocument() throws(JSONError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipSpace()
        guard position == end else { throw error("unexpected bytes after the JSON value") }
        return value
    }

    private func error(_ reason: String) -> JSONError { JSONError(offset: position, reason: reason) }

    private func byte(is ascii: Unicode.Scalar) -> Bool { position < end && bytes[position] == UInt8(ascii: ascii) }

    private mutating func skipSpace() {
        while position < end, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ ascii: Unicode.Scalar) throws(JSONError) {
        skipSpace()
        guard byte(is: ascii) else {
            let found = position < end ? "'\(Character(Unicode.Scalar(bytes[position])))'" : "the end"
            throw error("expected '\(ascii)', found \(found)")
        }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < Self.depthLimit else { throw error("nesting deeper than \(Self.depthLimit) levels") }
        skipSpace()
        guard position < end else { throw error("expected a value, found the end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if byte(is: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                let key = try parseString()
                try expect(":")
                members.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                guard position < end else { throw error("unterminated object") }
                if byte(is: ",") { position += 1; continue }
                if byte(is: "}") { position += 1; return .object(members) }
                throw error("expected ',' or '}' in object")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if byte(is: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard position < end else { throw error("unterminated array") }
                if byte(is: ",") { position += 1; continue }
                if byte(is: "]") { position += 1; return .array(items) }
                throw error("expected ',' or ']' in array")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
                let utf8 = Array(word.utf8)
                if position + utf8.count <= end, Array(bytes[position..<(position + utf8.count)]) == utf8 {
                    position += utf8.count
                    return value
                }
            }
            throw error("unexpected character")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, read as the nearest Double.
    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = position
        func isDigit(_ i: Int) -> Bool { i < end && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        func digits() throws(JSONError) {
            guard isDigit(position) else { throw error("malformed number") }
            while isDigit(position) { position += 1 }
        }
        if byte(is: "-") { position += 1 }
        if byte(is: "0") { position += 1 } else { try digits() }
        if byte(is: ".") { position += 1; try digits() }
        if byte(is: "e") || byte(is: "E") {
            position += 1
            if byte(is: "+") || byte(is: "-") { position += 1 }
            try digits()
        }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)), value.isFinite else {
            position = start
            throw error("number out of range")
        }
        return value
    }

    private mutating func parseString() throws(JSONError) -> String {
        guard byte(is: "\"") else { throw error("expected a string") }
        position += 1
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []  // raw UTF-8 since the last escape, validated as a whole
        func flush() throws(JSONError) {
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

    private mutating func parseHex4() throws(JSONError) -> UInt32 {
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
