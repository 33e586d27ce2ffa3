// The chapter's plumbing: loading the dataset as rows, picking images, the random-subspace baseline,
// the summary. main.swift holds the story; nothing here is PCA itself. Datasets and the stopwatch
// come from LatentData.

import Latent
import LatentCommands
import LatentData
import LatentModels

/// Seconds as "1.23 s".
func seconds(_ value: Double) -> String { Format.fixed(value, 2) + " s" }

/// `text` right-aligned in `width` characters.
func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

extension PCAChapter {
    /// The training and test images as rows [N, D] in [0, 1], and the shape [C, H, W] of one image.
    /// (CelebA: its training and test splits, list_eval_partition.txt, as 64×64 crops decoded once into a cache.)
    func loadData(_ dataset: DatasetName) throws -> (train: Tensor, test: Tensor, imageShape: [Int]) {
        let (train, test) = try data.load(dataset)
        let imageShape = [train.channels, train.height, train.width]
        let d = train.imageSize
        var trainRows = try train.tensor(first: train.count).reshaped([-1, d])
        var testRows = try test.tensor(first: test.count).reshaped([-1, d])
        if subtractImageMean {
            // Question 4: each image minus its own mean brightness, plus the training set's mean brightness
            // (one constant for every image, so the covariance is that of the brightness-free images and
            // the pictures stay in [0, 1]-ish).
            let level = trainRows.scalars.reduce(0.0) { $0 + Double($1) } / Double(trainRows.count)
            trainRows = withoutImageMean(trainRows, plus: Float(level))
            testRows = withoutImageMean(testRows, plus: Float(level))
        }
        return (trainRows, testRows, imageShape)
    }

    /// `count` distinct test indices, chosen by the seed (seed 0: the first `count`).
    func pickTestImages(count: Int, from total: Int) -> [Int] {
        let count = Swift.min(count, total)
        if data.seed == 0 { return Array(0..<count) }
        var generator = SeededGenerator(seed: data.seed)
        return Array(generator.permutation(total).prefix(count)).sorted()
    }
}

/// Each row of `x` [N, D] minus its own mean, plus `level`.
func withoutImageMean(_ x: Tensor, plus level: Float) -> Tensor {
    let d = x.shape[1]
    var scalars = x.scalars
    for row in 0..<x.shape[0] {
        let range = (row * d)..<((row + 1) * d)
        let mean = Float(scalars[range].reduce(0.0) { $0 + Double($1) } / Double(d))
        for i in range { scalars[i] = scalars[i] - mean + level }
    }
    return Tensor(shape: x.shape, scalars: scalars)
}

/// Rows `indices` of a [N, D] tensor: [indices.count, D].
func rows(_ indices: [Int], of x: Tensor) -> Tensor {
    concatBatch(indices.map { x.slice($0..<($0 + 1)) })
}

/// The test MSE of the linear autoencoder x̂ = μ + (x − μ)·Uᵀ·U for a random orthonormal U [k, D]:
/// the baseline PCA's top-k subspace must beat.
func randomSubspaceMSE(k: Int, mean: Tensor, test: Tensor, using generator: inout SeededGenerator) -> Double {
    let d = test.shape[1]
    var u = [Double]()
    u.reserveCapacity(k * d)
    for _ in 0..<(k * d) { u.append(Double(generator.nextNormal())) }
    orthonormalizeRows(&u, rows: k, columns: d, using: &generator)
    let basis = Tensor(shape: [k, d], scalars: u.map { Float($0) })
    let centered = test - Tensor(shape: test.shape, scalars: (0..<test.count).map { mean.scalars[$0 % d] })
    let xHat = matmul(matmul(centered, basis, transposeB: true), basis)
    return meanSquaredError(centered, xHat)
}

extension PCAChapter {
    /// The options of this run, for summary.json.
    func configJSON(_ dataset: DatasetName) -> JSONValue {
        [
            "chapter": "01-PCA", "command": .string(commandLine()),
            "dataset": .string(dataset.rawValue), "data": data.data.map { .string($0) } ?? .null,
            "latent": .number(Double(latent)), "power_iterations": .number(Double(powerIterations)),
            "subtract_image_mean": .bool(subtractImageMean),
            "seed": .number(Double(data.seed)), "threads": .number(Double(Parallel.threadCount)),
            "limit": data.limit.map { .number(Double($0)) } ?? .null,
            "test_limit": data.testLimit.map { .number(Double($0)) } ?? .null,
        ]
    }

    /// The results of this run, for summary.json: sizes, timings, `test_mse` per k, the random-subspace
    /// baseline, the top 128 eigenvalues and the cumulative explained-variance ratio.
    func metricsJSON(
        train: Int, test: Int, features: Int, solver: String, fitSeconds: Double, totalSeconds: Double,
        pca: PCA, cumulative: [Double], testMSE: [Int: Double], randomMSE: [Int: Double]
    ) -> JSONValue {
        func perK(_ values: [Int: Double]) -> JSONValue {
            .object(values.keys.sorted().map { (String($0), .number(values[$0]!)) })
        }
        let kept = Swift.min(pca.componentCount, 128)
        return [
            "train_images": .number(Double(train)), "test_images": .number(Double(test)),
            "features": .number(Double(features)), "solver": .string(solver),
            "fit_seconds": .number(fitSeconds), "total_seconds": .number(totalSeconds),
            "total_variance": .number(pca.totalVariance),
            "test_mse": perK(testMSE),
            "random_subspace_test_mse": perK(randomMSE),
            "eigenvalues": .array(pca.explainedVariance.prefix(kept).map { .number($0) }),
            "cumulative_explained_variance_ratio": .array(cumulative.prefix(kept).map { .number($0) }),
        ]
    }
}
