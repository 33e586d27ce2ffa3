import ArgumentParser
import Foundation
import Latent
import LatentModels

// `latent-bench ae` and `latent-bench vae`: training steps of seed 001's conv autoencoder and VAE on
// random 28×28 batches (MSE, Adam lr 1e-3), in images/s, with each layer's share of the step time.
// `Benchmarks/pytorch/bench_models.py` is the PyTorch peer; `--compare` runs it alternately and prints
// the ratio.

/// `latent-bench ae`: seed 001's conv autoencoder, one training step per batch.
struct AEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ae",
        abstract: "Train seed 001's conv AE on random 28×28 batches; prints `ae threads=<t> <x> images/s`.")

    @OptionGroup var options: ModelBenchOptions

    func run() throws { try runModelBench(variational: false, options) }
}

/// `latent-bench vae`: the same with (μ, log σ) codes, the reparameterization and the KL term.
struct VAEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train seed 001's conv VAE on random 28×28 batches; prints `vae threads=<t> <x> images/s`.")

    @OptionGroup var options: ModelBenchOptions

    func run() throws { try runModelBench(variational: true, options) }
}

/// Options shared by `ae` and `vae`.
struct ModelBenchOptions: ParsableArguments {
    @Option(help: "Thread counts (comma-separated).")
    var threads: String = "2"

    @Option(help: "Images per batch.")
    var batch: Int = 64

    @Option(help: "Latent size nz.")
    var nz: Int = 64

    @Option(help: "Weight of the KL term (vae).")
    var beta: Float = 1

    @Option(help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 3

    @Option(help: "Seconds each timed repetition lasts (about).")
    var target: Double = 1

    @Option(help: "With --compare: how many times ours and the peer alternate (best counts).")
    var rounds: Int = 1

    @Flag(help: "Also run Benchmarks/pytorch/bench_models.py alternately and print the ratio.")
    var compare = false

    @Flag(help: "Skip the per-layer table of forward and backward time shares.")
    var noProfile = false
}

func runModelBench(variational: Bool, _ options: ModelBenchOptions) throws {
    let name = variational ? "vae" : "ae"
    let threadList = options.threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !threadList.isEmpty, threadList.allSatisfy({ $0 > 0 }) else {
        throw ValidationError("--threads wants positive integers separated by commas, got \"\(options.threads)\"")
    }
    let peerPath = try compareScriptPath(options.compare)
    for threads in threadList {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let trainer = ModelTrainer(variational: variational, batch: options.batch, latentDimension: options.nz, beta: options.beta)
        var ours = 0.0, theirs = 0.0
        for _ in 0..<max(1, options.rounds) {
            trainer.resetProfile()
            let seconds = secondsPerStep(repetitions: options.repetitions, target: options.target) { trainer.step() }
            ours = max(ours, Double(options.batch) / seconds)
            if let peerPath {
                theirs = max(theirs, try runPeer(peerPath, case: name, threads: threads, options: options))
            }
        }
        print("\(name) threads=\(threads) \(String(format: "%.1f", ours)) images/s")
        if peerPath != nil {
            print("\(name) threads=\(threads) pytorch \(String(format: "%.1f", theirs)) images/s")
            print("\(name) threads=\(threads) ratio \(String(format: "%.2f", ours / theirs)) (Latent / PyTorch)")
        }
        if !options.noProfile { print(trainer.profileTable()) }
    }
}

/// Seconds per step: warm-up steps, then `repetitions` batches of steps lasting about `target` seconds
/// each; the fastest batch counts (as the peer script times it).
func secondsPerStep(warmup: Int = 3, repetitions: Int, target: Double, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    let single = max(wallSeconds(body), 1e-7)
    let calls = max(1, Int(target / single))
    var best = Double.infinity
    for _ in 0..<max(1, repetitions) {
        best = min(best, wallSeconds { for _ in 0..<calls { body() } } / Double(calls))
    }
    return best
}

/// Wall-clock seconds of one call of `body`.
func wallSeconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// The peer script's path when comparing (found beside this package's Benchmarks folder or the current directory).
func compareScriptPath(_ compare: Bool) throws -> String? {
    guard compare else { return nil }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [root.appendingPathComponent("Benchmarks/pytorch/bench_models.py").path,
                      FileManager.default.currentDirectoryPath + "/Benchmarks/pytorch/bench_models.py"]
    guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
        throw ValidationError("peer script not found at \(candidates[0]) (run latent-bench from the package root)")
    }
    return path
}

/// Runs the PyTorch peer for one case and thread count; returns its images/s.
func runPeer(_ path: String, case name: String, threads: Int, options: ModelBenchOptions) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", path, "--cases", name, "--threads", "\(threads)", "--batch", "\(options.batch)",
                         "--nz", "\(options.nz)", "--beta", "\(options.beta)", "--repetitions", "\(options.repetitions)",
                         "--target", "\(options.target)"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    let prefix = "\(name) threads=\(threads) "
    guard process.terminationStatus == 0,
          let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(" images/s") }),
          let value = Double(line.dropFirst(prefix.count).dropLast(" images/s".count)) else {
        throw ValidationError("python3 \(path) (status \(process.terminationStatus)) printed no `\(prefix)… images/s` line:\n\(output)")
    }
    return value
}

/// One training step of the seed-001 AE or VAE, timing every layer's forward and backward.
final class ModelTrainer {
    let model: ConvAutoencoder
    let batches: [Tensor]
    let beta: Float
    var generator = SeededGenerator(seed: 7)
    let update: AdamArithmetic
    var stepIndex = 0
    /// Per layer (encoder then decoder): its name and accumulated forward and backward seconds.
    var layerTimes: [(name: String, forward: Double, backward: Double)] = []
    /// Seconds outside the layers: loss, reparameterization and KL, optimizer, zeroing gradients.
    var otherTimes: [String: Double] = [:]

