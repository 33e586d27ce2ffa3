import ArgumentParser
import Foundation
import Latent
import LatentData
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
    // Other processes share the cores: say how busy the machine was (the 1-minute load average).
    if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8).split(separator: " ").first {
        print("# load average \(load) at start (other processes share the cores; repeat if high)")
    }
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
    let clock = Stopwatch()
    body()
    return clock.seconds
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

/// A layer that times its wrapped layer's forward and backward (the bench's per-layer profile).
final class TimedLayer: Layer {
    let inner: any Layer
    var forwardSeconds = 0.0, backwardSeconds = 0.0
    init(_ inner: any Layer) { self.inner = inner }
    func forward(_ x: Tensor) -> Tensor { let c = Stopwatch(); defer { forwardSeconds += c.seconds }; return inner.forward(x) }
    func backward(_ dy: Tensor) -> Tensor { let c = Stopwatch(); defer { backwardSeconds += c.seconds }; return inner.backward(dy) }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    var isTraining: Bool { get { inner.isTraining } set { inner.isTraining = newValue } }
}

/// Training steps of the models the chapters train, through the chapters' own step functions
/// (`autoencoderStep`, `vaeStep`), with every layer wrapped to time its forward and backward.
final class ModelTrainer {
    let autoencoder: ConvAutoencoder?
    let vae: VAE?
    let layers: [(name: String, timed: TimedLayer)]
    let batches: [Tensor]
    let beta: Float
    var generator = SeededGenerator(seed: 7)
    let update: Adam
    var stepIndex = 0
    /// Seconds outside the layers: the loss, reparameterization and KL, the optimizer, zeroing gradients.
    var otherTimes: [String: Double] = [:]
    var stepSeconds = 0.0

    /// Seed 001's conv AE (`variational: false`) or chapter 4's conv VAE (`VAE.conv`, MSE + β·KL).
    init(variational: Bool, batch: Int, latentDimension: Int, beta: Float) {
        var rng = SeededGenerator(seed: 1)
        let wrap = { (prefix: String, network: Sequential) in
            network.layers.enumerated().map { (name: "\(prefix).\($0.offset) \($0.element)", timed: TimedLayer($0.element)) }
        }
        let encoder: [(name: String, timed: TimedLayer)], decoder: [(name: String, timed: TimedLayer)]
        if variational {
            let plain = VAE.conv(latent: latentDimension, likelihood: .mse, using: &rng)
            (encoder, decoder) = (wrap("encoder", plain.encoder), wrap("decoder", plain.decoder))
            vae = VAE(kind: plain.kind, latentDimension: latentDimension, imageShape: plain.imageShape, likelihood: .mse,
                      encoder: Sequential(encoder.map(\.timed)), decoder: Sequential(decoder.map(\.timed)))
            autoencoder = nil
            update = Adam(parameters: vae!.parameters, lr: 1e-3)
        } else {
            let model = ConvAutoencoder(latentDimension: latentDimension, using: &rng)
            (encoder, decoder) = (wrap("encoder", model.encoder), wrap("decoder", model.decoder))
            autoencoder = ConvAutoencoder(latentDimension: latentDimension, encoder: Sequential(encoder.map(\.timed)),
                                          decoder: Sequential(decoder.map(\.timed)))
            vae = nil
            update = Adam(parameters: autoencoder!.parameters, lr: 1e-3)
        }
        layers = encoder + decoder
        batches = (0..<4).map { _ in Tensor.randomUniform([batch, 1, 28, 28], using: &rng) }
        self.beta = beta
        resetProfile()
    }

    func resetProfile() {
        for layer in layers { (layer.timed.forwardSeconds, layer.timed.backwardSeconds) = (0, 0) }
        otherTimes = [:]
        stepSeconds = 0
    }

    private func timed(_ key: String, _ body: () -> Void) {
        let clock = Stopwatch()
        body()
        otherTimes[key, default: 0] += clock.seconds
    }

    /// zero_grad, the chapter's step (forward, loss, backward), Adam step.
    func step() {
        let x = batches[stepIndex % batches.count]
        stepIndex += 1
        let clock = Stopwatch()
        timed("zero grad") { update.zeroGrad() }
        if let vae {
            let eps = Tensor.randomNormal([x.shape[0], vae.latentDimension], using: &generator)
            vaeStep(vae, x: x, eps: eps, objective: .betaVAE(beta: beta))
        } else if let autoencoder {
            autoencoderStep(autoencoder, input: x, target: x)
        }
        timed("Adam step") { update.step() }
        stepSeconds += clock.seconds
    }

    /// Each layer's forward and backward share of the total time, largest first; then the rest.
    func profileTable() -> String {
        let layerTimes = layers.map { (name: $0.name, forward: $0.timed.forwardSeconds, backward: $0.timed.backwardSeconds) }
        let layerTotal = layerTimes.reduce(0) { $0 + $1.forward + $1.backward }
        var otherTimes = self.otherTimes
        otherTimes["loss, reparameterization, KL (the step outside the layers)"] = max(0, stepSeconds - layerTotal - otherTimes.values.reduce(0, +))
        let total = stepSeconds
        guard total > 0 else { return "" }
        func percent(_ seconds: Double) -> String { String(format: "%5.1f%%", 100 * seconds / total) }
        var lines = ["  total   forward  backward  (share of step time)"]
        var rest = (forward: 0.0, backward: 0.0, count: 0)
        for entry in layerTimes.sorted(by: { $0.forward + $0.backward > $1.forward + $1.backward }) {
            guard (entry.forward + entry.backward) / total >= 0.005 else {
                rest = (rest.forward + entry.forward, rest.backward + entry.backward, rest.count + 1)
                continue
            }
            lines.append("  \(percent(entry.forward + entry.backward))  \(percent(entry.forward))   \(percent(entry.backward))  \(entry.name)")
        }
        if rest.count > 0 {
            lines.append("  \(percent(rest.forward + rest.backward))  \(percent(rest.forward))   \(percent(rest.backward))  \(rest.count) other layers (each < 0.5%)")
        }
        for (key, seconds) in otherTimes.sorted(by: { $0.value > $1.value }) {
            lines.append("  \(percent(seconds))                     \(key)")
        }
        return lines.joined(separator: "\n")
    }
}
