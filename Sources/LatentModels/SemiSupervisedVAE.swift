#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// Kingma et al.'s (2014) M2, the semi-supervised VAE: a conditional VAE q(z|x, y), p(x|z, y) with a
/// classifier q(y|x) inside the model, trained by `m2Step` (Steps/M2Step.swift).
///
///     classifier: x [N, C, H, W] → Flatten → hidden → ReLU → logits [N, classes]      q(y|x)
///     vae:        `VAE.conditionalDense`: [x, y] → (μ, log σ²),  [z, y] → x̂          q(z|x, y), p(x|z, y)
///
/// Parameters: `encoder.*`, `decoder.*` (the conditional VAE's) and `classifier.*`.
public final class SemiSupervisedVAE: TrainableModel, CustomStringConvertible {
    /// The conditional VAE (its `classes` > 0).
    public let vae: VAE
    /// q(y|x): images → logits over the classes.
    public let classifier: Sequential

    /// The two parts.
    public init(vae: VAE, classifier: Sequential) {
        precondition(vae.classes > 0, "SemiSupervisedVAE needs a conditional VAE (classes > 0)")
        (self.vae, self.classifier) = (vae, classifier)
    }

    /// The paper's MNIST M2 in size: one hidden layer of `hidden` units in each network (the paper: 500,
    /// softplus; here ReLU), z of `latent` (the paper: 50), a Bernoulli decoder.
    public static func dense(inputs: [Int] = [1, 28, 28], classes: Int = 10, hidden: Int = 500, latent: Int = 50,
                             using generator: inout SeededGenerator) -> SemiSupervisedVAE {
        let vae = VAE.conditionalDense(inputs: inputs, classes: classes, hidden: hidden, latent: latent, using: &generator)
        return SemiSupervisedVAE(vae: vae, classifier: classifierNetwork(inputs: inputs, classes: classes, hidden: hidden, using: &generator))
    }

    /// The classifier q(y|x) of `dense`: Flatten, Linear(pixels, hidden), ReLU, Linear(hidden, classes).
    /// The labels-only baseline is this network trained on the labelled images alone.
    public static func classifierNetwork(inputs: [Int] = [1, 28, 28], classes: Int = 10, hidden: Int = 500,
                                         using generator: inout SeededGenerator) -> Sequential {
        Sequential(Flatten(), Linear(inFeatures: inputs.reduce(1, *), outFeatures: hidden, using: &generator), ReLU(),
                   Linear(inFeatures: hidden, outFeatures: classes, using: &generator))
    }

    /// The number of classes y takes.
    public var classes: Int { vae.classes }

    public var description: String {
        let indent = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        return "SemiSupervisedVAE(\n  (vae): \(indent(vae.description))\n  (classifier): \(indent(classifier.description))\n)"
    }
    public var namedParameters: [(name: String, parameter: Parameter)] {
        vae.namedParameters + classifier.namedParameters.map { ("classifier." + $0.name, $0.parameter) }
    }
    public var isTraining: Bool {
        get { vae.isTraining }
        set { vae.isTraining = newValue; classifier.isTraining = newValue }
    }
    /// x → the classifier's logits.
    public func forward(_ x: Tensor) -> Tensor { classifier.forward(x) }
    /// Through the classifier (`m2Step` runs the model's real backward pass).
    public func backward(_ dy: Tensor) -> Tensor { classifier.backward(dy) }
    /// The classifier's layers on x, then the conditional VAE's with the classifier's guesses as labels.
    public func firstNonFiniteOutput(input x: Tensor) -> String? {
        let (logits, bad) = classifier.firstNonFiniteLayer(input: x)
        if let bad { return "output of layer classifier.\(bad.index) \(bad.layer)" }
        return vae.firstNonFiniteOutput(input: conditioned(x, on: oneHot(argmaxRows(logits), classes: classes)))
    }

    /// The most likely class of each image, in evaluation mode, `batch` at a time.
    public func predict(_ images: Tensor, batch: Int = 500) -> [Int] {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var out: [Int] = []
        var start = 0
        while start < images.shape[0] {
            let end = min(start + batch, images.shape[0])
            out += argmaxRows(classifier.forward(images.slice(start..<end)))
            start = end
        }
        return out
    }

