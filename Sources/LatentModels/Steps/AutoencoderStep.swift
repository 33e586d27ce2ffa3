import Latent

/// One autoencoder step, forward and backward, on input x̃ (x itself, or x plus noise when denoising)
/// and target x, both [B, C, H, W]: chapter 2's training step. Returns the loss; gradients are added to
/// every parameter's `grad` (`Trainer` zeroes them before and applies Adam after).
///
///     x̂ = decoder(encoder(x̃))
///     L = 1/n Σ (x̂ − x)²              mean over the n = B·C·H·W pixels
///     ∂L/∂x̂ = 2 (x̂ − x) / n           → backward through the decoder, then the encoder's parameters
@discardableResult
public func autoencoderStep(_ model: any AutoencoderModel, input: Tensor, target: Tensor) -> Float {
    let xHat = model.forward(input)
    let (loss, dXHat) = mse(xHat, target)
    model.backwardParametersOnly(dXHat)  // x is data: no gradient for it
    return loss
}
