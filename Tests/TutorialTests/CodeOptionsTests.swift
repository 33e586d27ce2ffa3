import Foundation
import Testing

// The options that measure codes (chapter 2's --model tied, --hidden, --anomaly; chapter 3's
// --anomaly; chapter 4's --probe, --ae, --vae): bad values stop the run before any work, naming the
// option, and a tiny tied run reports the anomaly AUROC.

/// Runs the built chapter `name` with `arguments`; its exit status and output.
private func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    runProcess(try #require(builtExecutable(name), "\(name) is not built beside the tests"), arguments)
}

private let fashionAvailable = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    || (sharedData.map { FileManager.default.fileExists(atPath: $0 + "/fashion-mnist/t10k-images-idx3-ubyte.gz") } ?? false)

@Suite("Code measurement options")
struct CodeOptionsTests {
    static let badOptions: [(String, [String], String)] = [
        ("autoencoder", ["--anomaly", "mnist"], "--anomaly mnist"),
        ("autoencoder", ["--dataset", "fashion-mnist", "--anomaly", "fashion-mnist"], "--anomaly fashion-mnist"),
        ("autoencoder", ["--hidden=-1"], "--hidden must be ≥ 0"),
        ("autoencoder", ["--model", "tide"], "tide"),
        ("vae", ["--anomaly", "mnist"], "--anomaly mnist"),
        ("beta-vae", ["--ae", "x.safetensors"], "--ae is used by --probe only"),
        ("beta-vae", ["--probe", "--vae", "/nonexistent.safetensors"], "--vae /nonexistent.safetensors: no such file"),
        ("beta-vae", ["--probe", "--dataset", "celeba"], "--probe needs labelled"),
    ]

    @Test("a bad value stops the chapter before any work, naming the option", arguments: badOptions)
    func badValue(name: String, arguments: [String], message: String) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("latent-bad-\(UUID().uuidString)").path
        let result = try run(name, arguments + ["--out", out])
        #expect(result.status != 0)
        #expect(result.output.contains(message), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for a bad option")
    }

    @Test("autoencoder --model tied --anomaly fashion-mnist trains and writes the AUROC into summary.json",
          .enabled(if: sharedData != nil && fashionAvailable))
    func tiedAnomaly() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("latent-tied-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try run("autoencoder", ["--model", "tied", "--hidden", "16", "--latent", "4", "--limit", "128", "--test-limit", "64",
                                             "--epochs", "1", "--anomaly", "fashion-mnist", "--threads", "1", "--out", out])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("AUROC of the per-image reconstruction error, fashion-mnist"), "\(result.output)")
        let summary = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")), as: UTF8.self)
        #expect(summary.contains("\"auroc\"") && summary.contains("\"model\": \"tied\""), "\(summary)")
    }
}
