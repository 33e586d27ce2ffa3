#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// A run's page, `index.html`: the command, a table of the configuration and the top-level metrics of
/// `summary.json`, every picture and chart the run wrote, and links to its files.
///
/// The page is one self-contained file that opens from disk: it names the run's files by relative
/// paths only, and uses no script, no external style sheet and no web font. Every string taken from the
/// run (title, command, keys, values, file names) is HTML-escaped.
///
/// ```swift
/// let page = RunPage(title: "vae-mnist", command: "vae --latent 2", summary: summary, files: ["samples.png", "curves.svg"])
/// try FileIO.writeAtomically(page.html(), to: "runs/vae-mnist/index.html")
/// ```
public struct RunPage: Sendable {
    /// The page's heading, e.g. the run folder's name.
    public var title: String
    /// The command that made the run, as a shell would take it back.
    public var command: String
    /// The run's `summary.json` (`{"config": {…}, <metrics>…, "files": […]}`), or nil before it is written.
    public var summary: JSONValue?
    /// The files the page shows and links, by name, relative to the run folder, in the order written.
    public var files: [String]

    /// A page for a run.
    public init(title: String, command: String, summary: JSONValue?, files: [String]) {
        self.title = title
        self.command = command
        self.summary = summary
        self.files = files
    }

    /// The whole page.
    public func html() -> String {
        let pictures = files.filter { $0.hasSuffix(".png") }
        let charts = files.filter { $0.hasSuffix(".svg") }
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(RunPage.escape(title))</title>
            <style>
            body { font-family: sans-serif; max-width: 72em; margin: 1.5em auto; padding: 0 1em; color: #222; }
            pre { background: #f4f4f4; padding: 0.6em; white-space: pre-wrap; word-break: break-all; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
            td.n { text-align: right; font-family: monospace; }
            figure { display: inline-block; margin: 0 1.5em 1.5em 0; vertical-align: top; }
            figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
            figcaption { font-family: monospace; font-size: 90%; }
            </style>
            </head>
            <body>
            <h1>\(RunPage.escape(title))</h1>
            <h2>Command</h2>
            <pre><code>\(RunPage.escape(command))</code></pre>

            """
        if let summary { out += summaryTables(summary) }
        if !charts.isEmpty { out += "<h2>Curves and charts</h2>\n" + charts.map(figure).joined() }
        if !pictures.isEmpty { out += "<h2>Pictures</h2>\n" + pictures.map(figure).joined() }
        out += "<h2>Files</h2>\n<ul>\n"
        for file in files { out += "<li><a href=\"\(RunPage.escape(RunPage.link(file)))\">\(RunPage.escape(file))</a></li>\n" }
        out += "</ul>\n</body>\n</html>\n"
        return out
    }

    /// One picture with its file name under it.
    private func figure(_ file: String) -> String {
        "<figure><img src=\"\(RunPage.escape(RunPage.link(file)))\" alt=\"\(RunPage.escape(file))\">"
            + "<figcaption>\(RunPage.escape(file))</figcaption></figure>\n"
    }

    /// The configuration, then the metrics: scalars and small objects as rows, lists of objects (one per
    /// β, say) as a table of their scalar fields. Lists of numbers (the per-epoch series) are the charts'.
    private func summaryTables(_ summary: JSONValue) -> String {
        guard case let .object(entries) = summary else { return "" }
        var out = ""
        if case let .object(config)? = summary["config"] {
            out += "<h2>Configuration</h2>\n<table>\n"
            for (key, value) in config where key != "command" { out += row(key, value) }
            out += "</table>\n"
        }
        var scalars = "", lists = ""
        for (key, value) in entries where key != "config" && key != "files" {
            switch value {
            case .array(let items) where !items.isEmpty && items.allSatisfy({ if case .object = $0 { true } else { false } }):
                lists += "<h3>\(RunPage.escape(key))</h3>\n" + table(items)
            case .array:
                continue
            default:
                scalars += row(key, value)
            }
        }
        if !scalars.isEmpty || !lists.isEmpty { out += "<h2>Metrics</h2>\n" }
        if !scalars.isEmpty { out += "<table>\n" + scalars + "</table>\n" }
        return out + lists
    }

    /// A row `key | value`.
    private func row(_ key: String, _ value: JSONValue) -> String {
        "<tr><th>\(RunPage.escape(key))</th>\(cell(value))</tr>\n"
    }

    /// A list of objects as a table: one row each, a column for each scalar field.
    private func table(_ items: [JSONValue]) -> String {
        var keys: [String] = []
        for case let .object(pairs) in items {
            for (key, value) in pairs where !keys.contains(key) && RunPage.isScalar(value) { keys.append(key) }
        }
        var out = "<table>\n<tr>" + keys.map { "<th>\(RunPage.escape($0))</th>" }.joined() + "</tr>\n"
        for item in items { out += "<tr>" + keys.map { cell(item[$0] ?? .null) }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }

    /// A table cell: numbers right-aligned with four significant digits, objects as `key: value` pairs.
    private func cell(_ value: JSONValue) -> String {
        switch value {
        case .number: "<td class=\"n\">\(RunPage.escape(RunPage.text(value)))</td>"
        default: "<td>\(RunPage.escape(RunPage.text(value)))</td>"
        }
    }

    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .number, .string, .bool, .null: true
        case .array, .object: false
        }
    }

    /// A value as table text.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case let .number(x):
            if x.isFinite && x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
            return x.isFinite ? significant(x) : "\(x)"
        case let .string(s): return s
        case let .bool(b): return b ? "true" : "false"
        case .null: return "–"
        case let .array(items): return items.map(text).joined(separator: ", ")
        case let .object(pairs): return pairs.map { "\($0.0): \(text($0.1))" }.joined(separator: ", ")
        }
    }

    /// `x` with four significant digits; below 0.001 or from 100,000 up as `d.ddde±n`.
    static func significant(_ x: Double) -> String {
        let magnitude = abs(x)
        guard magnitude != 0 else { return "0" }
        var exponent = Int(log10(magnitude).rounded(.down))
        if magnitude >= 1e-3 && magnitude < 1e5 { return Format.fixed(x, max(0, 3 - exponent)) }
        var mantissa = x / pow(10, Double(exponent))
        if abs(mantissa) < 1 { mantissa *= 10; exponent -= 1 }  // log10 rounded just below a power of 10
        if abs(mantissa) >= 9.9995 { mantissa /= 10; exponent += 1 }  // 9.99996e-5 is 1.000e-4
        return Format.fixed(mantissa, 3) + "e" + String(exponent)
    }

    /// `text` safe inside HTML text and double-quoted attributes: `& < > " '` as character references.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A file name as a relative URL: bytes outside letters, digits and `-._~` percent-encoded, so a
    /// name with a space, `#`, `?` or `:` still names the file beside the page.
    public static func link(_ file: String) -> String {
        var out = ""
        for byte in file.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }
}
