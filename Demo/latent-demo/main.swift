// latent-demo: the data and output layer end to end on real MNIST (or Fashion-MNIST).
//
// Loads the dataset (searching --data, $LATENT_DATA, the cache, then downloading), runs one shuffled
// epoch of minibatches under a progress bar, and writes into runs/demo/ (runs/demo-fashion/):
//   digits.png       an 8×8 grid of training digits (from the first shuffled batch)
//   noisy.png        the same digits with Gaussian noise (the denoising autoencoder's input)
//   histogram.svg    pixel-value histograms of the train and test sets (log-scale y)
//   classes.svg      images per digit class in the training set
//   summary.json     what was run and what was measured
import ArgumentParser
import Latent
import LatentData

@main
struct LatentDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent-demo",
        abstract: "Writes a grid of real MNIST (or Fashion-MNIST) images and SVG charts into runs/demo/.")

    @Option(help: "Dataset: mnist or fashion (Fashion-MNIST, e.g. from Debian's dataset-fashion-mnist).")
    var dataset = "mnist"

    @Option(help: "Folder holding the four .gz files (default: search $LATENT_DATA, ~/.cache/latent/<dataset>, the system folder, then download).")
    var data: String?

    @Option(help: "Root folder for run outputs.")
    var runs = "runs"

    @Option(help: "Seed for shuffling and noise.")
    var seed: UInt64 = 0

    @Option(help: "Minibatch size.")
    var batchSize = 64

    @Option(help: "σ of the Gaussian noise in noisy.png.")
    var noise: Float = 0.3

    func run() throws {
        let clock = Stopwatch()
        let spec: MNISTStyleSpec
        switch dataset {
        case "mnist": spec = MNIST.spec
        case "fashion": spec = FashionMNIST.spec
        default: throw ValidationError("--dataset must be mnist or fashion, got '\(dataset)'")
        }
        let images = try spec.load(from: data)
        let loadSeconds = clock.seconds
        print("\(spec.name) from \(images.folder): \(images.train.count) train, \(images.test.count) test images "
              + "(\(Format.fixed(loadSeconds, 2)) s)")

        var loader = DataLoader(images.train, batchSize: batchSize, noiseStd: noise, seed: seed)
        let bar = ProgressBar(total: loader.batchCount, label: "epoch 1/1", unit: .items("batch"))
        var first: Batch?
        var pixelSum: Double = 0, pixelCount = 0
        var batches = loader.epoch()
        var step = 0
        while let batch = try batches.next() {
            step += 1
            if first == nil { first = batch }
            pixelSum += Double(batch.images.scalars.reduce(0, +))
            pixelCount += batch.images.count
            bar.update(step: step, metrics: [("mean pixel", Float(pixelSum / Double(pixelCount)))])
        }
        bar.finish()
        let meanPixel = pixelSum / Double(pixelCount)
        let batch = first!

        let run = try RunFolder(name: dataset == "mnist" ? "demo" : "demo-\(dataset)", root: runs)
        let grid = batch.images.slice(0..<min(64, batch.count))
        try run.saveImage(grid, as: "digits.png", nrow: 8)
        try run.saveImage(batch.input.slice(0..<min(64, batch.count)), as: "noisy.png", nrow: 8)

        func histogram(_ set: ImageSet) throws -> [Float] {
            let pixels = try set.pixels
            var counts = [Double](repeating: 0, count: 256)
            for byte in pixels { counts[Int(byte)] += 1 }
            return counts.map { Float($0 / Double(pixels.count)) }
        }
        let xs = (0..<256).map { Double($0) / 255 }
        let chart = LineChart(
            title: "\(spec.name) pixel values", xLabel: "pixel value", yLabel: "fraction of pixels",
            series: [
                ChartSeries(name: "train", points: zip(xs, try histogram(images.train)).map { ($0, Double($1)) }),
                ChartSeries(name: "test", points: zip(xs, try histogram(images.test)).map { ($0, Double($1)) }, dashed: true),
            ],
            logY: true)
        try run.writeChart(chart, as: "histogram.svg")

        var perClass = [Double](repeating: 0, count: 10)
        for label in images.train.labels ?? [] { perClass[label] += 1 }
        let classNames = dataset == "fashion" ? FashionMNIST.classNames : nil
        try run.writeChart(BarChart(title: "\(spec.name) training images per class", xLabel: "class", yLabel: "images",
                                    values: perClass, labels: classNames), as: "classes.svg")

        try run.writeSummary(
            config: ["dataset": .string(spec.name), "data": .string(images.folder), "seed": .number(Double(seed)),
                     "batch_size": .number(Double(batchSize)),
                     "noise_std": .float(noise)],
            metrics: ["train_images": .number(Double(images.train.count)), "test_images": .number(Double(images.test.count)),
                      "first_train_label": .number(Double(images.train.labels?.first ?? -1)),
                      "mean_pixel": .number(meanPixel), "load_seconds": .number(loadSeconds)])
        run.printWritten()
    }
}
