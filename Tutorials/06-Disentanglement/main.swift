// Chapter 6 — disentanglement, measured: dSprites-style shapes with known factors, β-VAE and
// β-TCVAE, and five scores of how well single code dimensions follow single factors.
//
// The data (Sources/LatentData/Datasets/Shapes.swift) is drawn here: 3 shapes × 6 scales × 40
// orientations × 32 × 32 positions = 737,280 binary 64×64 images, each factor known. The model is
// Burgess et al.'s conv VAE with z = 10 (`VAE.burgess`). THE STEP is either
//   --model beta-vae    `vaeStep` with a Bernoulli likelihood and β·KL (chapters 3 and 4's step), or
//   --model beta-tcvae  `betaTCVAEStep` (Sources/LatentModels/Steps/BetaTCVAEStep.swift): the KL plus
//                       (β − 1)·total correlation, estimated on the batch (`totalCorrelation`).
// After training, Metrics.swift draws the traversals and computes the β-VAE score, the FactorVAE
// score, MIG, SAP and DCI (Sources/LatentModels/Evaluation/Disentanglement.swift). table.sh runs the
// table of the README, the chapter text.
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

enum DisentangleModel: String, ExpressibleByArgument, CaseIterable {
    case betaVAE = "beta-vae", betaTCVAE = "beta-tcvae"
}

struct DisentangleChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disentangle",
        abstract: "Chapter 6: β-VAE and β-TCVAE on dSprites-style shapes, with five disentanglement metrics.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "beta-vae (β·KL) or beta-tcvae (KL + (β − 1)·total correlation).") var model: DisentangleModel = .betaVAE
    @Option(parsing: .unconditional, help: "β, ≥ 0 (β = 1 is the plain VAE for both models).") var beta: Float = 4
    @Option(parsing: .unconditional, help: "Latent size z, at least 1.") var latent: Int = 10
    @Option(name: .customLong("train-size"), parsing: .unconditional, help: "Training images: a seeded uniform sample of the 737,280, at least 2.") var trainSize: Int = 20_000
    @Option(name: .customLong("eval-scale"), parsing: .unconditional, help: "Scales every metric's sample size (1 = the sizes the README states), > 0.") var evalScale: Double = 1

    func validate() throws {
        guard beta.isFinite, beta >= 0 else { throw ValidationError("--beta must be a number ≥ 0, got \(beta)") }
        guard latent >= 1 else { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard trainSize >= 2, trainSize <= 700_000 else { throw ValidationError("--train-size must be in 2…700,000 (1,000 more are the test images), got \(trainSize)") }
        guard evalScale.isFinite, evalScale > 0 else { throw ValidationError("--eval-scale must be a number > 0, got \(evalScale)") }
        if let dataset = data.dataset { throw ValidationError("--dataset \(dataset.rawValue): this chapter trains on the shapes only (drawn, or --data FILE.npz)") }
        if let path = data.data, !path.hasSuffix(".npz") { throw ValidationError("--data \(path): expected DeepMind's \(Shapes.fileName) (an .npz)") }
        if data.limit != nil || data.testLimit != nil { throw ValidationError("--limit and --test-limit are not used here: see --train-size and --eval-scale") }
    }

    mutating func run() throws {
        data.prepareKernels()
        let batch = training.batchSize ?? 64, epochs = training.epochs ?? 4
        let run = try data.runFolder(default: "disentangle-\(model.rawValue)-beta\(formatBeta(beta))")
        // ---- Data: a uniform sample of the shapes to train on, and 1,000 others (× --eval-scale) to test on --------------
        let shapes = try data.data.map { try Shapes.load(npz: $0) } ?? Shapes()
        guard shapes.count == 737_280 else { throw ValidationError("--data \(shapes.origin): \(shapes.count) images, the metrics need all 737,280") }
        var pick = SeededGenerator(seed: data.seed &+ 3)
        let testCount = Swift.max(2, Int((1000 * evalScale).rounded()))
        let order = Array(pick.permutation(shapes.count).prefix(trainSize + testCount))
        let train = shapes.imageSet(indices: Array(order.prefix(trainSize)))
        let testImages = shapes.tensor(indices: Array(order.dropFirst(trainSize)))
        print("data: \(train.count) training and \(testImages.shape[0]) test images of \(shapes.count) shapes (\(shapes.origin))")

        let random = RandomStreams(["eps": SeededGenerator(seed: data.seed)])
        let vae = VAE.burgess(latent: latent, using: &random["eps"])
        let adam = Adam(parameters: vae.parameters, lr: training.lr ?? 1e-4)  // Locatello et al.'s: Adam, 1e-4
        var loader = try trainingLoader(train, batchSize: batch, seed: data.seed &+ 1)
        let trainer = Trainer(model: vae, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", model.rawValue), ("latent", "\(latent)"), ("beta", formatBeta(beta))])
        if training.resume { try trainer.resume(replaying: &loader) }
        let (model, beta, size) = (model, beta, shapes.count)
        try runTraining {
            try trainer.train(epochs: epochs, loader: &loader, step: { b in
                let eps = Tensor.randomNormal([b.count, latent], using: &random["eps"])
                // ---- THE STEP ---------------------------------------------------------------------------
                switch model {
                case .betaVAE:   // −log p(x|z) (Bernoulli, summed over pixels) + β·KL, both averaged over the batch
                    let terms = vaeStep(vae, x: b.images, eps: eps, objective:
                        VAEObjective(likelihood: .bce, reconstruction: .batchMean, kl: .batchMean, beta: beta))
                    return StepReport(["rec": terms.reconstruction, "kl": terms.kl], averagedOver: 1, input: b.images)
                case .betaTCVAE: // −log p(x|z) + KL + (β − 1)·TC
                    let terms = betaTCVAEStep(vae, x: b.images, eps: eps, beta: beta, datasetSize: size)
                    return StepReport(["rec": terms.reconstruction, "kl": terms.kl, "tc": terms.totalCorrelation],
                                      averagedOver: 1, input: b.images)
                }
            }, evaluate: {
                var evalRandom = SeededGenerator(seed: 777)
                let terms = vae.evaluateELBO(images: testImages, using: &evalRandom)
                return [("rec", terms.reconstruction), ("kl", terms.kl)]
            })
        }
        // ---- What the code means: traversals and the five metrics (Metrics.swift) ------------------------
        let report = try describe(vae, shapes: shapes, testImages: testImages, scale: evalScale, seed: data.seed, run: run)
        let config: JSONValue = [
            "chapter": "06-Disentanglement", "command": .string(commandLine()), "model": .string(model.rawValue),
            "beta": .float(beta), "latent": .number(Double(latent)), "batch_size": .number(Double(batch)),
            "lr": .float(training.lr ?? 1e-4), "epochs": .number(Double(epochs)), "train_size": .number(Double(trainSize)),
            "steps": .number(Double(epochs * loader.batchCount)), "seed": .number(Double(data.seed)),
            "data": .string(shapes.origin), "threads": .number(Double(Parallel.threadCount)), "eval_scale": .number(evalScale),
            "training_seconds": .number(trainer.history.seconds.reduce(0, +)),
        ]
        let metrics: [(String, JSONValue)] = if case let .object(pairs) = report { pairs } else { [] }
        try run.writeSummary(config: config, metrics: .object(metrics + trainer.history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

DisentangleChapter.main()
