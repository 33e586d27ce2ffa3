import Foundation
import Testing
import Latent
import LatentData
import LatentModels

private let mnistAvailable = sharedData.map { FileManager.default.fileExists(atPath: $0 + "/mnist/t10k-images-idx3-ubyte.gz") } ?? false

/// Width and height from a PNG's IHDR, after checking its signature.
private func pngSize(_ path: String) throws -> (width: Int, height: Int) {
    let bytes = try FileIO.readFile(path)
    try #require(bytes.count > 24 && bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(path) is not a PNG")
    let be = { (i: Int) in bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be(16), be(20))
}


@Suite("Chapters 3 and 4 on tiny data", .serialized)
struct VAESmokeTests {
    @Test("A few hundred VAE steps (the chapter's step) on tiny binary patterns raise the test ELBO")
    func trainingRaisesELBO() {
        var g = SeededGenerator(seed: 21)
        // Four 4×4 binary patterns with 5% pixel noise: a VAE can learn them quickly.
        let patterns: [[Float]] = (0..<4).map { k in (0..<16).map { p in (p / 4 == k || p % 4 == k) ? 1 : 0 } }
        func batch(_ n: Int) -> Tensor {
            var scalars: [Float] = []
            for _ in 0..<n {
                let p = patterns[Int(g.next() % 4)]
                scalars += p.map { g.nextUniform() < 0.05 ? 1 - $0 : $0 }
            }
            return Tensor(shape: [n, 1, 4, 4], scalars: scalars)
        }
        let test = batch(200)
        let model = VAE.dense(inputs: [1, 4, 4], hidden: 32, latent: 2, likelihood: .bce, using: &g)
        let optimizer = Adam(parameters: model.parameters, lr: 1e-2)
        var evalRng = SeededGenerator(seed: 1)
        let before = model.evaluateELBO(images: test, using: &evalRng).elbo
        for _ in 0..<300 {
            let x = batch(32)
            optimizer.zeroGrad()
            let (mu, logVar) = model.encoder.forward(x).splitColumns(2)
            let eps = Tensor.randomNormal(like: mu, using: &g)
            let std = exp(0.5 * logVar)
            let z = mu + std * eps
            let (_, dXHat) = binaryCrossEntropyWithLogits(model.decoder.forward(z), x, reduction: .sum)
            let (_, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .sum)
            let dZ = model.decoder.backward(dXHat)
            _ = model.encoder.backward(concatColumns(dZ + dMu, dZ * eps * 0.5 * std + dLogVar))
            optimizer.step()
        }
        evalRng = SeededGenerator(seed: 1)
        let after = model.evaluateELBO(images: test, using: &evalRng).elbo
        var iwRng = SeededGenerator(seed: 2)
        let iw = model.importanceWeightedLogLikelihood(images: test, samples: 50, using: &iwRng).reduce(0, +) / 200
        #expect(after > before + 2, "ELBO before \(before), after \(after)")
        #expect(iw > after, "log p(x) estimate \(iw) should sit above the ELBO \(after)")
        #expect(after > -16 * Foundation.log(2.0), "better than coin flips per pixel: \(after)")
    }

