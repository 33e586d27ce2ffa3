/// A line chart: several series, axes with ticks and labels, title, legend, optional log-scale y.
public struct LineChart: Sendable {
    /// The heading above the plot.
    public var title: String
    /// The x-axis label, e.g. "epoch".
    public var xLabel: String
    /// The y-axis label, e.g. "loss".
    public var yLabel: String
    /// The lines, drawn in order.
    public var series: [ChartSeries]
    /// Logarithmic y axis (base 10).
    public var logY: Bool
    /// Width of the SVG in pixels.
    public var width: Int
    /// Height of the SVG in pixels.
    public var height: Int

    /// A chart; call `svg()` or `write(to:)`.
    public init(title: String, xLabel: String = "epoch", yLabel: String = "loss", series: [ChartSeries],
                logY: Bool = false, width: Int = 720, height: Int = 440) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.width = width
        self.height = height
    }

    /// The chart as an SVG document.
    public func svg() -> String { draw(clipID: "plot").finish() }

    /// The chart drawn on a canvas; `clipID` names its clip path (unique per chart in one document).
    func draw(clipID: String) -> SVGCanvas {
        let usable = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) } }
        let xs = usable.flatMap { $0.map(\.x) }, ys = usable.flatMap { $0.map(\.y) }
        let xAxis = ChartAxis(values: xs, log: false, padFraction: 0.02, wholeNumbers: xs.allSatisfy { $0 == $0.rounded() })
        let yAxis = ChartAxis(values: ys, log: logY, padFraction: 0.05)
        var canvas = SVGCanvas(width: width, height: height, title: title, clipID: clipID)
        let plot = canvas.drawAxes(x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel)
        canvas.beginClip(plot)
        for (index, s) in series.enumerated() {
            let color = s.color ?? chartPalette[index % chartPalette.count]
            // Split at gaps (NaN, or y ≤ 0 on a log axis) so a missing value does not join its neighbours.
            var segment: [(Double, Double)] = []
            var segments: [[(Double, Double)]] = []
            for p in s.points {
                if p.x.isFinite && p.y.isFinite && (!logY || p.y > 0) {
                    segment.append((plot.x(xAxis.position(p.x)), plot.y(yAxis.position(p.y))))
                } else if !segment.isEmpty {
                    segments.append(segment)
                    segment = []
                }
            }
            if !segment.isEmpty { segments.append(segment) }
            for part in segments {
                canvas.polyline(part, color: color, width: 2, dashed: s.dashed)
                if part.count <= 40 {
                    for (x, y) in part { canvas.circle(x: x, y: y, radius: 2.5, color: color) }
                }
            }
        }
        canvas.endClip()
        canvas.legend(series.enumerated().map { index, s in
            (s.name, s.color ?? chartPalette[index % chartPalette.count], s.dashed ? LegendMark.dashedLine : .line)
        }, in: plot)
        return canvas
    }

    /// Writes the SVG to `path` (atomically) and returns the path.
    @discardableResult
    public func write(to path: String) throws -> String {
        try FileIO.writeAtomically(svg(), to: path)
        return path
    }
}
