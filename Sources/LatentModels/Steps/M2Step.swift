#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent

/// What one M2 step computed (all per image, nats).
public struct M2StepTerms {
    /// Mean L(x, y) over the labelled images: −(the bound on log p(x, y)).
    public var labelled: Float
    /// Mean U(x) over the unlabelled images: −(the bound on log p(x)).
    public var unlabelled: Float
    /// Mean −log q(y|x) over the labelled images (before α).
    public var crossEntropy: Float
    /// Mean H(q(y|x)) over the unlabelled images.
    public var entropy: Float
    /// labelled + unlabelled + α · crossEntropy: what the gradients are of.
    public var loss: Float
    /// L(x, y) of every unlabelled image and every class [B_u, classes].
    public var perClass: Tensor
    /// ∂loss/∂(the classifier's logits on the unlabelled images) [B_u, classes].
    public var dUnlabelledLogits: Tensor
}

/// One step of Kingma et al.'s (2014) M2 on a labelled batch (x, y) and an unlabelled batch x_u,
/// forward and backward, the code chapter 7 trains with and the code its tests check:
///
///     L(x, y) = −log p(x|z, y) + KL(q(z|x, y) ‖ p(z)) − log p(y)       labelled bound (as a loss)  [eq. 6]
///     U(x)    = Σ_y q(y|x) L(x, y) − H(q(y|x))                          unlabelled bound            [eq. 7]
///     loss    = mean_labelled L(x, y) + mean_unlabelled U(x) + α · mean_labelled −log q(y|x)      [eq. 9]
///
/// `epsLabelled` [B_l, z] and `epsUnlabelled` [B_u·classes, z] are the noise of the
/// reparameterization; row i·classes + c of the unlabelled one is image i with label c. Gradients
/// are added to every parameter's `grad` (`Trainer` zeroes them before and applies Adam after).
@discardableResult
public func m2Step(_ model: SemiSupervisedVAE, labelled x: Tensor, labels: [Int], unlabelled xu: Tensor,
                   epsLabelled: Tensor, epsUnlabelled: Tensor, alpha: Float) -> M2StepTerms {
    let (vae, classes) = (model.vae, model.classes)
    let logPriorY = Float(log(Double(classes)))  // −log p(y), the uniform prior over labels
    let nu = xu.shape[0]

    // ---- Labelled: vaeStep with y given to both networks, L(x, y) = rec + KL − log p(y)       [eq. 6]
    let labelledTerms = vaeStep(vae, x: x, eps: epsLabelled, beta: 1,
                                reconstruction: { xHat in binaryCrossEntropyWithLogits(xHat, x, reduction: .batchMean) },
                                kl: { mu, logVar in gaussianKL(mu: mu, logVar: logVar, reduction: .batchMean) },
                                condition: oneHot(labels, classes: classes))
    // ---- and the classifier learns the labels: α · −log q(y|x)                                  [eq. 9]
    let (crossEntropy, dCE) = softmaxCrossEntropy(model.classifier.forward(x), labels: labels, reduction: .mean)
    model.classifier.backwardParametersOnly(alpha * dCE)

    // ---- Unlabelled: every image with every label, row i·C + c = (image i, label c)            [eq. 7]
    let repeated = repeatRows(xu, times: classes)
    let everyLabel = oneHot((0..<nu * classes).map { $0 % classes }, classes: classes)
    let logits = model.classifier.forward(xu)
    // Row (i, c) counts q(c|x_i)/B_u times: ∂U/∂L(x, y) = q(y|x), categoricalExpectation's dValues.
    let weights = softmaxRows(logits).scalars.map { $0 / Float(nu) }
    var rec: [Float] = [], kl: [Float] = []
    _ = vaeStep(vae, x: repeated, eps: epsUnlabelled, beta: 1,
                reconstruction: { xHat in
                    // −log p(x|z, y) of each row and its gradient, in one pass.
                    var nll = [Double](repeating: 0, count: xHat.shape[0])
                    let gradient = bernoulliNLLPerRow(logits: xHat, targets: repeated, samples: 1, into: &nll)
                    rec = nll.map { Float($0) }
                    return (zip(rec, weights).reduce(0) { $0 + $1.0 * $1.1 }, scaleRows(gradient, by: weights))
                },
                kl: { mu, logVar in
                    kl = gaussianKLRows(mu: mu, logVar: logVar)
                    let (_, dMu, dLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .sum)
                    return (zip(kl, weights).reduce(0) { $0 + $1.0 * $1.1 }, scaleRows(dMu, by: weights), scaleRows(dLogVar, by: weights))
                },
                condition: everyLabel)
    // L(x, y) for every image and label, then the sum over y and the entropy, into the classifier.
    let perClass = Tensor(shape: [nu, classes], scalars: zip(rec, kl).map { $0 + $1 + logPriorY })
    let (expected, dExpected, _) = categoricalExpectation(logits, values: perClass, reduction: .mean)  // Σ_y q(y|x) L(x, y)
    let (entropy, dEntropy) = categoricalEntropy(logits, reduction: .mean)                            // H(q(y|x))
    let dLogits = dExpected - dEntropy
    model.classifier.backwardParametersOnly(dLogits)

    let labelled = labelledTerms.reconstruction + labelledTerms.kl + logPriorY
    let unlabelled = expected - entropy
    return M2StepTerms(labelled: labelled, unlabelled: unlabelled, crossEntropy: crossEntropy, entropy: entropy,
                       loss: labelled + unlabelled + alpha * crossEntropy, perClass: perClass, dUnlabelledLogits: dLogits)
}
