import Foundation
import Testing
import Latent
import LatentData

/// Runs `executable` with `arguments`; its exit status and output.
private func runCollapse(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    runProcess(executable, arguments)
}

@Suite("Chapter 5 on tiny data", .serialized)
struct CollapseChapterTests {
    @Test("A bad option value stops collapse before any work, naming the option",
          .enabled(if: builtExecutable("collapse") != nil),
          arguments: [(["--free-bits", "0"], "--free-bits"), (["--beta", "-1"], "--beta"), (["--warmup-steps", "0"], "--warmup-steps"),
                      (["--cycle-steps", "1"], "--cycle-steps"), (["--variance", "0"], "--variance"), (["--ks", "1,0"], "--ks"),
                      (["--remedy", "learned-sigma"], "--remedy learned-sigma"), (["--remedy", "free"], "--remedy"),
                      (["--mi-images", "1"], "--mi-images"), (["--dataset", "mnist", "--model", "celeba"], "--model celeba goes with --dataset celeba"),
                      (["--dataset", "celeba"], "--model celeba goes with --dataset celeba"),
                      (["--dataset", "celeba", "--model", "celeba", "--experiment", "ppca"], "--experiment ppca is on digits")])
    func badOptions(arguments: [String], option: String) throws {
        let exe = try #require(builtExecutable("collapse"))
        let out = try temporaryFolder("collapse-bad")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Tiny data, so that a value wrongly accepted shows at once as a finished run instead of hours of training.
        try writeTinyMNIST(to: out, train: 32, test: 16, side: 28)
        let result = try runCollapse(exe, arguments + ["--data", out, "--epochs", "1", "--out", out + "/run"])
        #expect(result.status != 0)
        #expect(result.output.contains(option), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out + "/run"), "nothing is written for a bad option")
    }

    @Test("collapse --remedy free-bits and --model rows train on tiny MNIST and write the KL split, active units and charts",
          .enabled(if: builtExecutable("collapse") != nil), arguments: ["dense", "rows"])
    func tinyRun(model: String) throws {
        let exe = try #require(builtExecutable("collapse"))
        let folder = try temporaryFolder("collapse-\(model)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeTinyMNIST(to: folder, train: 32, test: 16, side: 28)
        let result = try runCollapse(exe, ["--data", folder, "--model", model, "--remedy", "free-bits", "--latent", "3", "--batch-size", "8",
                                           "--epochs", "1", "--iw", "4", "--iw-images", "4", "--mi-images", "16", "--out", folder + "/run"])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/summary.json"))) as? [String: Any])
        let kl = try #require(summary["test_kl"] as? Double), information = try #require(summary["mutual_information"] as? Double)
        let marginal = try #require(summary["marginal_kl"] as? Double)
        let meanKL = try #require(summary["mean_kl_mi_images"] as? Double)
        // One sample per image: the estimate may dip below 0 for a code that says little, never above log N.
        #expect(information <= Foundation.log(16.0) + 1e-9, "I(x; z) \(information)")
        #expect(Swift.abs(information + marginal - meanKL) < 1e-9 * Swift.max(1, meanKL))
        #expect((summary["kl_per_dimension"] as? [Double])?.count == 3)
        #expect(summary["active_units"] as? Int != nil && kl >= 0 && marginal.isFinite)
        #expect((summary["test_log_px_iw"] as? Double != nil) == (model == "dense"), "IW log p(x) only for the plain dense model")
        let chart = try String(contentsOfFile: folder + "/run/kl-per-dimension.svg", encoding: .utf8)
        #expect(chart.contains("<svg"))
    }
}
