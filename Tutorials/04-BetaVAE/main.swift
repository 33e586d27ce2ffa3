// Chapter 4 — β-VAE: one knob between reconstruction and the prior.
//
// Chapter 3 trained the ELBO. Here the KL term gets a weight β, in seed 001's scaling:
//
//     L = mean squared error per pixel + β · KL(q(z|x) ‖ N(0, I))   (KL summed over z, mean over the batch)
//
// β = 0 is an autoencoder with noise; a large β pushes q(z|x) onto the prior until z says nothing
// about x. `--sweep` trains several β and puts them side by side. The README is the chapter text.
import ArgumentParser
import Foundation
import Latent
import LatentData
import LatentModels

struct BetaVAEChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beta-vae",
        abstract: "Chapter 4: β-VAE on MNIST or CelebA; --sweep compares several β.")

    @Option(help: "Dataset: mnist, fashion-mnist or celeba.")
    var dataset: DatasetName = .mnist
    @Option(help: "Model for MNIST: conv (seed 001, default) or dense; CelebA always uses seed 000's model.")
    var model: String = "conv"
    @Option(help: "Dataset folder (else LATENT_DATA, ../shared/data, the cache).")
    var data: String?
    @Option(help: "Weight of the KL term (seed 001's tuned value: 1e-4).")
    var beta: Float = 1e-4
    @Flag(help: "Train every β of --betas and compare them.")
    var sweep = false
    @Option(help: "The β values of --sweep, comma-separated.")
    var betas: String = "0,1e-4,1,10"
    @Option(help: "Training epochs per β.")
    var epochs: Int = 5
    @Option(help: "Latent size z (default: 64 as seed 001 for MNIST, 128 for CelebA).")
    var latent: Int?
    @Option(help: "Width f of the CelebA model.")
    var filters: Int = 32
    @Option(help: "CelebA decoder: seed (as seed 000 runs: no activation after its second BatchNorm) or full.")
    var decoder: String = "seed"
    @Option(name: .customLong("batch-size"), help: "Images per batch (default: 64 MNIST as seed 001, 32 CelebA).")
    var batchSize: Int?
    @Option(help: "Adam learning rate (default: 1e-3 MNIST as seed 001, 5e-4 CelebA as seed 000).")
    var lr: Float?
    @Option(help: "Latent dimensions shown in the traversals (the ones with the most KL).")
    var traverse: Int = 8
    @Option(help: "Only this many training images (smoke tests).")
    var limit: Int?
    @Option(name: .customLong("test-limit"), help: "Only this many test images (smoke tests).")
    var testLimit: Int?
    @Option(help: "Run folder (default runs/beta-vae-<dataset>).")
    var out: String?
    @Option(help: "Seed of every random draw (the same for every β).")
    var seed: UInt64 = 0
    @Option(help: "Threads for the kernels (default: all cores).")
    var threads: Int?
    @Flag(help: "Continue each β from its checkpoint in the run folder (finished ones are not retrained).")
    var resume = false

    mutating func run() throws {
        if let threads { Parallel.threadCount = threads }
        let isFaces = dataset == .celeba
        let kind = isFaces ? "celeba" : model
        guard ["dense", "conv", "celeba"].contains(kind) else { throw ValidationError("--model must be conv or dense") }
        guard ["seed", "full"].contains(decoder) else { throw ValidationError("--decoder must be seed or full") }
        let zDim = latent ?? (isFaces ? 128 : (kind == "dense" ? 20 : 64))
        let batch = batchSize ?? (isFaces ? 32 : 64)
        let learningRate = lr ?? (isFaces ? 5e-4 : 1e-3)
        let betaList = sweep ? try betas.split(separator: ",").map { text -> Float in
            guard let v = Float(text.trimmingCharacters(in: .whitespaces)), v >= 0 else { throw ValidationError("bad β '\(text)' in --betas") }
            return v
        } : [beta]
        let runFolder = out ?? "runs/beta-vae-\(dataset.rawValue)"
        try FileIO.createFolder(runFolder)

        // ---- Data: pixels in [0, 1] (MNIST, Sigmoid decoder) or [-1, 1] (CelebA, Tanh decoder) ----
        let range: PixelRange = isFaces ? .minusOneToOne : .zeroToOne
        var train: ImageSet, test: ImageSet
        if isFaces {
            let celeba = try CelebA.load(from: DatasetName.celeba.folder(explicit: data))
            (train, test) = (ImageSet(celeba.train), ImageSet(celeba.test))
        } else {
            let mnist = try loadDataset(dataset, from: data)
            (train, test) = (mnist.train, mnist.test)
        }
        if let limit { train = train.subset(Array(0..<min(limit, train.count))) }
        if let testLimit { test = test.subset(Array(0..<min(testLimit, test.count))) }
        let testImages = test.tensor(first: test.count, range: range)
        print("data: \(train.count) training and \(test.count) test images \(train.channels)×\(train.height)×\(train.width)")

        var results: [[String: Any]] = []
        var comparisonRows: [Tensor] = [testImages.slice(0..<min(10, test.count))]
        var written: [String] = []
        func path(_ name: String) -> String { let p = FileIO.join(runFolder, name); written.append(p); return p }

        for beta in betaList {
            let tag = "beta\(formatBeta(beta))"
            print("\n==== β = \(formatBeta(beta)) ====")
            // Every β starts from the same weights and sees the same batches: only β differs.
            var rng = SeededGenerator(seed: seed)
            let vae: VAE = switch kind {
            case "dense": .dense(latent: zDim, likelihood: .mse, using: &rng)
            case "conv": .conv(latent: zDim, likelihood: .mse, using: &rng)
            default: .celeba(filters: filters, latent: zDim, seedDecoder: decoder != "full", using: &rng)
            }
            let optimizer = isFaces
                ? Adam(parameters: vae.parameters, lr: learningRate, betas: (0.5, 0.999), weightDecay: 1e-5)
                : Adam(parameters: vae.parameters, lr: learningRate)
            if beta == betaList.first { print(vae.summary(batch: batch)) }
            var loader = DataLoader(train, batchSize: batch, range: range, seed: seed &+ 1)
            var history = VAEHistory()
            var unused = SeededGenerator(seed: 0)  // the checkpoint format's binarizer slot (no binarization here)
            let checkpointPath = FileIO.join(runFolder, "checkpoint-\(tag).safetensors")
            var partial: VAEPartialEpoch?  // set when a Ctrl-C stopped this β inside an epoch
            if resume && FileIO.fileExists(checkpointPath) {
                let state = try loadCheckpoint(checkpointPath, model: vae, optimizer: optimizer)
                (history, rng, unused, partial) = (state.history, state.rng, state.binarizer, state.partial)
                for _ in 0..<history.epochs { _ = loader.epoch() }
                print("resumed from \(checkpointPath) after epoch \(history.epochs)" + (partial.map { " and \($0.steps) steps" } ?? ""))
            }
            Interrupt.install()  // Ctrl-C: finish the step, write this β's checkpoint, exit
            while history.epochs < epochs {
                let epoch = history.epochs + 1
                vae.isTraining = true
                let epochStarted = Date()
                let bar = ProgressBar(total: loader.batchCount, label: "β=\(formatBeta(beta)) epoch \(epoch)/\(epochs)")
                var (recSum, klSum, steps) = partial.map { ($0.recSum, $0.klSum, $0.seen) } ?? (0.0, 0.0, 0)
                for (step, b) in loader.epoch().enumerated().dropFirst(partial?.steps ?? 0) {
                    let x = b.images
                    optimizer.zeroGrad()
                    let (mu, logVar) = vae.encoder.forward(x).splitColumns(zDim)
                    let eps = Tensor.randomNormal(like: mu, using: &rng)
                    let std = exp(0.5 * logVar)
                    let z = mu + std * eps
                    let xHat = vae.decoder.forward(z)
                    let (rec, dXHat) = mse(xHat, x, reduction: .mean)                  // mean over pixels and batch
                    let (kl, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar)        // sum over z, mean over batch
                    if !rec.isFinite || !kl.isFinite {
                        let location = firstNonFiniteLayer(in: vae.encoder, input: x).map { "encoder layer \($0.index) \($0.layer)" }
                            ?? firstNonFiniteLayer(in: vae.decoder, input: z).map { "decoder layer \($0.index) \($0.layer)" }
                            ?? (rec.isFinite ? "the KL term" : "the reconstruction loss")
                        throw VAENonFiniteError(epoch: epoch, step: step + 1, location: location,
                                                checkpoint: FileIO.fileExists(checkpointPath) ? checkpointPath : nil)
                    }
                    let dZ = vae.decoder.backward(dXHat)
                    _ = vae.encoder.backward(concatColumns(dZ + beta * dMu, dZ * eps * 0.5 * std + beta * dLogVar))
                    optimizer.step()
                    recSum += Double(rec)
                    klSum += Double(kl)
                    steps += 1
                    bar.update(step: step + 1, metrics: [("mse", Float(recSum / Double(steps))), ("kl", Float(klSum / Double(steps)))])
                    if Interrupt.requested {  // Ctrl-C: checkpoint this step and stop
                        try saveInterruptedRun(checkpointPath, model: vae, optimizer: optimizer, history: history, rng: rng,
                                               binarizer: unused, partial: VAEPartialEpoch(steps: step + 1, recSum: recSum, klSum: klSum, seen: steps))
                        throw ExitCode(130)
                    }
                }
                partial = nil
                bar.finish()
                let (testRec, testKL) = evaluate(vae, testImages)
                history.trainRec.append(recSum / Double(steps))
                history.trainKL.append(klSum / Double(steps))
                history.testRec.append(testRec)
                history.testKL.append(testKL)
                history.seconds.append((history.seconds.last ?? 0) + Date().timeIntervalSince(epochStarted))
                print(String(format: "β=%@ epoch %d: train MSE %.5f KL %.2f | test MSE %.5f KL %.2f  (%.0f s)", formatBeta(beta), epoch,
                             recSum / Double(steps), klSum / Double(steps), testRec, testKL, history.seconds.last!))
                try saveCheckpoint(checkpointPath, model: vae, optimizer: optimizer, history: history, rng: rng, binarizer: unused)
            }

            // ---- What this β learned ---------------------------------------------------------
            let (mu, logVar) = vae.encodeAll(testImages)
            let klPerDim = perDimensionKL(mu: mu, logVar: logVar).scalars
            let (_, active) = activeUnits(mu: mu)
            let reconstructionMSE = vae.reconstructionMSE(images: testImages)
            var sampleRng = SeededGenerator(seed: 4242)
            let samples = vae.decodeAll(Tensor.randomNormal([10, zDim], using: &sampleRng))
            comparisonRows += [vae.reconstruct(testImages.slice(0..<min(10, test.count))), samples]
            try BarChart(title: "KL per latent dimension, β = \(formatBeta(beta)) (test set)",
                         xLabel: "latent dimension", yLabel: "nats", values: klPerDim.map(Double.init))
                .write(to: path("kl-per-dimension-\(tag).svg"))
            // Traversals: the dimensions carrying the most KL, each swept from −3 to 3 around the code of a test image.
            let dims = largestIndices(klPerDim, count: min(traverse, zDim))
            let values = LatentCodes.linspace(-3, 3, count: 9)
            let codes = LatentCodes.traversal(base: LatentCodes.row(mu, 0), dimensions: dims, values: values)
            try writeGrid(vae.decodeAll(codes), columns: values.count, range: range, to: path("traversals-\(tag).png"))
            try writeBetaCurves(history, beta: beta, to: path("curves-\(tag).svg"))
            results.append([
                "beta": Double(beta), "test_mse": history.testRec.last ?? .nan, "test_kl": history.testKL.last ?? .nan,
                "test_mse_at_mu": reconstructionMSE, "active_units": active, "kl_per_dimension": klPerDim.map(Double.init),
                "traversal_dimensions": dims, "train_mse_per_epoch": history.trainRec, "train_kl_per_epoch": history.trainKL,
                "test_mse_per_epoch": history.testRec, "test_kl_per_epoch": history.testKL, "seconds": history.seconds.last ?? 0,
            ])
        }

        // ---- The comparison: grid and table ------------------------------------------------------
        let columns = min(10, test.count)
        try writeGrid(concatBatch(comparisonRows.map { $0.slice(0..<min(columns, $0.shape[0])) }), columns: columns, range: range,
                      to: path("comparison.png"))
        print("\ncomparison.png: row 1 test images; then per β (in order \(betaList.map(formatBeta).joined(separator: ", "))):"
              + " its reconstructions, then its samples from N(0, I)")
        print("\n|    β    | test MSE/pixel | test MSE at μ | KL (nats) | active dims |")
        print("|---------|----------------|---------------|-----------|-------------|")
        for r in results {
            print(String(format: "| %7@ | %14.5f | %13.5f | %9.2f | %6d / %-3d |", formatBeta(Float(r["beta"] as! Double)),
                         r["test_mse"] as! Double, r["test_mse_at_mu"] as! Double, r["test_kl"] as! Double, r["active_units"] as! Int, zDim))
        }
        let summary: [String: Any] = [
            "chapter": "04-BetaVAE", "dataset": dataset.rawValue, "model": kind, "latent": zDim, "batch_size": batch, "lr": learningRate,
            "epochs": epochs, "seed": seed, "decoder": isFaces ? decoder : "n/a", "train_images": train.count, "test_images": test.count, "threads": Parallel.threadCount,
            "loss": "mean squared error per pixel + beta * KL (summed over z, mean over the batch)",
            "active_unit_rule": "Var over test images of mu_j > 0.01",
            "betas": results,
        ]
        try FileIO.writeAtomically(JSONValue(summary).serialized() + "\n", to: path("summary.json"))
        print("wrote:\n  " + written.joined(separator: "\n  "))
    }

    /// Test MSE per pixel (one z sample per image, like training) and KL per image, in evaluation mode.
    func evaluate(_ vae: VAE, _ images: Tensor) -> (mse: Double, kl: Double) {
        var g = SeededGenerator(seed: 777)
        let terms = vae.evaluateELBO(images: images, using: &g)
        return (terms.reconstruction / Double(vae.imageShape.reduce(1, *)), terms.kl)
    }
}

