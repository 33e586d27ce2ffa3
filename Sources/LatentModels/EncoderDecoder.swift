import Latent

/// A model made of two Sequentials, an encoder and a decoder: the chapters' autoencoders and VAEs.
/// Everything that only depends on the two halves is written once here: PyTorch names
/// (`encoder.*`, `decoder.*`), BatchNorm buffers, training mode, the printed module tree, the layer
/// table, and evaluation in batches.
public protocol EncoderDecoder: TrainableModel {
    /// Image → code (or, for a VAE, → (μ, log σ²) side by side).
    var encoder: Sequential { get }
    /// Code → image.
    var decoder: Sequential { get }
    /// The code size z (the decoder's input width).
    var latentDimension: Int { get }
}

extension EncoderDecoder {
    /// `encoder.*` then `decoder.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters.map { ("encoder." + $0.name, $0.parameter) }
            + decoder.namedParameters.map { ("decoder." + $0.name, $0.parameter) }
    }

    /// `encoder.*` then `decoder.*` BatchNorm buffers.
    public var namedBuffers: [(name: String, value: Tensor)] {
        encoder.namedBuffers.map { ("encoder." + $0.name, $0.value) } + decoder.namedBuffers.map { ("decoder." + $0.name, $0.value) }
    }

    /// Sets `encoder.<i>.<buffer>` or `decoder.<i>.<buffer>`.
    public func setBuffer(_ name: String, to value: Tensor) {
        if name.hasPrefix("encoder.") {
            encoder.setBuffer(String(name.dropFirst("encoder.".count)), to: value)
        } else if name.hasPrefix("decoder.") {
            decoder.setBuffer(String(name.dropFirst("decoder.".count)), to: value)
        } else {
            preconditionFailure("\(type(of: self)) has no buffer named \(name)")
        }
    }

    /// Training or evaluation mode of both halves.
    public var isTraining: Bool {
        get { encoder.isTraining }
        set { encoder.isTraining = newValue; decoder.isTraining = newValue }
    }

    /// `title` then both Sequentials, indented as PyTorch prints modules.
    public func moduleDescription(_ title: String) -> String {
        let indent = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        return "\(title)(\n  (encoder): \(indent(encoder.description))\n  (decoder): \(indent(decoder.description))\n)"
    }

    /// The layer table of both halves (output shape and parameters of every layer) for a batch of
    /// `batch` images of `inputShape` ([C, H, W]), and the total.
    public func summary(inputShape: [Int], batch: Int = 1) -> String {
        "encoder\n" + encoder.summary(input: [batch] + inputShape)
            + "\ndecoder\n" + decoder.summary(input: [batch, latentDimension])
            + "\ntotal parameters: \(parameterCount)"
    }

    /// `body` on `x` [N, …] in slices of `batch` rows, in evaluation mode (BatchNorm uses its running
    /// statistics), the results stacked back along the batch axis.
    public func evaluatingInBatches(_ x: Tensor, batch: Int = 256, _ body: (Tensor) -> Tensor) -> Tensor {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var parts: [Tensor] = []
        var start = 0
        while start < x.shape[0] {
            let end = min(start + batch, x.shape[0])
            parts.append(body(x.slice(start..<end)))
            start = end
        }
        return concatBatch(parts)
    }
}
