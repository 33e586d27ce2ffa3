import Foundation
import Latent
import LatentData

// The pictures chapters 3 and 4 write: PNG image grids (LatentData's saveImage) and SVG charts
// (line, bar, scatter), small and self-contained. Tutorials/04-BetaVAE/Pictures.swift links here.

/// Images [N, C, H, W] with values in `range` → a PNG grid of `columns` columns (LatentData's
/// torchvision-like `saveImage`), white 2-pixel gaps.
func writeGrid(_ images: Tensor, columns: Int, range: PixelRange, to path: String) throws {
    let (low, high) = range.bounds
    try saveImage(images, to: path, nrow: columns, padding: 2, padValue: 1, normalize: true, valueRange: (low, high))
}

/// One line of a chart: its name, its points, its colour, dashed or not.
struct Series {
    var name: String
    var points: [(x: Double, y: Double)]
    var color: String
    var dashed = false
}

private let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// A colour per index from a 10-colour palette (labels 0–9).
func paletteColor(_ i: Int) -> String { palette[((i % palette.count) + palette.count) % palette.count] }

/// A tick value with enough decimals to tell ticks `span / 4` apart.
private func tickLabel(_ v: Double, span: Double) -> String {
    let a = Swift.abs(v)
    if a == 0 { return "0" }
    if a >= 100_000 || a < 1e-4 { return String(format: "%.3g", v) }
    let decimals = max(0, min(6, 1 - Int(floor(log10(max(span / 4, 1e-12))))))
    return String(format: "%.\(decimals)f", v)
}

/// Chart frame: axes with 5 ticks each, title and axis labels; returns the SVG body and a mapper.
private func frame(title: String, xLabel: String, yLabel: String, xRange: (Double, Double), yRange: (Double, Double),
                   width: Double, height: Double, xTicks: Bool = true) -> (svg: String, map: (Double, Double) -> (Double, Double)) {
    let (left, right, top, bottom) = (70.0, width - 150, 40.0, height - 50)
    let (x0, x1) = xRange.0 == xRange.1 ? (xRange.0 - 1, xRange.1 + 1) : xRange
    let (y0, y1) = yRange.0 == yRange.1 ? (yRange.0 - 1, yRange.1 + 1) : yRange
    let map = { (x: Double, y: Double) in
        (left + (x - x0) / (x1 - x0) * (right - left), bottom - (y - y0) / (y1 - y0) * (bottom - top))
    }
    var s = "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>\n"
    s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(title)</text>\n"
    s += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    for i in 0...4 {
        let xv = x0 + (x1 - x0) * Double(i) / 4, yv = y0 + (y1 - y0) * Double(i) / 4
        let (px, _) = map(xv, y0), (_, py) = map(x0, yv)
        if xTicks {
            s += "<line x1=\"\(px)\" y1=\"\(bottom)\" x2=\"\(px)\" y2=\"\(bottom + 5)\" stroke=\"black\"/>"
            s += "<text x=\"\(px)\" y=\"\(bottom + 18)\" text-anchor=\"middle\" font-size=\"11\">\(tickLabel(xv, span: x1 - x0))</text>\n"
        }
        s += "<line x1=\"\(left - 5)\" y1=\"\(py)\" x2=\"\(left)\" y2=\"\(py)\" stroke=\"black\"/>"
        s += "<line x1=\"\(left)\" y1=\"\(py)\" x2=\"\(right)\" y2=\"\(py)\" stroke=\"#e0e0e0\"/>"
        s += "<text x=\"\(left - 8)\" y=\"\(py + 4)\" text-anchor=\"end\" font-size=\"11\">\(tickLabel(yv, span: y1 - y0))</text>\n"
    }
    s += "<text x=\"\((left + right) / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\" font-size=\"12\">\(xLabel)</text>\n"
    s += "<text x=\"16\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \((top + bottom) / 2))\">\(yLabel)</text>\n"
    return (s, map)
}

