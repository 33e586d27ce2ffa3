// The chapter's choices, its measurements (KL per dimension, where the KL goes, active units,
// log p(x)) and its pictures. The lesson is in main.swift, RemedyStep.swift and PPCA.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Latent
import LatentData
import LatentModels

/// The chapter's two experiments.
enum Experiment: String, ExpressibleByArgument, CaseIterable { case ppca, remedy }

/// The remedies for posterior collapse (and the two baselines, plain ELBO and β = 4).
enum Remedy: String, ExpressibleByArgument, CaseIterable {
    case plain, beta, warmUp = "warm-up", cyclical, freeBits = "free-bits", learnedSigma = "learned-sigma"
}

/// The models the remedies are tried on.
enum CollapseModel: String, ExpressibleByArgument, CaseIterable {
    case dense, conv, rows, celeba
    var isBernoulli: Bool { self == .dense || self == .rows }
    var latent: Int { [.dense: 20, .rows: 20, .conv: 64, .celeba: 128][self]! }
    var batchSize: Int { [.dense: 128, .rows: 128, .conv: 64, .celeba: 32][self]! }
    /// Faces are [-1, 1] pixels (seed 000's Tanh output); digits [0, 1].
    var range: PixelRange { self == .celeba ? .minusOneToOne : .zeroToOne }
    func make(latent: Int, using generator: inout SeededGenerator) -> VAE {
        switch self {
        case .dense, .rows: .dense(latent: latent, likelihood: .bce, using: &generator)
        case .conv: .conv(latent: latent, likelihood: .mse, using: &generator)
        case .celeba: .celeba(latent: latent, using: &generator)  // seed 000's model at f = 32 (chapter 3's default)
        }
    }
}

extension CollapseChapter {
    /// `--ks` as numbers.
    func kList() throws -> [Int] {
        try ks.split(separator: ",").map { text in
            guard let k = Int(text.trimmingCharacters(in: .whitespaces)), k >= 1 else {
                throw ValidationError("--ks: '\(text)' is not a whole number ≥ 1")
            }
            return k
        }
    }
}

/// Every 10th training step's β, reconstruction and KL (the steps this process ran).
struct StepTrace {
    var steps: [Double] = [], beta: [Double] = [], reconstruction: [Double] = [], kl: [Double] = []
    mutating func record(step: Int, beta b: Float, reconstruction r: Float, kl k: Float) {
        guard step % 10 == 0 else { return }
        steps.append(Double(step)); beta.append(Double(b)); reconstruction.append(Double(r)); kl.append(Double(k))
    }
    var json: JSONValue {
        ["step": .numbers(steps), "beta": .numbers(beta), "rec": .numbers(reconstruction), "kl": .numbers(kl)]
    }
}

/// The test ELBO in nats per image: Bernoulli as evaluated, Gaussian from the summed squared error
/// with the decoder variance σ²: −log p(x|z) = ½ (D log 2πσ² + ‖x − x̂‖²/σ²).
func testELBO(_ vae: VAE, context: RowContext?, _ images: Tensor, decoderVariance: Double) -> ELBOEstimate {
    var random = SeededGenerator(seed: 777)
    var terms = context.map { ContextVAE(vae: vae, context: $0).evaluateELBO(images: images, using: &random) }
        ?? vae.evaluateELBO(images: images, using: &random)
    if vae.likelihood == .mse {
        let pixels = Double(vae.imageShape.reduce(1, *))
        terms.reconstruction = 0.5 * (pixels * log(2 * Double.pi * decoderVariance) + terms.reconstruction / decoderVariance)
    }
    return terms
}

/// What the chapter measures of a trained VAE on the test set.
struct CollapseMetrics {
    var elbo: ELBOEstimate
    var logPx: Double?
    var decomposition: KLDecomposition
    var klPerDimension: [Float]
    var active: Int
    var mse: Double
    var decoderVariance: Double?
    var seconds: Double

    var json: [(String, JSONValue)] {
        [("test_elbo", .number(elbo.elbo)), ("test_rec", .number(elbo.reconstruction)), ("test_kl", .number(elbo.kl)),
         ("test_log_px_iw", logPx.map { .number($0) } ?? .null), ("mutual_information", .number(decomposition.mutualInformation)),
         ("marginal_kl", .number(decomposition.marginalKL)), ("mean_kl_mi_images", .number(decomposition.meanKL)),
         ("active_units", .number(Double(active))), ("kl_per_dimension", .numbers(klPerDimension.map(Double.init))),
         ("test_mse_at_mu", .number(mse)), ("decoder_variance", decoderVariance.map { .number($0) } ?? .null),
         ("train_seconds", .number(seconds))]
    }
}