/// β as written on the command line: 0, 0.0001, 1, 10.
func formatBeta(_ beta: Float) -> String {
    beta == beta.rounded() ? String(Int(beta)) : String(format: "%g", Double(beta))
}

/// MSE and KL per epoch for one β: two charts stacked in one file (the two need different scales).
func writeBetaCurves(_ h: VAEHistory, beta: Float, to file: String) throws {
    let mse = LineChart(title: "β = \(formatBeta(beta)): reconstruction (MSE per pixel)", xLabel: "epoch", yLabel: "MSE", series: [
        ChartSeries(name: "train MSE", values: h.trainRec, color: chartPalette[1]),
        ChartSeries(name: "test MSE", values: h.testRec, color: chartPalette[1], dashed: true),
    ], width: 640, height: 300)
    let kl = LineChart(title: "β = \(formatBeta(beta)): KL per image", xLabel: "epoch", yLabel: "nats", series: [
        ChartSeries(name: "train KL", values: h.trainKL, color: chartPalette[2]),
        ChartSeries(name: "test KL", values: h.testKL, color: chartPalette[2], dashed: true),
    ], width: 640, height: 300)
    try ChartStack([mse, kl]).write(to: file)
}

/// `--dataset mnist|fashion-mnist|celeba` (LatentData's dataset names).
extension DatasetName: ExpressibleByArgument {}

BetaVAEChapter.main()
