import Foundation
import Testing
import Latent
import LatentData

@Suite("Chapter 7 on tiny data", .serialized)
struct ConditionalChapterTests {
    @Test("A bad option value stops cvae before any work, naming the option",
          .enabled(if: builtExecutable("cvae") != nil),
          arguments: [(["--labels", "15"], "--labels"), (["--labels", "0"], "--labels"), (["--alpha", "-1"], "--alpha"),
                      (["--dataset", "celeba"], "--dataset"), (["--probe-vae", "/no/such.safetensors"], "--probe-vae"),
                      (["--hidden", "0"], "--hidden"), (["--model", "m3"], "--model")])
    func badOptions(arguments: [String], option: String) throws {
        let exe = try #require(builtExecutable("cvae"))
        let out = try temporaryFolder("cvae-bad")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = runProcess(exe, arguments + ["--out", out + "/run"])
        #expect(result.status != 0)
        #expect(result.output.contains(option), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out + "/run"), "nothing is written for a bad option")
    }

    @Test("cvae --model cvae and --model m2 train on tiny MNIST and write their measures and pictures",
          .enabled(if: builtExecutable("cvae") != nil), arguments: ["cvae", "m2"])
    func tinyRun(model: String) throws {
        let exe = try #require(builtExecutable("cvae"))
        let folder = try temporaryFolder("cvae-\(model)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeTinyMNIST(to: folder, train: 40, test: 20, side: 28)
        let result = runProcess(exe, ["--data", folder, "--model", model, "--hidden", "8", "--latent", "2", "--batch-size", "10",
                                      "--epochs", "1", "--labels", "10", "--baseline-steps", "3", "--iw", "4", "--iw-images", "5",
                                      "--out", folder + "/run"])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/summary.json"))) as? [String: Any])
        if model == "cvae" {
            let elbo = try #require(summary["test_elbo"] as? Double), logPxy = try #require(summary["test_log_pxy_iw"] as? Double)
            let subsetELBO = try #require(summary["test_elbo_iw_images"] as? Double)
            #expect(elbo < 0 && logPxy < 0 && logPxy.isFinite)
            #expect(logPxy > subsetELBO - 50, "K = 4 importance samples should not fall far below the one-sample bound")
        } else {
            let error = try #require(summary["test_error"] as? Double), baseline = try #require(summary["labels_only_error"] as? Double)
            #expect((0...1).contains(error) && (0...1).contains(baseline))
            let indices = try #require(summary["label_indices"] as? [Int])
            #expect(indices.count == 10 && Set(indices.map { $0 % 10 }).count == 10, "one labelled image per class (tiny labels are index mod 10)")
            #expect((summary["alpha"] as? Double).map { Swift.abs($0 - 0.1 * 40 / 10) < 1e-6 } == true, "α = 0.1·N/labels")
        }
        for file in ["class-grid.png", "style.png", "curves.svg", "index.html"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/run/" + file), "\(file)")
        }
    }
}
