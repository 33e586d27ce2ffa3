import ArgumentParser
import Foundation
import Latent
import LatentData
import LatentModels

// `latent-bench model CASE` (the cases: `ModelCase`): training steps of every model the chapters train,
// through the chapters' own step functions, on random batches, in images/s, with each layer's share of
// the step time, the 2-thread speed-up and the peak memory. `Benchmarks/pytorch/bench_models.py` is the
// PyTorch peer of each case; `--compare` runs it alternately, checks that its parameter shapes are
// Latent's, and prints the ratio.

/// The models the chapters train, as bench cases.
enum ModelCase: String, CaseIterable, Sendable {
    /// Seed 001's conv autoencoder (chapter 2's default): MSE.
    case ae
    /// Chapter 2's `--model dense` (seed 004): 784-200-z-200-784, ReLU, Sigmoid output, MSE; Adam lr 2.5e-4.
    case denseAE = "dense-ae"
    /// Chapter 2's `--model tied`: the dense autoencoder whose decoder uses the encoder's weights, transposed.
    case tiedAE = "tied-ae"
    /// Chapter 2 on faces: the conv autoencoder for 64×64×3 in [0, 1] at width `--filters` f, MSE.
    case celebaAE = "celeba-ae"
    /// Seed 001's conv VAE (chapter 4's default): per-pixel MSE + β·KL.
    case vae
    /// Chapter 3's default: the dense 784-400-z VAE, Bernoulli decoder on binarized digits, summed ELBO.
    case denseVAE = "dense-vae"
    /// Seed 000's CelebA VAE (chapter 3/4 on faces), at `--filters` f and `--nz` z: summed squared error + KL.
    case celebaVAE = "celeba-vae"
    /// Chapter 3's `--model burda --objective iwae --samples k`: Burda et al.'s 784-200-200-50 tanh VAE
    /// trained on the k-sample bound (`iwaeStep`), batch 20; images/s counts images, not samples.
    case iwae
    /// Chapter 5's `--model rows`: the dense VAE whose decoder also sees the two pixel rows above each
    /// row (`RowContext`), trained by `remedyStep` (the plain ELBO, averaged over the batch).
    case rowsVAE = "rows-vae"
    /// Chapter 6's Burgess et al. VAE on 64×64 binary shapes: Bernoulli −log p(x|z) + β·KL, both per image.
    case burgessVAE = "burgess-vae"
    /// Chapter 6's `--model beta-tcvae`: the same VAE with KL + (β − 1)·total correlation, the latter
    /// estimated on each batch by minibatch-weighted sampling (`betaTCVAEStep`, 20,000 training images).
    case betaTCVAE = "beta-tcvae"
    /// Chapter 7's conditional VAE: the dense 784-400-20 VAE with a one-hot label beside x and beside z.
    case cvae
    /// Chapter 7's M2 (784-500-50, classifier 784-500-10): per step the 100 labelled images and a batch
    /// of unlabelled ones, each through the VAE with every one of the ten labels; images/s counts the
    /// unlabelled images.
    case m2

    /// The chapter's defaults: (batch, z, width f).
    var defaults: (batch: Int, nz: Int, filters: Int) {
        switch self {
        case .ae, .vae: (64, 64, 0)
        case .denseAE, .tiedAE: (64, 20, 0)
        case .celebaAE: (64, 128, 32)
        case .denseVAE, .rowsVAE: (128, 20, 0)
        case .celebaVAE: (32, 128, 32)
        case .iwae: (20, 50, 0)
        case .burgessVAE, .betaTCVAE: (64, 10, 0)
        case .cvae: (128, 20, 0)
        case .m2: (100, 50, 0)
        }
    }

    /// The chapter's β: 4 in chapter 6, else 1.
    var defaultBeta: Float { self == .burgessVAE || self == .betaTCVAE ? 4 : 1 }

