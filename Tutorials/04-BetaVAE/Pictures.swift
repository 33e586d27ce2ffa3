// What chapter 4 measures and draws for each β: KL per latent dimension, active units, traversals
// of the dimensions that carry the most KL, curves, and the table row. The lesson is in main.swift.
import Latent
import LatentData
import LatentModels

extension BetaVAEChapter {
    /// What one trained β learned: its `summary.json` entry, and its reconstructions and samples for
    /// the comparison grid. Writes its KL bar chart, traversals and curves.
    func describe(_ vae: VAE, beta: Float, history: TrainingHistory, testImages: Tensor, range: PixelRange,
                  run: RunFolder) throws -> (JSONValue, [Tensor]) {
        let tag = "beta\(formatBeta(beta))"
        let (mu, logVar) = vae.encodeAll(testImages)
        let klPerDim = perDimensionKL(mu: mu, logVar: logVar).scalars
        let (_, active) = activeUnits(mu: mu)
        var sampleRandom = SeededGenerator(seed: 4242)
        let samples = vae.decodeAll(Tensor.randomNormal([10, vae.latentDimension], using: &sampleRandom))
        let rows = [vae.reconstruct(testImages.slice(0..<min(10, testImages.shape[0]))), samples]
        try run.writeChart(BarChart(title: "KL per latent dimension, β = \(formatBeta(beta)) (test set)",
                                    xLabel: "latent dimension", yLabel: "nats", values: klPerDim.map(Double.init)),
                           as: "kl-per-dimension-\(tag).svg")
        // Traversals: the dimensions carrying the most KL, each swept from −3 to 3 around the code of a test image.
        let dims = largestIndices(klPerDim, count: min(traverse, vae.latentDimension))
        let values = LatentCodes.linspace(-3, 3, count: 9)
        let codes = LatentCodes.traversal(base: LatentCodes.row(mu, 0), dimensions: dims, values: values)
        try run.writeGrid(vae.decodeAll(codes), columns: values.count, range: range, as: "traversals-\(tag).png")
        try run.writeChart(curves(history, beta: beta), as: "curves-\(tag).svg")
        let result: JSONValue = .object([
            ("beta", .number(Double(beta))), ("test_mse", .number(history.last("test_mse") ?? .nan)),
            ("test_kl", .number(history.last("test_kl") ?? .nan)), ("test_mse_at_mu", .number(vae.reconstructionMSE(images: testImages))),
            ("active_units", .number(Double(active))), ("kl_per_dimension", .numbers(klPerDim.map(Double.init))),
            ("traversal_dimensions", .numbers(dims.map(Double.init))),
        ] + history.perEpoch)
        return (result, rows)
    }

    /// The table of the run, one row per β.
    func printTable(_ results: [JSONValue], latent: Int) {
        print("\n|    β    | test MSE/pixel | test MSE at μ | KL (nats) | active dims |")
        print("|---------|----------------|---------------|-----------|-------------|")
        for r in results {
            func number(_ key: String) -> Double { if case let .number(x)? = r[key] { x } else { .nan } }
            print("| \(pad(formatBeta(Float(number("beta"))), 7)) | \(pad(Format.fixed(number("test_mse"), 5), 14)) | "
                  + "\(pad(Format.fixed(number("test_mse_at_mu"), 5), 13)) | \(pad(Format.fixed(number("test_kl"), 2), 9)) | "
                  + "\(pad(String(Int(number("active_units"))), 6)) / \(latent) |")
        }
    }
}

/// `text` right-aligned in `width` characters.
func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

/// β as written on the command line: 0, 0.0001, 1, 10.
func formatBeta(_ beta: Float) -> String {
    beta == beta.rounded() && abs(beta) < 1e9 ? String(Int(beta)) : "\(beta)"
}

/// MSE and KL per epoch for one β: two charts stacked in one file (the two need different scales).
func curves(_ h: TrainingHistory, beta: Float) -> ChartStack {
    let mse = LineChart(title: "β = \(formatBeta(beta)): reconstruction (MSE per pixel)", xLabel: "epoch", yLabel: "MSE", series: [
        ChartSeries(name: "train MSE", values: h["train_mse"], color: chartPalette[1]),
        ChartSeries(name: "test MSE", values: h["test_mse"], color: chartPalette[1], dashed: true),
    ], width: 640, height: 300)
    let kl = LineChart(title: "β = \(formatBeta(beta)): KL per image", xLabel: "epoch", yLabel: "nats", series: [
        ChartSeries(name: "train KL", values: h["train_kl"], color: chartPalette[2]),
        ChartSeries(name: "test KL", values: h["test_kl"], color: chartPalette[2], dashed: true),
    ], width: 640, height: 300)
    return ChartStack([mse, kl])
}
