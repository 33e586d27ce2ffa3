import Foundation
import Latent
import Testing
@testable import LatentData

/// Collects what a progress bar writes.
final class TextSink {
    var text = ""
    func append(_ s: String) { text += s }
}

@Suite("progress bar")
struct ProgressBarTests {
    @Test("plain mode prints one line every N steps, with step/total, rate and metrics")
    func plainLines() {
        let sink = TextSink()
        let bar = ProgressBar(total: 100, label: "epoch 2/5", interactive: false, plainEverySteps: 25,
                              plainEverySeconds: 1e9, output: sink.append)
        for step in 1...100 { bar.update(step: step, metrics: [("loss", 1 / Float(step))]) }
        bar.finish()
        bar.finish()  // a second finish adds nothing
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count == 4 + 1)
        #expect(!sink.text.contains("\r"))
        #expect(lines[0].hasPrefix("epoch 2/5  25/100  ") && lines[0].contains("it/s") && lines[0].contains("ETA "))
        #expect(lines[0].hasSuffix("loss 0.0400"))
        #expect(lines[4].contains("100/100") && lines[4].contains("in 0:00:0") && lines[4].hasSuffix("loss 0.0100"))
    }

    @Test("interactive mode redraws one line with \\r and a bar, ending with a newline")
    func interactive() {
        let sink = TextSink()
        let bar = ProgressBar(total: 10, label: "epoch 1/1", interactive: true, output: sink.append)
        bar.update(step: 10, metrics: [("kl", 12.5)])
        bar.finish()
        #expect(sink.text.hasPrefix("\r") && sink.text.hasSuffix("\n"))
        #expect(sink.text.contains("[" + String(repeating: "█", count: 20) + "]"))
        #expect(sink.text.contains("kl 12.500"))
    }

    @Test("metric formatting keeps four significant digits", arguments: [
        (Float(0.12345), "0.1235"), (12.5, "12.500"), (1234.5, "1234.5"), (0.0001234, "1.234e-4"), (-3, "-3.0000"),
    ])
    func metricFormat(value: Float, text: String) {
        #expect(Format.metric(value) == text)
    }
}

@Suite("run folder and summary")
struct RunFolderTests {
    @Test("files go into <root>/<name> and are listed once each, in order")
    func writesAndLists() throws {
        let root = try makeScratchFolder("runs")
        let run = try RunFolder(name: "demo", root: root)
        #expect(run.path == root + "/demo" && FileIO.isFolder(run.path))
        let images = Tensor(shape: [4, 1, 5, 5], repeating: 0.5)
        let grid = try run.saveImage(images, as: "grid.png", nrow: 2)
        try run.write("a", as: "note.txt")
        try run.write("b", as: "note.txt")
        let chart = try run.writeChart(LineChart(title: "t", series: [ChartSeries(name: "s", values: [3.0, 2, 1])]), as: "c.svg")
        #expect(run.written == [grid, root + "/demo/note.txt", chart])
        #expect(try PNG.read(grid).width == 2 * 7 + 2)
        #expect(String(decoding: try FileIO.readFile(root + "/demo/note.txt"), as: UTF8.self) == "b")
    }

    @Test("summary.json holds config, the metrics at the top level and files, and parses back with JSONSerialization")
    func summary() throws {
        let run = try RunFolder(name: "vae", root: try makeScratchFolder("runs"))
        try run.write("x", as: "samples.png")
        let path = try run.writeSummary(
            config: ["epochs": 10, "beta": 4.0, "model": "conv \"VAE\"", "seed": 0],
            metrics: ["test_loss": .float(101.25), "curve": .floats([3, 2.5]), "diverged": false, "nan": .number(.nan)])
        #expect(path == run.path + "/summary.json")
        let data = Data(try FileIO.readFile(path))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let config = try #require(object["config"] as? [String: Any])
        #expect(config["epochs"] as? Int == 10 && config["beta"] as? Double == 4 && config["model"] as? String == "conv \"VAE\"")
        #expect(object["metrics"] == nil)
        let metrics = object
        #expect(Array(object.keys).count == 6)
        #expect(metrics["test_loss"] as? Double == 101.25)
        #expect(metrics["curve"] as? [Double] == [3, 2.5])
        #expect(metrics["nan"] is NSNull)
        #expect(object["files"] as? [String] == ["samples.png"])
        // Keys keep their order in the text.
        let text = String(decoding: data, as: UTF8.self)
        let epochs = try #require(text.range(of: "\"epochs\"")), seed = try #require(text.range(of: "\"seed\""))
        #expect(epochs.lowerBound < seed.lowerBound)
    }

    @Test("JSON strings escape quotes, backslashes and control characters")
    func escaping() {
        #expect(JSONValue.float(0.3).serialized() == "0.3" && JSONValue.float(2).serialized() == "2")
        #expect(JSONValue.string("a\"b\\c\nd\u{1}").serialized() == #""a\"b\\c\nd\u0001""#)
    }
}
