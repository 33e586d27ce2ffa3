import Latent

/// A decoder's second input: the pixel rows above. For every pixel row r of an image, a small network
/// reads rows r − 1, …, r − `rows` (zeros above the top) and emits logits for row r, which are added
/// to the VAE decoder's logits. A decoder with it can model a digit stroke by stroke without z — the
/// autoregressive decoder of text VAEs (Bowman et al. 2016) in miniature — so the ELBO can pay no KL at
/// all and still reconstruct well: posterior collapse.
///
///     x: [N, 1, H, W] → logits [N, 1, H, W];   row r's logits = net(x[r−1], …, x[r−rows])
///     net: Linear(rows·W, hidden), ReLU, Linear(hidden, W), applied to all N·H rows at once
public final class RowContext: Layer, CustomStringConvertible {
    /// How many rows above each row the network sees.
    public let rows: Int
    /// Image height and width.
    public let height: Int, width: Int
    /// The row network, [N·H, rows·W] → [N·H, W].
    public let net: Sequential

    /// A context network for H×W single-channel images.
    public init(height: Int = 28, width: Int = 28, rows: Int = 2, hidden: Int = 128, using generator: inout SeededGenerator) {
        (self.rows, self.height, self.width) = (rows, height, width)
        net = Sequential(Linear(inFeatures: rows * width, outFeatures: hidden, using: &generator), ReLU(),
                         Linear(inFeatures: hidden, outFeatures: width, using: &generator))
    }

    public var description: String { "RowContext(rows=\(rows), \(net.description))" }
    public var namedParameters: [(name: String, parameter: Parameter)] { net.namedParameters }
    public var isTraining: Bool {
        get { net.isTraining }
        set { net.isTraining = newValue }
    }

    /// The rows above each row, [N, 1, H, W] → [N·H, rows·W]: entry (n·H + r, k·W + c) is x[n, 0, r − 1 − k, c].
    func rowsAbove(_ x: Tensor) -> Tensor {
        let n = x.shape[0]
        var out = [Float](repeating: 0, count: n * height * rows * width)
        for image in 0..<n {
            for r in 0..<height {
                for k in 0..<rows where r - 1 - k >= 0 {
                    let source = (image * height + r - 1 - k) * width, target = ((image * height + r) * rows + k) * width
                    for c in 0..<width { out[target + c] = x.scalars[source + c] }
                }
            }
        }
        return Tensor(shape: [n * height, rows * width], scalars: out)
    }

    /// x [N, 1, H, W] → logits [N, 1, H, W] from the rows above each row.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == 1 && x.shape[2] == height && x.shape[3] == width,
                     "RowContext expects [N, 1, \(height), \(width)], got \(x.shape)")
        return net.forward(rowsAbove(x)).reshaped(x.shape)
    }

    /// Accumulates the network's parameter gradients; the data x gets none (zeros are returned).
    public func backward(_ dy: Tensor) -> Tensor {
        backwardParametersOnly(dy)
        return Tensor.zeros(like: dy)
    }

    /// Accumulates the network's parameter gradients (x is data: no gradient is computed for it).
    public func backwardParametersOnly(_ dy: Tensor) {
        net.backwardParametersOnly(dy.reshaped([dy.shape[0] * height, width]))
    }
}

/// A VAE whose decoder also sees the pixel rows above (`RowContext`), as one trainable model for the
/// harness: parameters `encoder.*`, `decoder.*` (the VAE's) and `context.*`.
public final class ContextVAE: TrainableModel, CustomStringConvertible {
    /// The VAE (its decoder gives the z-dependent logits).
    public let vae: VAE
    /// The rows-above network (its logits are added to the decoder's).
    public let context: RowContext

    /// The two parts.
    public init(vae: VAE, context: RowContext) { (self.vae, self.context) = (vae, context) }

    public var description: String { "ContextVAE(\(vae.description)\n  (context): \(context.description))" }
    public var namedParameters: [(name: String, parameter: Parameter)] {
        vae.namedParameters + context.namedParameters.map { ("context." + $0.name, $0.parameter) }
    }
    public var isTraining: Bool {
        get { vae.isTraining }
        set { vae.isTraining = newValue; context.isTraining = newValue }
    }
    /// Logits decoder(μ(x)) + context(x).
    public func forward(_ x: Tensor) -> Tensor { vae.forward(x) + context.forward(x) }
    /// Not used for training (`remedyStep` runs the backward pass); sends dy through both decoders.
    public func backward(_ dy: Tensor) -> Tensor {
        _ = context.backward(dy)
        return vae.backward(dy)
    }
    public func firstNonFiniteOutput(input x: Tensor) -> String? {
        vae.firstNonFiniteOutput(input: x) ?? (context.forward(x).isFinite ? nil : "output of the row context")
    }

    /// The ELBO terms per image on `images` (binary, [N, 1, H, W]), one z sample each, in evaluation mode.
    public func evaluateELBO(images: Tensor, batch: Int = 500, using generator: inout SeededGenerator) -> ELBOEstimate {
        let wasTraining = isTraining
        isTraining = false
        defer { isTraining = wasTraining }
        var reconstruction = 0.0, kl = 0.0
        var start = 0
        while start < images.shape[0] {
            let end = min(start + batch, images.shape[0])
            let x = images.slice(start..<end)
            let (mu, logVar) = vae.encode(x)
            let z = mu + exp(0.5 * logVar) * Tensor.randomNormal(like: mu, using: &generator)
            reconstruction += Double(binaryCrossEntropyWithLogits(vae.decoder.forward(z) + context.forward(x), x, reduction: .sum).loss)
            kl += Double(gaussianKL(mu: mu, logVar: logVar, reduction: .sum).loss)
            start = end
        }
        let n = Double(max(images.shape[0], 1))
        return ELBOEstimate(reconstruction: reconstruction / n, kl: kl / n, count: images.shape[0])
    }
}
