#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// A JSON value with keys kept in the order given (so summaries read like the config that made them).
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
    /// An object, keys in order.
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

    /// Equality, with objects compared key by key in order.
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

    /// The JSON text, indented by two spaces per level.
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

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
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
}

/// The folder a run writes into, `<root>/<name>/`, and the list of files it wrote.
///
/// ```swift
/// let run = try RunFolder(name: "vae-mnist")
/// try run.saveImage(samples, as: "samples.png")
/// try run.writeChart(chart, as: "curves.svg")
/// try run.writeSummary(config: ["epochs": 10, "beta": 1.0], metrics: ["test_loss": .float(loss)])
/// run.printWritten()
/// ```
public final class RunFolder {
    /// The folder, e.g. `runs/vae-mnist`.
    public let path: String
    /// Every file written through this folder, in order (a file written twice is listed once).
    public private(set) var written: [String] = []

    /// Creates (if needed) `<root>/<name>`; `root` defaults to `$LATENT_RUNS` or `runs`.
    public init(name: String, root: String? = nil) throws {
        precondition(!name.isEmpty && !name.contains("/") && name != "." && name != "..",
                     "RunFolder: name must be a single folder name, got '\(name)'")
        let base = root ?? RunFolder.defaultRoot()
        path = FileIO.join(base, name)
        try FileIO.createFolder(path)
    }

    /// The path of `file` inside the folder.
    public func file(_ file: String) -> String { FileIO.join(path, file) }

    /// Writes bytes to `file` atomically; returns the path.
    @discardableResult
    public func write(_ bytes: [UInt8], as file: String) throws -> String {
        let target = self.file(file)
        try FileIO.writeAtomically(bytes, to: target)
        record(target)
        return target
    }

    /// Writes text to `file` atomically; returns the path.
    @discardableResult
    public func write(_ text: String, as file: String) throws -> String {
        try write(Array(text.utf8), as: file)
    }

    /// Saves images [N, C, H, W] as a PNG grid (see `saveImage(_:to:...)`); returns the path.
    @discardableResult
    public func saveImage(
        _ images: Tensor, as file: String, nrow: Int = 8, padding: Int = 2, padValue: Float = 0,
        normalize: Bool = false, valueRange: (Float, Float)? = nil
    ) throws -> String {
        let target = self.file(file)
        try LatentData.saveImage(images, to: target, nrow: nrow, padding: padding, padValue: padValue,
                                 normalize: normalize, valueRange: valueRange)
        record(target)
        return target
    }

    /// Writes a line chart's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: LineChart, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes a bar chart's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: BarChart, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes a scatter plot's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: ScatterPlot, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes `summary.json`: `{"config": {...}, "metrics": {...}, "files": [...]}`, atomically; returns the path.
    /// `files` lists what the run wrote before the summary.
    @discardableResult
    public func writeSummary(config: JSONValue, metrics: JSONValue, file: String = "summary.json") throws -> String {
        let files = JSONValue.array(written.map { .string(FileIO.fileName(of: $0)) })
        let summary: JSONValue = .object([("config", config), ("metrics", metrics), ("files", files)])
        return try write(summary.serialized() + "\n", as: file)
    }

    /// Prints the files written, one per line.
    public func printWritten() {
        print("wrote:")
        for file in written { print("  \(file)") }
    }

    private func record(_ target: String) {
        if !written.contains(target) { written.append(target) }
    }

    private static func defaultRoot() -> String {
        if let value = getenv("LATENT_RUNS"), let text = String(validatingCString: value), !text.isEmpty { return text }
        return "runs"
    }
}
