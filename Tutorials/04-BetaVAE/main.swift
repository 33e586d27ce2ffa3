// Chapter 4 — β-VAE: one knob between reconstruction and the prior.
//
// Chapter 3 trained the ELBO. Here the KL term gets a weight β, in seed 001's scaling:
//
//     L = mean squared error per pixel + β · KL(q(z|x) ‖ N(0, I))   (KL summed over z, mean over the batch)
//
// THE STEP is chapter 3's `vaeStep` (Sources/LatentModels/Steps/VAEStep.swift), the very same code,
// called with `.betaVAE(beta:)`: only the reductions and β differ. β = 0 is an autoencoder with noise;
// a large β pushes q(z|x) onto the prior until z says nothing about x. `--sweep` trains several β from
// the same weights on the same batches and puts them side by side. The README is the chapter text.
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

/// The MNIST architectures (CelebA always uses seed 000's model).
enum BetaModel: String, ExpressibleByArgument, CaseIterable { case conv, dense }
/// The two CelebA decoders: as seed 000 runs (no activation after its second BatchNorm) or as written.
enum CelebADecoder: String, ExpressibleByArgument, CaseIterable { case seed, full }

struct BetaVAEChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beta-vae",
        abstract: "Chapter 4: β-VAE on MNIST or CelebA; --sweep compares several β.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "Model for MNIST: conv (seed 001, default) or dense; CelebA always uses seed 000's model.") var model: BetaModel = .conv
    @Option(parsing: .unconditional, help: "Weight of the KL term, ≥ 0 (seed 001's tuned value: 1e-4).") var beta: Float = 1e-4
    @Flag(help: "Train every β of --betas and compare them.") var sweep = false
    @Option(help: "The β values of --sweep, comma-separated, each ≥ 0.") var betas: String = "0,1e-4,1e-3,1e-2,10"
    @Option(parsing: .unconditional, help: "Latent size z, at least 1 (default: 64 as seed 001 for MNIST, 20 dense, 128 CelebA).") var latent: Int?
    @Option(parsing: .unconditional, help: "Width f of the CelebA model.") var filters: Int = 32
    @Option(help: "CelebA decoder: seed (as seed 000 runs) or full.") var decoder: CelebADecoder = .seed
    @Option(parsing: .unconditional, help: "Latent dimensions shown in the traversals (the ones with the most KL).") var traverse: Int = 8
    @Flag(help: "Probe every β's μ, PCA and --ae/--vae with a linear classifier and k-NN on 100, 1,000 and all labels (probe.json).") var probe = false
    @Option(help: "With --probe: a chapter-2 MNIST autoencoder checkpoint to probe too.") var ae: String?
    @Option(help: "With --probe: a chapter-3 MNIST VAE checkpoint to probe too (its μ).") var vae: String?
    @Option(parsing: .upToNextOption, help: "Pictures (JPEG or PNG) to put through the run's trained model of --beta (or of every β of --betas with --sweep): no training.")
    var encode: [String] = []

    /// The β values to train: `--betas` with `--sweep`, else `--beta`.
    func betaList() throws -> [Float] {
        guard sweep else { return [beta] }
        return try betas.split(separator: ",").map { text in
            guard let value = Float(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
                throw ValidationError("--betas: '\(text)' is not a number ≥ 0")
            }
            return value
        }
    }

    func validate() throws {
        guard beta.isFinite, beta >= 0 else { throw ValidationError("--beta must be a number ≥ 0, got \(beta)") }
        _ = try betaList()
        if let latent, latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard filters >= 1 else { throw ValidationError("--filters must be at least 1, got \(filters)") }
        guard traverse >= 1 else { throw ValidationError("--traverse must be at least 1, got \(traverse)") }
        for (option, file) in [("--ae", ae), ("--vae", vae)] {
            guard let file else { continue }
            guard probe else { throw ValidationError("\(option) is used by --probe only") }
            guard FileIO.fileExists(file) else { throw ValidationError("\(option) \(file): no such file") }
        }
        for file in encode where !FileIO.fileExists(file) { throw ValidationError("--encode \(file): no such file") }
        if !encode.isEmpty && probe { throw ValidationError("--encode trains nothing: it cannot --probe") }
        let dataset = data.dataset ?? .mnist
        if probe && ![.mnist, .fashionMNIST].contains(dataset) { throw ValidationError("--probe needs labelled digits or clothes, not --dataset \(dataset.rawValue)") }
        // 3×64×64 images take seed 000's face model; conv is built for 1×28×28; dense takes any shape.
        let shape = data.imageShape(dataset)
        if shape != [3, 64, 64] && model == .conv && shape != [1, 28, 28] {
            throw ValidationError("--model conv takes 1×28×28 images (--size 28 --channels 1), not \(shape.map(String.init).joined(separator: "×")): "
                                  + "use --model dense, or --size 64 --channels 3 for the face model")
        }
    }

    mutating func run() throws {
        data.prepareKernels()
        if !encode.isEmpty { return try encodePictures() }
        let dataset = data.dataset ?? .mnist
        let isFaces = data.imageShape(dataset) == [3, 64, 64]
        let zDim = latent ?? (isFaces ? 128 : model == .dense ? 20 : 64)
        let batch = training.batchSize ?? (isFaces ? 32 : 64)
        let lr = training.lr ?? (isFaces ? 5e-4 : 1e-3)
        let run = try data.runFolder(default: "beta-vae-\(dataset.rawValue)")
        // ---- Data: pixels in [0, 1] (MNIST, Sigmoid decoder) or [-1, 1] (CelebA, Tanh decoder) ----
        let range: PixelRange = isFaces ? .minusOneToOne : .zeroToOne
        let (train, test) = try data.load(dataset)
        let testImages = try test.tensor(first: test.count, range: range)

        var results: [JSONValue] = [], probes: [ProbeRow] = []
        var comparison: [Tensor] = [testImages.slice(0..<min(10, test.count))]
        let list = try betaList()
        for beta in list {
            print("\n==== β = \(formatBeta(beta)) ====")
            // Every β starts from the same weights and sees the same batches: only β differs.
            let random = RandomStreams(["eps": SeededGenerator(seed: data.seed)])
            let vae: VAE = isFaces ? .celeba(filters: filters, latent: zDim, seedDecoder: decoder == .seed, using: &random["eps"])
                : model == .dense ? .dense(inputs: data.imageShape(dataset), latent: zDim, likelihood: .mse, using: &random["eps"])
                : .conv(latent: zDim, likelihood: .mse, using: &random["eps"])
            let adam = isFaces
                ? Adam(parameters: vae.parameters, lr: lr, betas: (0.5, 0.999), weightDecay: 1e-5)  // seed 000
                : Adam(parameters: vae.parameters, lr: lr)
            if beta == list.first { print(vae.summary(batch: batch)) }
            var loader = try trainingLoader(train, batchSize: batch, range: range, seed: data.seed &+ 1)
            let trainer = Trainer(model: vae, optimizer: adam, random: random,
                                  checkpoint: run.file("checkpoint-beta\(formatBeta(beta)).safetensors"),
                                  config: [("model", vae.kind), ("latent", "\(zDim)"), ("beta", formatBeta(beta)),
                                           ("image_shape", vae.imageShape.map(String.init).joined(separator: "x")),
                                           ("filters", "\(filters)"), ("decoder", decoder.rawValue)],
                                  label: "β=\(formatBeta(beta)) ")
            if training.resume { try trainer.resume(replaying: &loader) }
            try runTraining {
                try trainer.train(epochs: training.epochs ?? 5, loader: &loader, step: { b in
                    let eps = Tensor.randomNormal([b.count, zDim], using: &random["eps"])
                    let terms = vaeStep(vae, x: b.images, eps: eps, objective: .betaVAE(beta: beta))
                    return StepReport(["mse": terms.reconstruction, "kl": terms.kl], averagedOver: 1, input: b.images)
                }, evaluate: {
                    // Test MSE per pixel (one z sample per image, like training) and KL per image.
                    var evalRandom = SeededGenerator(seed: 777)
                    let terms = vae.evaluateELBO(images: testImages, using: &evalRandom)
                    return [("mse", terms.reconstruction / Double(vae.imageShape.reduce(1, *))), ("kl", terms.kl)]
                })
            }
            let (result, rows) = try describe(vae, beta: beta, history: trainer.history, testImages: testImages, range: range, run: run)
            results.append(result)
            if probe { probes.append(try probeEncoder("β-VAE μ, β = \(formatBeta(beta))", train: train, test: test, seed: data.seed) { vae.encodeAll($0).mu }) }
            comparison += rows
        }

        // ---- The comparison: grid and table ------------------------------------------------------
        let columns = min(10, test.count)
        try run.writeGrid(concatBatch(comparison.map { $0.slice(0..<min(columns, $0.shape[0])) }), columns: columns, range: range,
                          as: "comparison.png")
        print("\ncomparison.png: row 1 test images; then per β (in order \(list.map(formatBeta).joined(separator: ", "))):"
              + " its reconstructions, then its samples from N(0, I)")
        printTable(results, latent: zDim)
        if probe { try finishProbes(probes, latent: zDim, ae: ae, vae: vae, train: train, test: test, seed: data.seed, run: run) }
        let config: JSONValue = [
            "chapter": "04-BetaVAE", "command": .string(commandLine()), "dataset": .string(dataset.rawValue),
            "model": .string(isFaces ? "celeba" : model.rawValue), "latent": .number(Double(zDim)), "batch_size": .number(Double(batch)),
            "lr": .float(lr), "epochs": .number(Double(training.epochs ?? 5)), "seed": .number(Double(data.seed)),
            "decoder": .string(isFaces ? decoder.rawValue : "n/a"), "train_images": .number(Double(train.count)),
            "test_images": .number(Double(test.count)), "threads": .number(Double(Parallel.threadCount)),
            "loss": "mean squared error per pixel + beta * KL (summed over z, mean over the batch)",
            "active_unit_rule": "Var over test images of mu_j > 0.01",
        ]
        try run.writeSummary(config: config, metrics: ["betas": .array(results)])
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

BetaVAEChapter.main()
