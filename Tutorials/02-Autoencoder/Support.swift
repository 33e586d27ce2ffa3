// Chapter 2's measurements beside the step: the test MSE, PCA on the same inputs, the pair of digits
// to interpolate between, and the curves. The lesson is in main.swift.
import Latent
import LatentData
import LatentModels

/// The test set as (input, target) batches of 500; with `noise` > 0 the same noise every time (fixed seed).
func testBatches(_ test: ImageSet, noise: Float, seed: UInt64) throws -> [Batch] {
    var loader = DataLoader(test, batchSize: 500, shuffle: false, noiseStd: noise, seed: seed &+ 2)
    return try loader.epoch().remaining()
}

/// The mean squared error per pixel of reconstructing each batch's clean images from its inputs, in
/// evaluation mode.
func testMSE(_ model: any AutoencoderModel, _ batches: [Batch]) -> Double {
    var (total, count) = (0.0, 0)
    for batch in batches {
        let (loss, _) = mse(model.reconstructAll(batch.input, batch: batch.count), batch.images)
        total += Double(loss) * Double(batch.images.count)
        count += batch.images.count
    }
    return total / Double(max(count, 1))
}

/// Two test images to interpolate between: the first 1 and the first 7 when there are labels, else images 0 and 1.
func interpolationPair(_ test: ImageSet) -> [Int] {
    guard let labels = test.labels, let one = labels.firstIndex(of: 1), let seven = labels.firstIndex(of: 7) else { return [0, 1] }
    return [one, seven]
}

/// The test MSE per pixel of PCA with k components fitted on the (clean) training images, on the same
/// test batches as the autoencoder: with noisy inputs this is PCA as a denoiser — project the noisy
/// image on the top-k components, compare with the clean one. k is capped at the pixel count.
func pcaTestMSE(train: ImageSet, test: [Batch], k: Int) throws -> Double {
    let k = min(k, train.imageSize)  // a code as large as the image or larger: PCA keeps every component
    let pca = try PCA(fitting: train.tensor(first: train.count).reshaped([train.count, train.imageSize]), components: k)
    var (total, count) = (0.0, 0)
    for batch in test {
        let flat = { (images: Tensor) in images.reshaped([images.shape[0], train.imageSize]) }
        let (loss, _) = mse(pca.reconstruct(flat(batch.input), components: k), flat(batch.images))
        total += Double(loss) * Double(batch.images.count)
        count += batch.images.count
    }
    return total / Double(max(count, 1))
}

/// The train-loss and test-MSE curves, log-scale y.
func curves(_ history: TrainingHistory, title: String) -> LineChart {
    LineChart(title: title, xLabel: "epoch", yLabel: "MSE per pixel (log scale)", series: [
        ChartSeries(name: "train loss (mean over the epoch)", values: history["train_loss"]),
        ChartSeries(name: "test MSE (after the epoch)", values: history["test_mse"]),
    ], logY: true)
}
