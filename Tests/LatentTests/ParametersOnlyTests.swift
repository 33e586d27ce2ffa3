import Testing
import Latent
import LatentModels

/// The calls a test's `Recorded` layers received, in order ("linear: backward", "linear: parameters only").
private final class CallLog {
    var calls: [String] = []
}

/// A real layer wrapped so that each backward it is asked for is written to a log.
private final class Recorded: Layer {
    let name: String, inner: any Layer, log: CallLog
    init(_ name: String, _ inner: any Layer, log: CallLog) { (self.name, self.inner, self.log) = (name, inner, log) }
    var isTraining: Bool {
        get { inner.isTraining }
        set { inner.isTraining = newValue }
    }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    func forward(_ x: Tensor) -> Tensor { inner.forward(x) }
    func backward(_ dy: Tensor) -> Tensor {
        log.calls.append("\(name): backward")
        return inner.backward(dy)
    }
    func backwardParametersOnly(_ dy: Tensor) {
        log.calls.append("\(name): parameters only")
        inner.backwardParametersOnly(dy)
    }
}

/// An autoencoder made of any two Sequentials, for `autoencoderStep`.
private final class PlainAutoencoder: AutoencoderModel {
    let encoder: Sequential, decoder: Sequential, latentDimension: Int
    init(encoder: Sequential, decoder: Sequential, latentDimension: Int) {
        (self.encoder, self.decoder, self.latentDimension) = (encoder, decoder, latentDimension)
    }
}

