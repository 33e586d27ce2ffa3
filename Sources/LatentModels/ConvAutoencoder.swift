import Latent

/// Seed 001's convolutional autoencoder for 28×28 MNIST digits, written out once for the chapters and the benchmark.
///
/// Encoder, x: [N, 1, 28, 28] → [N, nz] (or [N, 2·nz] = (μ, log σ) side by side for the VAE):
///
///     Conv2d 1→32 k4 s2 p1, LeakyReLU                      28 → 14
///     Conv2d 32→64 k4 s2 p1, BatchNorm2d, LeakyReLU         14 → 7
///     Conv2d 64→128 k3 s2, BatchNorm2d, LeakyReLU            7 → 3
///     Conv2d 128→256 k3 s1, BatchNorm2d, LeakyReLU           3 → 1
///     Flatten, Linear 256→nz
///
/// Decoder, z: [N, nz] → x̂: [N, 1, 28, 28] in (0, 1):
///
///     Linear nz→256, Unflatten to 256×1×1, BatchNorm2d, LeakyReLU
///     ConvTranspose2d 256→128 k3, BatchNorm2d, LeakyReLU      1 → 3
///     ConvTranspose2d 128→64 k3 s2, BatchNorm2d, LeakyReLU    3 → 7
///     ConvTranspose2d 64→32 k4 s2 p1, BatchNorm2d, LeakyReLU  7 → 14
///     ConvTranspose2d 32→1 k4 s2 p1, Sigmoid                 14 → 28
///
/// Parameter names follow PyTorch for this module tree: `encoder.0.weight` … `encoder.12.bias`,
/// `decoder.0.weight` (the Linear) … `decoder.13.bias`; buffers such as `encoder.3.running_mean`.
/// The seed's notebook keeps the decoder's Linear outside its Sequential (`decoder.map`, then
/// `decoder.net.0…`) and wraps the encoder's in `net`; `seedName(of:)` translates our names to those.
public final class ConvAutoencoder: Layer, CustomStringConvertible {
    /// The latent size nz.
    public let latentDimension: Int
    /// True when the encoder emits (μ, log σ): 2·nz values per image.
    public let isVariational: Bool
    /// Image → code: [N, 1, 28, 28] → [N, nz] (or [N, 2·nz]).
    public let encoder: Sequential
    /// Code → image: [N, nz] → [N, 1, 28, 28].
    public let decoder: Sequential

    /// The seed's model; `variational: true` doubles the encoder's output for (μ, log σ).
    /// Weights are drawn from `generator` in PyTorch's construction order (encoder first).
    public init(latentDimension: Int = 64, variational: Bool = false, using generator: inout SeededGenerator) {
        self.latentDimension = latentDimension
        isVariational = variational
        encoder = ConvAutoencoder.makeEncoder(outputs: variational ? 2 * latentDimension : latentDimension, using: &generator)
        decoder = ConvAutoencoder.makeDecoder(latentDimension: latentDimension, using: &generator)
    }

    /// The encoder: [N, 1, 28, 28] → [N, outputs].
    public static func makeEncoder(outputs: Int, using generator: inout SeededGenerator) -> Sequential {
        Sequential(
            Conv2d(inChannels: 1, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            LeakyReLU(),
            Conv2d(inChannels: 32, outChannels: 64, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 64),
            LeakyReLU(),
            Conv2d(inChannels: 64, outChannels: 128, kernelSize: 3, stride: 2, using: &generator),
            BatchNorm2d(numFeatures: 128),
            LeakyReLU(),
            Conv2d(inChannels: 128, outChannels: 256, kernelSize: 3, using: &generator),
            BatchNorm2d(numFeatures: 256),
            LeakyReLU(),
            Flatten(),
            Linear(inFeatures: 256, outFeatures: outputs, using: &generator))
    }

    /// The decoder: [N, nz] → [N, 1, 28, 28].
    public static func makeDecoder(latentDimension: Int, using generator: inout SeededGenerator) -> Sequential {
        Sequential(
            Linear(inFeatures: latentDimension, outFeatures: 256, using: &generator),
            Unflatten([256, 1, 1]),
            BatchNorm2d(numFeatures: 256),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 256, outChannels: 128, kernelSize: 3, using: &generator),
            BatchNorm2d(numFeatures: 128),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 128, outChannels: 64, kernelSize: 3, stride: 2, using: &generator),
            BatchNorm2d(numFeatures: 64),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 64, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 32),
            LeakyReLU(),
            ConvTranspose2d(inChannels: 32, outChannels: 1, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            Sigmoid())
    }

    /// `ConvAutoencoder(nz=64)` followed by both Sequentials as PyTorch prints them.
    public var description: String {
        let indent = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        return "ConvAutoencoder(nz=\(latentDimension)\(isVariational ? ", variational" : "")\n"
            + "  (encoder): \(indent(encoder.description))\n  (decoder): \(indent(decoder.description))\n)"
    }

    /// Training or evaluation mode of both halves.
    public var isTraining: Bool {
        get { encoder.isTraining }
        set { encoder.isTraining = newValue; decoder.isTraining = newValue }
    }

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
            preconditionFailure("ConvAutoencoder has no buffer named \(name)")
        }
    }

    /// x: [N, 1, 28, 28] → x̂ = decoder(encoder(x)): [N, 1, 28, 28]. The variational model decodes μ
    /// (its mean code, no sampling); the chapter writes the sampling step out itself.
    public func forward(_ x: Tensor) -> Tensor {
        let code = encoder.forward(x)
        return decoder.forward(isVariational ? code.splitColumns(latentDimension).0 : code)
    }

    /// dx̂ → dx through decoder then encoder (for the variational model, log σ receives no gradient).
    public func backward(_ dy: Tensor) -> Tensor {
        let dz = decoder.backward(dy)
        return encoder.backward(isVariational ? concatColumns(dz, Tensor.zeros(dz.shape)) : dz)
    }

    /// The name the seed notebook's PyTorch module gives parameter or buffer `name`
    /// (`encoder.3.weight` → `encoder.net.3.weight`, `decoder.0.bias` → `decoder.map.bias`,
    /// `decoder.2.running_mean` → `decoder.net.0.running_mean`).
    public static func seedName(of name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, let index = Int(parts[1]) else { return name }
        switch parts[0] {
        case "encoder": return "encoder.net.\(index).\(parts[2])"
        case "decoder" where index == 0: return "decoder.map.\(parts[2])"
        case "decoder": return "decoder.net.\(index - 2).\(parts[2])"
        default: return name
        }
    }
}
