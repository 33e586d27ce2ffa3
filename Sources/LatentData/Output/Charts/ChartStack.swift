/// Line charts one above the other in one SVG document, each with its own axes (e.g. a run's MSE
/// and KL per epoch, which need two y scales).
public struct ChartStack: Sendable {
    /// The charts, top to bottom; the document is as wide as the widest and as tall as all together.
    public var charts: [LineChart]

    /// A stack of `charts`, top to bottom.
    public init(_ charts: [LineChart]) {
        precondition(!charts.isEmpty, "ChartStack: no charts to stack")
        self.charts = charts
    }

    /// The stack as one SVG document: each chart a nested `<svg>` at its vertical offset.
    public func svg() -> String {
        let width = charts.map(\.width).max()!
        let height = charts.map(\.height).reduce(0, +)
        var top = 0
        var panels: [String] = []
        for (index, chart) in charts.enumerated() {
            panels.append(chart.draw(clipID: "panel\(index + 1)-plot").element(y: top))
            top += chart.height
        }
        return SVGCanvas.document(width: width, height: height, body: panels.joined(separator: "\n"))
    }

    /// Writes the SVG to `path` (atomically) and returns the path.
    @discardableResult
    public func write(to path: String) throws -> String {
        try FileIO.writeAtomically(svg(), to: path)
        return path
    }
}
