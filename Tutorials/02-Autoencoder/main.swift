// Chapter 2 — Autoencoders.
//
// An autoencoder learns a code z = encoder(x) with far fewer numbers than pixels, and a decoder that
// rebuilds x̂ = decoder(z). Training minimizes the mean squared error between x̂ and x. Chapter 1's PCA
// is the best *linear* autoencoder; here both halves are neural networks (dense: seed 004, conv:
// seed 001, faces: seed 000's encoder shape) and we ask how much that buys at the same code size.
//
// THE STEP is `autoencoderStep` in Sources/LatentModels/Steps/AutoencoderStep.swift: x̂ = decoder(encoder(x̃)),
// L = mean (x̂ − x)², backward through the decoder then the encoder. The shared `Trainer` runs it
// (epochs, progress, checkpoints, Ctrl-C, NaN stops).
//
//     swift run -c release autoencoder                        conv AE, MNIST, 10 epochs
//     swift run -c release autoencoder --model dense          seed 004's 784→200→20 dense AE
//     swift run -c release autoencoder --noise 0.5            denoising (seed 003)
//     swift run -c release autoencoder --model tied           the dense AE with decoder weights = encoderᵀ
//     swift run -c release autoencoder --anomaly fashion-mnist  error on other images, and its AUROC
//     swift run -c release autoencoder --dataset celeba       faces
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

/// The two model families.
enum ModelName: String, ExpressibleByArgument, CaseIterable { case dense, tied, conv }