    /// The images' shape [C, H, W].
    var imageShape: [Int] {
        switch self {
        case .celebaVAE, .celebaAE: [3, 64, 64]
        case .burgessVAE, .betaTCVAE: [1, 64, 64]
        default: [1, 28, 28]
        }
    }

    /// Whether `--filters` sets the model's width.
    var hasWidth: Bool { self == .celebaVAE || self == .celebaAE }
}

/// One subcommand per model case, sharing `ModelBenchOptions`.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Train a chapter's model on random batches; prints `<case> threads=<t> <x> images/s`, the speed-up and peak RSS.",
        discussion: "Cases: ae (seed 001 conv AE), dense-ae, tied-ae and celeba-ae (chapter 2), vae (seed 001 conv VAE), dense-vae (chapter 3's default), celeba-vae (seed 000; --filters 64 --nz 512 is the seed's size), iwae (chapter 3's Burda et al. model, k samples), rows-vae (chapter 5), burgess-vae and beta-tcvae (chapter 6), cvae and m2 (chapter 7).")

    @Argument(help: "The case: \(ModelCase.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String
    @OptionGroup var options: ModelBenchOptions

    func validate() throws {
        guard ModelCase(rawValue: model) != nil else {
            throw ValidationError("the case must be one of \(ModelCase.allCases.map(\.rawValue).joined(separator: ", ")), got \(model)")
        }
    }

    func run() throws { try runModelBench(ModelCase(rawValue: model)!, options) }
}

/// `latent-bench ae`: seed 001's conv autoencoder (the same as `latent-bench model ae`).
struct AEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ae", abstract: "Seed 001's conv AE training steps; the same as `latent-bench model ae`.")
    @OptionGroup var options: ModelBenchOptions
    func run() throws { try runModelBench(.ae, options) }
}

/// `latent-bench vae`: seed 001's conv VAE (the same as `latent-bench model vae`).
struct VAEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae", abstract: "Seed 001's conv VAE training steps; the same as `latent-bench model vae`.")
    @OptionGroup var options: ModelBenchOptions
    func run() throws { try runModelBench(.vae, options) }
}

/// Options shared by the model cases.
struct ModelBenchOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Thread counts (comma-separated); with 1 and 2, the speed-up is printed.")
    var threads: String = "1,2"

    @Option(parsing: .unconditional, help: "Images per batch (default: the chapter's: 64; 128 dense-vae, rows-vae and cvae; 32 celeba-vae; 20 iwae; m2 100 unlabelled + 100 labelled).")
    var batch: Int?

    @Option(parsing: .unconditional, help: "Latent size z (default: the chapter's: 64 ae and vae; 20 dense-ae, tied-ae, dense-vae, rows-vae and cvae; 128 celeba-ae and celeba-vae; 50 iwae and m2; 10 burgess-vae and beta-tcvae).")
    var nz: Int?

    @Option(parsing: .unconditional, help: "Width f of celeba-vae and celeba-ae (default 32; seed 000: 64).")
    var filters: Int?

    @Option(parsing: .unconditional, help: "β: the weight of the KL term (vae, burgess-vae) or of the total correlation (beta-tcvae) (default: the chapter's: 4 burgess-vae and beta-tcvae, else 1).")
    var beta: Float?

    @Option(parsing: .unconditional, help: "Samples k per image (iwae; chapter 3's runs use 5).")
    var samples: Int = 5

    @Option(parsing: .unconditional, help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 3

    @Option(parsing: .unconditional, help: "Seconds each timed repetition lasts (about).")
    var target: Double = 1

    @Option(parsing: .unconditional, help: "With --compare: how many times ours and the peer alternate (best counts).")
    var rounds: Int = 1

    @Flag(help: "Also run Benchmarks/pytorch/bench_models.py alternately and print the ratio.")
    var compare = false

    @Option(help: "The Python with torch for --compare (default: LATENT_PYTHON, else python3).")
    var python: String?

    func validate() throws {
        _ = try parseThreadList(threads)
        if let batch { try require(batch >= 2, "--batch", "at least 2 (BatchNorm needs two images)", batch) }
        if let nz { try require(nz >= 1, "--nz", "at least 1", nz) }
        if let filters { try require(filters >= 1, "--filters", "at least 1", filters) }
        if let beta { try require(beta.isFinite && beta >= 0, "--beta", "a number ≥ 0", beta) }
        try require((1...5000).contains(samples), "--samples", "in 1…5000", samples)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
        try require(target.isFinite && target > 0, "--target", "a positive number of seconds", target)
        try require(rounds >= 1, "--rounds", "at least 1", rounds)
    }

    @Flag(help: "Skip the per-layer table of forward and backward time shares.")
    var noProfile = false
}

