import Latent

/// An encoder/decoder pair of Sequentials: x → z = encoder(x) → x̂ = decoder(z).
///
/// The chapters' models (`DenseAutoencoder`, `ConvAutoencoder`, `CelebAAutoencoder`) conform; the
/// protocol gives them `forward`/`backward` through both halves and PyTorch names `encoder.*`, `decoder.*`.
public protocol AutoencoderModel: EncoderDecoder {}

extension AutoencoderModel {
    /// x: [N, …] → x̂ = decoder(encoder(x)).
    public func forward(_ x: Tensor) -> Tensor { decoder.forward(encoder.forward(x)) }
    /// dx̂ → dx through the decoder then the encoder; accumulates every parameter's gradient.
    public func backward(_ dy: Tensor) -> Tensor { encoder.backward(decoder.backward(dy)) }
    /// dx̂ through the decoder, then into the encoder's parameters only: no dx (x is data).
    public func backwardParametersOnly(_ dy: Tensor) { encoder.backwardParametersOnly(decoder.backward(dy)) }

    /// The first non-finite layer output: the encoder's layers on x, then the decoder's.
    public func firstNonFiniteOutput(input x: Tensor) -> String? {
        let (code, bad) = encoder.firstNonFiniteLayer(input: x)
        if let bad { return "output of layer encoder.\(bad.index) \(bad.layer)" }
        if let bad = decoder.firstNonFiniteLayer(input: code).bad { return "output of layer decoder.\(bad.index) \(bad.layer)" }
        return nil
    }

    /// x̂ = decoder(encoder(x)) for every image of x, in evaluation mode, `batch` images at a time.
    public func reconstructAll(_ x: Tensor, batch: Int = 256) -> Tensor { evaluatingInBatches(x, batch: batch) { forward($0) } }
    /// z = encoder(x) for every image, in evaluation mode: [N, C, H, W] → [N, latent].
    public func encodeAll(_ x: Tensor, batch: Int = 256) -> Tensor { evaluatingInBatches(x, batch: batch) { encoder.forward($0) } }
    /// x̂ = decoder(z) for every code, in evaluation mode: [N, latent] → [N, C, H, W].
    public func decodeAll(_ z: Tensor, batch: Int = 256) -> Tensor { evaluatingInBatches(z, batch: batch) { decoder.forward($0) } }
}
