// SVG charts for the things a chapter plots: training curves (LineChart), per-dimension KL
// (BarChart) and the latent space coloured by digit (ScatterPlot). Hand-written SVG 1.1 with
// plain attributes only, so any viewer (browsers, rsvg-convert, Inkscape) draws the same picture.

/// The ten colours of matplotlib's "tab10" palette, used in order for series and classes.

/// The ten colours of matplotlib's "tab10" palette, used in order for series and classes.
public let chartPalette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]

/// One line of a `LineChart`: a name for the legend and (x, y) points in x order.
public struct ChartSeries: Sendable {
    /// The legend text.
    public var name: String
    /// The points; non-finite y values (and y ≤ 0 on a log axis) leave a gap.
    public var points: [(x: Double, y: Double)]
    /// A CSS colour, or nil for the palette's next one.
    public var color: String?
    /// Draw dashed (e.g. test curves next to solid train curves).
    public var dashed: Bool

    /// A series from points.
    public init(name: String, points: [(x: Double, y: Double)], color: String? = nil, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.color = color
        self.dashed = dashed
    }

    /// A series of values (Float or Double) at x = 1, 2, 3… (one per epoch).
    public init<Value: BinaryFloatingPoint>(name: String, values: [Value], color: String? = nil, dashed: Bool = false) {
        self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), Double($0.element)) },
                  color: color, dashed: dashed)
    }
}
