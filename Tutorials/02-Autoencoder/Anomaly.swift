// Chapter 2's look at what a trained autoencoder does off its data: reconstruction error on noisy
// inputs, on random images and on another dataset, and how well that error flags the other dataset
// (AUROC). `--anomaly fashion-mnist` runs it after training (or on a finished run with --resume).
import Latent
import LatentData
import LatentModels

/// The mean squared error per pixel of each image's reconstruction: [N] for images [N, C, H, W].
func perImageMSE(_ model: any AutoencoderModel, _ images: Tensor) -> [Double] {
    let xHat = model.reconstructAll(images)
    let pixels = images.count / images.shape[0]
    return (0..<images.shape[0]).map { i in
        var total = 0.0
        for j in i * pixels..<(i + 1) * pixels {
            let d = Double(xHat.scalars[j] - images.scalars[j])
            total += d * d
        }
        return total / Double(pixels)
    }
}

/// Reconstruction MSE on the clean test images, on noisy ones (σ = 0.5, against the clean images),
/// on uniform random images and on the other dataset's test images, and the AUROC of the per-image
/// error for telling the other dataset (positive) from the test set (negative).
func anomalyReport(_ model: any AutoencoderModel, test: ImageSet, other: ImageSet, otherName: String, seed: UInt64) throws -> JSONValue {
    let clock = Stopwatch()
    let images = try test.tensor(first: test.count)
    var noisyLoader = DataLoader(test, batchSize: test.count, shuffle: false, noiseStd: 0.5, seed: seed &+ 3)
    let noisy = try noisyLoader.epoch().remaining()[0].input  // one batch: the whole test set
    var generator = SeededGenerator(seed: seed &+ 4)
    let uniform = Tensor.randomUniform([1000] + Array(images.shape.dropFirst()), low: 0, high: 1, using: &generator)
    let otherImages = try other.tensor(first: other.count)
    let inScores = perImageMSE(model, images), outScores = perImageMSE(model, otherImages)
    let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
    let clean = mean(inScores)
    let denoised = meanSquaredError(model.reconstructAll(noisy), images)
    let random = mean(perImageMSE(model, uniform))
    let outside = mean(outScores)
    let area = auroc(positives: outScores, negatives: inScores)
    print("\nreconstruction MSE per pixel: test \(Format.fixed(clean, 5)), test + noise σ=0.5 → clean \(Format.fixed(denoised, 5)), "
          + "uniform random images \(Format.fixed(random, 5)), \(otherName) \(Format.fixed(outside, 5))")
    print("AUROC of the per-image reconstruction error, \(otherName) (positive) against the test set: \(Format.fixed(area, 4))"
          + "   (\(Format.fixed(clock.seconds, 1)) s)")
    return [
        "dataset": .string(otherName), "test_mse": .number(clean), "noisy_test_mse": .number(denoised), "noise_std": 0.5,
        "uniform_mse": .number(random), "other_mse": .number(outside), "auroc": .number(area),
        "test_images": .number(Double(test.count)), "other_images": .number(Double(other.count)),
    ]
}
