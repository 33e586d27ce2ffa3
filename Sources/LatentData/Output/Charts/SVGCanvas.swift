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

    /// XML text escaping (the run page's: `& < > " '` as character references).
    private func escape(_ text: String) -> String { RunPage.escape(text) }
}
