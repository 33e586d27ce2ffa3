// Chapter 2 — Autoencoders.
//
// An autoencoder learns a code z = encoder(x) with far fewer numbers than pixels, and a decoder that
// rebuilds x̂ = decoder(z). Training minimizes the mean squared error between x̂ and x. Chapter 1's PCA
// is the best *linear* autoencoder; here both halves are neural networks (dense: seed 004, conv:
// seed 001, faces: seed 000's encoder shape) and we ask how much that buys at the same code size.
//
//     swift run -c release autoencoder                        conv AE, MNIST, 10 epochs
//     swift run -c release autoencoder --model dense          seed 004's 784→200→20 dense AE
//     swift run -c release autoencoder --noise 0.5            denoising (seed 003)
//     swift run -c release autoencoder --dataset celeba       faces
import ArgumentParser
import Latent
import LatentData
import LatentModels

struct AutoencoderChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Chapter 2: train an autoencoder, compare it with PCA, and look at its codes.")

    @Option(help: "mnist, fashion-mnist or celeba.") var dataset: DatasetName = .mnist
    @Option(help: "Folder holding the dataset files (default: search LATENT_DATA, the cache, system folders).") var data: String?
    @Option(help: "dense (seed 004) or conv (seed 001; on CelebA: seed 000's conv encoder).") var model: ModelName = .conv
    @Option(help: "Training epochs (default: 10; 5 on CelebA).") var epochs: Int?
    @Option(help: "Latent size (default: 64 conv, 20 dense, 128 CelebA).") var latent: Int?
    @Option(help: "Images per batch.") var batchSize: Int = 64
    @Option(help: "Adam learning rate (default: 1e-3 conv, 2.5e-4 dense).") var lr: Float?
    @Option(help: "Std of Gaussian noise added to the inputs: a denoising autoencoder (seed 003).") var noise: Float = 0
    @Option(help: "Base width f of the CelebA model (seed 000 uses 64).") var width: Int = 32
    @Option(help: "Output folder (default: runs/autoencoder-<dataset>[-dense][-noise<σ>]).") var out: String?
    @Option(help: "Random seed: weights, shuffling, noise, samples.") var seed: UInt64 = 0
    @Option(help: "Threads for the kernels (default: all cores).") var threads: Int?
    @Flag(help: "Continue from the checkpoint in the output folder.") var resume = false

    mutating func run() throws {
        if let threads { Parallel.threadCount = threads }
        let config = RunConfig(self)
        print("Chapter 2 — autoencoder: \(config.describe)")

        // 1. Data: pixels/255 in [0, 1]; CelebA faces cropped to 64×64.
        let (train, test) = try loadDataset(dataset, from: data)
        print("data: \(train.count) training and \(test.count) test images of \(train.channels)×\(train.height)×\(train.width)")

        // 2. The model, and Adam on all of its parameters.
        var generator = SeededGenerator(seed: seed)
        let autoencoder: any AutoencoderModel = switch (dataset, model) {
        case (_, .dense):
            DenseAutoencoder(imageShape: [train.channels, train.height, train.width], latentDimension: config.latent, using: &generator)
        case (.celeba, .conv):
            CelebAAutoencoder(width: width, latentDimension: config.latent, using: &generator)
        case (_, .conv):
            ConvAutoencoder(latentDimension: config.latent, using: &generator)
        }
        print("\n\(autoencoder.summary(inputShape: [train.channels, train.height, train.width]))\n")
        let optimizer = Adam(parameters: autoencoder.parameters, lr: config.lr)
        let trainer = AutoencoderTrainer(model: autoencoder, optimizer: optimizer)
        let run = try RunFolder(path: config.outFolder)
        var history = History()

        // 3. Resume: weights, Adam moments and step, the generator, and the curves so far.
        var startEpoch = 1
        var (skipBatches, skippedLoss) = (0, 0.0)  // after a mid-epoch stop: batches done, their loss sum
        if resume, FileIO.fileExists(run.checkpoint) {
            let info = try Checkpoint.load(from: run.checkpoint, into: autoencoder, optimizer: optimizer)
            trainer.step = info.step
            if let rng = info.rng { generator = rng }
            history = History(metadata: info.config)
            startEpoch = info.epoch + 1
            (skipBatches, skippedLoss) = (Int(info.config["epoch_step"] ?? "0") ?? 0, Double(info.config["epoch_loss_sum"] ?? "0") ?? 0)
            print("resumed from \(run.checkpoint): \(info.epoch) epochs done, step \(info.step)"
                  + (skipBatches > 0 ? ", \(skipBatches) batches into epoch \(startEpoch)" : ""))
        } else if resume {
            print("no checkpoint at \(run.checkpoint); starting from scratch")
        }

        // 4. Train: each epoch a fresh shuffle (the loader's generator advances once per epoch, so
        //    epoch k is the same whether or not the run was resumed), then the test MSE.
        var loader = DataLoader(train, batchSize: batchSize, noiseStd: noise, seed: seed &+ 1)
        for _ in 1..<startEpoch { _ = loader.epoch() }
        Interrupt.install()
        let clock = Stopwatch()
        for epoch in startEpoch...max(startEpoch, config.epochs) where epoch <= config.epochs {
            let epochClock = Stopwatch()
            let bar = ProgressBar(total: loader.batchCount, label: "epoch \(epoch)/\(config.epochs)")
            let batches = loader.epoch().dropFirst(skipBatches).lazy.map { (input: $0.input, target: $0.images) }
            let result: (meanLoss: Float, steps: Int)
            do {
                result = try trainer.trainEpoch(
                    batches, epoch: epoch,
                    onStep: { index, loss in bar.update(step: skipBatches + index, metrics: [("loss", loss)]) },
                    shouldStop: { Interrupt.requested })
            } catch let error as NonFiniteError {
                print("\n\(error)")
                print(FileIO.fileExists(run.checkpoint)
                      ? "last good checkpoint: \(run.checkpoint) (resume with --resume after lowering --lr)" : "no checkpoint written yet")
                throw ExitCode.failure
            }
            let (epochSteps, epochLossSum) = (skipBatches + result.steps, skippedLoss + Double(result.meanLoss) * Double(result.steps))
            if Interrupt.requested {
                try run.saveCheckpoint(trainer, rng: generator, epoch: epoch - 1, config: config, history: history,
                                       epochStep: epochSteps, epochLossSum: epochLossSum)
                print("\ninterrupted: checkpoint written to \(run.checkpoint); continue with --resume")
                throw ExitCode(130)
            }
            let trainLoss = Float(epochLossSum / Double(max(epochSteps, 1)))
            (skipBatches, skippedLoss) = (0, 0)
            let testMSE = trainer.meanSquaredError(testBatches(test, noise: noise, seed: seed))
            history.append(trainLoss: trainLoss, testMSE: testMSE, seconds: epochClock.seconds)
            bar.finish(metrics: [("loss", trainLoss), ("test mse", testMSE)])
            try run.saveCheckpoint(trainer, rng: generator, epoch: epoch, config: config, history: history)
        }
        let trainSeconds = clock.seconds

        // 5. What the code can do: reconstructions, samples from N(0, I), an interpolation, denoising.
        let originals = test.tensor(first: 16)
        var written: [String] = []
        if noise > 0 {
            var noisy = DataLoader(test, batchSize: 16, shuffle: false, noiseStd: noise, seed: seed)
            let batch = noisy.epoch().first(where: { _ in true })!
            written.append(try run.writeGrid("denoising.png", stackImages([batch.input, trainer.reconstruct(batch.input), batch.images]), columns: 16))
        }
        written.append(try run.writeGrid("reconstructions.png", stackImages([originals, trainer.reconstruct(originals)]), columns: 16))
        // Samples: decode codes drawn from N(0, I). The encoder never promised its codes look like that.
        let z = Tensor.randomNormal([64, config.latent], using: &generator)
        written.append(try run.writeGrid("samples.png", trainer.decode(z), columns: 8))
        // Interpolation: z(t) = (1 − t)·z₀ + t·z₁ between two test images (a 1 and a 7 for digits).
        let (first, second) = interpolationPair(test)
        let ends = [first, second].map { trainer.encode(test.tensor(indices: [$0])) }
        let path = trainer.decode(interpolateLatents(from: ends[0], to: ends[1], steps: 10))
        written.append(try run.writeGrid("interpolation.png", stackImages([test.tensor(indices: [first]), path, test.tensor(indices: [second])]), columns: 12))
        written.append(try run.writeCurves(history, title: "\(config.modelLabel) on \(dataset.rawValue)"))

        // 6. The comparison this chapter teaches: the autoencoder against PCA with the same code size.
        print("\nfitting PCA with k = \(config.latent) on the training images for comparison…")
        let pcaClock = Stopwatch()
        let pcaMSE = try pcaTestMSE(train: train, test: testBatches(test, noise: noise, seed: seed), k: config.latent)
        let aeMSE = history.testMSE.last ?? trainer.meanSquaredError(testBatches(test, noise: 0, seed: seed))
        print(String(format: "test MSE per pixel, code size %d:   %@ %.5f   |   PCA %.5f   (PCA fit %.1f s)",
                     config.latent, config.modelLabel, aeMSE, pcaMSE, pcaClock.seconds))
        if noise > 0 { print("(both on noisy test inputs against the clean images: PCA denoises by projecting on k components)") }

        written.append(try run.writeSummary(config: config, history: history, pcaMSE: pcaMSE, trainSeconds: trainSeconds,
                                            steps: trainer.step))
        print("\nwrote:")
        for path in [run.checkpoint] + written { print("  \(path)") }
    }
}

AutoencoderChapter.main()