@Suite("Backward without the input gradient")
struct ParametersOnlyTests {
    /// A layer or network to compare, built twice from the same seed, with its input shape.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String, input: [Int]
        let make: @Sendable (inout SeededGenerator) -> any Layer
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Linear", input: [6, 7]) { Linear(inFeatures: 7, outFeatures: 5, using: &$0) },
        Case(name: "Linear without bias", input: [6, 7]) { Linear(inFeatures: 7, outFeatures: 5, bias: false, using: &$0) },
        Case(name: "Conv2d k3 s1 p1", input: [3, 3, 6, 6]) {
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, using: &$0)
        },
        Case(name: "Conv2d k4 s2 p1 without bias", input: [2, 2, 8, 8]) {
            Conv2d(inChannels: 2, outChannels: 3, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &$0)
        },
        Case(name: "Flatten, Linear, ReLU, Linear", input: [4, 1, 3, 3]) {
            Sequential(Flatten(), Linear(inFeatures: 9, outFeatures: 6, using: &$0), ReLU(), Linear(inFeatures: 6, outFeatures: 3, using: &$0))
        },
        Case(name: "Conv2d, BatchNorm2d, ReLU, Flatten, Linear", input: [3, 1, 8, 8]) {
            Sequential(Conv2d(inChannels: 1, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, using: &$0), BatchNorm2d(numFeatures: 2),
                       ReLU(), Flatten(), Linear(inFeatures: 32, outFeatures: 4, using: &$0))
        },
    ]

    @Test("backwardParametersOnly adds the very bits backward adds to every parameter's gradient", arguments: cases)
    func sameParameterGradients(_ c: Case) {
        var seeds = (SeededGenerator(seed: 7), SeededGenerator(seed: 7))
        let (full, partial) = (c.make(&seeds.0), c.make(&seeds.1))
        var data = SeededGenerator(seed: 11)
        let x = Tensor.randomNormal(c.input, using: &data)
        // Gradients already hold something: both calls must add to it, not overwrite it.
        for (a, b) in zip(full.parameters, partial.parameters) {
            a.grad = Tensor.randomNormal(a.value.shape, using: &data)
            b.grad = a.grad
        }
        let before = full.parameters.map(\.grad.scalars)
        let y = full.forward(x)
        #expect(partial.forward(x).scalars == y.scalars)
        let dy = Tensor.randomNormal(y.shape, using: &data)
        _ = full.backward(dy)
        partial.backwardParametersOnly(dy)
        for (index, (a, b)) in zip(full.parameters, partial.parameters).enumerated() {
            #expect(a.grad.scalars != before[index], "parameter \(index) received no gradient")
            #expect(b.grad.scalars == a.grad.scalars, "parameter \(index) of \(c.name)")
        }
    }

    @Test("Sequential goes back to its first layer with parameters, which gets parameters only; the layers before it are not visited")
    func sequentialStopsAtFirstParameters() {
        var generator = SeededGenerator(seed: 3)
        let log = CallLog()
        let net = Sequential(
            Recorded("flatten", Flatten(), log: log), Recorded("linear 0", Linear(inFeatures: 4, outFeatures: 3, using: &generator), log: log),
            Recorded("relu", ReLU(), log: log), Recorded("linear 1", Linear(inFeatures: 3, outFeatures: 2, using: &generator), log: log))
        let y = net.forward(Tensor.randomNormal([5, 1, 2, 2], using: &generator))
        net.backwardParametersOnly(Tensor.ones(y.shape))
        #expect(log.calls == ["linear 1: backward", "relu: backward", "linear 0: parameters only"])
        log.calls = []
        _ = net.backward(Tensor.ones(y.shape))
        #expect(log.calls == ["linear 1: backward", "relu: backward", "linear 0: backward", "flatten: backward"])
        // Nothing to learn: nothing to do.
        let plain = Sequential(Recorded("relu", ReLU(), log: log))
        _ = plain.forward(Tensor.ones([2, 2]))
        log.calls = []
        plain.backwardParametersOnly(Tensor.ones([2, 2]))
        #expect(log.calls.isEmpty)
    }

    /// Flatten, Linear, ReLU, Linear from `pixels` inputs with its first two layers recorded as `name`.
    private static func recordedNetwork(
        _ name: String, pixels: Int, hidden: Int, outputs: Int, log: CallLog, using generator: inout SeededGenerator
    ) -> Sequential {
        Sequential(Recorded("\(name) flatten", Flatten(), log: log),
                   Recorded("\(name) first", Linear(inFeatures: pixels, outFeatures: hidden, using: &generator), log: log),
                   ReLU(), Linear(inFeatures: hidden, outFeatures: outputs, using: &generator))
    }

    @Test("the chapters' steps (autoencoder, VAE, conditional VAE, M2) never ask a network for the gradient of its data")
    func stepsSkipTheDataGradient() {
        var generator = SeededGenerator(seed: 5)
        let log = CallLog()
        let decoder = { (inputs: Int, generator: inout SeededGenerator) in
            Sequential(Linear(inFeatures: inputs, outFeatures: 4, using: &generator), ReLU(),
                       Linear(inFeatures: 4, outFeatures: 9, using: &generator), Unflatten([1, 3, 3]))
        }
        let x = Tensor(shape: [4, 1, 3, 3], scalars: (0..<36).map { Float($0 % 3 == 0 ? 1 : 0) })

        let autoencoder = PlainAutoencoder(
            encoder: Self.recordedNetwork("encoder", pixels: 9, hidden: 4, outputs: 2, log: log, using: &generator),
            decoder: decoder(2, &generator), latentDimension: 2)
        autoencoderStep(autoencoder, input: x, target: x)
        #expect(log.calls == ["encoder first: parameters only"])

        log.calls = []
        let vae = VAE(kind: "dense", latentDimension: 2, imageShape: [1, 3, 3], likelihood: .bce,
                      encoder: Self.recordedNetwork("encoder", pixels: 9, hidden: 4, outputs: 4, log: log, using: &generator),
                      decoder: decoder(2, &generator))
        _ = vaeStep(vae, x: x, eps: Tensor.randomNormal([4, 2], using: &generator), objective: .elbo(.bce))
        #expect(log.calls == ["encoder first: parameters only"])

        log.calls = []
        let conditional = VAE(kind: "dense", latentDimension: 2, imageShape: [1, 3, 3], likelihood: .bce,
                              encoder: Self.recordedNetwork("encoder", pixels: 12, hidden: 4, outputs: 4, log: log, using: &generator),
                              decoder: decoder(5, &generator), classes: 3)
        let m2 = SemiSupervisedVAE(
            vae: conditional, classifier: Self.recordedNetwork("classifier", pixels: 9, hidden: 4, outputs: 3, log: log, using: &generator))
        m2Step(m2, labelled: x, labels: [0, 1, 2, 0], unlabelled: x, epsLabelled: Tensor.randomNormal([4, 2], using: &generator),
               epsUnlabelled: Tensor.randomNormal([12, 2], using: &generator), alpha: 1)
        #expect(log.calls == ["encoder first: parameters only", "classifier first: parameters only",
                              "encoder first: parameters only", "classifier first: parameters only"])
    }
}