    init(variational: Bool, batch: Int, latentDimension: Int, beta: Float) {
        var rng = SeededGenerator(seed: 1)
        model = ConvAutoencoder(latentDimension: latentDimension, variational: variational, using: &rng)
        batches = (0..<4).map { _ in Tensor.randomUniform([batch, 1, 28, 28], using: &rng) }
        self.beta = beta
        update = AdamArithmetic(parameters: model.parameters, lr: 1e-3)
        resetProfile()
    }

    func resetProfile() {
        layerTimes = model.encoder.layers.enumerated().map { ("encoder.\($0.offset) \($0.element)", 0, 0) }
            + model.decoder.layers.enumerated().map { ("decoder.\($0.offset) \($0.element)", 0, 0) }
        otherTimes = [:]
    }

    private func timed(_ key: String, _ body: () -> Void) {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        otherTimes[key, default: 0] += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private func forward(_ network: Sequential, offset: Int, _ x: Tensor) -> Tensor {
        var x = x
        for (i, layer) in network.layers.enumerated() {
            let start = ContinuousClock.now
            x = layer.forward(x)
            let elapsed = ContinuousClock.now - start
            layerTimes[offset + i].forward += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        return x
    }

    private func backward(_ network: Sequential, offset: Int, _ dy: Tensor) -> Tensor {
        var dy = dy
        for (i, layer) in network.layers.enumerated().reversed() {
            let start = ContinuousClock.now
            dy = layer.backward(dy)
            let elapsed = ContinuousClock.now - start
            layerTimes[offset + i].backward += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        return dy
    }

    /// zero_grad, forward, MSE (+ KL), backward, Adam step.
    func step() {
        let x = batches[stepIndex % batches.count]
        stepIndex += 1
        timed("zero grad") { model.zeroGrad() }
        let decoderOffset = model.encoder.layers.count
        let code = forward(model.encoder, offset: 0, x)
        var z = code, mu = code, logSigma = code, sigma = code, eps = code
        if model.isVariational {
            timed("reparameterize + KL") {
                (mu, logSigma) = code.splitColumns(model.latentDimension)
                eps = Tensor.randomNormal(like: mu, using: &generator)
                sigma = exp(logSigma)
                z = mu + sigma * eps
            }
        }
        let xHat = forward(model.decoder, offset: decoderOffset, z)
        var dxHat = xHat
        timed("MSE loss") {
            let difference = xHat - x
            _ = (difference * difference).mean()
            dxHat = difference * (2 / Float(x.count))
        }
        let dz = backward(model.decoder, offset: decoderOffset, dxHat)
        var dCode = dz
        if model.isVariational {
            timed("reparameterize + KL") {
                // KL(N(μ, σ²) ‖ N(0, I)) summed over z, averaged over the batch: Σ (−log σ + (σ² + μ²)/2 − 1/2) / N.
                let n = Float(mu.shape[0])
                _ = ((0 - logSigma) + 0.5 * (sigma * sigma + mu * mu) - 0.5).sum() / n
                let dMu = dz + (beta / n) * mu
                let dLogSigma = dz * eps * sigma + (beta / n) * (sigma * sigma - 1)
                dCode = concatColumns(dMu, dLogSigma)
            }
        }
        _ = backward(model.encoder, offset: 0, dCode)
        timed("Adam step") { update.step() }
    }

    /// Each layer's forward and backward share of the total time, largest first; then the rest.
    func profileTable() -> String {
        let layerTotal = layerTimes.reduce(0) { $0 + $1.forward + $1.backward }
        let total = layerTotal + otherTimes.values.reduce(0, +)
        guard total > 0 else { return "" }
        func percent(_ seconds: Double) -> String { String(format: "%5.1f%%", 100 * seconds / total) }
        var lines = ["  share of step time    forward  backward  layer"]
        for entry in layerTimes.sorted(by: { $0.forward + $0.backward > $1.forward + $1.backward }) {
            lines.append("  \(percent(entry.forward + entry.backward))             \(percent(entry.forward))   \(percent(entry.backward))  \(entry.name)")
        }
        for (key, seconds) in otherTimes.sorted(by: { $0.value > $1.value }) {
            lines.append("  \(percent(seconds))                                \(key)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Adam's arithmetic (torch.optim.Adam, no weight decay) for the benchmark until the shared optimizer
/// lands on this branch; then this becomes `Adam(parameters: model.parameters, lr: 1e-3)`.
final class AdamArithmetic {
    let parameters: [Parameter]
    let lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
    var m: [[Float]], v: [[Float]]
    var t = 0

    init(parameters: [Parameter], lr: Float) {
        self.parameters = parameters
        self.lr = lr
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    func step() {
        t += 1
        let stepSize = lr / (1 - Float(pow(Double(beta1), Double(t))))
        let sqrtCorrection = Float((1 - pow(Double(beta2), Double(t))).squareRoot())
        for (k, parameter) in parameters.enumerated() {
            let g = parameter.grad.scalars
            parameter.value.withUnsafeMutableBufferPointer { p in
                for i in 0..<g.count {
                    m[k][i] += (1 - beta1) * (g[i] - m[k][i])
                    v[k][i] = beta2 * v[k][i] + (1 - beta2) * g[i] * g[i]
                    p[i] -= stepSize * m[k][i] / (v[k][i].squareRoot() / sqrtCorrection + eps)
                }
            }
        }
    }
}
