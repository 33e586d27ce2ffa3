import Foundation
import Testing
@testable import LatentData

/// rsvg-convert (Debian's librsvg2-bin) is installed, to check that our SVGs render.
let hasRSVG: Bool = {
    let found = FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert")
    if !found { print("SVG rendering checks skipped: rsvg-convert not found (apt-get install librsvg2-bin)") }
    return found
}()

/// Renders `svgPath` to a PNG with rsvg-convert and returns the decoded image.
func renderSVG(_ svgPath: String) throws -> PNGImage {
    let pngPath = svgPath + ".png"
    let process = Process()
    let errors = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
    process.arguments = ["-b", "white", "-o", pngPath, svgPath]
    process.standardError = errors
    try process.run()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    try #require(process.terminationStatus == 0, "rsvg-convert failed on \(svgPath): \(message)")
    return try PNG.read(pngPath)
}

/// The fraction of pixels close to a colour given as "#rrggbb" (drawn with `opacity` over white).
func coverage(of color: String, in image: PNGImage, opacity: Double = 1) -> Double {
    let hex = Array(color.dropFirst())
    let rgb: [Int] = stride(from: 0, to: 6, by: 2).map { i in
        let full = Double(Int(String(hex[i..<(i + 2)]), radix: 16)!)
        return Int((opacity * full + (1 - opacity) * 255).rounded())
    }
    let c = image.channels
    var hits = 0
    image.pixels.withUnsafeBufferPointer { pixels in
        for p in 0..<(image.width * image.height) {
            let r = abs(Int(pixels[p * c]) - rgb[0]), g = abs(Int(pixels[p * c + 1]) - rgb[1])
            let b = abs(Int(pixels[p * c + 2]) - rgb[2])
            if r < 24 && g < 24 && b < 24 { hits += 1 }
        }
    }
    return Double(hits) / Double(image.width * image.height)
}

@Suite("SVG charts")
struct ChartTests {
    let train = ChartSeries(name: "train", values: (1...20).map { 50 * pow(0.8, Float($0)) + 1 })
    let test = ChartSeries(name: "test", values: (1...20).map { 55 * pow(0.82, Float($0)) + 1.5 }, dashed: true)

    @Test("nice tick steps are 1, 2 or 5 × 10^k", arguments: [
        (0.9, 1.0), (1.0, 1.0), (1.1, 2.0), (3.0, 5.0), (7.0, 10.0), (0.023, 0.05), (140.0, 200.0),
    ])
    func niceSteps(raw: Double, step: Double) {
        #expect(abs(ChartAxis.niceStep(raw) - step) < step * 1e-9)
    }

    @Test("linear ticks cover the data; log ticks are powers of ten over many decades")
    func ticks() throws {
        let axis = ChartAxis(values: [0.13, 0.87], log: false, padFraction: 0)
        #expect(axis.ticks.first! >= axis.low && axis.ticks.last! <= axis.high)
        #expect(axis.ticks.count >= 3 && axis.ticks.count <= 11)
        #expect(axis.ticks.map(axis.label) == ["0.2", "0.4", "0.6", "0.8"] || axis.ticks.map(axis.label).contains("0.5"))
        let log = ChartAxis(values: [0.001, 500], log: true, padFraction: 0)
        #expect(log.ticks == [0.001, 0.01, 0.1, 1, 10, 100])
        #expect(log.ticks.map(log.label) == ["0.001", "0.01", "0.1", "1", "10", "100"])
    }

