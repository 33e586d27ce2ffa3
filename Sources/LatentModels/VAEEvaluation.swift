import Latent

/// The two terms of the ELBO, averaged per image over a data set.
///
///     ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))      (nats for a Bernoulli decoder)
///
/// `reconstruction` is −E_q[log p(x|z)] as the chapter's loss writes it: BCE summed over pixels for
/// `.bce`, the squared error summed over pixels for `.mse`.
public struct ELBOEstimate: Sendable, Equatable {
    /// Mean reconstruction term per image (one z sample each).
    public var reconstruction: Double
    /// Mean KL(q(z|x) ‖ N(0, I)) per image, in closed form.
    public var kl: Double
    /// The number of images averaged.
    public var count: Int

    /// −(reconstruction + KL): the evidence lower bound per image (higher is better).
    public var elbo: Double { -(reconstruction + kl) }
}

extension VAE {
    /// The ELBO terms over `images` [N, C, H, W] (already in the model's pixel range, binarized for
    /// `.bce` when measuring nats), one z = μ + σ·ε sample per image, in evaluation mode.
    /// A conditional VAE takes each image's one-hot label in `condition` [N, classes]: the conditional
    /// ELBO on log p(x|y).
    public func evaluateELBO(images: Tensor, condition: Tensor? = nil, batch: Int = 500,
                             using generator: inout SeededGenerator) -> ELBOEstimate {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        let n = images.shape[0]
        var reconstruction = 0.0, kl = 0.0
        var start = 0
        while start < n {
            let end = min(start + batch, n)
            let x = images.slice(start..<end)
            let y = condition?.slice(start..<end)
            let (mu, logVar) = encoder.forward(conditioned(x, on: y)).splitColumns(latentDimension)
            let eps = Tensor.randomNormal(like: mu, using: &generator)
            let z = mu + exp(0.5 * logVar) * eps
            let xHat = decoder.forward(y.map { concatColumns(z, $0) } ?? z)
            let rec = likelihood == .bce
                ? binaryCrossEntropyWithLogits(xHat, x, reduction: .sum).loss
                : mse(xHat, x, reduction: .sum).loss
            reconstruction += Double(rec)
            kl += Double(gaussianKL(mu: mu, logVar: logVar, reduction: .sum).loss)
            start = end
        }
        return ELBOEstimate(reconstruction: reconstruction / Double(max(n, 1)), kl: kl / Double(max(n, 1)), count: n)
    }

    /// Mean squared error per pixel between `images` and their reconstructions from z = μ, in the
    /// model's pixel range (divide by 4 to express [-1, 1] pixels on the [0, 1] scale).
    ///
    /// The same number as `mse(reconstruct(images), images).loss`, bit for bit, computed a batch at a
    /// time so that neither all the reconstructions nor a gradient exist at once (for the 19,962 test
    /// faces of the full CelebA, each would be 1 GB). `batch` is rounded up to a multiple of 16 images.
    public func reconstructionMSE(images: Tensor, batch: Int = 256) -> Double {
        let batch = (max(batch, 1) + 15) / 16 * 16  // every batch but the last a multiple of 16 elements
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var sum = SquaredErrorSum()
        var start = 0
        while start < images.shape[0] {
            let x = images.slice(start..<min(start + batch, images.shape[0]))
            let xHat = decodeImages(encode(x).mu)
            xHat.withUnsafeBufferPointer { xHat in
                x.withUnsafeBufferPointer { sum.add(xHat.baseAddress!, $0.baseAddress!, count: x.count) }
            }
            start += batch
        }
        return Double(Float(sum.value * Double(Reduction.mean.scale(for: images.shape))))
    }
}

/// Burda et al.'s active units: latent dimension j is active when its posterior mean moves with the
/// input, Var_x(μⱼ(x)) > threshold (0.01 in the IWAE paper).
///
/// mu: [N, D] posterior means over a data set → (variance of each column [D], number active).
/// The threshold 0.01 (Burda et al. 2016) assumes a KL weighted as in the ELBO: a dimension whose mean
/// varies that little carries at most about ½·0.01 nats of KL on average.
public func activeUnits(mu: Tensor, threshold: Float = 0.01) -> (variances: [Float], active: Int) {
    precondition(mu.rank == 2 && mu.shape[0] > 1, "activeUnits needs [N, D] with N > 1, got \(mu.shape)")
    let (n, d) = (mu.shape[0], mu.shape[1])
    var mean = [Double](repeating: 0, count: d), square = [Double](repeating: 0, count: d)
    for row in 0..<n {
        for j in 0..<d {
            let v = Double(mu.scalars[row * d + j])
            mean[j] += v
            square[j] += v * v
        }
    }
    let variances = (0..<d).map { j -> Float in
        let m = mean[j] / Double(n)
        return Float(max(square[j] / Double(n) - m * m, 0))
    }
    return (variances, variances.filter { $0 > threshold }.count)
}

/// The indices of the `count` largest entries of `values`, largest first (e.g. the latent
/// dimensions carrying the most KL, for traversals).
public func largestIndices(_ values: [Float], count: Int) -> [Int] {
    Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(count))
}
