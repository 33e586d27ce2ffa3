// What chapter 7 draws and measures beside its steps: the class grid and the style transfer, log p(x|y)
// by importance sampling, the labels-only classifier, and the chapter-3 VAE whose codes are probed.
import Latent
import LatentData
import LatentModels

extension ConditionalChapter {
    /// class-grid.png: rows of one z ~ N(0, I) each, decoded with every label 0…9 (columns).
    /// style.png: a test image (first column), encoded with its true label, then decoded with every label.
    /// curves.svg: the training curves.
    func writePictures(_ vae: VAE, run: RunFolder, testImages: Tensor, testLabels: [Int], history: TrainingHistory) throws {
        let c = vae.classes
        var sampleRandom = SeededGenerator(seed: 4242)
        let z = repeatRows(Tensor.randomNormal([8, vae.latentDimension], using: &sampleRandom), times: c)
        let every = oneHot((0..<z.shape[0]).map { $0 % c }, classes: c)
        try run.writeGrid(vae.evaluatingInBatches(concatColumns(z, every)) { sigmoid(vae.decoder.forward($0)) },
                          columns: c, as: "class-grid.png")
        // The first test image of each of six classes, so the styles differ.
        let picked = (0..<6).compactMap { label in testLabels.firstIndex(of: label) }
        var rows: [Tensor] = []
        for index in picked {
            let x = testImages.slice(index..<index + 1)
            let (mu, _) = vae.encodeAll(conditioned(x, on: oneHot([testLabels[index]], classes: c)))
            let codes = repeatRows(mu, times: c)
            rows += [x, vae.evaluatingInBatches(concatColumns(codes, oneHot(Array(0..<c), classes: c))) { sigmoid(vae.decoder.forward($0)) }]
        }
        try run.writeGrid(concatBatch(rows), columns: c + 1, as: "style.png")
        let chart: LineChart = model == .cvae
            ? LineChart(title: "Conditional VAE: −ELBO(x|y) per image", yLabel: "nats", series: [
                ChartSeries(name: "train", values: zip(history["train_rec"], history["train_kl"]).map { $0 + $1 }, color: chartPalette[0]),
                ChartSeries(name: "test", values: history["test_elbo"].map { -$0 }, color: chartPalette[0], dashed: true)])
            : LineChart(title: "M2: test error of q(y|x)", yLabel: "error (%)", series: [
                ChartSeries(name: "test error", values: history["test_error"].map { 100 * $0 }, color: chartPalette[0])])
        try run.writeChart(chart, as: "curves.svg")
    }

    /// log p(x|y) ≈ log (1/K) Σₖ p(x|zₖ, y) p(zₖ) / q(zₖ|x, y) on the first --iw-images test images.
    func conditionalLogLikelihood(_ vae: VAE, _ images: Tensor, _ y: Tensor) -> [(String, JSONValue)] {
        let count = min(iwImages, images.shape[0])
        let clock = Stopwatch()
        let bar = ProgressBar(total: count, label: "log p(x|y), K=\(iw)", unit: .items("img"))
        var iwRandom = SeededGenerator(seed: 999)
        let logPx = vae.importanceWeightedLogLikelihood(images: images.slice(0..<count), samples: iw, condition: y.slice(0..<count),
                                                        using: &iwRandom) { bar.update(step: $0) }
        bar.finish()
        var elboRandom = SeededGenerator(seed: 777)
        let subsetELBO = vae.evaluateELBO(images: images.slice(0..<count), condition: y.slice(0..<count), using: &elboRandom).elbo
        let mean = logPx.reduce(0, +) / Double(count)
        print("importance-weighted log p(x|y) \(Format.fixed(mean, 2)) nats (K = \(iw), first \(count) test images, whose ELBO is \(Format.fixed(subsetELBO, 2)))")
        return [("test_log_pxy_iw", .number(mean)), ("iw_samples", .number(Double(iw))), ("iw_images", .number(Double(count))),
                ("test_elbo_iw_images", .number(subsetELBO)), ("iw_seconds", .number(clock.seconds))]
    }

    /// The test error of M2's classifier network trained on the labelled images alone: `--baseline-steps`
    /// Adam steps on all of them (binarized afresh each step), softmax cross-entropy.
    func labelsOnlyError(_ images: Tensor, _ labels: [Int], _ testImages: Tensor, _ testLabels: [Int]) -> Double {
        var generator = SeededGenerator(seed: labelSeed &+ 100)
        let net = SemiSupervisedVAE.classifierNetwork(classes: 10, hidden: hidden ?? model.hidden, using: &generator)
        let adam = Adam(parameters: net.parameters, lr: training.lr ?? 1e-3)
        let bar = ProgressBar(total: baselineSteps, label: "labels-only classifier")
        for step in 1...baselineSteps {
            net.zeroGrad()
            let (loss, gradient) = softmaxCrossEntropy(net.forward(Binarize.bernoulli(images, using: &generator)), labels: labels)
            net.backwardParametersOnly(gradient)
            adam.step()
            bar.update(step: step, metrics: [("ce", loss)])
        }
        bar.finish()
        net.isTraining = false
        let error = errorRate(argmaxRows(net.forward(testImages)), testLabels)
        print("labels-only classifier (\(labels.count) labels, \(baselineSteps) steps): test error \(Format.fixed(100 * error, 2)) %")
        return error
    }
}

/// The fraction of predictions that differ from the labels.
func errorRate(_ predicted: [Int], _ labels: [Int]) -> Double { 1 - accuracy(predicted, labels) }

/// A chapter-3 dense MNIST VAE rebuilt from its checkpoint (its config gives the latent size).
func loadDenseVAE(_ file: String) throws -> VAE {
    let info = try Checkpoint.info(of: file)
    guard info.config["model"] == "dense" else {
        throw CheckpointError.mismatch(file: file, differences: ["config.model is \(info.config["model"] ?? "missing"); --probe-vae takes a chapter-3 dense VAE"])
    }
    var generator = SeededGenerator(seed: 0)
    let vae = VAE.dense(latent: Int(info.config["latent"] ?? "") ?? 20, likelihood: .bce, using: &generator)
    try Checkpoint.load(from: file, into: vae)
    return vae
}
