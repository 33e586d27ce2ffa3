// Chapter 7 — labels in the latent space: the conditional VAE and the semi-supervised VAE (M2).
//
// A conditional VAE (Sohn et al. 2015) gives the label y to both networks: q(z|x, y) and p(x|z, y).
// Its bound is chapter 3's with y beside x and z:
//
//     log p(x|y) ≥ E_q(z|x,y)[log p(x|z, y)] − KL(q(z|x, y) ‖ p(z))
//
// so z no longer needs to say which digit it is, only how it is drawn (`--model cvae`). M2 (Kingma et
// al. 2014) adds a classifier q(y|x) and trains on a few labelled images and many unlabelled ones: for
// an unlabelled image the bound sums over every label y, weighted by q(y|x) (`--model m2`).
//
// THE STEPS — the lesson — are `vaeStep(…, condition:)` in Sources/LatentModels/Steps/VAEStep.swift
// (the cVAE: the same encoder → z = μ + σ·ε → decoder, with y beside x and z) and `m2Step` in
// Sources/LatentModels/Steps/M2Step.swift (L(x, y), U(x) = Σ_y q(y|x) L(x, y) − H(q), α · CE).
// Everything around them is the shared `Trainer`. The README beside this file is the chapter text.
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

/// The two models of this chapter.
enum ConditionalModel: String, ExpressibleByArgument, CaseIterable {
    case cvae, m2
    var hidden: Int { self == .cvae ? 400 : 500 }   // chapter 3's dense VAE; the paper's M2
    var latent: Int { self == .cvae ? 20 : 50 }
    var batchSize: Int { self == .cvae ? 128 : 100 }
    var epochs: Int { self == .cvae ? 10 : 40 }   // M2 needs about 40 to reach the paper's error (the chapter's table)
}

