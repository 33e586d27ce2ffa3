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
/// twice: through the posteriors' parameters, and through the sample z (∂z/∂μ = 1, ∂z/∂log σ² = ½σε).
/// Everything else — encoder, reparameterization, decoder, backward — is the one `vaeStep`.
@discardableResult
public func betaTCVAEStep(_ vae: VAE, x: Tensor, eps: Tensor, beta: Float, datasetSize: Int) -> BetaTCVAETerms {
    var klValue: Float = 0, tcValue: Float = 0
    let terms = vaeStep(vae, x: x, eps: eps, beta: 1,
                        reconstruction: { xHat in binaryCrossEntropyWithLogits(xHat, x, reduction: .batchMean) },
                        kl: { mu, logVar in
        let std = exp(0.5 * logVar)
        let z = mu + std * eps
        let (kl, klMu, klLogVar) = gaussianKL(mu: mu, logVar: logVar, reduction: .batchMean)
        let (tc, tcZ, tcMu, tcLogVar) = totalCorrelation(z: z, mu: mu, logVar: logVar, datasetSize: datasetSize)
        (klValue, tcValue) = (kl, tc)
        let w = beta - 1
        // ∂TC/∂μ and ∂TC/∂log σ², directly and through z = μ + σ·ε.
        let dMu = klMu + w * (tcMu + tcZ)
        let dLogVar = klLogVar + w * (tcLogVar + tcZ * eps * 0.5 * std)
        return (kl + w * tc, dMu, dLogVar)
    })
    return BetaTCVAETerms(reconstruction: terms.reconstruction, kl: klValue, totalCorrelation: tcValue,
                          dEncoderOutput: terms.dEncoderOutput)
}
