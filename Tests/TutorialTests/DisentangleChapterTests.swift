import Foundation
import Testing
import Latent

@Suite("Chapter 6 on tiny data", .serialized)
struct DisentangleChapterTests {
    @Test("A bad option value stops disentangle before any work, naming the option",
          .enabled(if: builtExecutable("disentangle") != nil),
          arguments: [(["--beta", "-1"], "--beta"), (["--latent", "0"], "--latent"), (["--train-size", "1"], "--train-size"),
                      (["--eval-scale", "0"], "--eval-scale"), (["--dataset", "mnist"], "--dataset"), (["--model", "factor-vae"], "--model")])
    func badOptions(arguments: [String], option: String) throws {
        let exe = try #require(builtExecutable("disentangle"))
        let out = try temporaryFolder("disentangle-bad")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = runProcess(exe, arguments + ["--out", out + "/run"])
        #expect(result.status != 0)
        #expect(result.output.contains(option), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out + "/run"))
    }

    @Test("disentangle --model beta-tcvae trains a few steps on drawn shapes and writes the five metrics and the pictures",
          .enabled(if: builtExecutable("disentangle") != nil))
    func tinyRun() throws {
        let exe = try #require(builtExecutable("disentangle"))
        let folder = try temporaryFolder("disentangle-tiny")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = runProcess(exe, ["--model", "beta-tcvae", "--beta", "6", "--latent", "3", "--train-size", "8", "--batch-size", "4",
                                      "--epochs", "1", "--eval-scale", "0.005", "--out", folder + "/run"])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/summary.json"))) as? [String: Any])
        for key in ["beta_vae_score", "factor_vae_score", "mig", "sap", "dci_disentanglement", "dci_completeness"] {
            let value = try #require(summary[key] as? Double, "\(key) missing")
            #expect(value >= 0 && value <= 1, "\(key) = \(value)")
        }
        #expect((summary["train_tc_per_epoch"] as? [Double])?.count == 1)
        #expect((summary["traversal_labels"] as? [String])?.count == 3)
        for file in ["shapes.png", "traversals.png", "codes.csv", "index.html"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/run/" + file), "\(file) missing")
        }
    }
}