func runModelBench(_ modelCase: ModelCase, _ options: ModelBenchOptions) throws {
    let name = modelCase.rawValue
    let threadList = try parseThreadList(options.threads)
    let (batch, nz, filters) = (options.batch ?? modelCase.defaults.batch, options.nz ?? modelCase.defaults.nz,
                                options.filters ?? modelCase.defaults.filters)
    let peer = options.compare ? try PeerScript("bench_models.py", python: options.python, needs: "torch") : nil
    // As the chapters do (`DataOptions.prepareKernels`): the memory a step frees serves the next step.
    FreedMemory.keep()
    print("# \(cpuDescription())")
    // Other processes share the cores: say how busy the machine was (the 1-minute load average).
    if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8).split(separator: " ").first {
        print("# load average \(load) at start (other processes share the cores; repeat if high)")
    }
    let beta = options.beta ?? modelCase.defaultBeta
    let size = (modelCase.hasWidth ? " f=\(filters)" : "") + (modelCase == .iwae ? " k=\(options.samples)" : "") + " nz=\(nz) batch=\(batch)"
    var ours: [Int: Double] = [:], theirs: [Int: Double] = [:]
    for threads in threadList {
        let trainer = ModelTrainer(modelCase, batch: batch, latentDimension: nz, filters: filters, beta: beta, samples: options.samples)
        var peerRSS = 0.0
        for _ in 0..<max(1, options.rounds) {
            trainer.resetProfile()
            let saved = Parallel.threadCount
            Parallel.threadCount = threads
            let seconds = Timing.secondsPerCall(warmup: 3, repetitions: options.repetitions, target: options.target) { trainer.step() }
            Parallel.threadCount = saved
            ours[threads] = max(ours[threads] ?? 0, Double(batch) / seconds)
            if let peer {
                let lines = try peer.run(["--cases", name, "--threads", "\(threads)", "--batch", "\(batch)", "--nz", "\(nz)",
                                          "--filters", "\(filters)", "--beta", "\(beta)", "--samples", "\(options.samples)", "--repetitions", "\(options.repetitions)",
                                          "--target", "\(options.target)"])
                guard let line = lines.first(where: { $0.name == name && $0["threads"] == "\(threads)" && $0.unit == "images/s" }) else {
                    throw PeerError.missingLine(script: peer.path, expected: "\(name) threads=\(threads) … images/s", output: lines.map(\.description).joined(separator: "\n"))
                }
                // The same model on both sides: the peer's parameter shapes must be ours.
                let shapes = lines.first(where: { $0.name == name && $0.unit == "parameters" })?["shapes"]
                guard shapes == trainer.parameterShapes else {
                    throw PeerError.differentModel(script: peer.path, name: name, ours: trainer.parameterShapes,
                                                   theirs: shapes ?? "(no `\(name) shapes=… N parameters` line)")
                }
                theirs[threads] = max(theirs[threads] ?? 0, line.value)
                peerRSS = lines.first(where: { $0.name == name && $0["threads"] == "\(threads)" && $0.unit == "MB" })?.value ?? peerRSS
            }
        }
        print("\(name)\(size) threads=\(threads) \(Format.fixed(ours[threads]!, 1)) images/s  (peak RSS \(Format.fixed(peakResidentMegabytes(), 0)) MB)")
        if let peerValue = theirs[threads] {
            print("\(name)\(size) threads=\(threads) pytorch \(Format.fixed(peerValue, 1)) images/s  (peak RSS \(Format.fixed(peerRSS, 0)) MB)")
            print("\(name)\(size) threads=\(threads) ratio \(Format.fixed(ours[threads]! / peerValue, 2)) (Latent / PyTorch)")
        }
        if !options.noProfile { print(trainer.profileTable()) }
    }
    if let one = ours[1], let two = ours[2] {
        print("\(name)\(size) speed-up 2 threads / 1: Latent \(Format.fixed(two / one, 2))×"
              + (theirs[1].flatMap { t1 in theirs[2].map { ", PyTorch \(Format.fixed($0 / t1, 2))×" } } ?? ""))
    }
}

