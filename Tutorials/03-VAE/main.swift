// Chapter 3 — the variational autoencoder.
//
// An autoencoder squeezes x into a code z and back. A VAE makes the code a distribution: the
// encoder gives q(z|x) = N(μ, σ²), the decoder gives p(x|z), the prior is p(z) = N(0, I), and
// training maximizes the evidence lower bound (ELBO) on log p(x):
//
//     log p(x) ≥ E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))
//
// THE STEP — the lesson of this chapter — is `vaeStep` in Sources/LatentModels/Steps/VAEStep.swift:
// encoder → (μ, log σ²) [eq. 1], z = μ + σ·ε [eq. 2], decoder and −log p(x|z) [eq. 3], the KL in
// closed form [eq. 4], and the backward pass through z = μ + σ·ε [eq. 5], on one screen. Chapter 4
// calls the same function with a β, and the gradient-check and PyTorch-parity tests call it too.
// Everything around it (epochs, progress, checkpoints, Ctrl-C, NaN stops) is the shared `Trainer`.
//
// The README beside this file is the chapter text.
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

/// The four architectures of this chapter.
enum VAEModel: String, ExpressibleByArgument, CaseIterable {
    case dense, burda, conv, celeba
    var latent: Int { [.dense: 20, .burda: 50, .conv: 64, .celeba: 128][self]! }
    var batchSize: Int { [.dense: 128, .burda: 20, .conv: 64, .celeba: 32][self]! }
}

/// The two CelebA decoders: as seed 000 runs (no activation after its second BatchNorm) or as written.
enum CelebADecoder: String, ExpressibleByArgument, CaseIterable { case seed, full }