    @Test("a line chart names its title, axes and every series, and escapes text")
    func lineChartContent() {
        let svg = LineChart(title: "VAE <β = 4> & friends", series: [train, test]).svg()
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("VAE &lt;β = 4&gt; &amp; friends"))
        #expect(svg.contains(">epoch</text>") && svg.contains(">loss</text>"))
        #expect(svg.contains(">train</text>") && svg.contains(">test</text>"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 + 2)  // two series + two legend marks
        #expect(svg.contains("stroke-dasharray"))
    }

    @Test("epoch axes tick at whole numbers; a log axis inside one decade still gets three or more ticks")
    func wholeAndNarrowTicks() {
        let epochs = ChartAxis(values: [1, 2, 3], log: false, padFraction: 0.02, wholeNumbers: true)
        #expect(epochs.ticks == [1, 2, 3])
        #expect(ChartAxis(values: [1, 2, 3], log: false, padFraction: 0.02).ticks.contains(1.5))
        let narrow = ChartAxis(values: [0.0303, 0.0528], log: true, padFraction: 0.05)
        #expect(narrow.ticks.count >= 3 && narrow.ticks.allSatisfy { $0 >= 0.02 && $0 <= 0.06 })
        #expect(narrow.ticks.map(narrow.label).contains("0.04"))
        // Narrower than one 1…9 × 10^k step (a test MSE settling between 0.0086 and 0.0095): round values
        // evenly spaced, labelled so that no two look alike.
        let settled = ChartAxis(values: [0.0086, 0.0095], log: true, padFraction: 0.05)
        let labels = settled.ticks.map(settled.label)
        #expect(settled.ticks.count >= 3 && settled.ticks.allSatisfy { log10($0) >= settled.low && log10($0) <= settled.high }, "\(settled.ticks)")
        #expect(Set(labels).count == labels.count && labels.contains("0.0090"), "\(labels)")
        // A chart whose x values are all whole numbers labels them without decimals.
        let svg = LineChart(title: "t", series: [ChartSeries(name: "loss", values: [3.0, 2.0])]).svg()
        #expect(svg.contains(">1</text>") && svg.contains(">2</text>") && !svg.contains(">1.5</text>"))
    }

    @Test("a chart stack draws each chart below the last, with its own clip path",
          .enabled(if: Requirement.runs(hasRSVG), "rsvg-convert not installed"))
    func stack() throws {
        try Requirement.check(hasRSVG, "rsvg-convert (apt: librsvg2-bin)")
        let top = LineChart(title: "MSE", series: [train], width: 640, height: 300)
        let bottom = LineChart(title: "KL", series: [test], width: 640, height: 300)
        let svg = ChartStack([top, bottom]).svg()
        #expect(svg.hasPrefix("<?xml") && svg.contains(#"width="640" height="600""#))
        #expect(svg.contains(">MSE</text>") && svg.contains(">KL</text>") && svg.contains(#"y="300""#))
        #expect(svg.contains(#"id="panel1-plot1""#) && svg.contains(#"id="panel2-plot1""#))
        let folder = try makeScratchFolder("svg-stack")
        let image = try renderSVG(try ChartStack([top, bottom]).write(to: folder + "/stack.svg"))
        #expect(image.width == 640 && image.height == 600)
        // Each series is drawn in its own half: train (palette 0) on top, test (palette 0 too) below.
        let half = image.width * image.height / 2 * image.channels
        let upper = PNGImage(width: image.width, height: image.height / 2, channels: image.channels, pixels: Array(image.pixels[..<half]))
        let lower = PNGImage(width: image.width, height: image.height / 2, channels: image.channels, pixels: Array(image.pixels[half...]))
        #expect(coverage(of: chartPalette[0], in: upper) > 0.002 && coverage(of: chartPalette[0], in: lower) > 0.002)
    }

    @Test("NaN values and non-positive values on a log axis leave gaps")
    func gaps() {
        let series = ChartSeries(name: "s", points: [(1, 1), (2, 2), (3, .nan), (4, 3), (5, 0), (6, 4), (7, 5)])
        let linear = LineChart(title: "t", series: [series]).svg()
        #expect(linear.components(separatedBy: "<polyline").count - 1 == 2 + 1)
        let log = LineChart(title: "t", series: [series], logY: true).svg()
        #expect(log.components(separatedBy: "<polyline").count - 1 == 3 + 1)
    }

    @Test("charts render with rsvg-convert and show their colours",
          .enabled(if: Requirement.runs(hasRSVG), "rsvg-convert not installed"))
    func renders() throws {
        try Requirement.check(hasRSVG, "rsvg-convert (apt: librsvg2-bin)")
        let folder = try makeScratchFolder("svg")
        let line = try renderSVG(try LineChart(title: "losses", series: [train, test], logY: true).write(to: folder + "/line.svg"))
        #expect(line.width == 720 && line.height == 440)
        #expect(coverage(of: chartPalette[0], in: line) > 0.002 && coverage(of: chartPalette[1], in: line) > 0.002)
        #expect(coverage(of: "#ffffff", in: line) > 0.7)

        let kl: [Double] = (0..<32).map { (i: Int) -> Double in i % 5 == 0 ? Double(32 - i) / 4 : 0.01 }
        let bars = try renderSVG(try BarChart(title: "KL per dimension", xLabel: "latent dimension", yLabel: "KL (nats)",
                                              values: kl).write(to: folder + "/bars.svg"))
        #expect(coverage(of: chartPalette[0], in: bars) > 0.01)

        var generator = SeededGeneratorForTests(seed: 1)
        var points: [(x: Double, y: Double)] = []
        for i in 0..<1000 {
            let x: Double = Double(i % 10) + 0.4 * generator.normal()
            points.append((x: x, y: generator.normal()))
        }
        let scatter = try renderSVG(try ScatterPlot(title: "latent means", points: points, classes: (0..<1000).map { $0 % 10 })
            .write(to: folder + "/scatter.svg"))
        // Points are drawn at 60 % opacity over white.
        for color in chartPalette {
            #expect(coverage(of: color, in: scatter, opacity: 0.6) > 0.0005, "class colour \(color) missing")
        }
    }
}

/// A tiny normal generator for test data (Box–Muller over a xorshift).
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func uniform() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
    }
    mutating func normal() -> Double {
        let radius: Double = (-2 * Foundation.log(uniform())).squareRoot()
        let angle: Double = 2 * Double.pi * uniform()
        return radius * cos(angle)
    }
}