/// This process's peak resident memory so far, in MB (getrusage's ru_maxrss is in KiB on Linux).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// The CPU model, its cores, and the vector instructions the kernels were compiled for, e.g.
/// "CPU: Intel(R) Xeon(R) Processor, 2 cores; kernels built with -target-cpu native: AVX-512 (512-bit)".
func cpuDescription() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let field = { (key: String) in
        info.split(separator: "\n").first { $0.hasPrefix(key) }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
    }
    var model = field("model name") ?? field("CPU part").map { "arm64 part \($0)" } ?? "unknown CPU"
    // A name like "AMD EPYC" covers Zen 4 (256-bit FMA units) and Zen 5 (512-bit): the family and model tell them apart.
    if let family = field("cpu family").flatMap({ Int($0) }), let number = field("model").flatMap({ Int($0) }) {
        let vendor = field("vendor_id") ?? ""
        model += " (family \(family) model \(number)" + (microarchitecture(vendor: vendor, family: family, model: number).map { ": \($0)" } ?? "") + ")"
    }
    let flags = Set((field("flags") ?? field("Features") ?? "").split(separator: " ").map(String.init))
    #if LATENT_PORTABLE_BUILD
    let build = "kernels built portable (LATENT_PORTABLE: SSE2, 128-bit)"
    #elseif LATENT_CUSTOM_TARGET_CPU
    let build = "kernels built for LATENT_TARGET_CPU (see the build's environment)"
    #elseif arch(x86_64)
    let build = "kernels built with -target-cpu native: "
        + (flags.contains("avx512f") ? "AVX-512 (512-bit)" : flags.contains("avx2") ? "AVX2 + FMA (256-bit)" : "SSE (128-bit)")
    #else
    let build = "kernels built for arm64: NEON (128-bit)" + (flags.contains("sve") ? "; the CPU also has SVE" : "")
    #endif
    let tile = gemmRegisterTile
    return "CPU: \(model), \(ProcessInfo.processInfo.activeProcessorCount) cores; \(build); GEMM tile \(tile.rows)×\(tile.columns)"
}

/// The core's design for the x86 families these benchmarks have met (nil for others): the name the CPU
/// reports does not say it, and the GEMM peak per core differs about 2× between them.
func microarchitecture(vendor: String, family: Int, model: Int) -> String? {
    switch (vendor, family) {
    case ("AuthenticAMD", 0x19): return (0x10...0x1f).contains(model) || (0x60...0xaf).contains(model) ? "Zen 4" : "Zen 3"
    case ("AuthenticAMD", 0x1a): return "Zen 5"
    case ("GenuineIntel", 6):
        return [0x8f: "Sapphire Rapids", 0xcf: "Emerald Rapids", 0xad: "Granite Rapids", 0x6a: "Ice Lake", 0x55: "Skylake/Cascade Lake"][model]
    default: return nil
    }
}

