// Chapter 5 — when the KL wins: the ELBO gap, posterior collapse and its remedies.
//
// `--experiment ppca` (PPCA.swift): a linear VAE with a learned decoder variance is probabilistic
// PCA, whose log p(x) is closed form; the trained model reaches it, the importance-weighted bound
// climbs to it, and log p(x) − ELBO is exactly KL(q(z|x) ‖ p(z|x)).
//
// `--experiment remedy` (this file): one VAE trained with one remedy for posterior collapse. THE STEP
// is `remedyStep` (Sources/LatentModels/Steps/RemedyStep.swift): chapter 3's step with β from a
// `KLSchedule` (warm-up, cyclical), free bits (`freeBitsKL`) and a learned decoder variance
// (`optimalLogVariance` + `gaussianNLL`). `table.sh` runs every remedy on several seeds and prints
// the table of the README, the chapter text.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

struct CollapseChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collapse",
        abstract: "Chapter 5: the exact likelihood of pPCA, posterior collapse and its remedies.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "ppca (linear VAE vs the closed form) or remedy (one VAE, one remedy).") var experiment: Experiment = .remedy
    @Option(help: "Model: dense (chapter 3's, Bernoulli), conv (seed 001's, Gaussian), rows (dense + a decoder that also sees the pixel rows above), celeba (seed 000's, Gaussian, with --dataset celeba).")
    var model: CollapseModel = .dense
    @Option(help: "Remedy: plain, beta, warm-up, cyclical, free-bits, learned-sigma.") var remedy: Remedy = .plain
    @Option(help: "β of --remedy beta, ≥ 0.") var beta: Float = 4
    @Option(name: .customLong("warmup-steps"), help: "Steps of the linear warm-up, ≥ 1 (default: half of training).") var warmupSteps: Int?
    @Option(name: .customLong("cycle-steps"), help: "Steps per annealing cycle, ≥ 2 (default: a quarter of training: 4 cycles).") var cycleSteps: Int?
    @Option(name: .customLong("free-bits"), help: "λ of --remedy free-bits, nats per latent dimension, > 0.") var freeBits: Float = 0.5
    @Option(help: "Fixed decoder variance σ² of the Gaussian models (chapter 3's summed squared error: 0.5), > 0.") var variance: Float = 0.5
    @Option(help: "Latent size z, at least 1 (default: dense and rows 20, conv 64, ppca 16).") var latent: Int?
    @Option(help: "Importance samples K for log p(x) (Bernoulli models; 0 to skip).") var iw: Int = 1000
    @Option(name: .customLong("iw-images"), help: "Test images for the importance-weighted log p(x), ≥ 1.") var iwImages: Int = 500
    @Option(name: .customLong("mi-images"), help: "Test images for I(x; z) (the estimate is at most log of this), ≥ 2.") var miImages: Int = 5000
    @Option(help: "ppca: the K values of the importance-weighted estimates, comma-separated, each ≥ 1.") var ks: String = "1,10,100,1000,5000"

    func validate() throws {
        guard beta.isFinite, beta >= 0 else { throw ValidationError("--beta must be a number ≥ 0, got \(beta)") }
        if let warmupSteps, warmupSteps < 1 { throw ValidationError("--warmup-steps must be at least 1, got \(warmupSteps)") }
        if let cycleSteps, cycleSteps < 2 { throw ValidationError("--cycle-steps must be at least 2, got \(cycleSteps)") }
        guard freeBits.isFinite, freeBits > 0 else { throw ValidationError("--free-bits must be a number > 0 (nats per dimension), got \(freeBits)") }
        guard variance.isFinite, variance > 0 else { throw ValidationError("--variance must be a number > 0, got \(variance)") }
        if let latent, latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard iw >= 0 else { throw ValidationError("--iw must be ≥ 0, got \(iw)") }
        guard iwImages >= 1 else { throw ValidationError("--iw-images must be at least 1, got \(iwImages)") }
        guard miImages >= 2 else { throw ValidationError("--mi-images must be at least 2, got \(miImages)") }
        _ = try kList()
        if remedy == .learnedSigma && model.isBernoulli {
            throw ValidationError("--remedy learned-sigma needs a Gaussian decoder: --model conv (a Bernoulli decoder has no variance)")
        }
        let dataset = data.dataset ?? (model == .celeba ? .celeba : .mnist)
        guard (dataset == .celeba) == (model == .celeba) else { throw ValidationError("--model celeba goes with --dataset celeba, and only with it") }
        if experiment == .ppca && dataset == .celeba { throw ValidationError("--experiment ppca is on digits: --dataset mnist or fashion-mnist") }
        if dataset != .celeba, data.imageShape(dataset) != [1, 28, 28] {
            throw ValidationError("this chapter's digit models take 1×28×28 images: --dataset mnist, fashion-mnist, or images with --size 28 --channels 1"
                                  + " (not \(dataset.rawValue) at \(data.imageShape(dataset).map(String.init).joined(separator: "×")))")
        }
    }

    mutating func run() throws {
        data.prepareKernels()
        if experiment == .ppca { return try runPPCA() }
        let zDim = latent ?? model.latent, batch = training.batchSize ?? model.batchSize, epochs = training.epochs ?? 5
        let run = try data.runFolder(default: "collapse-\(model.rawValue)-\(remedy.rawValue)")
        let (train, test) = try data.load(data.dataset ?? (model == .celeba ? .celeba : .mnist))
        // Bernoulli models: binarized afresh in every batch, tested on one fixed binarization. Faces: [-1, 1].
        let testImages = try (model.isBernoulli ? test.binarized(seed: 12345) : test).tensor(first: test.count, range: model.range)

        let random = RandomStreams(["eps": SeededGenerator(seed: data.seed), "binarize": SeededGenerator(seed: data.seed &+ 2)])
        let vae = model.make(latent: zDim, using: &random["eps"])
        // --model rows: the decoder also sees the pixel rows above each row, enough to model x without z.
        let context = model == .rows ? RowContext(using: &random["eps"]) : nil
        let trained: any TrainableModel = context.map { ContextVAE(vae: vae, context: $0) } ?? vae
        let adam = model == .celeba  // seed 000's optimizer for its model, as in chapter 3
            ? Adam(parameters: trained.parameters, lr: training.lr ?? 5e-4, betas: (0.5, 0.999), weightDecay: 1e-5)
            : Adam(parameters: trained.parameters, lr: training.lr ?? 1e-3)
        var loader = try trainingLoader(train, batchSize: batch, range: model.range, seed: data.seed &+ 1)
        // ---- The remedy: a KL schedule, free bits, or the decoder's variance ------------------------
        let totalSteps = epochs * loader.batchCount
        let schedule: KLSchedule = switch remedy {
        case .beta: .constant(beta)
        case .warmUp: .warmUp(steps: warmupSteps ?? max(1, totalSteps / 2))
        case .cyclical: .cyclical(period: cycleSteps ?? max(2, totalSteps / 4), rampFraction: 0.5)
        default: .constant(1)
        }
        let decoder: RemedyObjective.Decoder = model.isBernoulli ? .bernoulli
            : remedy == .learnedSigma ? .learnedVariance : .gaussian(variance: variance)
        let objective = RemedyObjective(decoder: decoder, freeBits: remedy == .freeBits ? freeBits : nil)
        print("remedy: \(remedy.rawValue) — \(schedule)" + (objective.freeBits.map { ", free bits λ = \($0)" } ?? "") + ", decoder \(decoder)")

        let trainer = Trainer(model: trained, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", vae.kind), ("latent", "\(zDim)"), ("remedy", remedy.rawValue)])
        if training.resume { try trainer.resume(replaying: &loader) }
        var trace = StepTrace()  // every 10th step's β, reconstruction and KL, for the warm-up figure
        var decoderVariance = model.isBernoulli ? 0 : Double(variance)  // reported as 0 for Bernoulli decoders
        try runTraining {
            try trainer.train(epochs: epochs, loader: &loader, step: { b in
                let x = model.isBernoulli ? Binarize.bernoulli(b.images, using: &random["binarize"]) : b.images
                let eps = Tensor.randomNormal([b.count, zDim], using: &random["eps"])
                let beta = schedule.beta(atStep: adam.stepCount)
                let terms = remedyStep(vae, x: x, eps: eps, objective: objective, beta: beta, context: context)
                if let logVariance = terms.logVariance { decoderVariance = exp(Double(logVariance)) }
                trace.record(step: adam.stepCount, beta: beta, reconstruction: terms.reconstruction, kl: terms.kl)
                return StepReport(["rec": terms.reconstruction, "kl": terms.kl, "beta": beta, "sigma2": Float(decoderVariance)],
                                  averagedOver: 1, input: x)
            }, evaluate: {
                let elbo = testELBO(vae, context: context, testImages, decoderVariance: decoderVariance)
                return [("rec", elbo.reconstruction), ("kl", elbo.kl), ("elbo", elbo.elbo)]
            })
        }
        // ---- What the code learned: KL per dimension, where it goes, active units, log p(x) ---------
        let metrics = measure(vae, context: context, testImages: testImages, history: trainer.history)
        try writePictures(vae, context: context, run: run, metrics: metrics, history: trainer.history, trace: trace, testImages: testImages)
        let config: JSONValue = [
            "chapter": "05-Collapse", "command": .string(commandLine()), "experiment": "remedy", "model": .string(model.rawValue),
            "remedy": .string(remedy.rawValue), "schedule": .string(schedule.description),
            "free_bits": .number(Double(objective.freeBits ?? 0)), "decoder": .string("\(decoder)"), "latent": .number(Double(zDim)),
            "batch_size": .number(Double(batch)), "lr": .float(adam.lr), "epochs": .number(Double(epochs)),
            "seed": .number(Double(data.seed)), "threads": .number(Double(Parallel.threadCount)),
            "train_images": .number(Double(train.count)), "test_images": .number(Double(test.count)),
        ]
        try run.writeSummary(config: config, metrics: .object(metrics.json + [("trace", trace.json)] + trainer.history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

CollapseChapter.main()
