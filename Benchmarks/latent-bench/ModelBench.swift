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
    @Option(parsing: .unconditional, help: "Thread counts (comma-separated).")
    var threads: String = "2"

    @Option(parsing: .unconditional, help: "Images per batch.")
    var batch: Int = 64

    @Option(parsing: .unconditional, help: "Latent size nz.")
    var nz: Int = 64

    @Option(parsing: .unconditional, help: "Weight of the KL term (vae).")
    var beta: Float = 1

    @Option(parsing: .unconditional, help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 3

    @Option(parsing: .unconditional, help: "Seconds each timed repetition lasts (about).")
    var target: Double = 1

    @Option(parsing: .unconditional, help: "With --compare: how many times ours and the peer alternate (best counts).")
    var rounds: Int = 1

    @Flag(help: "Also run Benchmarks/pytorch/bench_models.py alternately and print the ratio.")
    var compare = false

    func validate() throws {
        _ = try parseThreadList(threads)
        try require(batch >= 2, "--batch", "at least 2 (BatchNorm needs two images)", batch)
        try require(nz >= 1, "--nz", "at least 1", nz)
        try require(beta.isFinite && beta >= 0, "--beta", "a number ≥ 0", beta)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
        try require(target.isFinite && target > 0, "--target", "a positive number of seconds", target)
        try require(rounds >= 1, "--rounds", "at least 1", rounds)
    }

    @Flag(help: "Skip the per-layer table of forward and backward time shares.")
    var noProfile = false
}

func runModelBench(variational: Bool, _ options: ModelBenchOptions) throws {
    let name = variational ? "vae" : "ae"
    let threadList = try parseThreadList(options.threads)
    let peer = options.compare ? try PeerScript("bench_models.py") : nil
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
            let seconds = Timing.secondsPerCall(warmup: 3, repetitions: options.repetitions, target: options.target) { trainer.step() }
            ours = max(ours, Double(options.batch) / seconds)
            if let peer {
                let lines = try peer.run(["--cases", name, "--threads", "\(threads)", "--batch", "\(options.batch)", "--nz", "\(options.nz)",
                                          "--beta", "\(options.beta)", "--repetitions", "\(options.repetitions)", "--target", "\(options.target)"])
                guard let line = lines.first(where: { $0.name == name && $0["threads"] == "\(threads)" && $0.unit == "images/s" }) else {
                    throw PeerError.missingLine(script: peer.path, expected: "\(name) threads=\(threads) … images/s", output: lines.map(\.description).joined(separator: "\n"))
                }
                theirs = max(theirs, line.value)
            }
        }
        print("\(name) threads=\(threads) \(String(format: "%.1f", ours)) images/s")
        if peer != nil {
            print("\(name) threads=\(threads) pytorch \(String(format: "%.1f", theirs)) images/s")
            print("\(name) threads=\(threads) ratio \(String(format: "%.2f", ours / theirs)) (Latent / PyTorch)")
        }
        if !options.noProfile { print(trainer.profileTable()) }
    }
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
