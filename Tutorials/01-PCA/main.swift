// Chapter 1 — PCA, the best linear autoencoder.
//
//   encode  z = W(x − μ)       W is [k, D]: the k top eigenvectors of the covariance are its rows
//   decode  x̂ = Wᵀz + μ        (row-vector form in code: z = (x − μ)·Wᵀ, x̂ = z·W + μ)
//
// Encoder W and decoder Wᵀ share one matrix: PCA is the tied linear autoencoder. Fit on the training
// images, then measure how well k numbers per image reconstruct the test images. README.md next to
// this file is the chapter text; it points at the functions below by name.

import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

/// `swift run -c release pca [--dataset mnist|fashion-mnist|celeba] …`
struct PCAChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Chapter 1: PCA as a linear autoencoder — eigenimages, explained variance, reconstructions.",
        discussion: "PCA is fitted in closed form (no training loop), so there is no --epochs option.")

    @OptionGroup(title: "Data and run") var data: DataOptions
    @Option(parsing: .unconditional, help: "Components shown as eigenimages; also added to the k's evaluated.")
    var latent: Int = 32
    @Option(parsing: .unconditional, help: "Subspace-iteration steps of the randomized solver (used when D > 2048, e.g. CelebA).")
    var powerIterations: Int = 3
    @Flag(help: "Subtract each image's own mean brightness before PCA (question 4).")
    var subtractImageMean = false

    /// The k's whose reconstructions and test MSE the chapter reports.
    static let reconstructionKs = [2, 8, 16, 32, 64, 128]

    func validate() throws {
        guard latent >= 1 else { throw ValidationError("--latent must be at least 1, got \(latent)") }
        guard powerIterations >= 0 else { throw ValidationError("--power-iterations must be at least 0, got \(powerIterations)") }
        if let limit = data.limit, limit < 2 { throw ValidationError("--limit must be at least 2 (a covariance needs two images), got \(limit)") }
    }

    func run() throws {
        data.prepareKernels()
        let dataset = data.dataset ?? .mnist
        let total = Stopwatch()
        var clock = Stopwatch()

        // 1. Data: one image per row, pixels in [0, 1].
        let (train, test, imageShape) = try loadData(dataset)
        let (n, d) = (train.shape[0], train.shape[1])
        print("\(dataset.rawValue): \(n) training and \(test.shape[0]) test images of \(imageShape) = \(d) pixels  [\(seconds(clock.lap()))]")

        // 2. Fit: μ = mean of the rows, C = (X − μ)ᵀ(X − μ)/(N − 1) with our GEMM, C = V Λ Vᵀ.
        //    D = 784 → the whole covariance, dense eigensolver; D = 12,288 → randomized subspace iteration.
        let ks = Array(Set(PCAChapter.reconstructionKs + [latent])).filter { $0 <= d }.sorted()
        let kMax = Swift.max(ks.last ?? 1, latent)
        let solver: PCA.Solver = d <= 2048 ? .dense : .randomized(oversampling: 32, powerIterations: powerIterations)
        // `consume`: X is centered in place, not copied (at full-size CelebA X is 8 GB).
        let pca = try PCA(fitting: consume train, components: d <= 2048 ? d : Swift.min(kMax, d), solver: solver, seed: data.seed)
        let fitSeconds = clock.lap()
        print("fit (\(d <= 2048 ? "dense covariance + Householder/QL" : "randomized subspace iteration")): \(seconds(fitSeconds))")

        // 3. How much variance the first k directions explain.
        let ratio = pca.explainedVarianceRatio
        var cumulative = [Double]()
        for r in ratio { cumulative.append((cumulative.last ?? 0) + r) }

        // 4. Encode the test images with k components and decode them; compare with random k-subspaces.
        let shownIndices = pickTestImages(count: 8, from: test.shape[0])
        let shown = rows(shownIndices, of: test)
        var testMSE: [Int: Double] = [:]
        var randomMSE: [Int: Double] = [:]
        var reconstructionRows: [Tensor] = [shown]
        var generator = SeededGenerator(seed: data.seed &+ 1)
        print("\n     k  explained  left-out var / D  test MSE   random k-subspace MSE")
        for k in ks {
            let z = pca.encode(test, components: k)                 // z = (x − μ)·Wₖᵀ   [N, k]
            let xHat = pca.decode(z)                                // x̂ = z·Wₖ + μ      [N, D]
            testMSE[k] = meanSquaredError(test, xHat)
            randomMSE[k] = randomSubspaceMSE(k: k, mean: pca.mean, test: test, using: &generator)
            if PCAChapter.reconstructionKs.contains(k) { reconstructionRows.append(rows(shownIndices, of: xHat)) }
            let leftOut = (pca.totalVariance - pca.explainedVariance.prefix(k).reduce(0, +)) / Double(d)
            print(pad("\(k)", 6) + "  " + pad(Format.fixed(100 * cumulative[k - 1], 2), 8) + "%  " + pad(Format.fixed(leftOut, 6), 16)
                  + "  " + Format.fixed(testMSE[k]!, 6) + "   " + Format.fixed(randomMSE[k]!, 6))
        }
        print("[\(seconds(clock.lap()))]")

        // 5. Pictures and summary, into the run folder (runs/pca-<dataset>/ unless --out says otherwise).
        let run = try data.runFolder(default: "pca-\(dataset.rawValue)")
        try run.writeChart(explainedVarianceChart(cumulative: cumulative), as: "explained_variance.svg")
        try run.saveImage(enlarged(pca.mean.reshaped([1] + imageShape)), as: "mean.png")
        try run.saveImage(componentImages(pca, count: Swift.min(latent, pca.componentCount), imageShape: imageShape),
                          as: "components.png", nrow: 8, padValue: 1)
        try run.saveImage(reconstructionImages(reconstructionRows, imageShape: imageShape),
                          as: "reconstructions.png", nrow: shown.shape[0], padValue: 1)
        try run.writeSummary(
            config: configJSON(dataset),
            metrics: metricsJSON(
                train: n, test: test.shape[0], features: d, solver: d <= 2048 ? "dense" : "randomized",
                fitSeconds: fitSeconds, totalSeconds: total.seconds,
                pca: pca, cumulative: cumulative, testMSE: testMSE, randomMSE: randomMSE))
        print("")
        try run.writePage(command: commandLine())
        run.printWritten()
    }
}

PCAChapter.main()