struct AutoencoderChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Chapter 2: train an autoencoder, compare it with PCA, and look at its codes.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @Option(help: "dense (seed 004), tied (dense with decoder weights = encoderᵀ) or conv (seed 001; on CelebA: seed 000's conv encoder).") var model: ModelName = .conv
    @Option(parsing: .unconditional, help: "Hidden width of dense and tied, ≥ 0 (0: no hidden layer, 784 → z → 784).") var hidden: Int = 200
    @Option(help: "After training, reconstruct this dataset's test images too and report the AUROC of the error (e.g. fashion-mnist).") var anomaly: DatasetName?
    @Option(parsing: .unconditional, help: "Latent size, at least 1 (default: 64 conv, 20 dense, 128 CelebA).") var latent: Int?
    @Option(parsing: .unconditional, help: "Std of Gaussian noise added to the inputs, ≥ 0: a denoising autoencoder (seed 003).") var noise: Float = 0
    @Option(parsing: .unconditional, help: "Base width f of the CelebA model (seed 000 uses 64).") var filters: Int = 32

    func validate() throws {
        guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise must be a number ≥ 0, got \(noise)") }
        if let latent, latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard filters >= 1 else { throw ValidationError("--filters must be at least 1, got \(filters)") }
        guard hidden >= 0 else { throw ValidationError("--hidden must be ≥ 0, got \(hidden)") }
        let dataset = data.dataset ?? .mnist
        if let anomaly, anomaly == dataset || ![.mnist, .fashionMNIST].contains(anomaly) || ![.mnist, .fashionMNIST].contains(dataset) {
            throw ValidationError("--anomaly \(anomaly.rawValue): give a dataset of the same image size as the training one and different from it (mnist or fashion-mnist)")
        }
        // The conv models are built for two shapes: seed 001's 28×28 digits and seed 000's 64×64 faces.
        let shape = data.imageShape(dataset)
        if model == .conv && shape != [1, 28, 28] && shape != [3, 64, 64] {
            throw ValidationError("--model conv takes 1×28×28 images (--size 28 --channels 1) or 3×64×64 (--size 64 --channels 3), "
                                  + "not \(shape.map(String.init).joined(separator: "×")): choose one of those or --model dense")
        }
    }

    mutating func run() throws {
        data.prepareKernels()
        let dataset = data.dataset ?? .mnist
        let faces = data.imageShape(dataset) == [3, 64, 64] && model == .conv
        let epochs = training.epochs ?? (faces ? 5 : 10)
        let dense = model != .conv
        let zDim = latent ?? (dense ? 20 : faces ? 128 : 64)
        let batch = training.batchSize ?? 64
        let lr = training.lr ?? (dense ? 2.5e-4 : 1e-3)
        let run = try data.runFolder(default: "autoencoder-\(dataset.rawValue)" + (dense ? "-\(model.rawValue)" : "") + (noise > 0 ? "-noise\(noise)" : ""))

        // 1. Data: pixels/255 in [0, 1]; CelebA faces cropped to 64×64.
        let (train, test) = try data.load(dataset)
        let shape = [train.channels, train.height, train.width]

        // 2. The model, and Adam on all of its parameters.
        let random = RandomStreams(["weights": SeededGenerator(seed: data.seed)])
        let autoencoder: any AutoencoderModel = switch (faces, model) {
        case (_, .dense): DenseAutoencoder(imageShape: shape, hidden: hidden, latentDimension: zDim, using: &random["weights"])
        case (_, .tied): TiedDenseAutoencoder(imageShape: shape, hidden: hidden, latentDimension: zDim, using: &random["weights"])
        case (true, .conv): CelebAAutoencoder(width: filters, latentDimension: zDim, using: &random["weights"])
        case (false, .conv): ConvAutoencoder(latentDimension: zDim, using: &random["weights"])
        }
        let label = dense ? "\(model == .tied ? "tied " : "")dense AE (hidden \(hidden))" : faces ? "conv AE (f=\(filters))" : "conv AE"
        print("\(label), \(dataset.rawValue), latent \(zDim), \(epochs) epochs, batch \(batch), Adam lr \(lr)"
              + (noise > 0 ? ", input noise σ = \(noise)" : "") + " → \(run.path)")
        print("\n\(autoencoder.summary(inputShape: shape))\n")
        let adam = Adam(parameters: autoencoder.parameters, lr: lr)

        // 3. Train: each epoch a fresh shuffle (the loader's generator advances once per epoch, so epoch k
        //    is the same whether or not the run was resumed), then the test MSE.
        var loader = try trainingLoader(train, batchSize: batch, noise: noise, seed: data.seed &+ 1)
        let testSet = try testBatches(test, noise: noise, seed: data.seed)
        let trainer = Trainer(model: autoencoder, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", model.rawValue), ("latent", "\(zDim)"), ("hidden", "\(hidden)"), ("dataset", dataset.rawValue)])
        if training.resume { try trainer.resume(replaying: &loader) }
        try runTraining {
            try trainer.train(epochs: epochs, loader: &loader, step: { b in
                let loss = autoencoderStep(autoencoder, input: b.input, target: b.images)
                return StepReport(["loss": loss], averagedOver: 1, input: b.input)
            }, evaluate: { [("mse", testMSE(autoencoder, testSet))] })
        }

        // 4. What the code can do: reconstructions, samples from N(0, I), an interpolation, denoising.
        let originals = try test.tensor(first: 16)
        if noise > 0 {
            let noisy = testSet[0].input.slice(0..<16)
            try run.writeGrid(concatBatch([noisy, autoencoder.reconstructAll(noisy), originals]), columns: 16, as: "denoising.png")
        }
        try run.writeGrid(concatBatch([originals, autoencoder.reconstructAll(originals)]), columns: 16, as: "reconstructions.png")
        // Samples: decode codes drawn from N(0, I). The encoder never promised its codes look like that.
        try run.writeGrid(autoencoder.decodeAll(Tensor.randomNormal([64, zDim], using: &random["weights"])), columns: 8, as: "samples.png")
        // Interpolation: z(t) = (1 − t)·z₀ + t·z₁ between two test images (a 1 and a 7 for digits).
        let pair = try test.tensor(indices: interpolationPair(test))
        let ends = autoencoder.encodeAll(pair)
        let line = autoencoder.decodeAll(LatentCodes.interpolation(from: LatentCodes.row(ends, 0), to: LatentCodes.row(ends, 1), steps: 10))
        try run.writeGrid(concatBatch([pair.slice(0..<1), line, pair.slice(1..<2)]), columns: 12, as: "interpolation.png")
        try run.writeChart(curves(trainer.history, title: "\(label) on \(dataset.rawValue)"), as: "curves.svg")

        // 5. The comparison this chapter teaches: the autoencoder against PCA with the same code size.
        print("\nfitting PCA with k = \(zDim) on the training images for comparison…")
        let clock = Stopwatch()
        let pcaMSE = try pcaTestMSE(train: train, test: testSet, k: zDim)
        let aeMSE = trainer.history.last("test_mse") ?? testMSE(autoencoder, testSet)
        print("test MSE per pixel, code size \(zDim):   \(label) \(Format.fixed(aeMSE, 5))   |   PCA \(Format.fixed(pcaMSE, 5))"
              + "   (PCA fit \(Format.fixed(clock.seconds, 1)) s)")
        if noise > 0 { print("(both on noisy test inputs against the clean images: PCA denoises by projecting on k components)") }
        let outside = try anomaly.map { try anomalyReport(autoencoder, test: test, other: data.load($0).test, otherName: $0.rawValue, seed: data.seed) }

        let config: JSONValue = [
            "chapter": "02-Autoencoder", "command": .string(commandLine()), "dataset": .string(dataset.rawValue),
            "model": .string(model.rawValue), "epochs": .number(Double(epochs)), "latent": .number(Double(zDim)),
            "batch_size": .number(Double(batch)), "lr": .float(lr), "noise": .float(noise), "filters": .number(Double(filters)), "hidden": .number(Double(hidden)),
            "seed": .number(Double(data.seed)), "threads": .number(Double(Parallel.threadCount)),
            "train_images": .number(Double(train.count)), "test_images": .number(Double(test.count)),
        ]
        try run.writeSummary(config: config, metrics: .object([
            ("final_test_mse", .number(aeMSE)), ("pca_test_mse", ["k": .number(Double(zDim)), "test_mse": .number(pcaMSE)]),
            ("steps", .number(Double(adam.stepCount))), ("parameters", .number(Double(autoencoder.parameterCount))),
        ] + (outside.map { [("anomaly", $0)] } ?? []) + trainer.history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

AutoencoderChapter.main()
