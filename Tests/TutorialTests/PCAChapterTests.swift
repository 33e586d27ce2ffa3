import Foundation
import Testing
@testable import pca
import Latent
import LatentData

/// Writes a tiny MNIST-format dataset (gzipped IDX, `side`×`side` images of bars and blobs) into `folder`.
func writeTinyMNIST(to folder: String, train: Int, test: Int, side: Int) throws {
    var generator = SeededGenerator(seed: 42)
    func images(_ count: Int) -> [UInt8] {
        var bytes = [UInt8]()
        for _ in 0..<count {
            let row = Int(generator.next(upperBound: UInt64(side)))
            let column = Int(generator.next(upperBound: UInt64(side)))
            for y in 0..<side {
                for x in 0..<side {
                    let bar = y == row || x == column ? 200.0 : 0.0
                    let noise = Double(generator.nextUniform()) * 40
                    bytes.append(UInt8(min(255, bar + noise)))
                }
            }
        }
        return bytes
    }
    let files: [(String, IDXFile)] = [
        ("train-images-idx3-ubyte.gz", IDXFile(dimensions: [train, side, side], bytes: images(train))),
        ("train-labels-idx1-ubyte.gz", IDXFile(dimensions: [train], bytes: (0..<train).map { UInt8($0 % 10) })),
        ("t10k-images-idx3-ubyte.gz", IDXFile(dimensions: [test, side, side], bytes: images(test))),
        ("t10k-labels-idx1-ubyte.gz", IDXFile(dimensions: [test], bytes: (0..<test).map { UInt8($0 % 10) })),
    ]
    for (name, file) in files {
        try FileIO.writeAtomically(Zlib.gzip(file.encoded()), to: folder + "/" + name)
    }
}

@Suite("Chapter 01-PCA", .serialized)
struct PCAChapterTests {
    @Test("the pca command on a tiny MNIST-format dataset writes a decodable SVG, PNGs and summary.json")
    func smoke() throws {
        let data = try temporaryFolder("pca-data")
        let out = try temporaryFolder("pca-out")
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: out)
        }
        let side = 10
        try writeTinyMNIST(to: data, train: 60, test: 20, side: side)
        let command = try PCAChapter.parse(["--dataset", "mnist", "--data", data, "--out", out, "--latent", "12", "--threads", "2"])
        try command.run()

        let folder = out  // --out is the run folder
        // PNG.read checks the signature, every chunk's CRC and the inflated pixel data.
        let mean = try PNG.read(folder + "/mean.png")
        #expect(mean.channels == 1 && mean.width == mean.height && mean.width >= side)
        let scale = mean.width / side                     // small images are enlarged by pixel repetition
        let components = try PNG.read(folder + "/components.png")
        // 12 components, 8 per row, 2 pixels of padding: 8 × 2 tiles.
        #expect(components.width == 8 * (side * scale + 2) + 2 && components.height == 2 * (side * scale + 2) + 2)
        let reconstructions = try PNG.read(folder + "/reconstructions.png")
        // Originals above one row per k ≤ D = 100 among 2, 8, 16, 32, 64: six rows of eight.
        #expect(reconstructions.width == 8 * (side * scale + 2) + 2 && reconstructions.height == 6 * (side * scale + 2) + 2)

        let svg = try String(contentsOfFile: folder + "/explained_variance.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("</svg>"))

        let summaryData = try Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        let summary = document  // the metrics sit at the top level, beside "config" and "files"
        let config = try #require(document["config"] as? [String: Any])
        #expect(config["dataset"] as? String == "mnist" && config["latent"] as? Int == 12)
        #expect(document["files"] as? [String] == ["explained_variance.svg", "mean.png", "components.png", "reconstructions.png"])
        let mse = try #require(summary["test_mse"] as? [String: Double])
        #expect(Set(mse.keys) == ["2", "8", "12", "16", "32", "64"])
        // More components never reconstruct worse, and the 64 of a 100-pixel image nearly perfectly.
        let ordered = mse.keys.compactMap(Int.init).sorted().map { mse[String($0)]! }
        for (a, b) in zip(ordered, ordered.dropFirst()) { #expect(b <= a + 1e-9) }
        let random = try #require(summary["random_subspace_test_mse"] as? [String: Double])
        for (k, value) in mse { #expect(value < random[k]!, "k = \(k): PCA \(value) vs random \(random[k]!)") }
        #expect(summary["train_images"] as? Int == 60 && summary["features"] as? Int == side * side)
    }

    @Test("--subtract-image-mean: each image minus its own mean plus one level; the brightness variance leaves the spectrum")
    func subtractImageMean() throws {
        // By hand: rows (1, 2, 3) and (0, 0, 6) have means 2 and 2; plus level 0.5.
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 6])
        #expect(withoutImageMean(x, plus: 0.5).scalars == [-0.5, 0.5, 1.5, -1.5, -1.5, 4.5])

        // Images of one random brightness each, plus noise: most of their variance is brightness.
        let data = try temporaryFolder("pca-mean-data")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (count, side) = (60, 6)
        var generator = SeededGenerator(seed: 7)
        var pixels: [UInt8] = []
        for _ in 0..<count {
            let level = Double(generator.nextUniform()) * 200
            for _ in 0..<(side * side) { pixels.append(UInt8(level + Double(generator.nextUniform()) * 50)) }
        }
        for (prefix, n) in [("train", count), ("t10k", 10)] {
            try FileIO.writeAtomically(Zlib.gzip(IDXFile(dimensions: [n, side, side], bytes: Array(pixels.prefix(n * side * side))).encoded()),
                                       to: data + "/\(prefix)-images-idx3-ubyte.gz")
            try FileIO.writeAtomically(Zlib.gzip(IDXFile(dimensions: [n], bytes: [UInt8](repeating: 0, count: n)).encoded()),
                                       to: data + "/\(prefix)-labels-idx1-ubyte.gz")
        }
        func totalVariance(_ extra: [String]) throws -> (Double, Bool?) {
            let out = data + "/run\(extra.count)"
            try PCAChapter.parse(["--data", data, "--out", out, "--latent", "4"] + extra).run()
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
            let config = try #require(summary["config"] as? [String: Any])
            return (try #require(summary["total_variance"] as? Double), config["subtract_image_mean"] as? Bool)
        }
        let (plain, plainFlag) = try totalVariance([])
        let (flat, flatFlag) = try totalVariance(["--subtract-image-mean"])
        #expect(plainFlag == false && flatFlag == true)
        // trace Cov(x − m·1) = trace Cov(x) − D · Var(m), m the images' own means (pixels / 255, N − 1 in Var).
        let d = side * side
        let means = (0..<count).map { i in pixels[(i * d)..<((i + 1) * d)].reduce(0.0) { $0 + Double($1) / 255 } / Double(d) }
        let average = means.reduce(0, +) / Double(count)
        let varianceOfMeans = means.reduce(0.0) { $0 + ($1 - average) * ($1 - average) } / Double(count - 1)
        #expect(abs(flat - (plain - Double(d) * varianceOfMeans)) < 1e-4 * plain,
                "total variance \(flat) with the image means removed; \(plain) − D·Var(m) = \(plain - Double(d) * varianceOfMeans)")
        #expect(flat < 0.5 * plain, "brightness was most of the variance: \(flat) of \(plain) is left")
    }
}
