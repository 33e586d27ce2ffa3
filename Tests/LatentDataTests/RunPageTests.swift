import Foundation
import Latent
import Testing
@testable import LatentData

/// Every `src="…"` and `href="…"` value of `html`, HTML-unescaped and percent-decoded.
private func linkTargets(_ html: String) -> [String] {
    var targets: [String] = []
    for attribute in [" src=\"", " href=\""] {
        var rest = html[...]
        while let start = rest.range(of: attribute) {
            let afterQuote = rest[start.upperBound...]
            guard let end = afterQuote.firstIndex(of: "\"") else { targets.append("<unterminated>"); break }
            let raw = String(afterQuote[..<end])
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&")
            targets.append(raw.removingPercentEncoding ?? "<bad percent-encoding: \(raw)>")
            rest = afterQuote[afterQuote.index(after: end)...]
        }
    }
    return targets
}

/// The links of `html` that do not name a file beside it: absolute paths, URLs with a scheme, `..`,
/// and names with no such file in `folder`.
private func brokenLinks(_ html: String, in folder: String) -> [String] {
    linkTargets(html).filter { target in
        target.isEmpty || target.hasPrefix("/") || target.contains(":") || target.split(separator: "/").contains("..")
            || !FileIO.fileExists(FileIO.join(folder, target))
    }
}

@Suite("run page")
struct RunPageTests {
    /// A run folder with a picture, a chart, a file whose name needs escaping, and a summary whose
    /// strings hold `<`, `&` and `"`.
    private func makeRun() throws -> RunFolder {
        let run = try RunFolder(name: "vae <&\"> run", root: try makeScratchFolder("page"))
        try run.writeGrid(Tensor(shape: [2, 1, 4, 4], repeating: 0.5), columns: 2, as: "samples.png")
        try run.writeChart(LineChart(title: "t", series: [ChartSeries(name: "s", values: [3.0, 2, 1])]), as: "curves.svg")
        try run.write("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", as: "odd #1 & \"2\" <b>.svg")
        try run.writeSummary(
            config: ["chapter": "03-VAE", "command": "vae --out 'a <b> & \"c\"'", "epochs": 3],
            metrics: ["test_elbo": -101.234567, "note": "x < y & \"z\"", "test_elbo_per_epoch": [-120, -110, -101.2],
                      "betas": [["beta": 0, "test_mse": 0.0123, "kl_per_dimension": [1, 2]], ["beta": 1e-4, "test_mse": 0.0201]]])
        try run.writePage(command: "vae --out 'a <b> & \"c\"'")
        return run
    }

    @Test("index.html names only files in the run folder, by relative paths, and shows every picture and chart")
    func linksResolve() throws {
        let run = try makeRun()
        let html = String(decoding: try FileIO.readFile(run.file("index.html")), as: UTF8.self)
        #expect(brokenLinks(html, in: run.path) == [])
        let targets = Set(linkTargets(html))
        for name in ["samples.png", "curves.svg", "odd #1 & \"2\" <b>.svg", "summary.json"] {
            #expect(targets.contains(name), "the page does not link \(name)")
        }
        #expect(html.contains("<img src=\"samples.png\"") && html.contains("<img src=\"curves.svg\""))
        // Self-contained: no script, no style sheet or font fetched from anywhere.
        for outside in ["<script", "<link", "http:", "https:", "@import", "url("] { #expect(!html.contains(outside), "\(outside)") }
        #expect(!targets.contains("index.html"))
    }

    @Test("the negative control: a page naming a missing file, an absolute path or a URL fails the check")
    func missingFileFails() throws {
        let run = try makeRun()
        let page = RunPage(title: "t", command: "c", summary: nil, files: ["samples.png", "missing.png"])
        #expect(brokenLinks(page.html(), in: run.path) == ["missing.png", "missing.png"])  // its <img> and its <a>
        let outside = "<img src=\"/etc/hostname\"><a href=\"https://example.com/x.png\">x</a><a href=\"../vae.png\">y</a>"
        #expect(brokenLinks(outside, in: run.path).count == 3)
    }

    @Test("every string from the run is escaped: the title, the command, config and metric values, file names")
    func escapes() throws {
        let run = try makeRun()
        let html = String(decoding: try FileIO.readFile(run.file("index.html")), as: UTF8.self)
        #expect(html.contains("<h1>vae &lt;&amp;&quot;&gt; run</h1>"))
        #expect(html.contains("vae --out &#39;a &lt;b&gt; &amp; &quot;c&quot;&#39;"))
        #expect(html.contains("x &lt; y &amp; &quot;z&quot;"))
        #expect(html.contains("odd%20%231%20%26%20%222%22%20%3Cb%3E.svg"))
        #expect(!html.contains("<b>") && !html.contains("& ") && !html.contains("\"z\""))
        #expect(RunPage.escape("<&\"'>") == "&lt;&amp;&quot;&#39;&gt;")
    }

    @Test("the summary table: config, scalar metrics, lists of objects as a table; per-epoch series left to the charts")
    func summaryTable() throws {
        let run = try makeRun()
        let html = String(decoding: try FileIO.readFile(run.file("index.html")), as: UTF8.self)
        #expect(html.contains("<tr><th>epochs</th><td class=\"n\">3</td></tr>"))
        #expect(html.contains("<tr><th>test_elbo</th><td class=\"n\">-101.2</td></tr>"))
        #expect(html.contains("<h3>betas</h3>") && html.contains("<tr><th>beta</th><th>test_mse</th></tr>"))
        #expect(html.contains("<td class=\"n\">1.000e-4</td>"))
        #expect(!html.contains("test_elbo_per_epoch") && !html.contains("kl_per_dimension"))
        #expect(RunPage.significant(0.00987654) == "0.009877" && RunPage.significant(123456) == "1.235e5")
        #expect(RunPage.significant(Double(Float(1e-4))) == "1.000e-4" && RunPage.significant(-2.5) == "-2.500")
    }
}