extension CollapseChapter {
    /// Measures `vae` on the test images; the decoder variance is the last epoch's mean (training's).
    func measure(_ vae: VAE, context: RowContext?, testImages: Tensor, history: TrainingHistory) -> CollapseMetrics {
        let variance = vae.likelihood == .mse ? history.last("train_sigma2") ?? Double(self.variance) : nil
        let elbo = testELBO(vae, context: context, testImages, decoderVariance: variance ?? 1)
        let (mu, logVar) = vae.encodeAll(testImages)
        let klPerDimension = perDimensionKL(mu: mu, logVar: logVar).scalars
        let (_, active) = activeUnits(mu: mu)
        var miRandom = SeededGenerator(seed: 555)
        let count = min(miImages, testImages.shape[0])
        let decomposition = klDecomposition(mu: mu.slice(0..<count), logVar: logVar.slice(0..<count), using: &miRandom)
        var logPx: Double? = nil
        if vae.likelihood == .bce && context == nil && iw > 0 {
            var iwRandom = SeededGenerator(seed: 999)
            let images = testImages.slice(0..<min(iwImages, testImages.shape[0]))
            let values = vae.importanceWeightedLogLikelihood(images: images, samples: iw, using: &iwRandom)
            logPx = values.reduce(0, +) / Double(values.count)
        }
        let metrics = CollapseMetrics(elbo: elbo, logPx: logPx, decomposition: decomposition, klPerDimension: klPerDimension,
                                      active: active, mse: reconstructionMSE(vae, context: context, testImages), decoderVariance: variance,
                                      seconds: history.seconds.last ?? 0)
        print("test ELBO \(Format.fixed(elbo.elbo, 2)) nats (rec \(Format.fixed(elbo.reconstruction, 2)), KL \(Format.fixed(elbo.kl, 2)))"
              + (logPx.map { ", IW log p(x) \(Format.fixed($0, 2)) (K = \(iw), \(min(iwImages, testImages.shape[0])) images)" } ?? ""))
        print("KL = I(x; z) + KL(q(z) ‖ p(z)): \(Format.fixed(decomposition.meanKL, 2)) = \(Format.fixed(decomposition.mutualInformation, 2))"
              + " + \(Format.fixed(decomposition.marginalKL, 2)) nats (\(count) images; I ≤ log \(count) = \(Format.fixed(log(Double(count)), 2)))")
        print("active units (Var_x μⱼ > 0.01): \(active) of \(vae.latentDimension); test MSE at μ \(Format.fixed(metrics.mse, 5))"
              + (variance.map { "; decoder σ² \(Format.fixed($0, 5))" } ?? ""))
        return metrics
    }

    /// The KL per dimension (sorted), the training curves, and the per-step β / reconstruction / KL.
    func writePictures(_ vae: VAE, context: RowContext?, run: RunFolder, metrics: CollapseMetrics, history: TrainingHistory, trace: StepTrace,
                       testImages: Tensor) throws {
        let sorted = metrics.klPerDimension.sorted(by: >).map(Double.init)
        try run.writeChart(BarChart(title: "KL per latent dimension, sorted — \(model.rawValue), \(remedy.rawValue) (test set)",
                                    xLabel: "latent dimensions, most KL first", yLabel: "nats", values: sorted),
                           as: "kl-per-dimension.svg")
        guard !trace.steps.isEmpty else { return }
        let points = { (values: [Double]) in zip(trace.steps, values).map { (x: $0, y: $1) } }
        let rec = LineChart(title: "\(remedy.rawValue): reconstruction −log p(x|z) per image (train batches)", xLabel: "step",
                            yLabel: "nats", series: [ChartSeries(name: "reconstruction", points: points(trace.reconstruction), color: chartPalette[1])],
                            width: 640, height: 260)
        let kl = LineChart(title: "\(remedy.rawValue): KL per image (train batches)", xLabel: "step", yLabel: "nats",
                           series: [ChartSeries(name: "KL", points: points(trace.kl), color: chartPalette[2])], width: 640, height: 260)
        let beta = LineChart(title: "\(remedy.rawValue): the KL weight β", xLabel: "step", yLabel: "β",
                             series: [ChartSeries(name: "β", points: points(trace.beta), color: chartPalette[0])], width: 640, height: 200)
        try run.writeChart(ChartStack([beta, kl, rec]), as: "steps.svg")
        var sampleRandom = SeededGenerator(seed: 4242)
        guard context == nil else { return }  // the rows model's pictures need its rows drawn one at a time
        try run.writeGrid(concatBatch([testImages.slice(0..<8), vae.reconstruct(testImages.slice(0..<8)),
                                       vae.decodeAll(Tensor.randomNormal([8, vae.latentDimension], using: &sampleRandom))]),
                          columns: 8, range: model.range, as: "reconstructions-samples.png")
    }
}

/// Per-pixel MSE between `images` and the decoder's mean at z = μ (plus the rows above, for --model rows).
func reconstructionMSE(_ vae: VAE, context: RowContext?, _ images: Tensor) -> Double {
    guard let context else { return vae.reconstructionMSE(images: images) }
    let model = ContextVAE(vae: vae, context: context)
    let wasTraining = model.isTraining
    model.isTraining = false
    defer { model.isTraining = wasTraining }
    return Double(mse(sigmoid(model.forward(images)), images, reduction: .mean).loss)
}
