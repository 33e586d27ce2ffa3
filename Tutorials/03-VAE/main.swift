// Chapter 3 — the variational autoencoder.
//
// An autoencoder squeezes x into a code z and back. A VAE makes the code a distribution: the
// encoder gives q(z|x) = N(μ, σ²), the decoder gives p(x|z), the prior is p(z) = N(0, I), and
// training maximizes the evidence lower bound (ELBO) on log p(x):
//
//     log p(x) ≥ E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))
//
// The README beside this file is the chapter text; every equation there points at a line here.
import ArgumentParser
import Foundation
import Latent
import LatentData
import LatentModels

struct VAEChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Chapter 3: train a variational autoencoder on MNIST or CelebA, evaluate its ELBO and log p(x).")

    @Option(help: "Model: dense (784→400→z→400→784), conv (seed 001), celeba (seed 000).")
    var model: String = "dense"
    @Option(help: "Dataset: mnist, fashion-mnist or celeba (default: celeba for --model celeba, else mnist).")
    var dataset: DatasetName?
    @Option(help: "Dataset folder (else LATENT_DATA, ../shared/data, the cache).")
    var data: String?
    @Option(help: "Training epochs.")
    var epochs: Int = 10
    @Option(help: "Latent size z (default: dense 20, conv 64, celeba 128).")
    var latent: Int?
    @Option(help: "Width f of the celeba model (the seed: 64).")
    var filters: Int = 32
    @Option(help: "CelebA decoder: seed (as seed 000 runs: no activation after its second BatchNorm) or full.")
    var decoder: String = "seed"
    @Option(name: .customLong("batch-size"), help: "Images per batch (default: dense 128, conv 64, celeba 32).")
    var batchSize: Int?
    @Option(help: "Adam learning rate (default: 1e-3; celeba 5e-4 as the seed).")
    var lr: Float?
    @Option(help: "Decoder likelihood: bce (Bernoulli, binarized MNIST) or mse (Gaussian; celeba always).")
    var likelihood: String?
    @Option(help: "Importance samples K for log p(x) (0 to skip; bce only).")
    var iw: Int = 1000
    @Option(name: .customLong("iw-images"), help: "Test images used for the importance-weighted log p(x).")
    var iwImages: Int = 1000
    @Option(help: "Interpolate from a test digit with this label…")
    var from: Int = 3
    @Option(help: "…to one with this label.")
    var to: Int = 5
    @Option(help: "A chapter-2 autoencoder checkpoint (.safetensors) to interpolate with, beside the VAE.")
    var ae: String?
    @Option(help: "Only this many training images (smoke tests).")
    var limit: Int?
    @Option(name: .customLong("test-limit"), help: "Only this many test images (smoke tests).")
    var testLimit: Int?
    @Option(help: "Run folder (default runs/vae-<dataset>).")
    var out: String?
    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 0
    @Option(help: "Threads for the kernels (default: all cores).")
    var threads: Int?
    @Flag(help: "Continue from the run folder's checkpoint.")
    var resume = false

    mutating func run() throws {
        if let threads { Parallel.threadCount = threads }
        let datasetName = dataset ?? (model == "celeba" ? .celeba : .mnist)
        let isFaces = datasetName == .celeba
        guard ["dense", "conv", "celeba"].contains(model) else { throw ValidationError("--model must be dense, conv or celeba") }
        guard isFaces == (model == "celeba") else { throw ValidationError("--model celeba goes with --dataset celeba") }
        let zDim = latent ?? ["dense": 20, "conv": 64, "celeba": 128][model]!
        let batch = batchSize ?? ["dense": 128, "conv": 64, "celeba": 32][model]!
        let learningRate = lr ?? (isFaces ? 5e-4 : 1e-3)
        guard let lik = VAELikelihood(rawValue: likelihood ?? (isFaces ? "mse" : "bce")) else {
            throw ValidationError("--likelihood must be bce or mse")
        }
        guard ["seed", "full"].contains(decoder) else { throw ValidationError("--decoder must be seed or full") }
        if isFaces && lik == .bce { throw ValidationError("the celeba model has a Tanh output: --likelihood mse") }
        let runFolder = out ?? "runs/vae-\(datasetName.rawValue)"
        try FileIO.createFolder(runFolder)

        // ---- Data -------------------------------------------------------------------------------
        let range: PixelRange = isFaces ? .minusOneToOne : .zeroToOne
        var train: ImageSet, test: ImageSet
        var faces: CelebA? = nil
        if isFaces {
            let celeba = try CelebA.load(from: DatasetName.celeba.folder(explicit: data))
            faces = celeba
            train = ImageSet(celeba.train)
            test = ImageSet(celeba.test)
        } else {
            let mnist = try loadDataset(datasetName, from: data)
            (train, test) = (mnist.train, mnist.test)
        }
        if let limit { train = train.subset(Array(0..<min(limit, train.count))) }
        if let testLimit { test = test.subset(Array(0..<min(testLimit, test.count))) }
        // Bernoulli decoder: evaluate on ONE fixed binarization of the test set (nats comparable across runs);
        // training images are binarized afresh in every batch below.
        let testSet = lik == .bce ? test.binarized(seed: 12345) : test
        let testImages = testSet.tensor(first: testSet.count, range: range)
        print("data: \(train.count) training and \(test.count) test images \(train.channels)×\(train.height)×\(train.width)")

        // ---- Model ------------------------------------------------------------------------------
        var rng = SeededGenerator(seed: seed)
        let vae: VAE
        switch model {
        case "dense": vae = VAE.dense(latent: zDim, likelihood: lik, using: &rng)
        case "conv": vae = VAE.conv(latent: zDim, likelihood: lik, using: &rng)
        default: vae = VAE.celeba(filters: filters, latent: zDim, seedDecoder: decoder != "full", using: &rng)
        }
        let optimizer = isFaces
            ? Adam(parameters: vae.parameters, lr: learningRate, betas: (0.5, 0.999), weightDecay: 1e-5)  // seed 000
            : Adam(parameters: vae.parameters, lr: learningRate)
        print(vae.summary(batch: batch))

        var loader = DataLoader(train, batchSize: batch, range: range, seed: seed &+ 1)
        var binarizer = SeededGenerator(seed: seed &+ 2)
        var history = VAEHistory()
        var firstEpoch = 1
        var partial: VAEPartialEpoch?  // set when a Ctrl-C stopped the run inside an epoch
        let checkpointPath = FileIO.join(runFolder, "checkpoint.safetensors")
        if resume {
            let state = try loadCheckpoint(checkpointPath, model: vae, optimizer: optimizer)
            (history, rng, binarizer, partial) = (state.history, state.rng, state.binarizer, state.partial)
            firstEpoch = history.epochs + 1
            for _ in 1..<firstEpoch { _ = loader.epoch() }  // the loader's shuffles continue where they were
            print("resumed from \(checkpointPath) after epoch \(history.epochs)" + (partial.map { " and \($0.steps) steps" } ?? ""))
        }
        Interrupt.install()  // Ctrl-C: finish the step, write a checkpoint, exit

        // ---- Training ---------------------------------------------------------------------------
        let beta: Float = 1  // chapter 3 is the plain ELBO; chapter 4 turns this knob
        let started = Date()
        for epoch in firstEpoch...max(epochs, firstEpoch) where epoch <= epochs {
            vae.isTraining = true
            let epochStarted = Date()
            let bar = ProgressBar(total: loader.batchCount, label: "epoch \(epoch)/\(epochs)")
            var (recSum, klSum, seen) = partial.map { ($0.recSum, $0.klSum, $0.seen) } ?? (0.0, 0.0, 0)
            for (step, b) in loader.epoch().enumerated().dropFirst(partial?.steps ?? 0) {
                let n = b.count
                let x = lik == .bce ? Binarize.bernoulli(b.images, using: &binarizer) : b.images
                optimizer.zeroGrad()

                // Encoder: q(z|x) = N(μ, σ²), μ and log σ² side by side.                     [eq. 1]
                let (mu, logVar) = vae.encoder.forward(x).splitColumns(zDim)
                // Reparameterization: z = μ + σ·ε with ε ~ N(0, I) — z is a function of μ, σ.  [eq. 2]
                let eps = Tensor.randomNormal(like: mu, using: &rng)
                let std = exp(0.5 * logVar)
                let z = mu + std * eps
                // Decoder and reconstruction term −log p(x|z), summed over pixels and batch.   [eq. 3]
                let xHat = vae.decoder.forward(z)
                let (rec, dXHat) = lik == .bce
                    ? binaryCrossEntropyWithLogits(xHat, x, reduction: .sum)
                    : mse(xHat, x, reduction: .sum)
                // KL(N(μ, σ²) ‖ N(0, I)) in closed form, summed over latents and batch.       [eq. 4]
                let (kl, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .sum)
                if !rec.isFinite || !kl.isFinite {
                    let location = firstNonFiniteLayer(in: vae.encoder, input: x).map { "encoder layer \($0.index) \($0.layer)" }
                        ?? firstNonFiniteLayer(in: vae.decoder, input: z).map { "decoder layer \($0.index) \($0.layer)" }
                        ?? (rec.isFinite ? "the KL term" : "the reconstruction loss")
                    throw VAENonFiniteError(epoch: epoch, step: step + 1, location: location,
                                            checkpoint: FileIO.fileExists(checkpointPath) ? checkpointPath : nil)
                }
                // Backward: the decoder gives ∂L/∂z; the chain rule through z = μ + σ·ε gives   [eq. 5]
                //   ∂L/∂μ = ∂L/∂z (+ β ∂KL/∂μ),   ∂L/∂log σ² = ∂L/∂z · ε · ½σ (+ β ∂KL/∂log σ²).
                let dZ = vae.decoder.backward(dXHat)
                _ = vae.encoder.backward(concatColumns(dZ + beta * dMu, dZ * eps * 0.5 * std + beta * dLogVar))
                optimizer.step()

                recSum += Double(rec)
                klSum += Double(kl)
                seen += n
                bar.update(step: step + 1, metrics: [("rec", Float(recSum / Double(seen))), ("kl", Float(klSum / Double(seen))),
                                                     ("-elbo", Float((recSum + klSum) / Double(seen)))])
                if Interrupt.requested {  // Ctrl-C: checkpoint this step and stop
                    try saveInterruptedRun(checkpointPath, model: vae, optimizer: optimizer, history: history, rng: rng,
                                           binarizer: binarizer, partial: VAEPartialEpoch(steps: step + 1, recSum: recSum, klSum: klSum, seen: seen))
                    throw ExitCode(130)
                }
            }
            partial = nil
            bar.finish()
            // Evaluation: the same terms on the test set, one z sample per image (per-image means).
            var evalRng = SeededGenerator(seed: 777)
            let testTerms = vae.evaluateELBO(images: testImages, using: &evalRng)
            history.trainRec.append(recSum / Double(seen))
            history.trainKL.append(klSum / Double(seen))
            history.testRec.append(testTerms.reconstruction)
            history.testKL.append(testTerms.kl)
            history.seconds.append((history.seconds.last ?? 0) + Date().timeIntervalSince(epochStarted))  // cumulative, across resumes
            var line = String(format: "epoch %d: train rec %.2f KL %.2f | test rec %.2f KL %.2f ELBO %.2f",
                              epoch, recSum / Double(seen), klSum / Double(seen), testTerms.reconstruction, testTerms.kl, testTerms.elbo)
            if isFaces {
                // Per-pixel MSE on [0, 1] pixels, decoding z = μ: [-1, 1] squared errors / 4.
                let pixelMSE = vae.reconstructionMSE(images: testImages) / 4
                history.testPixelMSE.append(pixelMSE)
                line += String(format: " | test MSE/pixel on [0,1] %.4f", pixelMSE)
            }
            print(line + String(format: "  (%.0f s)", history.seconds.last!))
            try saveCheckpoint(checkpointPath, model: vae, optimizer: optimizer, history: history, rng: rng, binarizer: binarizer)
        }
        let trainSeconds = Date().timeIntervalSince(started)

        // ---- Evaluation: ELBO and importance-weighted log p(x) ----------------------------------
        var summary: [String: Any] = [
            "chapter": "03-VAE", "model": model, "dataset": datasetName.rawValue, "likelihood": lik.rawValue, "latent": zDim,
            "batch_size": batch, "lr": learningRate, "epochs": history.epochs, "seed": seed,
            "train_images": train.count, "test_images": test.count, "threads": Parallel.threadCount,
            "train_seconds_this_run": trainSeconds,
            "train_rec_per_epoch": history.trainRec, "train_kl_per_epoch": history.trainKL,
            "test_rec_per_epoch": history.testRec, "test_kl_per_epoch": history.testKL,
            "test_elbo_per_epoch": zip(history.testRec, history.testKL).map { -($0 + $1) },
        ]
        if isFaces { summary["filters"] = filters; summary["decoder"] = decoder; summary["test_mse_per_epoch"] = history.testPixelMSE }
        if history.epochs > 0 {
            summary["test_elbo"] = -(history.testRec.last! + history.testKL.last!)
            summary["test_kl"] = history.testKL.last!
        }
        if lik == .bce && iw > 0 {
            let count = min(iwImages, testSet.count)
            let t0 = Date()
            let bar = ProgressBar(total: count, label: "log p(x), K=\(iw)", unit: .items("img"))
            var iwRng = SeededGenerator(seed: 999)
            let subset = testImages.slice(0..<count)
            let logPx = vae.importanceWeightedLogLikelihood(images: subset, samples: iw, using: &iwRng) { bar.update(step: $0) }
            bar.finish()
            var elboRng = SeededGenerator(seed: 777)
            let subsetELBO = vae.evaluateELBO(images: subset, using: &elboRng).elbo
            let nll = logPx.reduce(0, +) / Double(count)
            summary["test_nll_iw"] = nll
            summary["iw_samples"] = iw
            summary["iw_images"] = count
            summary["test_elbo_iw_images"] = subsetELBO
            summary["iw_seconds"] = Date().timeIntervalSince(t0)
            print(String(format: "test log p(x) ≥ ELBO %.2f nats (all %d test images); importance-weighted log p(x) %.2f nats"
                         + " (K = %d, first %d images, whose ELBO is %.2f); literature: −86.76 (IWAE paper, z = 50)",
                         summary["test_elbo"] as? Double ?? .nan, testSet.count, nll, iw, count, subsetELBO))
        }

        // ---- Pictures ---------------------------------------------------------------------------
        var written: [String] = []
        func path(_ name: String) -> String { let p = FileIO.join(runFolder, name); written.append(p); return p }
        let view = min(16, testImages.shape[0])
        let originals = isFaces ? testImages.slice(0..<view) : test.tensor(first: view, range: range)
        let reconstructions = vae.reconstruct(originals)
        try writeGrid(concatBatch([originals.slice(0..<min(8, view)), reconstructions.slice(0..<min(8, view)),
                                   originals.slice(min(8, view)..<view), reconstructions.slice(min(8, view)..<view)]),
                      columns: min(8, view), range: range, to: path("reconstructions.png"))
        var sampleRng = SeededGenerator(seed: 4242)
        let samples = vae.decodeAll(Tensor.randomNormal([64, zDim], using: &sampleRng))
        try writeGrid(samples, columns: 8, range: range, to: path("samples.png"))
        try writeCurves(history, lik: lik, to: path("curves.svg"))
        if !isFaces, let labels = test.labels {
            try writeInterpolation(vae: vae, test: test, labels: labels, range: range, to: path("interpolation.png"))
            if zDim == 2 {
                let (mu, _) = vae.encodeAll(test.tensor(first: test.count, range: range))
                let points = (0..<test.count).map { (x: Double(mu.scalars[2 * $0]), y: Double(mu.scalars[2 * $0 + 1]), label: labels[$0]) }
                try ScatterPlot(title: "Test digits at μ(x), coloured by label", points: points.map { ($0.x, $0.y) },
                                classes: points.map(\.label)).write(to: path("latent-scatter.svg"))
                try writeGrid(vae.decodeAll(LatentCodes.manifold(side: 20)), columns: 20, range: range, to: path("manifold.png"))
            }
        }
        if isFaces, let celeba = faces {
            summary["attributes"] = try writeAttributeArithmetic(vae: vae, celeba: celeba, train: train, test: testImages, to: path("attributes.png"))
        }
        try FileIO.writeAtomically(JSONValue(summary).serialized() + "\n", to: path("summary.json"))
        print("wrote:\n  " + ([checkpointPath] + written).joined(separator: "\n  "))
    }

    /// VAE interpolation (and the chapter-2 AE's, with --ae) between the first test images labelled --from and --to.
    func writeInterpolation(vae: VAE, test: ImageSet, labels: [Int], range: PixelRange, to file: String) throws {
        guard let a = labels.firstIndex(of: from), let b = labels.firstIndex(of: to) else {
            print("no test image labelled \(from) or \(to): interpolation skipped"); return
        }
        let x = test.tensor(indices: [a, b], range: range)
        let (mu, _) = vae.encodeAll(x)
        // Each row: the first image, 10 decoded points on the line between the two codes, the second image.
        let (first, last) = (x.slice(0..<1), x.slice(1..<2))
        var rows = [first, vae.decodeAll(LatentCodes.interpolation(from: LatentCodes.row(mu, 0), to: LatentCodes.row(mu, 1), steps: 10)), last]
        if let ae {
            let autoencoder = try loadAutoencoder(ae)
            rows = [first, autoencoder.interpolate(x, steps: 10), last] + rows
            print("interpolation: top row the AE from \(ae), bottom row the VAE")
        }
        try writeGrid(concatBatch(rows), columns: 12, range: range, to: file)
    }

    /// Adds the Smiling and Eyeglasses vectors to test faces' codes in steps; returns the step values.
    func writeAttributeArithmetic(vae: VAE, celeba: CelebA, train: ImageSet, test: Tensor, to file: String) throws -> [String: Any] {
        let (codes, _) = vae.encodeAll(train.tensor(first: train.count, range: .minusOneToOne))
        let steps: [Float] = [0, 0.5, 1, 1.5, 2]
        var rows: [Tensor] = []
        var used: [String] = []
        for name in ["Smiling", "Eyeglasses"] {
            let has = (0..<train.count).map { celeba.train.attribute(name, of: $0) == 1 }
            guard has.contains(true), has.contains(false) else { print("attribute \(name) not available: skipped"); continue }
            used.append(name)
            let direction = LatentCodes.attributeDirection(codes: codes, has: has)
            let (testMu, _) = vae.encodeAll(test.slice(0..<4))
            for face in 0..<4 {
                // Faces that do not have the attribute yet are the interesting ones; the first four test faces will do.
                rows.append(vae.decodeAll(LatentCodes.along(direction, from: LatentCodes.row(testMu, face), steps: steps)))
            }
        }
        if !rows.isEmpty { try writeGrid(concatBatch(rows), columns: steps.count, range: .minusOneToOne, to: file) }
        return ["names": used, "steps": steps.map(Double.init), "faces_per_attribute": 4]
    }
}