struct ConditionalChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvae",
        abstract: "Chapter 7: a conditional VAE, and the semi-supervised VAE (M2) trained with a few labels.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "Model: cvae (labels for every image) or m2 (--labels of them, the rest unlabelled).") var model: ConditionalModel = .cvae
    @Option(parsing: .unconditional, help: "Hidden units of every network (default: cvae 400, m2 500).") var hidden: Int?
    @Option(parsing: .unconditional, help: "Latent size z (default: cvae 20, m2 50).") var latent: Int?
    @Option(parsing: .unconditional, help: "m2: labelled training images, a multiple of 10 (that many per class), 10…1000.") var labels: Int = 100
    @Option(name: .customLong("label-seed"), parsing: .unconditional, help: "m2: the seed that picks the labelled images.") var labelSeed: UInt64 = 0
    @Option(parsing: .unconditional, help: "m2: weight of the labelled cross-entropy per step (default 0.1·N/labels, N training images).") var alpha: Float?
    @Option(name: .customLong("baseline-steps"), parsing: .unconditional, help: "m2: Adam steps of the labels-only classifier (0 to skip).") var baselineSteps: Int = 2000
    @Option(name: .customLong("probe-vae"), help: "m2: a chapter-3 dense VAE checkpoint whose codes get a linear probe on the same labels.") var probeVAE: String?
    @Option(parsing: .unconditional, help: "cvae: importance samples K for log p(x|y) (0 to skip).") var iw: Int = 1000
    @Option(name: .customLong("iw-images"), parsing: .unconditional, help: "Test images for log p(x|y) (cvae) or the bound −U(x) (m2).") var iwImages: Int = 1000

    func validate() throws {
        if data.dataset == .celeba { throw ValidationError("--dataset: this chapter's models are for 28×28 images with 10 classes: mnist or fashion-mnist") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if let latent, latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard (10...1000).contains(labels), labels % 10 == 0 else { throw ValidationError("--labels must be a multiple of 10 in 10…1000, got \(labels)") }
        if let alpha, !(alpha.isFinite && alpha >= 0) { throw ValidationError("--alpha must be a number ≥ 0, got \(alpha)") }
        guard baselineSteps >= 0 else { throw ValidationError("--baseline-steps must be ≥ 0, got \(baselineSteps)") }
        if let probeVAE, !FileIO.fileExists(probeVAE) { throw ValidationError("--probe-vae \(probeVAE): no such file") }
        guard iw >= 0, iwImages >= 1 else { throw ValidationError("--iw must be ≥ 0 and --iw-images ≥ 1") }
    }

    mutating func run() throws {
        data.prepareKernels()
        let dataset = data.dataset ?? .mnist
        let (hiddenUnits, zDim) = (hidden ?? model.hidden, latent ?? model.latent)
        let batch = training.batchSize ?? model.batchSize, lr = training.lr ?? 1e-3
        let run = try data.runFolder(default: "\(model.rawValue)-\(dataset.rawValue)")

        // ---- Data: binarized afresh in every batch; the test set binarized once (seed 12345) -----------
        let (train, test) = try data.load(dataset)
        guard let trainLabels = train.labels, let testLabels = test.labels else { throw ValidationError("\(dataset.rawValue) has no labels") }
        let testImages = try test.binarized(seed: 12345).tensor(first: test.count)
        let random = RandomStreams(["eps": SeededGenerator(seed: data.seed), "binarize": SeededGenerator(seed: data.seed &+ 2)])
        var loader = try trainingLoader(train, batchSize: batch, seed: data.seed &+ 1)
        let clock = Stopwatch()
        var metrics: [(String, JSONValue)] = []
        var config: [(String, JSONValue)] = [
            ("chapter", "07-Conditional"), ("command", .string(commandLine())), ("dataset", .string(dataset.rawValue)),
            ("model", .string(model.rawValue)), ("hidden", .number(Double(hiddenUnits))), ("latent", .number(Double(zDim))),
            ("batch_size", .number(Double(batch))), ("lr", .float(lr)), ("seed", .number(Double(data.seed))),
            ("threads", .number(Double(Parallel.threadCount))), ("train_images", .number(Double(train.count))),
            ("test_images", .number(Double(test.count))),
        ]
        let vae: VAE
        let trainer: Trainer

        switch model {
        case .cvae:
            // ---- The conditional VAE: vaeStep with the one-hot label beside x and beside z ------------
            vae = .conditionalDense(classes: 10, hidden: hiddenUnits, latent: zDim, using: &random["eps"])
            print(vae.summary(batch: batch))
            trainer = Trainer(model: vae, optimizer: Adam(parameters: vae.parameters, lr: lr), random: random,
                              checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", "cvae"), ("hidden", "\(hiddenUnits)"), ("latent", "\(zDim)")])
            if training.resume { try trainer.resume(replaying: &loader) }
            let testY = oneHot(testLabels, classes: 10)
            try runTraining {
                try trainer.train(epochs: training.epochs ?? model.epochs, loader: &loader, step: { b in
                    let x = Binarize.bernoulli(b.images, using: &random["binarize"])
                    let y = oneHot(b.labels!, classes: 10)
                    let eps = Tensor.randomNormal([b.count, zDim], using: &random["eps"])
                    let terms = vaeStep(vae, x: x, eps: eps, objective: .elbo(.bce), condition: y)
                    return StepReport(["rec": terms.reconstruction, "kl": terms.kl], averagedOver: b.count, input: conditioned(x, on: y))
                }, evaluate: {
                    var evalRandom = SeededGenerator(seed: 777)
                    let terms = vae.evaluateELBO(images: testImages, condition: testY, using: &evalRandom)
                    return [("rec", terms.reconstruction), ("kl", terms.kl), ("elbo", -(terms.reconstruction + terms.kl))]
                })
            }
            metrics += [("test_elbo", .number(trainer.history.last("test_elbo") ?? .nan)), ("test_kl", .number(trainer.history.last("test_kl") ?? .nan))]
            if iw > 0 { metrics += conditionalLogLikelihood(vae, testImages, testY) }

        case .m2:
            // ---- M2: the labelled subset (10 per class, fixed by --label-seed) and every training image unlabelled
            let chosen = balancedLabelSubset(trainLabels, count: labels, classes: 10, seed: labelSeed)
            let labelledImages = try train.tensor(indices: chosen), labelledY = chosen.map { trainLabels[$0] }
            let weight = alpha ?? 0.1 * Float(train.count) / Float(labels)
            let m2 = SemiSupervisedVAE.dense(classes: 10, hidden: hiddenUnits, latent: zDim, using: &random["eps"])
            vae = m2.vae
            print(m2.description)
            print("labelled: \(labels) images (indices \(chosen.prefix(5).map(String.init).joined(separator: ", "))…), α = \(weight)")
            trainer = Trainer(model: m2, optimizer: Adam(parameters: m2.parameters, lr: lr), random: random,
                              checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", "m2"), ("hidden", "\(hiddenUnits)"), ("latent", "\(zDim)")])
            if training.resume { try trainer.resume(replaying: &loader) }
            let boundImages = testImages.slice(0..<min(iwImages, testImages.shape[0]))
            try runTraining {
                try trainer.train(epochs: training.epochs ?? model.epochs, loader: &loader, step: { b in
                    let xu = Binarize.bernoulli(b.images, using: &random["binarize"])
                    let xl = Binarize.bernoulli(labelledImages, using: &random["binarize"])
                    let epsL = Tensor.randomNormal([labels, zDim], using: &random["eps"])
                    let epsU = Tensor.randomNormal([b.count * 10, zDim], using: &random["eps"])
                    let t = m2Step(m2, labelled: xl, labels: labelledY, unlabelled: xu, epsLabelled: epsL, epsUnlabelled: epsU, alpha: weight)
                    return StepReport(["L": t.labelled, "U": t.unlabelled, "ce": t.crossEntropy, "H": t.entropy], averagedOver: 1, input: xu)
                }, evaluate: {
                    var evalRandom = SeededGenerator(seed: 777)
                    let u = m2.bounds(images: boundImages, using: &evalRandom).unlabelled
                    return [("error", errorRate(m2.predict(testImages), testLabels)), ("bound", -u.reduce(0, +) / Double(u.count))]
                })
            }
            metrics += [("test_error", .number(trainer.history.last("test_error") ?? .nan)),
                        ("test_bound_log_px", .number(trainer.history.last("test_bound") ?? .nan)),
                        ("alpha", .float(weight)), ("labels", .number(Double(labels))), ("label_seed", .number(Double(labelSeed))),
                        ("label_indices", .numbers(chosen.map(Double.init)))]
            // ---- Beside it: the same classifier on the labelled images alone, and a probe on VAE codes ----
            if baselineSteps > 0 {
                metrics.append(("labels_only_error", .number(labelsOnlyError(labelledImages, labelledY, testImages, testLabels))))
            }
            if let probeVAE {
                let codes = try loadDenseVAE(probeVAE)
                let result = try probeCodes(train: codes.encodeAll(train.tensor(first: train.count)).mu, trainLabels: trainLabels,
                                            test: codes.encodeAll(test.tensor(first: test.count)).mu, testLabels: testLabels,
                                        labelCounts: [labels], seed: labelSeed)[0]
                print("linear probe on \(FileIO.fileName(of: probeVAE))'s μ with the same \(labels) labels: test error \(Format.fixed(100 * (1 - result.probe), 2)) %")
                metrics.append(("probe_error", .number(1 - result.probe)))
            }
        }

        // ---- Pictures: every class from the same z, and one test image's style in every class ---------
        try writePictures(vae, run: run, testImages: test.tensor(first: test.count), testLabels: testLabels,
                          history: trainer.history)
        config += [("epochs", .number(Double(trainer.history.epochs))), ("seconds", .number(clock.seconds))]
        try run.writeSummary(config: .object(config), metrics: .object(metrics + trainer.history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

ConditionalChapter.main()
