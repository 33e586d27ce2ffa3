/// A bar chart of named values (e.g. the KL divergence of each latent dimension).
public struct BarChart: Sendable {
    /// The heading above the plot.
    public var title: String
    /// The x-axis label, e.g. "latent dimension".
    public var xLabel: String
    /// The y-axis label, e.g. "KL (nats)".
    public var yLabel: String
    /// One label per bar (shown under the bars, thinned out when crowded).
    public var labels: [String]
    /// One value per bar; bars grow from 0.
    public var values: [Double]
    /// The bars' CSS colour.
    public var color: String
    /// Width of the SVG in pixels.
    public var width: Int
    /// Height of the SVG in pixels.
    public var height: Int

    /// A bar chart; `labels` defaults to 0, 1, 2…
    public init(title: String, xLabel: String = "", yLabel: String = "", values: [Double], labels: [String]? = nil,
                color: String = chartPalette[0], width: Int = 720, height: Int = 400) {
        precondition(labels == nil || labels!.count == values.count,
                     "BarChart: \(values.count) values but \(labels!.count) labels")
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.values = values
        self.labels = labels ?? values.indices.map(String.init)
        self.color = color
        self.width = width
        self.height = height
    }

    /// The chart as an SVG document.
    public func svg() -> String {
        let finite = values.filter(\.isFinite)
        let yAxis = ChartAxis(values: finite + [0], log: false, padFraction: 0.05, includeZero: true)
        let n = max(values.count, 1)
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let xAxis = ChartAxis(categories: n)
        let plot = canvas.drawAxes(x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel)
        let slot = plot.width / Double(n)
        let zero = plot.y(yAxis.position(0))
        let every = max(1, Int((Double(n) * 28 / plot.width).rounded(.up)))  // ~28 px per label
        for (i, value) in values.enumerated() {
            let left = plot.left + slot * Double(i) + slot * 0.15
            if value.isFinite {
                let top = plot.y(yAxis.position(value))
                canvas.rect(x: left, y: min(top, zero), width: slot * 0.7, height: abs(zero - top), color: color)
            }
            if i % every == 0 {
                canvas.text(labels[i], x: left + slot * 0.35, y: plot.bottom + 16, anchor: "middle", size: 11)
            }
        }
        return canvas.finish()
    }

    /// Writes the SVG to `path` (atomically) and returns the path.
    @discardableResult
    public func write(to path: String) throws -> String {
        try FileIO.writeAtomically(svg(), to: path)
        return path
    }
}
