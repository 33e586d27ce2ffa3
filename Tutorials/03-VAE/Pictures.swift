// What chapter 3 draws: reconstructions, samples from the prior, the training curves, an
// interpolation between pairs of digits (beside a chapter-2 autoencoder's, with --ae), the 2-D latent
// space when z = 2, and attribute arithmetic on faces. The lesson is in main.swift and VAEStep.swift.
import Latent
import LatentData
import LatentModels

extension VAEChapter {
    /// Every picture of the run except the attribute grid (faces only, `writeAttributeArithmetic`).
    func writePictures(_ vae: VAE, run: RunFolder, test: ImageSet, testImages: Tensor, range: PixelRange,
                       history: TrainingHistory, lik: VAELikelihood) throws {
        // Reconstructions: rows of 8 originals, each followed by its reconstruction from z = μ.
        let view = min(16, testImages.shape[0])
        let originals = try range == .minusOneToOne ? testImages.slice(0..<view) : test.tensor(first: view, range: range)
        let reconstructions = vae.reconstruct(originals)
        let half = min(8, view)
        try run.writeGrid(concatBatch([originals.slice(0..<half), reconstructions.slice(0..<half),
                                       originals.slice(half..<view), reconstructions.slice(half..<view)]),
                          columns: half, range: range, as: "reconstructions.png")
        // Samples: decode z ~ N(0, I), what the prior promises.
        var sampleRandom = SeededGenerator(seed: 4242)
        try run.writeGrid(vae.decodeAll(Tensor.randomNormal([64, vae.latentDimension], using: &sampleRandom)),
                          columns: 8, range: range, as: "samples.png")
        try run.writeChart(curves(history, lik: lik), as: "curves.svg")
        if !history["test_log_px"].isEmpty { try run.writeChart(logPxChart(history, label: iwae.label, others: try iwae.comparedRuns(), evalSamples: iwae.evalSamples), as: "log-px.svg") }
        guard range == .zeroToOne, let labels = test.labels else { return }
        try writeInterpolation(vae, test: test, labels: labels, run: run)
        if vae.latentDimension == 2 {
            let (mu, _) = vae.encodeAll(try test.tensor(first: test.count, range: range))
            let points = (0..<test.count).map { (x: Double(mu.scalars[2 * $0]), y: Double(mu.scalars[2 * $0 + 1])) }
            try run.writeChart(ScatterPlot(title: "Test digits at μ(x), coloured by label", points: points, classes: labels),
                               as: "latent-scatter.svg")
            try run.writeGrid(vae.decodeAll(LatentCodes.manifold(side: 20)), columns: 20, range: range, as: "manifold.png")
        }
    }

    /// For each digit pair of --pairs, the first --pairs-per test images of each label paired in order,
    /// one row per pair: the first image, 10 decodings on the line between the two codes, the second
    /// image. With --ae, the chapter-2 autoencoder's row comes first, above the VAE's.
    func writeInterpolation(_ vae: VAE, test: ImageSet, labels: [Int], run: RunFolder) throws {
        let autoencoder = try ae.map(loadAutoencoder)
        var rows: [Tensor] = []
        for (from, to) in try digitPairs() {
            let starts = labels.indices.filter { labels[$0] == from }, ends = labels.indices.filter { labels[$0] == to }
            let count = min(pairsPer, starts.count, ends.count)
            if count < pairsPer { print("interpolation \(from)→\(to): only \(count) test pair\(count == 1 ? "" : "s") with these labels") }
            for i in 0..<count {
                let x = try test.tensor(indices: [starts[i], ends[i]])
                let (first, last) = (x.slice(0..<1), x.slice(1..<2))
                if let autoencoder {
                    let codes = autoencoder.encodeAll(x)
                    rows += [first, autoencoder.decodeAll(LatentCodes.interpolation(from: LatentCodes.row(codes, 0), to: LatentCodes.row(codes, 1), steps: 10)), last]
                }
                let (mu, _) = vae.encodeAll(x)
                rows += [first, vae.decodeAll(LatentCodes.interpolation(from: LatentCodes.row(mu, 0), to: LatentCodes.row(mu, 1), steps: 10)), last]
            }
        }
        guard !rows.isEmpty else { print("no test images with the labels of --pairs: interpolation skipped"); return }
        if let ae { print("interpolation: for each test pair, the AE from \(ae) (row above), then the VAE (row below)") }
        try run.writeGrid(concatBatch(rows), columns: 12, as: "interpolation.png")
    }

