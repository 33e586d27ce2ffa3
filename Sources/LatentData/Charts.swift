#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// SVG charts for the things a chapter plots: training curves (LineChart), per-dimension KL
// (BarChart) and the latent space coloured by digit (ScatterPlot). Hand-written SVG 1.1 with
// plain attributes only, so any viewer (browsers, rsvg-convert, Inkscape) draws the same picture.

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

// MARK: - Axes and drawing

/// How a legend entry is drawn.
enum LegendMark { case line, dashedLine, dot }

/// A linear or log₁₀ axis: its data range (widened to round ticks) and tick positions.
struct ChartAxis {
    /// Lower and upper ends, in data units (log axes: in log₁₀ units).
    var low: Double
    var high: Double
    var log: Bool
    /// Tick values in data units.
    var ticks: [Double]
    /// Number of categories for a bar chart's x axis (0 for numeric axes).
    var categories = 0
    /// A log axis too narrow for 1…9 × 10^k ticks gets evenly spaced ones; this is their spacing.
    var evenStep: Double? = nil

    /// An axis covering `values`, widened by `padFraction` of the range, with about five "nice" ticks;
    /// with `wholeNumbers` (e.g. epochs) linear ticks fall on whole numbers only.
    init(values: [Double], log: Bool, padFraction: Double, includeZero: Bool = false, wholeNumbers: Bool = false) {
        self.log = log
        let mapped = values.map { log ? log10($0) : $0 }
        var lo = mapped.min() ?? 0, hi = mapped.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 {
            // One value (or none): a unit-wide window around it.
            let half = log ? 0.5 : max(abs(lo) * 0.1, 0.5)
            lo -= half
            hi += half
        }
        let pad = (hi - lo) * padFraction
        low = includeZero && lo >= 0 ? lo : lo - pad
        high = hi + pad
        if log {
            // Ticks at 1, 2, 5 × 10^k when the range is under two decades, else at powers of ten; at
            // every 1…9 × 10^k when that leaves fewer than three (a range inside one decade).
            let (first, last) = (low, high)
            func logTicks(_ multipliers: [Double]) -> [Double] {
                var result: [Double] = []
                var k = Int(first.rounded(.down))
                while Double(k) <= last.rounded(.up) {
                    for m in multipliers {
                        let t = m * pow(10, Double(k))
                        if log10(t) >= first - 1e-9 && log10(t) <= last + 1e-9 { result.append(t) }
                    }
                    k += 1
                }
                return result
            }
            let coarse = logTicks(last - first < 2 ? [1, 2, 5] : [1])
            ticks = coarse.count >= 3 ? coarse : logTicks([1, 2, 3, 4, 5, 6, 7, 8, 9])
            if ticks.count < 3 {
                // Narrower still (say 0.0086 to 0.0095): evenly spaced round values, as on a linear axis.
                let (a, b) = (pow(10, first), pow(10, last))
                let step = ChartAxis.niceStep((b - a) / 5)
                ticks = ChartAxis.multiples(of: step, from: a, to: b)
                evenStep = step
            }
        } else {
            ticks = ChartAxis.multiples(of: max(ChartAxis.niceStep((high - low) / 5), wholeNumbers ? 1 : 0), from: low, to: high)
        }
    }

    /// A categorical axis with `count` slots (bar charts); no numeric ticks.
    init(categories count: Int) {
        low = 0
        high = Double(count)
        log = false
        ticks = []
        categories = count
    }

    /// Where `value` sits along the axis, 0 at `low` and 1 at `high`.
    func position(_ value: Double) -> Double {
        let v = log ? log10(value) : value
        return (v - low) / (high - low)
    }

    /// The tick label for `value`, with as many decimals as the tick spacing needs.
    func label(_ value: Double) -> String {
        if log, let evenStep { return Format.fixed(value, ChartAxis.decimals(step: evenStep)) }
        if log {
            let exponent = log10(value)
            if exponent >= 5 || exponent < -3.5 { return Format.metric(Float(value)) }
            return Format.fixed(value, max(0, Int((-exponent - 1e-9).rounded(.up))))
        }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        if abs(value) >= 1e5 || (step < 1e-3 && value != 0) { return Format.metric(Float(value)) }
        return Format.fixed(value, ChartAxis.decimals(step: step))
    }

    /// Decimals that tell ticks `step` apart: step 1 → "3", step 0.5 → "2.5", step 0.0002 → "0.0088".
    static func decimals(step: Double) -> Int { max(0, Int((-log10(step) - 1e-9).rounded(.up))) }

    /// The multiples of `step` from `low` to `high` (a value within rounding of 0 is exactly 0).
    static func multiples(of step: Double, from low: Double, to high: Double) -> [Double] {
        var t = (low / step).rounded(.up) * step
        var result: [Double] = []
        while t <= high + step * 1e-9 {
            result.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return result
    }

    /// 1, 2 or 5 × 10^k, the smallest at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 && raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }
}

/// The plot rectangle in SVG pixels, mapping axis positions (0…1) to pixels.
struct PlotArea {
    var left: Double, top: Double, width: Double, height: Double
    var bottom: Double { top + height }
    var right: Double { left + width }
    func x(_ position: Double) -> Double { left + position * width }
    func y(_ position: Double) -> Double { bottom - position * height }
}

/// Accumulates SVG elements.
struct SVGCanvas {
    let width: Int
    let height: Int
    let legendColumn: Bool
    /// The prefix of clip-path ids, unique per canvas within one document.
    let clipID: String
    private var body: [String] = []
    private var clipCount = 0

