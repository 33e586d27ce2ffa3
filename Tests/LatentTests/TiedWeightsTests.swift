import Testing
@testable import Latent
@testable import LatentModels

@Suite("TiedWeights")
struct TiedWeightsTests {
    @Test("TransposedLinear computes x·W + b with the tied layer's W, by hand")
    func forwardByHand() {
        var generator = SeededGenerator(seed: 1)
        let encoder = Linear(inFeatures: 3, outFeatures: 2, using: &generator)
        encoder.weight.value = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let decoder = TransposedLinear(tiedTo: encoder, using: &generator)
        decoder.bias!.value = Tensor(shape: [3], scalars: [0.5, 0, -1])
        // [1, −1]·W = [1 − 4, 2 − 5, 3 − 6] = [−3, −3, −3]; + b.
        let y = decoder.forward(Tensor(shape: [1, 2], scalars: [1, -1]))
        #expect(y.shape == [1, 3])
        #expect(y.scalars == [-2.5, -3, -4])
        #expect(decoder.namedParameters.map(\.name) == ["bias"], "the weight is listed once, by the encoder")
    }

    @Test("W's gradient is the sum of its two uses: Linear → Tanh → TransposedLinear matches central differences",
          arguments: [(1, 5, 3), (4, 6, 2)])
    func sharedWeight(batch: Int, inFeatures: Int, outFeatures: Int) {
        var generator = SeededGenerator(seed: UInt64(batch * 10 + inFeatures))
        let encoder = Linear(inFeatures: inFeatures, outFeatures: outFeatures, using: &generator)
        let pair = Sequential(encoder, Tanh(), TransposedLinear(tiedTo: encoder, using: &generator))
        let result = gradientCheck(pair, input: Tensor.randomNormal([batch, inFeatures], using: &generator))
        #expect(result.passed, "\(result)")
        #expect(result.tensors.map(\.name) == ["input", "0.weight", "0.bias", "2.bias"])
        #expect(result.tensors.allSatisfy { $0.skippedCount == 0 }, "\(result)")
    }

    @Test("TransposedLinear adds into W.grad: two backward passes without zeroGrad give twice one pass")
    func accumulates() {
        var generator = SeededGenerator(seed: 4)
        let encoder = Linear(inFeatures: 4, outFeatures: 3, using: &generator)
        let decoder = TransposedLinear(tiedTo: encoder, using: &generator)
        let x = Tensor.randomNormal([2, 3], using: &generator), dy = Tensor.randomNormal([2, 4], using: &generator)
        _ = decoder.forward(x)
        encoder.weight.zeroGrad()
        _ = decoder.backward(dy)
        let once = encoder.weight.grad
        _ = decoder.backward(dy)
        #expect(encoder.weight.grad.scalars == once.scalars.map { 2 * $0 })
        #expect(once.scalars.contains { $0 != 0 })
    }

    @Test("the tied dense autoencoder: one Parameter per weight, shared, and its backward matches central differences",
          arguments: [0, 5])
    func tiedAutoencoder(hidden: Int) {
        var generator = SeededGenerator(seed: 9)
        let tied = TiedDenseAutoencoder(imageShape: [1, 3, 3], hidden: hidden, latentDimension: 2, using: &generator)
        var other = SeededGenerator(seed: 9)
        let untied = DenseAutoencoder(imageShape: [1, 3, 3], hidden: hidden, latentDimension: 2, using: &other)
        let weights = hidden == 0 ? 9 * 2 : 9 * 5 + 5 * 2
        #expect(untied.parameterCount - tied.parameterCount == weights, "the decoder's weights are not stored twice")
        let names = tied.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(!names.contains { $0.hasPrefix("decoder.") && $0.hasSuffix("weight") })
        let input = Tensor.randomUniform([3, 1, 3, 3], low: 0, high: 1, using: &generator)
        let result = gradientCheck(tied, input: input)
        #expect(result.passed, "\(result)")
    }
}
