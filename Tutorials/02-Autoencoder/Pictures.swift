// The training-curve chart the chapter writes as SVG (image grids come from LatentData: `saveImage`).
import Foundation
import Latent
import LatentData

/// A line chart with axes, ticks, a legend and an optional log-scale y axis, as SVG text.
struct LineChart {
    struct Series {
        var name: String
        var points: [(Double, Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var logY: Bool
    var series: [Series]

    var svg: String {
        let (width, height) = (720.0, 440.0)
        let (left, right, top, bottom) = (80.0, 20.0, 40.0, 110.0)
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"]
        let all = series.flatMap(\.points).filter { $0.1.isFinite && (!logY || $0.1 > 0) }
        let xs = all.map(\.0), ys = all.map { logY ? log10($0.1) : $0.1 }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        if x1 <= x0 { x0 -= 1; x1 += 1 }
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if y1 - y0 < 1e-9 { y0 -= 0.5; y1 += 0.5 }
        let margin = (y1 - y0) * 0.08
        y0 -= margin; y1 += margin
        let px = { (x: Double) in left + (x - x0) / (x1 - x0) * (width - left - right) }
        let py = { (y: Double) in height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom) }
        func text(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(text(title))</text>

            """
        // x ticks: integers (epochs), at most ~12 of them.
        let stride = max(1, Int(((x1 - x0) / 12).rounded(.up)))
        var tick = Int(x0.rounded(.up))
        while Double(tick) <= x1 {
            let x = px(Double(tick))
            out += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(height - bottom)\" stroke=\"#eee\"/>"
            out += "<text x=\"\(x)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(tick)</text>\n"
            tick += stride
        }
        // y ticks: 1-2-5 steps on a log axis, 6 even steps otherwise.
        var yTicks: [Double] = []
        if logY {
            for decade in Int(y0.rounded(.down))...Int(y1.rounded(.up)) {
                for m in [1.0, 2.0, 5.0] {
                    let v = log10(m) + Double(decade)
                    if v >= y0 && v <= y1 { yTicks.append(v) }
                }
            }
        } else {
            yTicks = (0...5).map { y0 + (y1 - y0) * Double($0) / 5 }
        }
        for v in yTicks {
            let y = py(v)
            let label = logY ? String(format: "%.3g", pow(10, v)) : String(format: "%.4g", v)
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" stroke=\"#eee\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label)</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width - left - right)\" height=\"\(height - top - bottom)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - bottom + 36)\" text-anchor=\"middle\">\(text(xLabel))</text>\n"
        out += "<text transform=\"translate(18 \((top + height - bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(text(yLabel))</text>\n"
        for (index, s) in series.enumerated() {
            let color = colors[index % colors.count]
            let points = s.points.filter { $0.1.isFinite && (!logY || $0.1 > 0) }.map { (px($0.0), py(logY ? log10($0.1) : $0.1)) }
            if points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" + points.map { "\($0.0),\($0.1)" }.joined(separator: " ") + "\"/>\n"
            }
            for (x, y) in points { out += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3\" fill=\"\(color)\"/>" }
            let legendY = height - bottom + 58 + Double(index) * 18
            out += "\n<line x1=\"\(left)\" y1=\"\(legendY - 4)\" x2=\"\(left + 24)\" y2=\"\(legendY - 4)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(left + 30)\" y=\"\(legendY)\">\(text(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }
}
