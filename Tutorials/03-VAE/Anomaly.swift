// Chapter 3's anomaly check: a VAE trained on one dataset scores another dataset's test images by
// their negative ELBO (and by the reconstruction term at z = μ alone), and the AUROC says how well
// that score tells the two apart. `--anomaly fashion-mnist`, after training or on a finished run
// with --resume.
import Latent
import LatentData
import LatentModels

/// −ELBO and reconstruction scores of the test images and of `other`'s test images (binarized the
/// same way for a Bernoulli decoder), the mean of each and the AUROC with `other` as positive.
func anomalyReport(_ vae: VAE, testImages: Tensor, other: ImageSet, otherName: String, range: PixelRange) throws -> JSONValue {
    let clock = Stopwatch()
    let otherImages = try (vae.likelihood == .bce ? other.binarized(seed: 12345) : other).tensor(first: other.count, range: range)
    var generator = SeededGenerator(seed: 4242)
    let inside = vae.anomalyScores(images: testImages, using: &generator)
    let outside = vae.anomalyScores(images: otherImages, using: &generator)
    let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
    let byELBO = auroc(positives: outside.negativeELBO, negatives: inside.negativeELBO)
    let byReconstruction = auroc(positives: outside.reconstruction, negatives: inside.reconstruction)
    let unit = vae.likelihood == .bce ? "nats" : "(squared error summed over pixels)"
    print("\nanomaly scores per image, test set vs \(otherName): −ELBO \(Format.fixed(mean(inside.negativeELBO), 1)) vs "
          + "\(Format.fixed(mean(outside.negativeELBO), 1)) \(unit); reconstruction at z = μ \(Format.fixed(mean(inside.reconstruction), 1)) vs "
          + "\(Format.fixed(mean(outside.reconstruction), 1))")
    print("AUROC (\(otherName) positive): by −ELBO \(Format.fixed(byELBO, 4)), by reconstruction \(Format.fixed(byReconstruction, 4))"
          + "   (\(Format.fixed(clock.seconds, 1)) s)")
    return [
        "dataset": .string(otherName), "auroc_negative_elbo": .number(byELBO), "auroc_reconstruction": .number(byReconstruction),
        "test_negative_elbo": .number(mean(inside.negativeELBO)), "other_negative_elbo": .number(mean(outside.negativeELBO)),
        "test_reconstruction": .number(mean(inside.reconstruction)), "other_reconstruction": .number(mean(outside.reconstruction)),
        "elbo_samples": 5, "other_images": .number(Double(other.count)),
    ]
}