/// A layer that times its wrapped layer's forward and backward (the bench's per-layer profile).
final class TimedLayer: Layer {
    let inner: any Layer
    var forwardSeconds = 0.0, backwardSeconds = 0.0
    init(_ inner: any Layer) { self.inner = inner }
    func forward(_ x: Tensor) -> Tensor { let c = Stopwatch(); defer { forwardSeconds += c.seconds }; return inner.forward(x) }
    func backward(_ dy: Tensor) -> Tensor { let c = Stopwatch(); defer { backwardSeconds += c.seconds }; return inner.backward(dy) }
    func backwardParametersOnly(_ dy: Tensor) {
        let c = Stopwatch()
        defer { backwardSeconds += c.seconds }
        inner.backwardParametersOnly(dy)
    }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    var isTraining: Bool { get { inner.isTraining } set { inner.isTraining = newValue } }
}

/// Training steps of the models the chapters train, through the chapters' own step functions
/// (`autoencoderStep`, `vaeStep`, `iwaeStep`, `remedyStep`, `betaTCVAEStep`, `m2Step`), with every layer
/// wrapped to time its forward and backward.
final class ModelTrainer {
    let modelCase: ModelCase
    let autoencoder: ConvAutoencoder?
    let vae: VAE?
    let m2: SemiSupervisedVAE?
    /// Chapter 5's rows-above network (rows-vae); not wrapped, so its time counts outside the layers.
    let context: RowContext?
    let layers: [(name: String, timed: TimedLayer)]
    let batches: [Tensor]
    /// Random labels of each batch (cvae), one-hot; the labelled images and their labels (m2).
    let conditions: [Tensor]
    let labelled: (images: Tensor, labels: [Int])?
    let beta: Float
    /// Samples per image (iwae).
    let samples: Int
    var generator = SeededGenerator(seed: 7)
    /// Every trained parameter, each once (a tied weight too).
    let parameters: [Parameter]
    let update: Adam
    var stepIndex = 0
    /// Seconds outside the layers: the loss, reparameterization and KL, the optimizer, zeroing gradients.
    var otherTimes: [String: Double] = [:]
    var stepSeconds = 0.0
    /// Steps timed since `resetProfile`.
    var steps = 0

