#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// log Σᵢ e^valuesᵢ in Double, shifted by the maximum so no term overflows.
public func logSumExp(_ values: [Double]) -> Double {
    guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
    var sum = 0.0
    for v in values { sum += exp(v - top) }
    return top + log(sum)
}

extension VAE {
    /// The importance-weighted estimate of log p(x) (Burda, Grosse & Salakhutdinov 2016), per image:
    ///
    ///     log p(x) ≈ log (1/K) Σₖ p(x|zₖ) p(zₖ) / q(zₖ|x),     zₖ = μ + σ·εₖ,  εₖ ~ N(0, I)
    ///
    ///     log p(x|z) = −Σ BCE-with-logits(decoder(z), x)          (Bernoulli decoder, `.bce`)
    ///     log p(x|z) = −½ Σ ((x − decoder(z))²/σ² + log 2πσ²)     (Gaussian decoder, `.mse`, variance σ²)
    ///     log p(z)   = −½ Σ (z² + log 2π)
    ///     log q(z|x) = −½ Σ (ε² + log σ² + log 2π)
    ///
    /// K = 1 is the ELBO's one-sample estimate; the bound tightens towards log p(x) as K grows. The
    /// K log-weights of an image are combined with `logSumExp` in Double.
    /// images: [N, C, H, W] (pixels in {0, 1} for `.bce`) → N estimates in nats. A `.mse` model needs
    /// its decoder variance σ² (`decoderVariance`): its log p(x|z) is a density only once σ² is fixed.
    public func importanceWeightedLogLikelihood(
        images: Tensor, samples k: Int, decoderVariance: Double? = nil, condition: Tensor? = nil,
        using generator: inout SeededGenerator,
        progress: ((Int) -> Void)? = nil
    ) -> [Double] {
        precondition(likelihood == .bce || (decoderVariance ?? 0) > 0,
                     "importance-weighted log p(x) of a Gaussian (mse) decoder needs its variance σ² > 0")
        precondition(k >= 1, "importance sampling needs K ≥ 1 samples, got \(k)")
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        let n = images.shape[0]
        let pixels = images.count / max(n, 1)
        let zDim = latentDimension
        let logTwoPi = log(2 * Double.pi)
        // A conditional VAE (`condition`: one-hot labels [N, classes]) estimates log p(x|y).
        let (mus, logVars) = encodeAll(conditioned(images, on: condition))
        // Decode in chunks of about 1000 rows: several images' K samples at once when K is small.
        let imagesPerChunk = max(1, 1000 / k)
        var estimates = [Double](repeating: 0, count: n)
        var first = 0
        while first < n {
            let last = min(first + imagesPerChunk, n)
            let rows = (last - first) * k
            var z = [Float](repeating: 0, count: rows * zDim)
            var logPriorMinusQ = [Double](repeating: 0, count: rows)  // log p(z) − log q(z|x) per row
            for image in first..<last {
                for sample in 0..<k {
                    let row = (image - first) * k + sample
                    var logP = 0.0, logQ = 0.0
                    for j in 0..<zDim {
                        let mu = mus.scalars[image * zDim + j], logVar = logVars.scalars[image * zDim + j]
                        let eps = generator.nextNormal()
                        let value = mu + expf(0.5 * logVar) * eps
                        z[row * zDim + j] = value
                        logP += -0.5 * (Double(value) * Double(value) + logTwoPi)
                        logQ += -0.5 * (Double(eps) * Double(eps) + Double(logVar) + logTwoPi)
                    }
                    logPriorMinusQ[row] = logP - logQ
                }
            }
            var decoderInput = Tensor(shape: [rows, zDim], scalars: z)
            if let condition {
                let classes = condition.shape[1]
                var labelScalars = [Float](repeating: 0, count: rows * classes)
                for row in 0..<rows {
                    let image: Int = first + row / k
                    for c in 0..<classes { labelScalars[row * classes + c] = condition.scalars[image * classes + c] }
                }
                let labels = Tensor(shape: [rows, classes], scalars: labelScalars)
                decoderInput = concatColumns(decoderInput, labels)
            }
            let logits = decoder.forward(decoderInput)  // means for `.mse`
            let bernoulli = likelihood == .bce
            let variance = decoderVariance ?? 1
            let gaussianConstant = Double(pixels) * log(2 * Double.pi * variance)
            var logLikelihood = [Double](repeating: 0, count: rows)
            logits.withUnsafeBufferPointer { l in
                images.withUnsafeBufferPointer { x in
                    logLikelihood.withUnsafeMutableBufferPointer { out in
                        let (l, x, out) = (UncheckedSendable(l), UncheckedSendable(x), UncheckedSendable(out))
                        parallelFor(rows, grain: 16) { range in
                            for row in range {
                                let image = first + row / k
                                var total = 0.0
                                if bernoulli {
                                    for p in 0..<pixels {
                                        let li = l.value[row * pixels + p], xi = x.value[image * pixels + p]
                                        total += Double(max(li, 0) - li * xi + log1pf(expf(-Swift.abs(li))))
                                    }
                                    out.value[row] = -total
                                } else {
                                    for p in 0..<pixels {
                                        let r = Double(x.value[image * pixels + p]) - Double(l.value[row * pixels + p])
                                        total += r * r
                                    }
                                    out.value[row] = -0.5 * (total / variance + gaussianConstant)
                                }
                            }
                        }
                    }
                }
            }
            for image in first..<last {
                let weights = (0..<k).map { sample -> Double in
                    let row = (image - first) * k + sample
                    return logLikelihood[row] + logPriorMinusQ[row]
                }
                estimates[image] = logSumExp(weights) - log(Double(k))
            }
            first = last
            progress?(last)
        }
        return estimates
    }
}
