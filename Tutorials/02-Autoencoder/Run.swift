// The chapter's plumbing: options, the run's configuration and history, and what it writes into its
// run folder. The story is in main.swift; datasets, Ctrl-C and the stopwatch come from LatentData.
import ArgumentParser
import Latent
import LatentData
import LatentModels

/// `--dataset mnist|fashion-mnist|celeba` (LatentData's dataset names).
extension DatasetName: ExpressibleByArgument {}

/// The two model families.
enum ModelName: String, ExpressibleByArgument, CaseIterable {
    case dense, conv
}

/// The options with every default resolved (what the checkpoint and summary.json record).
struct RunConfig {
    let dataset: DatasetName
    let model: ModelName
    let epochs: Int
    let latent: Int
    let batchSize: Int
    let lr: Float
    let noise: Float
    let width: Int
    let seed: UInt64
    let threads: Int
    let outFolder: String

    init(_ options: AutoencoderChapter) {
        dataset = options.dataset
        model = options.model
        let faces = dataset == .celeba && model == .conv
        epochs = options.epochs ?? (faces ? 5 : 10)
        latent = options.latent ?? (model == .dense ? 20 : faces ? 128 : 64)
        batchSize = options.batchSize
        lr = options.lr ?? (model == .dense ? 2.5e-4 : 1e-3)
        noise = options.noise
        width = options.width
        seed = options.seed
        threads = Parallel.threadCount
        var name = "runs/autoencoder-\(dataset.rawValue)"
        if model == .dense { name += "-dense" }
        if noise > 0 { name += "-noise\(noise)" }
        outFolder = options.out ?? name
    }

    /// "conv AE" / "dense AE" / "CelebA conv AE (f=32)".
    var modelLabel: String {
        switch (dataset, model) {
        case (_, .dense): return "dense AE"
        case (.celeba, .conv): return "conv AE (f=\(width))"
        case (_, .conv): return "conv AE"
        }
    }

    /// Every setting as strings (checkpoint metadata, summary.json).
    var dictionary: [(String, String)] {
        [("dataset", dataset.rawValue), ("model", model.rawValue), ("epochs", "\(epochs)"), ("latent", "\(latent)"),
         ("batch_size", "\(batchSize)"), ("lr", "\(lr)"), ("noise", "\(noise)"), ("width", "\(width)"),
         ("seed", "\(seed)"), ("threads", "\(threads)")]
    }

    /// One line for the console.
    var describe: String {
        "\(modelLabel), \(dataset.rawValue), latent \(latent), \(epochs) epochs, batch \(batchSize), Adam lr \(lr)"
            + (noise > 0 ? ", input noise σ = \(noise)" : "") + ", seed \(seed), \(threads) threads → \(outFolder)"
    }
}

/// The test set as (input, target) batches; with `noise` > 0 the same noise every time (fixed seed).
func testBatches(_ test: ImageSet, noise: Float, seed: UInt64) -> [(input: Tensor, target: Tensor)] {
    var loader = DataLoader(test, batchSize: 500, shuffle: false, noiseStd: noise, seed: seed &+ 2)
    return loader.epoch().map { (input: $0.input, target: $0.images) }
}

/// Two test images to interpolate between: the first 1 and the first 7 when there are labels, else images 0 and 1.
func interpolationPair(_ test: ImageSet) -> (Int, Int) {
    guard let labels = test.labels, let one = labels.firstIndex(of: 1), let seven = labels.firstIndex(of: 7) else { return (0, 1) }
    return (one, seven)
}

/// The test MSE per pixel of PCA with k components fitted on the (clean) training images, on the same
/// (input, target) test batches as the autoencoder: with noisy inputs this is PCA as a denoiser —
/// project the noisy image on the top-k components, compare with the clean one.
func pcaTestMSE(train: ImageSet, test: [(input: Tensor, target: Tensor)], k: Int) throws -> Float {
    let pca = try PCA(fitting: train.tensor(first: train.count).reshaped([train.count, train.imageSize]), components: k)
    var (total, count) = (0.0, 0)
    for (input, target) in test {
        let flat = { (images: Tensor) in images.reshaped([images.shape[0], train.imageSize]) }
        let (loss, _) = mse(pca.reconstruct(flat(input), components: k), flat(target))
        total += Double(loss) * Double(target.count)
        count += target.count
    }
    return Float(total / Double(max(count, 1)))
}