    /// The bound per image and class, L(x, y) = −log p(x|z, y) + KL(q(z|x, y) ‖ p(z)) − log p(y) with one
    /// z sample each, and U(x) = Σ_y q(y|x) L(x, y) − H(q(y|x)), in evaluation mode: images (binary)
    /// [N, C, H, W] → (L [N, classes], U [N]). −U(x) is a lower bound on log p(x).
    public func bounds(images: Tensor, batch: Int = 100, using generator: inout SeededGenerator) -> (perClass: Tensor, unlabelled: [Double]) {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        let c = classes
        var perClass: [Float] = [], unlabelled: [Double] = []
        var start = 0
        while start < images.shape[0] {
            let end = min(start + batch, images.shape[0])
            let x = images.slice(start..<end)
            let repeated = repeatRows(x, times: c)
            let y = oneHot((0..<repeated.shape[0]).map { $0 % c }, classes: c)
            let (mu, logVar) = vae.encoder.forward(conditioned(repeated, on: y)).splitColumns(vae.latentDimension)
            let z = mu + exp(0.5 * logVar) * Tensor.randomNormal(like: mu, using: &generator)
            let xHat = vae.decoder.forward(concatColumns(z, y))
            let rows = zip(bernoulliNLLRows(xHat, repeated), gaussianKLRows(mu: mu, logVar: logVar)).map { $0 + $1 + Float(log(Double(c))) }
            perClass += rows
            let logits = classifier.forward(x)
            let values = Tensor(shape: [end - start, c], scalars: rows)
            for i in 0..<(end - start) {
                let row = logits.slice(i..<(i + 1))
                unlabelled.append(Double(categoricalExpectation(row, values: values.slice(i..<(i + 1))).loss - categoricalEntropy(row).loss))
            }
            start = end
        }
        return (Tensor(shape: [images.shape[0], c], scalars: perClass), unlabelled)
    }
}

/// The index of each row's largest entry (the lowest among equals): [N, C] → N integers.
public func argmaxRows(_ t: Tensor) -> [Int] {
    let c = t.shape[1]
    return (0..<t.shape[0]).map { i in
        var best = 0
        for j in 1..<c where t.scalars[i * c + j] > t.scalars[i * c + best] { best = j }
        return best
    }
}

/// Each image `times` times in a row: [N, …] → [N·times, …], row i·times + k is image i.
public func repeatRows(_ x: Tensor, times: Int) -> Tensor {
    let n = x.shape[0], size = x.count / max(n, 1)
    var scalars = [Float](repeating: 0, count: x.count * times)
    for i in 0..<n {
        for k in 0..<times {
            let target = (i * times + k) * size
            for p in 0..<size { scalars[target + p] = x.scalars[i * size + p] }
        }
    }
    return Tensor(shape: [n * times] + Array(x.shape.dropFirst()), scalars: scalars)
}

/// −log p(x|z) of a Bernoulli decoder for each row: Σ over a row's pixels of BCE-with-logits
/// (`bernoulliNLL`, the kernel of `binaryCrossEntropyWithLogits`), [N, …] → N values.
public func bernoulliNLLRows(_ logits: Tensor, _ target: Tensor) -> [Float] {
    precondition(logits.shape == target.shape, "bernoulliNLLRows: shapes \(logits.shape) and \(target.shape) differ")
    let n = logits.shape[0], size = logits.count / max(n, 1)
    return logits.withUnsafeBufferPointer { l in
        target.withUnsafeBufferPointer { t in
            (0..<n).map { i in
                Float(bernoulliNLL(logits: l.baseAddress! + i * size, targets: t.baseAddress! + i * size, count: size, gradient: nil))
            }
        }
    }
}

/// KL(N(μ, σ²) ‖ N(0, I)) of each row (the per-element term of `gaussianKL`): [N, D] → N values.
public func gaussianKLRows(mu: Tensor, logVar: Tensor) -> [Float] {
    let n = mu.shape[0], d = mu.count / max(n, 1)
    return (0..<n).map { i in
        var total = 0.0
        for j in i * d..<(i + 1) * d {
            let (m, lv) = (mu.scalars[j], logVar.scalars[j])
            total += Double(-0.5 * (1 + lv - m * m - expf(lv)))
        }
        return Float(total)
    }
}

/// Each row of `t` [N, …] times its weight (N weights).
public func scaleRows(_ t: Tensor, by weights: [Float]) -> Tensor {
    let n = t.shape[0], size = t.count / max(n, 1)
    precondition(weights.count == n, "scaleRows: \(weights.count) weights for \(n) rows")
    var out = t
    for i in 0..<n {
        for p in i * size..<(i + 1) * size { out.scalars[p] *= weights[i] }
    }
    return out
}