    @Test("vae writes decodable pictures and summary.json, and --resume continues the run",
          .enabled(if: mnistAvailable && builtExecutable("vae") != nil))
    func vaeChapterRun() throws {
        let exe = try #require(builtExecutable("vae"))
        let out = try temporaryFolder("vae")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = ["--data", sharedData! + "/mnist", "--limit", "512", "--test-limit", "128", "--latent", "2",
                      "--iw", "8", "--iw-images", "16", "--out", out]
        let first = runProcess(exe, common + ["--epochs", "1", "--pairs", "1-7,3-5", "--pairs-per", "2"])
        #expect(first.status == 0, "\(first.output)")
        // Two digit pairs × two test pairs: four rows of 12 enlarged digits (84 px) with 2-px gaps.
        let interpolation = try pngSize(out + "/interpolation.png")
        #expect(interpolation.width == 12 * 86 + 2 && interpolation.height == 4 * 86 + 2, "interpolation.png is \(interpolation)")
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        for name in ["interpolation.png", "manifold.png", "latent-scatter.svg", "curves.svg", "summary.json"] {
            #expect(page.contains("=\"\(name)\""), "index.html does not name \(name)")
        }
        for name in ["reconstructions.png", "samples.png", "interpolation.png", "manifold.png"] {
            let size = try pngSize(out + "/" + name)
            #expect(size.width > 28 && size.height > 28, "\(name) is \(size)")
        }
        for name in ["curves.svg", "latent-scatter.svg"] {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            #expect(text.hasPrefix("<?xml") && text.contains("<svg") && text.hasSuffix("</svg>\n"), "\(name)")
        }
        let second = runProcess(exe, common + ["--epochs", "2", "--resume"])
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("resumed from"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
        #expect((summary["config"] as? [String: Any])?["epochs"] as? Int == 2)
        #expect((summary["test_elbo_per_epoch"] as? [Double])?.count == 2)
        let elbo = try #require(summary["test_elbo"] as? Double), logPx = try #require(summary["test_log_px_iw"] as? Double)
        #expect(summary["iw_samples"] as? Int == 8)
        #expect(elbo < 0 && logPx < 0 && elbo.isFinite && logPx.isFinite)
    }

    @Test("beta-vae --sweep writes the comparison grid and one table row per β",
          .enabled(if: mnistAvailable && builtExecutable("beta-vae") != nil))
    func betaSweepRun() throws {
        let exe = try #require(builtExecutable("beta-vae"))
        let out = try temporaryFolder("beta-vae")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = runProcess(exe, ["--data", sharedData! + "/mnist", "--sweep", "--betas", "0,1", "--epochs", "1", "--limit", "256",
                                   "--test-limit", "64", "--latent", "8", "--traverse", "3", "--out", out])
        #expect(result.status == 0, "\(result.output)")
        let grid = try pngSize(out + "/comparison.png")
        #expect(grid.height > 5 * 28)  // test images + 2 rows per β
        _ = try pngSize(out + "/traversals-beta1.png")
        let bars = try String(contentsOfFile: out + "/kl-per-dimension-beta0.svg", encoding: .utf8)
        #expect(bars.components(separatedBy: "<rect").count - 1 == 2 + 8)  // background, plot frame, one bar per dimension
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
        let rows = try #require(summary["betas"] as? [[String: Any]])
        #expect(rows.map { $0["beta"] as? Double } == [0, 1])
        for row in rows { #expect((row["kl_per_dimension"] as? [Double])?.count == 8) }
    }

    @Test("A bad --pairs or --pairs-per stops chapter 3 before any work, naming the option",
          .enabled(if: builtExecutable("vae") != nil),
          arguments: [["--pairs", "1-10"], ["--pairs", "17"], ["--pairs", "1-7,"], ["--pairs", "a-b"], ["--pairs-per", "0"]])
    func badPairs(arguments: [String]) throws {
        let exe = try #require(builtExecutable("vae"))
        let out = try temporaryFolder("vae-bad-pairs")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Tiny data, so that a check that slipped past validate() costs a second, not a training.
        let tiny = ["--limit", "64", "--test-limit", "64", "--epochs", "1", "--iw", "0"] + (sharedData.map { ["--data", $0 + "/mnist"] } ?? [])
        let result = runProcess(exe, arguments + tiny + ["--out", out + "/run"])
        #expect(result.status != 0)
        #expect(result.output.contains(arguments[0] + ":") || result.output.contains(arguments[0] + " must"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out + "/run"), "nothing is written for a bad option")
    }

    @Test("An unknown --dataset stops chapters 3 and 4 before any work, naming the datasets there are",
          .enabled(if: builtExecutable("vae") != nil && builtExecutable("beta-vae") != nil), arguments: ["vae", "beta-vae"])
    func unknownDataset(name: String) throws {
        // Until chapter 3 took a DatasetName, `--dataset fashion` quietly trained on MNIST.
        let exe = try #require(builtExecutable(name))
        let out = try temporaryFolder(name + "-bad-dataset")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = runProcess(exe, ["--dataset", "fashion", "--out", out + "/run"])
        #expect(result.status != 0)
        #expect(result.output.contains("'fashion'") && result.output.contains("fashion-mnist"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: out + "/run"), "nothing is written for a bad option")
    }
}

/// The first python3 on PATH that can import numpy and torch (the reference script needs both), if any.
private let python: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
    for folder in path + ["/usr/bin", "/usr/local/bin"] {
        let candidate = folder + "/python3"
        if FileManager.default.isExecutableFile(atPath: candidate), (runProcess(candidate, ["-c", "import numpy, torch"]).status) == 0 {
            return candidate
        }
    }
    return nil
}()

@Suite("The PyTorch reference evaluates on chapter 3's bits")
struct ReferenceBinarizationTests {
    @Test("vae_reference_mnist.py's latent_binarization equals ImageSet.binarized(seed:) bit for bit",
          .enabled(if: python != nil), arguments: [UInt64(12345), 7])
    func sameBits(seed: UInt64) throws {
        // 3 images of 4×4 covering every byte level that matters: 0, 255 and values in between.
        let bytes: [UInt8] = (0..<48).map { UInt8(($0 * 37) % 256) }
        let set = ImageSet(count: 3, channels: 1, height: 4, width: 4, pixels: bytes, labels: nil)
        let expected = try set.binarized(seed: seed).pixels.map { $0 == 255 ? "1" : "0" }.joined()
        let scripts = Self.scripts
        let interpreter = try #require(python)
        let code = """
            import sys, numpy as np
            sys.path.insert(0, '\(scripts)')
            import vae_reference_mnist as m
            b = np.array([\(bytes.map(String.init).joined(separator: ","))], dtype=np.uint8).reshape(3, 16)
            print(''.join('1' if v else '0' for v in m.latent_binarization(b, \(seed)).reshape(-1)))
            """
        let result = runProcess(interpreter, ["-c", code])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }

    @Test("latent_random.py's permutation (the CelebA peer's --order latent) equals SeededGenerator's",
          .enabled(if: python != nil), arguments: [UInt64(1), 12])
    func samePermutation(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let expected = [generator.permutation(1000), generator.permutation(37)].map { $0.map(String.init).joined(separator: ",") }
        let code = """
            import sys
            sys.path.insert(0, '\(Self.scripts)')
            from latent_random import LatentGenerator
            g = LatentGenerator(\(seed))
            for n in (1000, 37): print(','.join(map(str, g.permutation(n))))
            """
        let result = runProcess(try #require(python), ["-c", code])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").map(String.init) == expected)
    }

    /// Benchmarks/pytorch, where the peers live.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/pytorch").path
}
