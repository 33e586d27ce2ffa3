// `--experiment ppca`: a linear VAE with a learned decoder variance is probabilistic PCA (Tipping &
// Bishop 1999), whose maximum-likelihood solution and log p(x) are closed form. The chapter trains the
// linear VAE with `remedyStep` (learned σ², β = 1: the plain ELBO) and compares, on the test set:
// the closed-form pPCA's log p(x), the trained model's exact log p(x) (`LinearGaussianModel`), its exact
// ELBO, the gap KL(q(z|x) ‖ p(z|x)), and the importance-weighted estimates for several K.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent
import LatentCommands
import LatentData
import LatentModels

extension CollapseChapter {
    func runPPCA() throws {
        let k = latent ?? 16, batch = training.batchSize ?? 128, epochs = training.epochs ?? 10
        let run = try data.runFolder(default: "collapse-ppca")
        let (train, test) = try data.load(data.dataset ?? .mnist)
        let trainImages = try train.tensor(first: train.count), testImages = try test.tensor(first: test.count)
        let pixels = trainImages.count / train.count
        let flat = { (x: Tensor) in x.reshaped([x.shape[0], pixels]) }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }

        // ---- The closed form: PCA's eigenvalues give σ² and W (Tipping & Bishop, eq. 7–8) -----------
        let pca = try PCA(fitting: flat(trainImages), components: k, solver: .dense)
        let exact = LinearGaussianModel.maximumLikelihood(pca)
        let closedTest = mean(exact.logLikelihood(flat(testImages))), closedTrain = mean(exact.logLikelihood(flat(trainImages)))
        print("pPCA closed form, k = \(k): σ² = \(Format.fixed(exact.variance, 6)); log p(x) train \(Format.fixed(closedTrain, 2)), test \(Format.fixed(closedTest, 2)) nats per image")

        // ---- The linear VAE, trained on the ELBO with its decoder variance at the optimum ---------------
        let random = RandomStreams(["eps": SeededGenerator(seed: data.seed)])
        let vae = VAE.linear(inputs: [train.channels, train.height, train.width], latent: k, using: &random["eps"])
        let adam = Adam(parameters: vae.parameters, lr: training.lr ?? 1e-3)
        var loader = try trainingLoader(train, batchSize: batch, seed: data.seed &+ 1)
        let trainer = Trainer(model: vae, optimizer: adam, random: random, checkpoint: run.file("checkpoint.safetensors"),
                              config: [("model", "linear"), ("latent", "\(k)")])
        if training.resume { try trainer.resume(replaying: &loader) }
        let decoderLinear = vae.decoder.layers[0] as! Linear
        try runTraining {
            try trainer.train(epochs: epochs, loader: &loader, step: { b in
                let eps = Tensor.randomNormal([b.count, k], using: &random["eps"])
                let terms = remedyStep(vae, x: b.images, eps: eps, objective: RemedyObjective(decoder: .learnedVariance), beta: 1)
                return StepReport(["rec": terms.reconstruction, "kl": terms.kl, "sigma2": exp(terms.logVariance!)], averagedOver: 1, input: b.images)
            }, evaluate: {
                // The trained model's exact log p(x) on the test set, σ² at its optimum on 10,000 training images.
                let model = trainedModel(vae, decoderLinear, trainImages.slice(0..<min(10_000, train.count)))
                return [("log_px_exact", mean(model.logLikelihood(flat(testImages))))]
            })
        }

