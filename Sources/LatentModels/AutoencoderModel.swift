import Latent

/// An encoder/decoder pair of Sequentials: x → z = encoder(x) → x̂ = decoder(z).
///
/// The chapters' models (`DenseAutoencoder`, `ConvAutoencoder`, `CelebAAutoencoder`) conform; the
/// protocol gives them `forward`/`backward` through both halves and PyTorch names `encoder.*`, `decoder.*`.
public protocol AutoencoderModel: TrainableModel {
    /// Image → code.
    var encoder: Sequential { get }
    /// Code → image.
    var decoder: Sequential { get }
}

extension AutoencoderModel {
    /// x: [N, …] → x̂ = decoder(encoder(x)).
    public func forward(_ x: Tensor) -> Tensor { decoder.forward(encoder.forward(x)) }
    /// dx̂ → dx through the decoder then the encoder; accumulates every parameter's gradient.
    public func backward(_ dy: Tensor) -> Tensor { encoder.backward(decoder.backward(dy)) }
    /// `encoder.*` then `decoder.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters.map { ("encoder." + $0.name, $0.parameter) }
            + decoder.namedParameters.map { ("decoder." + $0.name, $0.parameter) }
    }
    /// `encoder.*` then `decoder.*` buffers.
    public var namedBuffers: [(name: String, value: Tensor)] {
        encoder.namedBuffers.map { ("encoder." + $0.name, $0.value) } + decoder.namedBuffers.map { ("decoder." + $0.name, $0.value) }
    }
    /// Sets `encoder.<…>` or `decoder.<…>`.
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
    public func autoencoderDescription(_ title: String) -> String {
        let indent = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        return "\(title)(\n  (encoder): \(indent(encoder.description))\n  (decoder): \(indent(decoder.description))\n)"
    }

    /// A table of every layer: its name, what it is, its output shape for `inputShape` ([C, H, W]) and
    /// its parameter count, with the total (computed with one image in evaluation mode).
    public func summary(inputShape: [Int]) -> String {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var rows: [(String, String, String, String)] = [("layer", "type", "output shape", "parameters")]
        var x = Tensor.zeros([1] + inputShape)
        rows.append(("input", "", "\(inputShape)", ""))
        for (half, sequential) in [("encoder", encoder), ("decoder", decoder)] {
            for (index, layer) in sequential.layers.enumerated() {
                x = layer.forward(x)
                let kind = String(describing: layer).split(separator: "\n").first.map(String.init) ?? "\(type(of: layer))"
                let count = layer.parameterCount
                rows.append(("\(half).\(index)", kind, "\(Array(x.shape.dropFirst()))", count == 0 ? "" : "\(count)"))
            }
        }
        rows.append(("total", "", "", "\(parameterCount)"))
        let widths = (0..<4).map { column in rows.map { [$0.0, $0.1, $0.2, $0.3][column].count }.max()! }
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        return rows.map { row in
            "\(pad(row.0, widths[0]))  \(pad(row.1, widths[1]))  \(pad(row.2, widths[2]))  \(pad(row.3, widths[3], right: true))"
        }.joined(separator: "\n")
    }
}

extension AutoencoderModel {
    /// The first non-finite layer output: the encoder's layers on x, then the decoder's.
    public func firstNonFiniteOutput(input x: Tensor) -> String? {
        let (code, bad) = encoder.firstNonFiniteLayer(input: x)
        if let bad { return "output of layer encoder.\(bad.index) \(bad.layer)" }
        if let bad = decoder.firstNonFiniteLayer(input: code).bad { return "output of layer decoder.\(bad.index) \(bad.layer)" }
        return nil
    }

    /// x̂ = decoder(encoder(x)) for every image of x, in evaluation mode (BatchNorm uses its running
    /// statistics), `batch` images at a time.
    public func reconstructAll(_ x: Tensor, batch: Int = 256) -> Tensor {
        evaluating(x, batch: batch) { forward($0) }
    }

    /// z = encoder(x) for every image, in evaluation mode: [N, C, H, W] → [N, latent].
    public func encodeAll(_ x: Tensor, batch: Int = 256) -> Tensor {
        evaluating(x, batch: batch) { encoder.forward($0) }
    }

    /// x̂ = decoder(z) for every code, in evaluation mode: [N, latent] → [N, C, H, W].
    public func decodeAll(_ z: Tensor, batch: Int = 256) -> Tensor {
        evaluating(z, batch: batch) { decoder.forward($0) }
    }

    /// The mean squared error per pixel of reconstructing `target` from `input` (the same images, or
    /// noisy ones for a denoising autoencoder), in evaluation mode.
    public func meanSquaredError(input: Tensor, target: Tensor) -> Double {
        let (loss, _) = mse(reconstructAll(input), target)
        return Double(loss)
    }

    private func evaluating(_ x: Tensor, batch: Int, _ body: (Tensor) -> Tensor) -> Tensor {
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