struct VAEChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Chapter 3: train a variational autoencoder on MNIST, CelebA or your own pictures, evaluate its ELBO and log p(x).",
        discussion: "With --encode FILE…, train nothing: load the run's checkpoint (--out) and draw each picture, its reconstruction, samples around its code and, for a CelebA model, the Smiling and Eyeglasses vectors applied in steps.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "Model: dense (pixels→400→z→400→pixels), burda (784→200→200→z→200→200→784, tanh; Burda et al. 2016), conv (seed 001, 1×28×28), celeba (seed 000, 3×64×64) (default: celeba for 3×64×64 images, else dense).") var model: VAEModel?
    @Option(parsing: .unconditional, help: "Latent size z, at least 1 (default: dense 20, burda 50, conv 64, celeba 128).") var latent: Int?
    @Option(parsing: .unconditional, help: "Width f of the celeba model (the seed: 64).") var filters: Int = 32
    @Option(help: "CelebA decoder: seed (as seed 000 runs) or full.") var decoder: CelebADecoder = .seed
    @Option(help: "Decoder likelihood: bce (Bernoulli, binarized MNIST; default) or mse (Gaussian; celeba always).") var likelihood: VAELikelihood?
    @Option(parsing: .unconditional, help: "Importance samples K for log p(x) (0 to skip; bce only).") var iw: Int = 1000
    @Option(name: .customLong("iw-images"), parsing: .unconditional, help: "Test images used for the importance-weighted log p(x).") var iwImages: Int = 1000
    @Option(help: "Digit pairs to interpolate between, from-to, comma-separated, labels 0…9 (e.g. 1-7,3-5,6-9).") var pairs: String = "3-5"
    @Option(name: .customLong("pairs-per"), parsing: .unconditional, help: "Test-image pairs drawn for each digit pair, 1…20.") var pairsPer: Int = 1
    @Option(help: "A chapter-2 autoencoder checkpoint (.safetensors) to interpolate with, beside the VAE.") var ae: String?
    @OptionGroup(title: "Importance-weighted training (Burda et al. 2016; bce only)") var iwae: IWAEOptions
    @Option(help: "After training, score this dataset's test images by −ELBO and report the AUROC (e.g. fashion-mnist).") var anomaly: DatasetName?
    @Option(parsing: .upToNextOption, help: "Pictures (JPEG or PNG) to put through the trained model of the run folder (--out): no training.") var encode: [String] = []

    /// The dataset: --dataset, else CelebA for --model celeba, else MNIST.
    var dataset: DatasetName { data.dataset ?? (model == .celeba ? .celeba : .mnist) }
    /// The model: --model, else seed 000's for 3×64×64 images, else dense.
    var chosenModel: VAEModel { model ?? (data.imageShape(dataset) == [3, 64, 64] ? .celeba : .dense) }

    func validate() throws {
        let shape = data.imageShape(dataset), model = chosenModel
        if dataset == .celeba && model != .celeba { throw ValidationError("--dataset celeba goes with --model celeba") }
        if model == .celeba && shape != [3, 64, 64] {
            throw ValidationError("--model celeba takes 3×64×64 images: --dataset celeba, or --dataset images with --size 64 --channels 3")
        }
        if (model == .conv || model == .burda) && shape != [1, 28, 28] {
            throw ValidationError("--model \(model.rawValue) takes 1×28×28 images: --dataset mnist, fashion-mnist, or images with --size 28 --channels 1")
        }
        if model == .celeba && likelihood == .bce { throw ValidationError("the celeba model has a Tanh output: --likelihood mse") }
        for file in encode where !FileIO.fileExists(file) { throw ValidationError("--encode \(file): no such file") }
        if let latent, latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard filters >= 1 else { throw ValidationError("--filters must be at least 1, got \(filters)") }
        guard iw >= 0, iwImages >= 1 else { throw ValidationError("--iw must be ≥ 0 and --iw-images ≥ 1") }
        if let ae, !FileIO.fileExists(ae) { throw ValidationError("--ae \(ae): no such file") }
        if let anomaly, anomaly == dataset || ![.mnist, .fashionMNIST].contains(anomaly) || ![.mnist, .fashionMNIST].contains(dataset) {
            throw ValidationError("--anomaly \(anomaly.rawValue): give a dataset of the training images' size other than the training one (mnist or fashion-mnist)")
        }
        try iwae.validate(likelihood: likelihood ?? (model == .celeba || dataset == .images ? .mse : .bce), testImages: data.testLimit)
        _ = try digitPairs()
        guard (1...20).contains(pairsPer) else { throw ValidationError("--pairs-per must be in 1…20, got \(pairsPer)") }
    }

    mutating func run() throws {
        data.prepareKernels()
        if !encode.isEmpty { return try encodePictures() }
        let model = chosenModel, shape = data.imageShape(dataset)
        let isFaces = model == .celeba  // seed 000's model: [-1, 1] pixels, Gaussian decoder, its Adam
        let zDim = latent ?? model.latent, batch = training.batchSize ?? model.batchSize
        let lr = training.lr ?? (isFaces ? 5e-4 : 1e-3), samples = iwae.samples
        let lik = likelihood ?? (isFaces || dataset == .images ? .mse : .bce)
        let run = try data.runFolder(default: "vae-\(dataset.rawValue)")

        // ---- Data: [0, 1] digits (binarized afresh in every batch for bce), [-1, 1] faces ----------
        let range: PixelRange = isFaces ? .minusOneToOne : .zeroToOne
        // CelebA keeps two attributes of its training faces, for the attribute vectors after training.
        var attributes: [String: [Int8]] = [:]
        let (train, test): (ImageSet, ImageSet)
        if dataset == .celeba {
            (train, test, attributes) = try data.loadCelebA(attributes: ["Smiling", "Eyeglasses"])
        } else {
            (train, test) = try data.load(dataset)
        }
        // A Bernoulli decoder is evaluated on ONE fixed binarization of the test set (nats comparable across runs).
        let testImages = try (lik == .bce ? test.binarized(seed: 12345) : test).tensor(first: test.count, range: range)

        // ---- Model, optimizer, the run's generators -------------------------------------------
        let random = RandomStreams(["eps": SeededGenerator(seed: data.seed), "binarize": SeededGenerator(seed: data.seed &+ 2)])
        let vae: VAE = switch model {
        case .dense: .dense(inputs: shape, latent: zDim, likelihood: lik, using: &random["eps"])
        case .burda: .burda(latent: zDim, using: &random["eps"])
        case .conv: .conv(latent: zDim, likelihood: lik, using: &random["eps"])
        case .celeba: .celeba(filters: filters, latent: zDim, seedDecoder: decoder == .seed, using: &random["eps"])
        }
        if model == .burda { vae.setOutputBias(toLogitOf: try pixelMeans(train)) }
        let adam = isFaces
            ? Adam(parameters: vae.parameters, lr: lr, betas: (0.5, 0.999), weightDecay: 1e-5)  // seed 000
            : Adam(parameters: vae.parameters, lr: lr, eps: iwae.schedule == .burda ? 1e-4 : 1e-8)
        print(vae.summary(batch: batch))

        // ---- Training: the step, inside the shared harness ------------------------------------
        var loader = try trainingLoader(train, batchSize: batch, range: range, seed: data.seed &+ 1)
        let trainer = Trainer(model: vae, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", vae.kind), ("latent", "\(zDim)"), ("likelihood", lik.rawValue), ("dataset", dataset.rawValue),
                                       ("image_shape", shape.map(String.init).joined(separator: "x")), ("filters", "\(filters)"),
                                       ("decoder", decoder.rawValue), ("objective", iwae.objective.rawValue), ("samples", "\(samples)")])
        if training.resume { try trainer.resume(replaying: &loader) }
        try runTraining {
            try trainer.train(epochs: training.epochs ?? 10, loader: &loader, step: { b in
                let x = lik == .bce ? Binarize.bernoulli(b.images, using: &random["binarize"]) : b.images
                adam.lr = iwae.schedule.lr(base: lr, epoch: trainer.history.epochs + 1)
                if iwae.objective == .iwae {  // k codes per image, their importance weights (IWAEStep.swift)
                    let eps = Tensor.randomNormal([b.count * samples, zDim], using: &random["eps"])
                    let terms = iwaeStep(vae, x: x, eps: eps, samples: samples)
                    return StepReport(["rec": terms.reconstruction, "kl": terms.kl, "iwae": terms.loss], averagedOver: b.count, input: x)
                }
                let eps = Tensor.randomNormal([b.count, zDim], using: &random["eps"])
                let terms = vaeStep(vae, x: x, eps: eps, objective: .elbo(lik))
                return StepReport(["rec": terms.reconstruction, "kl": terms.kl], averagedOver: b.count, input: x)
            }, evaluate: {
                // The same terms on the test set, one z sample per image (per-image means).
                var evalRandom = SeededGenerator(seed: 777)
                let terms = vae.evaluateELBO(images: testImages, using: &evalRandom)
                var metrics = [("rec", terms.reconstruction), ("kl", terms.kl), ("elbo", -(terms.reconstruction + terms.kl))]
                // Faces: per-pixel MSE on [0, 1] pixels, decoding z = μ ([-1, 1] squared errors / 4).
                if isFaces { metrics.append(("mse", vae.reconstructionMSE(images: testImages) / 4)) }
                if iwae.evalSamples > 0 { metrics.append(("log_px", iwae.logPx(vae, testImages, epoch: trainer.history.epochs + 1))) }
                return metrics
            })
        }

        // ---- Evaluation: the ELBO, and log p(x) by importance sampling --------------------------
        let history = trainer.history
        var metrics: [(String, JSONValue)] = [("test_elbo", .number(history.last("test_elbo") ?? .nan)),
                                              ("test_kl", .number(history.last("test_kl") ?? .nan))]
        if lik == .bce && iw > 0 {
            metrics += importanceWeighted(vae, testImages.slice(0..<min(iwImages, testImages.shape[0])),
                                          elbo: history.last("test_elbo") ?? .nan, allImages: test.count)
        }

        if let anomaly { try metrics.append(("anomaly", anomalyReport(vae, testImages: testImages, other: data.load(anomaly).test, otherName: anomaly.rawValue, range: range))) }

        // ---- Pictures -----------------------------------------------------------------------------
        try writePictures(vae, run: run, test: test, testImages: testImages, range: range, history: history, lik: lik)
        if dataset == .celeba { metrics.append(("attributes", try writeAttributeArithmetic(vae, attributes: attributes, train: train, test: testImages, run: run))) }

        let config: [(String, JSONValue)] = [
            ("chapter", "03-VAE"), ("command", .string(commandLine())), ("dataset", .string(dataset.rawValue)),
            ("model", .string(model.rawValue)), ("likelihood", .string(lik.rawValue)), ("latent", .number(Double(zDim))),
            ("batch_size", .number(Double(batch))), ("lr", .float(lr)), ("epochs", .number(Double(history.epochs))),
            ("seed", .number(Double(data.seed))), ("threads", .number(Double(Parallel.threadCount))),
            ("train_images", .number(Double(train.count))), ("test_images", .number(Double(test.count))),
        ] + iwae.config + (isFaces ? [("filters", .number(Double(filters))), ("decoder", .string(decoder.rawValue))] : [])
          + (dataset == .images ? [("data", .string(data.data ?? "")), ("image_shape", .numbers(shape.map(Double.init)))] : [])
        try run.writeSummary(config: .object(config), metrics: .object(metrics + history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }

    /// `--pairs` as (from, to) labels: "1-7,3-5" → [(1, 7), (3, 5)].
    func digitPairs() throws -> [(from: Int, to: Int)] {
        try pairs.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard ends.count == 2, let a = ends[0], let b = ends[1], (0...9).contains(a), (0...9).contains(b) else {
                throw ValidationError("--pairs: '\(item)' is not two labels 0…9 joined by '-', as in 1-7")
            }
            return (a, b)
        }
    }

    /// log p(x) ≈ log (1/K) Σₖ p(x, zₖ) / q(zₖ|x) with K = `--iw` samples per image; the ELBO of the same
    /// images beside it.
    func importanceWeighted(_ vae: VAE, _ images: Tensor, elbo: Double, allImages: Int) -> [(String, JSONValue)] {
        let count = images.shape[0]
        let clock = Stopwatch()
        let bar = ProgressBar(total: count, label: "log p(x), K=\(iw)", unit: .items("img"))
        var iwRandom = SeededGenerator(seed: 999)
        let logPx = vae.importanceWeightedLogLikelihood(images: images, samples: iw, using: &iwRandom) { bar.update(step: $0) }
        bar.finish()
        var elboRandom = SeededGenerator(seed: 777)
        let subsetELBO = vae.evaluateELBO(images: images, using: &elboRandom).elbo
        let mean = logPx.reduce(0, +) / Double(count)
        print("test ELBO \(Format.fixed(elbo, 2)) nats (all \(allImages) test images); importance-weighted log p(x) "
              + "\(Format.fixed(mean, 2)) nats (K = \(iw), first \(count) images, whose ELBO is \(Format.fixed(subsetELBO, 2)))")
        return [("test_log_px_iw", .number(mean)), ("iw_samples", .number(Double(iw))), ("iw_images", .number(Double(count))),
                ("test_elbo_iw_images", .number(subsetELBO)), ("iw_seconds", .number(clock.seconds))]
    }
}

VAEChapter.main()
