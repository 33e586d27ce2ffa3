/// A scatter plot of 2-D points coloured by class (e.g. a VAE's 2-D latent means coloured by digit).
public struct ScatterPlot: Sendable {
    /// The heading above the plot.
    public var title: String
    /// The x-axis label, e.g. "z₁".
    public var xLabel: String
    /// The y-axis label, e.g. "z₂".
    public var yLabel: String
    /// The points.
    public var points: [(x: Double, y: Double)]
    /// One class per point (colour = palette[class % 10]), or nil for one colour.
    public var classes: [Int]?
    /// Legend text per class index; default "0", "1"…
    public var classNames: [String]?
    /// Width of the SVG in pixels.
    public var width: Int
    /// Height of the SVG in pixels.
    public var height: Int

    /// A scatter plot; `classes`, when given, has one entry per point.
    public init(title: String, xLabel: String = "z₁", yLabel: String = "z₂", points: [(x: Double, y: Double)],
                classes: [Int]? = nil, classNames: [String]? = nil, width: Int = 600, height: Int = 560) {
        precondition(classes == nil || classes!.count == points.count,
                     "ScatterPlot: \(points.count) points but \(classes!.count) classes")
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.classes = classes
        self.classNames = classNames
        self.width = width
        self.height = height
    }

    /// The plot as an SVG document.
    public func svg() -> String {
        let shown = points.indices.filter { points[$0].x.isFinite && points[$0].y.isFinite }
        let xAxis = ChartAxis(values: shown.map { points[$0].x }, log: false, padFraction: 0.05)
        let yAxis = ChartAxis(values: shown.map { points[$0].y }, log: false, padFraction: 0.05)
        var canvas = SVGCanvas(width: width, height: height, title: title, legendColumn: classes != nil)
        let plot = canvas.drawAxes(x: xAxis, y: yAxis, xLabel: xLabel, yLabel: yLabel)
        canvas.beginClip(plot)
        for i in shown {
            let color = classes.map { chartPalette[(($0[i] % 10) + 10) % 10] } ?? chartPalette[0]
            canvas.circle(x: plot.x(xAxis.position(points[i].x)), y: plot.y(yAxis.position(points[i].y)),
                          radius: 1.8, color: color, opacity: 0.6)
        }
        canvas.endClip()
        if let classes {
            let present = Set(classes).sorted()
            canvas.legend(present.map { c in
                let name = classNames.flatMap { c >= 0 && c < $0.count ? $0[c] : nil } ?? String(c)
                return (name, chartPalette[((c % 10) + 10) % 10], LegendMark.dot)
            }, in: plot, outside: true)
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