private func document(_ body: String, width: Double, height: Double) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\n\(body)</svg>\n"
}

private func legend(_ entries: [(String, String, Bool)], x: Double, y: Double) -> String {
    var s = ""
    for (i, (name, color, dashed)) in entries.enumerated() {
        let yy = y + Double(i) * 18
        s += "<line x1=\"\(x)\" y1=\"\(yy)\" x2=\"\(x + 22)\" y2=\"\(yy)\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5,3\"" : "")/>"
        s += "<text x=\"\(x + 28)\" y=\"\(yy + 4)\" font-size=\"11\">\(name)</text>\n"
    }
    return s
}

/// An SVG line chart of several series, with markers at each point and a legend.
func lineChart(_ series: [Series], title: String, xLabel: String, yLabel: String, width: Double = 640, height: Double = 400) -> String {
    let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
    let yPad = ((ys.max() ?? 1) - (ys.min() ?? 0)) * 0.05
    let (body, map) = frame(title: title, xLabel: xLabel, yLabel: yLabel, xRange: (xs.min() ?? 0, xs.max() ?? 1),
                            yRange: ((ys.min() ?? 0) - yPad, (ys.max() ?? 1) + yPad), width: width, height: height)
    var s = body
    for line in series {
        let path = line.points.map { p in let (x, y) = map(p.x, p.y); return "\(x),\(y)" }.joined(separator: " ")
        s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "")/>\n"
        for p in line.points { let (x, y) = map(p.x, p.y); s += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"2.5\" fill=\"\(line.color)\"/>" }
        s += "\n"
    }
    s += legend(series.map { ($0.name, $0.color, $0.dashed) }, x: width - 140, y: 50)
    return document(s, width: width, height: height)
}

/// An SVG bar chart: one bar per value, labelled below by `labels`.
func barChart(_ values: [Double], labels: [String], title: String, xLabel: String, yLabel: String,
              width: Double = 720, height: Double = 360) -> String {
    let top = max(values.max() ?? 1, 1e-9) * 1.05
    let (body, map) = frame(title: title, xLabel: xLabel, yLabel: yLabel, xRange: (0, Double(values.count)),
                            yRange: (0, top), width: width, height: height, xTicks: false)
    var s = body
    for (i, v) in values.enumerated() {
        let (x0, y) = map(Double(i) + 0.1, v), (x1, y0) = map(Double(i) + 0.9, 0)
        s += "<rect x=\"\(x0)\" y=\"\(y)\" width=\"\(x1 - x0)\" height=\"\(y0 - y)\" fill=\"#1f77b4\"/>"
        let every = values.count <= 24 ? 1 : 8
        if i % every == 0 {
            let (cx, _) = map(Double(i) + 0.5, 0)
            s += "<text x=\"\(cx)\" y=\"\(y0 + 16)\" text-anchor=\"middle\" font-size=\"10\">\(labels[i])</text>"
        }
        s += "\n"
    }
    return document(s, width: width, height: height)
}

/// An SVG scatter plot of 2-D points coloured by label, with a legend of the labels.
func scatterChart(_ points: [(x: Double, y: Double, label: Int)], title: String, xLabel: String, yLabel: String,
                  width: Double = 640, height: Double = 560) -> String {
    let xs = points.map(\.x), ys = points.map(\.y)
    let (body, map) = frame(title: title, xLabel: xLabel, yLabel: yLabel, xRange: (xs.min() ?? 0, xs.max() ?? 1),
                            yRange: (ys.min() ?? 0, ys.max() ?? 1), width: width, height: height)
    var s = body
    for p in points {
        let (x, y) = map(p.x, p.y)
        s += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"1.8\" fill=\"\(paletteColor(p.label))\" fill-opacity=\"0.7\"/>"
    }
    s += "\n"
    let labels = Array(Set(points.map(\.label))).sorted()
    s += legend(labels.map { ("\($0)", paletteColor($0), false) }, x: width - 140, y: 50)
    return document(s, width: width, height: height)
}
