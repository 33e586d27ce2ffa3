// Chapter 1 — PCA, the best linear autoencoder.
//
//   encode  z = Wᵀ(x − μ)      the k top eigenvectors of the covariance are the rows of W
//   decode  x̂ = W z + μ        (row-vector form in code: z = (x − μ)·Wᵀ, x̂ = z·W + μ)
//
// Fit on the training images, then measure how well k numbers per image reconstruct the test images.
// README.md next to this file is the chapter text; it points at the lines below.

import ArgumentParser
import Foundation
import Latent
import LatentData
import LatentModels

/// `swift run -c release pca [--dataset mnist|fashion-mnist|celeba] …`
struct PCAChapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Chapter 1: PCA as a linear autoencoder — eigenimages, explained variance, reconstructions.",
        discussion: "PCA is fitted in closed form (no training loop), so there is no --epochs option.")

    @Option(help: "Dataset: mnist, fashion-mnist or celeba.")
    var dataset: DatasetName = .mnist

    @Option(help: "Folder holding the dataset files (default: LATENT_DATA, ../shared/data, the cache, then download).")
    var data: String?

    @Option(help: "Components shown as eigenimages; also added to the k's evaluated.")
    var latent: Int = 32

    @Option(help: "Root folder for run outputs (default: LATENT_RUNS or runs); this run writes <out>/01-pca-<dataset>/.")
    var out: String?

    @Option(help: "Seed for picking the test images shown and the randomized solver.")
    var seed: UInt64 = 0

    @Option(help: "Threads for the kernels (default: LATENT_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Subspace-iteration steps of the randomized solver (used when D > 2048, e.g. CelebA).")
    var powerIterations: Int = 3

    @Option(help: "Use at most this many training images (default: all).")
    var trainLimit: Int?

    @Option(help: "Use at most this many test images (default: all).")
    var testLimit: Int?

    /// The k's whose reconstructions and test MSE the chapter reports.
    static let reconstructionKs = [2, 8, 16, 32, 64, 128]

    func validate() throws {
        guard latent >= 1 else { throw ValidationError("--latent must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard powerIterations >= 0 else { throw ValidationError("--power-iterations must be at least 0") }
        if let trainLimit, trainLimit < 2 { throw ValidationError("--train-limit must be at least 2") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit must be at least 1") }
    }

    func run() throws {
        if let threads { Parallel.threadCount = threads }
        let started = Date()
        var clock = Stopwatch()

        // 1. Data: one image per row, pixels in [0, 1].
        let (train, test, imageShape) = try loadData()
        let (n, d) = (train.shape[0], train.shape[1])
        print("\(dataset.rawValue): \(n) training and \(test.shape[0]) test images of \(imageShape) = \(d) pixels  [\(seconds(clock.lap()))]")

        // 2. Fit: μ = mean of the rows, C = (X − μ)ᵀ(X − μ)/(N − 1) with our GEMM, C = V Λ Vᵀ.
        //    D = 784 → the whole covariance, dense eigensolver; D = 12,288 → randomized subspace iteration.
        let ks = Array(Set(PCAChapter.reconstructionKs + [latent])).filter { $0 <= d }.sorted()
        let kMax = Swift.max(ks.last ?? 1, latent)
        let solver: PCA.Solver = d <= 2048 ? .dense : .randomized(oversampling: 32, powerIterations: powerIterations)
        let pca = try PCA(fitting: train, components: d <= 2048 ? d : Swift.min(kMax, d), solver: solver, seed: seed)
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
        var generator = SeededGenerator(seed: seed &+ 1)
        print("\n     k  explained  left-out var / D  test MSE   random k-subspace MSE")
        for k in ks {
            let z = pca.encode(test, components: k)                 // z = (x − μ)·Wₖᵀ   [N, k]
            let xHat = pca.decode(z)                                // x̂ = z·Wₖ + μ      [N, D]
            testMSE[k] = meanSquaredError(test, xHat)
            randomMSE[k] = randomSubspaceMSE(k: k, mean: pca.mean, test: test, using: &generator)
            if PCAChapter.reconstructionKs.contains(k) { reconstructionRows.append(rows(shownIndices, of: xHat)) }
            let leftOut = (pca.totalVariance - pca.explainedVariance.prefix(k).reduce(0, +)) / Double(d)
            print(String(format: "%6d  %8.2f%%  %16.6f  %.6f   %.6f", k, 100 * cumulative[k - 1], leftOut,
                         testMSE[k]!, randomMSE[k]!))
        }
        print("[\(seconds(clock.lap()))]")

        // 5. Pictures and summary, into runs/01-pca-<dataset>/.
        let run = try RunFolder(name: "01-pca-\(dataset.rawValue)", root: out)
        try run.writeChart(explainedVarianceChart(cumulative: cumulative), as: "explained_variance.svg")
        try run.saveImage(enlarged(pca.mean.reshaped([1] + imageShape)), as: "mean.png")
        try run.saveImage(componentImages(pca, count: Swift.min(latent, pca.componentCount), imageShape: imageShape),
                          as: "components.png", nrow: 8, padValue: 1)
        try run.saveImage(reconstructionImages(reconstructionRows, imageShape: imageShape),
                          as: "reconstructions.png", nrow: shown.shape[0], padValue: 1)
        try run.writeSummary(
            config: configJSON(),
            metrics: metricsJSON(
                train: n, test: test.shape[0], features: d, solver: d <= 2048 ? "dense" : "randomized",
                fitSeconds: fitSeconds, totalSeconds: Date().timeIntervalSince(started),
                pca: pca, cumulative: cumulative, testMSE: testMSE, randomMSE: randomMSE))
        print("")
        run.printWritten()
    }
}

PCAChapter.main()