        // ---- The trained model: exact log p(x), exact ELBO, the gap, and the IW estimates ----------------
        let trained = trainedModel(vae, decoderLinear, trainImages)
        let (mu, logVar) = vae.encodeAll(testImages)
        let logPx = trained.logLikelihood(flat(testImages)), elbo = trained.elbo(flat(testImages), mu: mu, logVar: logVar)
        let gap = trained.posteriorKL(flat(testImages), mu: mu, logVar: logVar)
        let identity = (0..<logPx.count).map { Swift.abs(logPx[$0] - elbo[$0] - gap[$0]) }.max() ?? 0
        let trainedTrain = mean(trained.logLikelihood(flat(trainImages)))
        let count = min(iwImages, test.count)
        var iwRows: [(Int, Double, Double)] = []
        for samples in try kList() {
            var iwRandom = SeededGenerator(seed: 999)
            let clock = Stopwatch()
            let estimate = mean(vae.importanceWeightedLogLikelihood(images: testImages.slice(0..<count), samples: samples,
                                                                    decoderVariance: trained.variance, using: &iwRandom))
            iwRows.append((samples, estimate, clock.seconds))
        }
        let subsetExact = mean(Array(logPx.prefix(count))), subsetELBO = mean(Array(elbo.prefix(count)))
        printPPCATable(k: k, closed: (closedTrain, closedTest), trained: (trainedTrain, mean(logPx)), variances: (exact.variance, trained.variance),
                       elbo: mean(elbo), gap: mean(gap), identity: identity, iw: iwRows, subset: (count, subsetExact, subsetELBO))
        let config: JSONValue = [
            "chapter": "05-Collapse", "command": .string(commandLine()), "experiment": "ppca", "latent": .number(Double(k)),
            "batch_size": .number(Double(batch)), "lr": .float(training.lr ?? 1e-3), "epochs": .number(Double(epochs)),
            "seed": .number(Double(data.seed)), "threads": .number(Double(Parallel.threadCount)),
            "train_images": .number(Double(train.count)), "test_images": .number(Double(test.count)),
        ]
        let metrics: [(String, JSONValue)] = [
            ("closed_form_sigma2", .number(exact.variance)), ("closed_form_log_px_train", .number(closedTrain)),
            ("closed_form_log_px_test", .number(closedTest)), ("trained_sigma2", .number(trained.variance)),
            ("trained_log_px_train", .number(trainedTrain)), ("trained_log_px_test", .number(mean(logPx))),
            ("trained_elbo_test", .number(mean(elbo))), ("gap_kl_posterior_test", .number(mean(gap))),
            ("gap_identity_max_error", .number(identity)), ("iw_images", .number(Double(count))),
            ("iw_exact_log_px", .number(subsetExact)), ("iw_exact_elbo", .number(subsetELBO)),
            ("iw", .array(iwRows.map { ["k": .number(Double($0.0)), "log_px": .number($0.1), "seconds": .number($0.2)] })),
        ]
        try run.writeSummary(config: config, metrics: .object(metrics + trainer.history.perEpoch))
        try run.writePage(command: commandLine())
        run.printWritten()
    }

    /// The trained linear VAE as a `LinearGaussianModel`: its decoder's W and b, with σ² set to the
    /// ELBO's optimum on the training images, E_q ‖x − Wz − b‖² / D.
    func trainedModel(_ vae: VAE, _ decoder: Linear, _ trainImages: Tensor) -> LinearGaussianModel {
        let (mu, logVar) = vae.encodeAll(trainImages)
        let provisional = LinearGaussianModel(decoder: decoder, variance: 1)
        let pixels = trainImages.count / trainImages.shape[0]
        let variance = provisional.expectedSquaredError(trainImages.reshaped([trainImages.shape[0], pixels]), mu: mu, logVar: logVar)
        return LinearGaussianModel(decoder: decoder, variance: variance)
    }

    func printPPCATable(k: Int, closed: (Double, Double), trained: (Double, Double), variances: (Double, Double), elbo: Double, gap: Double,
                        identity: Double, iw: [(Int, Double, Double)], subset: (count: Int, exact: Double, elbo: Double)) {
        let f = { (x: Double) in Format.fixed(x, 2) }
        print("\n| k = \(k) | σ² | log p(x) train | log p(x) test |")
        print("|---|---:|---:|---:|")
        print("| pPCA, closed form (Tipping & Bishop) | \(Format.fixed(variances.0, 6)) | \(f(closed.0)) | \(f(closed.1)) |")
        print("| linear VAE, trained (exact log p(x)) | \(Format.fixed(variances.1, 6)) | \(f(trained.0)) | \(f(trained.1)) |")
        print("\ntrained linear VAE, test set: ELBO \(f(elbo)) + KL(q(z|x) ‖ p(z|x)) \(Format.fixed(gap, 4)) = log p(x) \(f(trained.1))"
              + " (largest per-image error of the identity: \(String(format: "%.2e", identity)) nats)")
        print("\n| K | IW estimate (first \(subset.count) test images) | exact log p(x) − estimate | seconds |")
        print("|---:|---:|---:|---:|")
        for (samples, estimate, seconds) in iw {
            print("| \(samples) | \(f(estimate)) | \(Format.fixed(subset.exact - estimate, 3)) | \(Format.fixed(seconds, 1)) |")
        }
        print("| exact ELBO | \(f(subset.elbo)) | \(Format.fixed(subset.exact - subset.elbo, 3)) | |")
        print("| exact log p(x) | \(f(subset.exact)) | 0 | |")
    }
}