/// Reconstruction, KL and total, train (solid) and test (dashed), per epoch.
func writeCurves(_ h: VAEHistory, lik: VAELikelihood, to file: String) throws {
    let total = { (a: [Double], b: [Double]) in zip(a, b).map { $0 + $1 } }
    let unit = lik == .bce ? "nats per image" : "per image"
    try LineChart(title: "VAE: reconstruction, KL and their sum", xLabel: "epoch", yLabel: unit, series: [
        ChartSeries(name: "train −ELBO", values: total(h.trainRec, h.trainKL), color: chartPalette[0]),
        ChartSeries(name: "test −ELBO", values: total(h.testRec, h.testKL), color: chartPalette[0], dashed: true),
        ChartSeries(name: "train rec", values: h.trainRec, color: chartPalette[1]),
        ChartSeries(name: "test rec", values: h.testRec, color: chartPalette[1], dashed: true),
        ChartSeries(name: "train KL", values: h.trainKL, color: chartPalette[2]),
        ChartSeries(name: "test KL", values: h.testKL, color: chartPalette[2], dashed: true),
    ]).write(to: file)
}

/// `--dataset mnist|fashion-mnist|celeba` (LatentData's dataset names).
extension DatasetName: ExpressibleByArgument {}

VAEChapter.main()
