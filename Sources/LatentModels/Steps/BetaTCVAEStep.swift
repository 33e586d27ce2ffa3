import Latent

/// What one β-TCVAE step computed.
public struct BetaTCVAETerms {
    /// −log p(x|z), Bernoulli, summed over pixels and averaged over the batch (nats per image).
    public var reconstruction: Float
    /// KL(q(z|x) ‖ N(0, I)) in closed form, summed over z and averaged over the batch.
    public var kl: Float
    /// The minibatch-weighted estimate of the total correlation KL(q(z) ‖ ∏_d q(z_d)) (nats).
    public var totalCorrelation: Float
    /// ∂loss/∂(μ, log σ²) [N, 2·z], what `encoder.backward` received.
    public var dEncoderOutput: Tensor
}

/// One β-TCVAE step (Chen et al. 2018), forward and backward, on binary images x with noise ε ~ N(0, I).
///
/// The KL term of the ELBO, averaged over the data, splits into three (Chen et al., eq. 2):
///
///     E_x KL(q(z|x) ‖ p(z)) = I(x; z) + KL(q(z) ‖ ∏_d q(z_d)) + Σ_d KL(q(z_d) ‖ p(z_d))
///                             index-code MI   total correlation (TC)  dimension-wise KL
///
/// and β-TCVAE weighs only the middle one by β:
///
///     loss = rec + KL + (β − 1)·TC       (= rec + MI + β·TC + dimension-wise KL)
///
/// the form disentanglement_lib and disent train. The KL is the closed form (as in `vaeStep`), the TC
/// is `totalCorrelation` on this batch's samples zᵢ = μᵢ + σᵢεᵢ. Its gradient reaches (μ, log σ²)
/// twice: directly, through the posteriors' parameters, and through the sample z — handed to the
/// step as a direct ∂loss/∂z, which `reparameterizedStep` carries back through z = μ + σ·ε with the
/// decoder's. Encoder, reparameterization, decoder and backward are the one shared step.
@discardableResult
public func betaTCVAEStep(_ vae: VAE, x: Tensor, eps: Tensor, beta: Float, datasetSize: Int) -> BetaTCVAETerms {
    var values = (rec: Float(0), kl: Float(0), tc: Float(0))
    let dEncoderOutput = reparameterizedStep(vae, x: x, eps: eps, samples: 1, context: nil) { sample in
        let (rec, dXHat) = binaryCrossEntropyWithLogits(sample.xHat, x, reduction: .batchMean)
        let (kl, klMu, klLogVar) = gaussianKL(mu: sample.mu, logVar: sample.logVar, reduction: .batchMean)
        let (tc, tcZ, tcMu, tcLogVar) = totalCorrelation(z: sample.z, mu: sample.mu, logVar: sample.logVar, datasetSize: datasetSize)
        values = (rec, kl, tc)
        // loss = rec + KL + (β − 1)·TC: the TC's gradient through z, and through (μ, log σ²) directly.
        let w = beta - 1
        return SampleGradients(dXHat: dXHat, dZ: w * tcZ, dMu: klMu + w * tcMu, dLogVar: klLogVar + w * tcLogVar)
    }
    return BetaTCVAETerms(reconstruction: values.rec, kl: values.kl, totalCorrelation: values.tc, dEncoderOutput: dEncoderOutput)
}