    /// Adds the Smiling and Eyeglasses vectors (mean code with the attribute minus mean code without)
    /// to the first four test faces' codes, in steps; returns what was drawn. The vectors are also
    /// written to attribute-vectors.json, for `--encode`.
    func writeAttributeArithmetic(_ vae: VAE, attributes: [String: [Int8]], train: ImageSet, test: Tensor, run: RunFolder) throws -> JSONValue {
        let directions = try attributeDirections(vae, attributes: attributes, train: train)
        try run.write(JSONValue.object(directions.map { ($0.name, .numbers($0.direction.scalars.map(Double.init))) }).serialized(),
                      as: "attribute-vectors.json")
        let (testMu, _) = vae.encodeAll(test.slice(0..<4))
        let steps: [Float] = [0, 0.5, 1, 1.5, 2]
        var rows: [Tensor] = []
        var used: [JSONValue] = []
        for (name, direction) in directions {
            used.append(.string(name))
            // The first four test faces, whether or not they have the attribute already.
            for face in 0..<4 {
                rows.append(vae.decodeAll(LatentCodes.along(direction, from: LatentCodes.row(testMu, face), steps: steps)))
            }
        }
        if !rows.isEmpty { try run.writeGrid(concatBatch(rows), columns: steps.count, range: .minusOneToOne, as: "attributes.png") }
        return ["names": .array(used), "steps": .numbers(steps.map(Double.init)), "faces_per_attribute": 4]
    }

    /// The Smiling and Eyeglasses vectors in code space: the mean μ of the training faces with the
    /// attribute minus the mean μ of those without (attributes from CelebA's list_attr_celeba.txt).
    func attributeDirections(_ vae: VAE, attributes: [String: [Int8]], train: ImageSet) throws -> [(name: String, direction: Tensor)] {
        // The training faces' μ, 4,096 faces at a time: the whole set as Floats would be 8 GB at CelebA's full size.
        var chunks: [Tensor] = []
        for start in stride(from: 0, to: train.count, by: 4096) {
            let faces = try train.tensor(indices: Array(start..<min(start + 4096, train.count)), range: .minusOneToOne)
            chunks.append(vae.encodeAll(faces).mu)
        }
        let codes = concatBatch(chunks)
        var directions: [(name: String, direction: Tensor)] = []
        for name in ["Smiling", "Eyeglasses"] {
            let has = (attributes[name] ?? []).map { $0 == 1 }
            guard has.count == train.count, has.contains(true), has.contains(false) else { print("attribute \(name) not available: skipped"); continue }
            directions.append((name, LatentCodes.attributeDirection(codes: codes, has: has)))
        }
        return directions
    }
}

/// Reconstruction, KL and their sum, train (solid) and test (dashed), per epoch.
func curves(_ h: TrainingHistory, lik: VAELikelihood) -> LineChart {
    let total = { (a: [Double], b: [Double]) in zip(a, b).map { $0 + $1 } }
    return LineChart(title: "VAE: reconstruction, KL and their sum", xLabel: "epoch", yLabel: lik == .bce ? "nats per image" : "per image", series: [
        ChartSeries(name: "train −ELBO", values: total(h["train_rec"], h["train_kl"]), color: chartPalette[0]),
        ChartSeries(name: "test −ELBO", values: total(h["test_rec"], h["test_kl"]), color: chartPalette[0], dashed: true),
        ChartSeries(name: "train rec", values: h["train_rec"], color: chartPalette[1]),
        ChartSeries(name: "test rec", values: h["test_rec"], color: chartPalette[1], dashed: true),
        ChartSeries(name: "train KL", values: h["train_kl"], color: chartPalette[2]),
        ChartSeries(name: "test KL", values: h["test_kl"], color: chartPalette[2], dashed: true),
    ])
}