    init(width: Int, height: Int, title: String, legendColumn: Bool = false, clipID: String = "plot") {
        self.width = width
        self.height = height
        self.legendColumn = legendColumn
        self.clipID = clipID
        body.append("<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>")
        text(title, x: Double(width) / 2, y: 24, anchor: "middle", size: 16, bold: true)
    }

    /// Draws grid, ticks, tick labels and axis labels; returns the plot area.
    mutating func drawAxes(x: ChartAxis, y: ChartAxis, xLabel: String, yLabel: String) -> PlotArea {
        let yLabels = y.ticks.map(y.label)
        let widest = Double(yLabels.map(\.count).max() ?? 1) * 7
        let left = 34 + widest
        let right = legendColumn ? 110.0 : 20
        let plot = PlotArea(left: left, top: 40, width: Double(width) - left - right, height: Double(height) - 40 - 52)
        for (tick, label) in zip(y.ticks, yLabels) {
            let py = plot.y(y.position(tick))
            line(plot.left, py, plot.right, py, color: "#e5e5e5")
            line(plot.left - 5, py, plot.left, py, color: "#333333")
            text(label, x: plot.left - 8, y: py + 4, anchor: "end", size: 11)
        }
        for tick in x.ticks {
            let px = plot.x(x.position(tick))
            line(px, plot.top, px, plot.bottom, color: "#e5e5e5")
            line(px, plot.bottom, px, plot.bottom + 5, color: "#333333")
            text(x.label(tick), x: px, y: plot.bottom + 18, anchor: "middle", size: 11)
        }
        body.append("<rect x=\"\(n(plot.left))\" y=\"\(n(plot.top))\" width=\"\(n(plot.width))\" height=\"\(n(plot.height))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>")
        text(xLabel, x: plot.left + plot.width / 2, y: Double(height) - 12, anchor: "middle", size: 13)
        let cy = plot.top + plot.height / 2
        body.append("<text x=\"16\" y=\"\(n(cy))\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 16 \(n(cy)))\">\(escape(yLabel))</text>")
        return plot
    }

    mutating func beginClip(_ plot: PlotArea) {
        clipCount += 1
        body.append("<clipPath id=\"\(clipID)\(clipCount)\"><rect x=\"\(n(plot.left))\" y=\"\(n(plot.top))\" width=\"\(n(plot.width))\" height=\"\(n(plot.height))\"/></clipPath>")
        body.append("<g clip-path=\"url(#\(clipID)\(clipCount))\">")
    }

    mutating func endClip() { body.append("</g>") }

    mutating func legend(_ entries: [(String, String, LegendMark)], in plot: PlotArea, outside: Bool = false) {
        guard !entries.isEmpty else { return }
        let rowHeight = 18.0
        let boxWidth = 34 + Double(entries.map(\.0.count).max() ?? 0) * 7
        let boxHeight = rowHeight * Double(entries.count) + 8
        let x0 = outside ? plot.right + 12 : plot.right - boxWidth - 8
        let y0 = plot.top + 8
        if !outside {
            body.append("<rect x=\"\(n(x0))\" y=\"\(n(y0))\" width=\"\(n(boxWidth))\" height=\"\(n(boxHeight))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>")
        }
        for (i, (name, color, mark)) in entries.enumerated() {
            let cy = y0 + 4 + rowHeight * (Double(i) + 0.5)
            switch mark {
            case .line, .dashedLine: polyline([(x0 + 6, cy), (x0 + 26, cy)], color: color, width: 2.5, dashed: mark == .dashedLine)
            case .dot: circle(x: x0 + 16, y: cy, radius: 4, color: color)
            }
            text(name, x: x0 + 32, y: cy + 4, anchor: "start", size: 12)
        }
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String) {
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(color)\" stroke-width=\"1\"/>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, width: Double, dashed: Bool) {
        let coords = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        let dash = dashed ? " stroke-dasharray=\"6 4\"" : ""
        body.append("<polyline points=\"\(coords)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\"\(dash)/>")
    }

    mutating func circle(x: Double, y: Double, radius: Double, color: String, opacity: Double = 1) {
        let alpha = opacity < 1 ? " fill-opacity=\"\(n(opacity))\"" : ""
        body.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(radius))\" fill=\"\(color)\"\(alpha)/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, color: String) {
        body.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(color)\"/>")
    }

    mutating func text(_ content: String, x: Double, y: Double, anchor: String, size: Int, bold: Bool = false) {
        let weight = bold ? " font-weight=\"bold\"" : ""
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"#222222\"\(weight)>\(escape(content))</text>")
    }

    /// The SVG document of this canvas.
    func finish() -> String { SVGCanvas.document(width: width, height: height, body: body.joined(separator: "\n")) }

    /// This canvas as a nested `<svg>` element placed `y` pixels down a larger document.
    func element(y: Int) -> String {
        "<svg x=\"0\" y=\"\(y)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
            + body.joined(separator: "\n") + "\n</svg>"
    }

    /// An SVG document of the given size around `body`.
    static func document(width: Int, height: Int, body: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
            + body + "\n</svg>\n"
    }

    /// A coordinate with two decimals.
    private func n(_ value: Double) -> String { Format.fixed(value, 2) }

    /// XML text escaping.
    private func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