/// Train loss, test MSE and seconds per epoch (also carried in checkpoints so a resumed run keeps its curves).
struct History {
    var trainLoss: [Float] = []
    var testMSE: [Float] = []
    var seconds: [Double] = []

    init() {}

    /// The history stored in a checkpoint's metadata.
    init(metadata: [String: String]) {
        let floats = { (key: String) in metadata[key].map { $0.split(separator: ",").compactMap { Float($0) } } ?? [] }
        trainLoss = floats("history.train_loss")
        testMSE = floats("history.test_mse")
        seconds = floats("history.seconds").map(Double.init)
    }

    mutating func append(trainLoss loss: Float, testMSE mse: Float, seconds time: Double) {
        trainLoss.append(loss)
        testMSE.append(mse)
        seconds.append(time)
    }

    /// As checkpoint metadata.
    var metadata: [String: String] {
        ["history.train_loss": trainLoss.map { "\($0)" }.joined(separator: ","),
         "history.test_mse": testMSE.map { "\($0)" }.joined(separator: ","),
         "history.seconds": seconds.map { "\(Float($0))" }.joined(separator: ",")]
    }
}

/// What chapter 2 writes into `runs/autoencoder-<dataset>/`: the checkpoint, pictures, curves and summary.json.
extension RunFolder {
    /// The checkpoint, rewritten after every epoch.
    var checkpoint: String { file("checkpoint.safetensors") }

    /// Saves model, Adam, generator, progress and the curves so far; `epochStep` > 0 marks a mid-epoch stop,
    /// `epochLossSum` is the summed loss of those `epochStep` batches (so the epoch's mean covers them all).
    func saveCheckpoint(_ trainer: AutoencoderTrainer, rng: SeededGenerator, epoch: Int, config: RunConfig,
                        history: History, epochStep: Int = 0, epochLossSum: Double = 0) throws {
        var settings = Dictionary(uniqueKeysWithValues: config.dictionary)
        for (key, value) in history.metadata { settings[key] = value }
        // History and epoch_step live in config.* keys; lift them back out on load.
        try Checkpoint.save(model: trainer.model, optimizer: trainer.optimizer, rng: rng, epoch: epoch, step: trainer.step,
                            config: settings.merging(["epoch_step": "\(epochStep)", "epoch_loss_sum": "\(epochLossSum)"]) { $1 }, to: checkpoint)
    }

    /// Writes images [N, C, H, W] in [0, 1] as a grid PNG `columns` wide, white gaps, digits enlarged
    /// 3× by pixel repetition (faces stay 64×64); returns its path.
    func writeGrid(_ name: String, _ images: Tensor, columns: Int) throws -> String {
        try saveImage(enlarged(images), as: name, nrow: columns, padValue: 1)
    }

    /// Writes the train-loss and test-MSE curves as an SVG chart with a log-scale y axis; returns its path.
    func writeCurves(_ history: History, title: String) throws -> String {
        try writeChart(LineChart(title: title, xLabel: "epoch", yLabel: "MSE per pixel (log scale)", series: [
            ChartSeries(name: "train loss (mean over the epoch)", values: history.trainLoss),
            ChartSeries(name: "test MSE (after the epoch)", values: history.testMSE),
        ], logY: true), as: "curves.svg")
    }

    /// Writes summary.json (config and metrics); returns its path.
    func writeSummary(config: RunConfig, history: History, pcaMSE: Float, trainSeconds: Double, steps: Int) throws -> String {
        let summary: JSONValue = [
            "chapter": "02-Autoencoder",
            "config": .object(config.dictionary.map { ($0.0, .string($0.1)) }),
            "train_loss_per_epoch": .floats(history.trainLoss),
            "test_mse_per_epoch": .floats(history.testMSE),
            "seconds_per_epoch": .numbers(history.seconds),
            "final_test_mse": .float(history.testMSE.last ?? .nan),
            "pca_test_mse": ["k": .number(Double(config.latent)), "test_mse": .float(pcaMSE)],
            "train_seconds_this_invocation": .number(trainSeconds),
            "steps": .number(Double(steps)),
        ]
        return try write(summary.serialized() + "\n", as: "summary.json")
    }
}