    /// The case's model, its layers wrapped for timing, and four random batches.
    init(_ modelCase: ModelCase, batch: Int, latentDimension: Int, filters: Int, beta: Float, samples: Int = 5) {
        self.modelCase = modelCase
        var rng = SeededGenerator(seed: 1)
        let wrap = { (prefix: String, network: Sequential) in
            network.layers.enumerated().map { (name: "\(prefix).\($0.offset) \($0.element)", timed: TimedLayer($0.element)) }
        }
        let semiSupervised = modelCase == .m2 ? SemiSupervisedVAE.dense(classes: 10, hidden: 500, latent: latentDimension, using: &rng) : nil
        let plain: any EncoderDecoder = switch modelCase {
        case .ae: ConvAutoencoder(latentDimension: latentDimension, using: &rng)
        case .denseAE: DenseAutoencoder(hidden: 200, latentDimension: latentDimension, using: &rng)
        case .tiedAE: TiedDenseAutoencoder(hidden: 200, latentDimension: latentDimension, using: &rng)
        case .celebaAE: CelebAAutoencoder(width: filters, latentDimension: latentDimension, using: &rng)
        case .vae: VAE.conv(latent: latentDimension, likelihood: .mse, using: &rng)
        case .denseVAE, .rowsVAE: VAE.dense(latent: latentDimension, likelihood: .bce, using: &rng)
        case .celebaVAE: VAE.celeba(filters: filters, latent: latentDimension, using: &rng)
        case .iwae: VAE.burda(latent: latentDimension, using: &rng)
        case .burgessVAE, .betaTCVAE: VAE.burgess(latent: latentDimension, using: &rng)
        case .cvae: VAE.conditionalDense(classes: 10, hidden: 400, latent: latentDimension, using: &rng)
        case .m2: semiSupervised!.vae
        }
        context = modelCase == .rowsVAE ? RowContext(using: &rng) : nil
        let classifier = semiSupervised?.classifier
        let (encoder, decoder) = (wrap("encoder", plain.encoder), wrap("decoder", plain.decoder))
        let timedClassifier = classifier.map { wrap("classifier", $0) } ?? []
        let (timedEncoder, timedDecoder) = (Sequential(encoder.map(\.timed)), Sequential(decoder.map(\.timed)))
        if let model = plain as? VAE {
            let timedVAE = VAE(kind: model.kind, latentDimension: latentDimension, imageShape: model.imageShape, likelihood: model.likelihood,
                               encoder: timedEncoder, decoder: timedDecoder, classes: model.classes)
            vae = timedVAE
            m2 = classifier.map { _ in SemiSupervisedVAE(vae: timedVAE, classifier: Sequential(timedClassifier.map(\.timed))) }
            autoencoder = nil
        } else {
            // `autoencoderStep` needs only the two halves; the conv AE's type holds any pair of them.
            autoencoder = ConvAutoencoder(latentDimension: latentDimension, encoder: timedEncoder, decoder: timedDecoder)
            (vae, m2) = (nil, nil)
        }
        parameters = plain.parameters + (classifier?.parameters ?? []) + (context?.parameters ?? [])
        update = switch modelCase {
        case .celebaVAE: Adam(parameters: parameters, lr: 5e-4, betas: (0.5, 0.999), weightDecay: 1e-5)
        case .burgessVAE, .betaTCVAE: Adam(parameters: parameters, lr: 1e-4)
        case .denseAE, .tiedAE: Adam(parameters: parameters, lr: 2.5e-4)
        default: Adam(parameters: parameters, lr: 1e-3)
        }
        layers = encoder + decoder + timedClassifier
        let shape = [batch] + modelCase.imageShape
        let random = { (shape: [Int], rng: inout SeededGenerator) -> Tensor in
            let x = Tensor.randomUniform(shape, using: &rng)
            switch modelCase {
            case .celebaVAE: return 2 * x - 1  // [-1, 1], as the Tanh decoder
            case .ae, .vae, .denseAE, .tiedAE, .celebaAE: return x  // grey levels in [0, 1]
            default: return x.map(vector: { $0 }, scalar: { $0 > 0.5 ? 1 : 0 })  // binary, as the chapters binarize
            }
        }
        batches = (0..<4).map { _ in random(shape, &rng) }
        conditions = modelCase == .cvae ? (0..<4).map { _ in oneHot((0..<batch).map { _ in Int.random(in: 0..<10, using: &rng) }, classes: 10) } : []
        labelled = modelCase == .m2 ? (random([100] + modelCase.imageShape, &rng), (0..<100).map { $0 % 10 }) : nil
        self.beta = beta
        self.samples = samples
        resetProfile()
    }

    /// The trained parameters' shapes, e.g. `200x784`, sorted and joined by commas: what the PyTorch peer
    /// must print too.
    var parameterShapes: String { parameters.map { $0.value.shape.map(String.init).joined(separator: "x") }.sorted().joined(separator: ",") }

