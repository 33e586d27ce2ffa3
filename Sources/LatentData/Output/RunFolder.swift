#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// The folder a run writes into, `<root>/<name>/`, and the list of files it wrote.
///
/// ```swift
/// let run = try RunFolder(name: "vae-mnist")
/// try run.saveImage(samples, as: "samples.png")
/// try run.writeChart(chart, as: "curves.svg")
/// try run.writeSummary(config: ["epochs": 10, "beta": 1.0], metrics: ["test_loss": .float(loss)])
/// try run.writePage(command: commandLine())
/// run.printWritten()
/// ```
public final class RunFolder {
    /// The folder, e.g. `runs/vae-mnist`.
    public let path: String
    /// Every file written through this folder, in order (a file written twice is listed once).
    public private(set) var written: [String] = []
    /// What `writeSummary` last wrote, for the run's page.
    public private(set) var summary: JSONValue?

    /// Creates (if needed) `<root>/<name>`; `root` defaults to `$LATENT_RUNS` or `runs`.
    public init(name: String, root: String? = nil) throws {
        precondition(!name.isEmpty && !name.contains("/") && name != "." && name != "..",
                     "RunFolder: name must be a single folder name, got '\(name)'")
        let base = root ?? RunFolder.defaultRoot()
        path = FileIO.join(base, name)
        try FileIO.createFolder(path)
    }

    /// Creates (if needed) the folder at `path` itself, e.g. a chapter's `--out runs/autoencoder-mnist`.
    public init(path: String) throws {
        precondition(!path.isEmpty, "RunFolder: the path is empty")
        self.path = path
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

    /// Writes images [N, C, H, W] in `range` as a grid PNG `columns` wide (`writeGrid`: white gaps,
    /// digits enlarged); returns the path.
    @discardableResult
    public func writeGrid(_ images: Tensor, columns: Int, range: PixelRange = .zeroToOne, as file: String) throws -> String {
        let target = self.file(file)
        try LatentData.writeGrid(images, columns: columns, range: range, to: target)
        record(target)
        return target
    }

    /// Writes a line chart's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: LineChart, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes a bar chart's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: BarChart, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes stacked line charts as one SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: ChartStack, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes a scatter plot's SVG; returns the path.
    @discardableResult
    public func writeChart(_ chart: ScatterPlot, as file: String) throws -> String { try write(chart.svg(), as: file) }

    /// Writes `summary.json`: `{"config": {...}, <each metric>..., "files": [...]}`, atomically; returns
    /// the path. The metrics sit at the top level beside `config` (`summary["test_mse"]`); `files` lists what the run wrote before the summary.
    @discardableResult
    public func writeSummary(config: JSONValue, metrics: JSONValue, file: String = "summary.json") throws -> String {
        let files = JSONValue.array(written.map { .string(FileIO.fileName(of: $0)) })
        guard case .object(let entries) = metrics else {
            preconditionFailure("writeSummary: metrics must be a JSON object, got \(metrics)")
        }
        let summary: JSONValue = .object([("config", config)] + entries + [("files", files)])
        self.summary = summary
        return try write(summary.serialized() + "\n", as: file)
    }

    /// Writes the run's page, `index.html` (see `RunPage`), atomically: the command, the configuration
    /// and metrics of the last `writeSummary`, and every picture, chart and file written so far; returns
    /// the path. `title` defaults to the folder's name.
    @discardableResult
    public func writePage(title: String? = nil, command: String, file: String = "index.html") throws -> String {
        let target = self.file(file)
        let files = written.filter { $0 != target }.map { FileIO.fileName(of: $0) }
        let page = RunPage(title: title ?? FileIO.fileName(of: path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path), command: command, summary: summary, files: files)
        return try write(page.html(), as: file)
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
