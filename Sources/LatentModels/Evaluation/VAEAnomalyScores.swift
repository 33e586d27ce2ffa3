#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

extension VAE {
    /// Two anomaly scores per image, in evaluation mode: images [N, C, H, W] (in the model's range,
    /// binarized for `.bce`) → N values each.
    ///
    /// - `negativeELBO`: −ELBO(x) = −log p(x|z) + KL(q(z|x) ‖ N(0, I)) in the chapter's units (nats for
    ///   `.bce`), the reconstruction term averaged over `samples` draws z = μ + σ·ε.
    /// - `reconstruction`: −log p(x|z) at z = μ alone (BCE or squared error summed over pixels).
    public func anomalyScores(images: Tensor, samples: Int = 5, batch: Int = 500,
                              using generator: inout SeededGenerator) -> (negativeELBO: [Double], reconstruction: [Double]) {
        precondition(samples >= 1, "anomalyScores: samples must be at least 1")
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var negativeELBO: [Double] = [], reconstruction: [Double] = []
        var start = 0
        while start < images.shape[0] {
            let x = images.slice(start..<min(start + batch, images.shape[0]))
            let (mu, logVar) = encode(x)
            let n = x.shape[0], d = latentDimension
            let kl = (0..<n).map { i in
                (0..<d).reduce(0.0) { total, j in
                    let (m, l) = (Double(mu.scalars[i * d + j]), Double(logVar.scalars[i * d + j]))
                    return total + 0.5 * (m * m + exp(l) - 1 - l)
                }
            }
            var sampled = [Double](repeating: 0, count: n)
            for _ in 0..<samples {
                let z = mu + exp(0.5 * logVar) * Tensor.randomNormal(like: mu, using: &generator)
                for (i, value) in perImageReconstruction(decoder.forward(z), x).enumerated() { sampled[i] += value / Double(samples) }
            }
            reconstruction += perImageReconstruction(decoder.forward(mu), x)
            negativeELBO += zip(sampled, kl).map(+)
            start += n
        }
        return (negativeELBO, reconstruction)
    }

    /// −log p(x|z) of each image from the raw decoder output: BCE with logits (`.bce`) or the squared
    /// error (`.mse`), summed over its pixels.
    func perImageReconstruction(_ out: Tensor, _ x: Tensor) -> [Double] {
        let n = x.shape[0], pixels = x.count / n
        return (0..<n).map { i in
            var total = 0.0
            for j in i * pixels..<(i + 1) * pixels {
                let (o, t) = (Double(out.scalars[j]), Double(x.scalars[j]))
                total += likelihood == .bce ? max(o, 0) - o * t + log1p(exp(-abs(o))) : (o - t) * (o - t)
            }
            return total
        }
    }
}