    func resetProfile() {
        for layer in layers { (layer.timed.forwardSeconds, layer.timed.backwardSeconds) = (0, 0) }
        otherTimes = [:]
        stepSeconds = 0
        steps = 0
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
        if let m2, let labelled {
            let z = m2.vae.latentDimension
            let epsLabelled = Tensor.randomNormal([labelled.images.shape[0], z], using: &generator)
            let epsUnlabelled = Tensor.randomNormal([x.shape[0] * m2.classes, z], using: &generator)
            m2Step(m2, labelled: labelled.images, labels: labelled.labels, unlabelled: x,
                   epsLabelled: epsLabelled, epsUnlabelled: epsUnlabelled, alpha: 60)
        } else if let vae {
            let z = vae.latentDimension
            switch modelCase {
            case .iwae:
                iwaeStep(vae, x: x, eps: Tensor.randomNormal([x.shape[0] * samples, z], using: &generator), samples: samples)
            case .rowsVAE:
                remedyStep(vae, x: x, eps: Tensor.randomNormal([x.shape[0], z], using: &generator),
                           objective: RemedyObjective(decoder: .bernoulli), beta: 1, context: context)
            case .betaTCVAE:
                betaTCVAEStep(vae, x: x, eps: Tensor.randomNormal([x.shape[0], z], using: &generator), beta: beta, datasetSize: 20_000)
            default:
                let objective: VAEObjective = switch modelCase {
                case .vae: .betaVAE(beta: beta)
                case .celebaVAE: .elbo(.mse)
                case .burgessVAE: VAEObjective(likelihood: .bce, reconstruction: .batchMean, kl: .batchMean, beta: beta)
                default: .elbo(.bce)  // dense-vae, cvae
                }
                vaeStep(vae, x: x, eps: Tensor.randomNormal([x.shape[0], z], using: &generator), objective: objective,
                        condition: conditions.isEmpty ? nil : conditions[(stepIndex - 1) % conditions.count])
            }
        } else if let autoencoder {
            autoencoderStep(autoencoder, input: x, target: x)
        }
        timed("Adam step") { update.step() }
        stepSeconds += clock.seconds
        steps += 1
    }

    /// Each layer's forward and backward share of the total time and milliseconds per step, largest
    /// first; then the rest. The milliseconds compare with a PyTorch profile of the same step
    /// (`Benchmarks/pytorch/profile_peer.py --by-shape`).
    func profileTable() -> String {
        let layerTimes = layers.map { (name: $0.name, forward: $0.timed.forwardSeconds, backward: $0.timed.backwardSeconds) }
        let layerTotal = layerTimes.reduce(0) { $0 + $1.forward + $1.backward }
        var otherTimes = self.otherTimes
        let outside = "loss, reparameterization, KL" + (context == nil ? "" : ", the row context") + " (the step outside the layers)"
        otherTimes[outside] = max(0, stepSeconds - layerTotal - otherTimes.values.reduce(0, +))
        let total = stepSeconds
        guard total > 0 && steps > 0 else { return "" }
        func percent(_ seconds: Double) -> String { String(format: "%5.1f%%", 100 * seconds / total) }
        func perStep(_ seconds: Double) -> String { String(format: "%7.2f", 1000 * seconds / Double(steps)) }
        func milliseconds(_ forward: Double, _ backward: Double) -> String { "\(perStep(forward))  \(perStep(backward))" }
        var lines = ["  total   forward  backward  forward backward  (share of the time; ms per step, of a mean step of \(Format.fixed(1000 * total / Double(steps), 1)) ms)"]
        var rest = (forward: 0.0, backward: 0.0, count: 0)
        for entry in layerTimes.sorted(by: { $0.forward + $0.backward > $1.forward + $1.backward }) {
            guard (entry.forward + entry.backward) / total >= 0.005 else {
                rest = (rest.forward + entry.forward, rest.backward + entry.backward, rest.count + 1)
                continue
            }
            lines.append("  \(percent(entry.forward + entry.backward))  \(percent(entry.forward))   \(percent(entry.backward))  \(milliseconds(entry.forward, entry.backward))  \(entry.name)")
        }
        if rest.count > 0 {
            lines.append("  \(percent(rest.forward + rest.backward))  \(percent(rest.forward))   \(percent(rest.backward))  \(milliseconds(rest.forward, rest.backward))  \(rest.count) other layers (each < 0.5%)")
        }
        for (key, seconds) in otherTimes.sorted(by: { $0.value > $1.value }) {
            lines.append("  \(percent(seconds))                    \(perStep(seconds))           \(key)")
        }
        return lines.joined(separator: "\n")
    }
}
