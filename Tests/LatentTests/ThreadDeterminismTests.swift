import Testing
@testable import Latent

@Suite("Training is bit-identical on any thread count")
struct ThreadDeterminismTests {
    /// A small conv autoencoder with BatchNorm, sized so every kernel actually splits its work: the first
    /// conv's GEMM is 32 × 4096 × 27 (above GEMM's 2²⁰ threshold), its activations 131,072 elements (two
    /// elementwise grains), the second Linear's weight 98,304 parameters (three Adam grains).
    static func makeModel() -> Sequential {
        var generator = SeededGenerator(seed: 77)
        return Sequential(
            Conv2d(inChannels: 3, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 32),
            LeakyReLU(negativeSlope: 0.2),
            Conv2d(inChannels: 32, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, using: &generator),
            BatchNorm2d(numFeatures: 32),
            LeakyReLU(negativeSlope: 0.2),
            Flatten(),
            Linear(inFeatures: 32 * 8 * 8, outFeatures: 48, using: &generator),
            LeakyReLU(negativeSlope: 0.2),
            Linear(inFeatures: 48, outFeatures: 32 * 8 * 8, using: &generator),
            Unflatten([32, 8, 8]),
            ConvTranspose2d(inChannels: 32, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
                            using: &generator),
            BatchNorm2d(numFeatures: 16),
            LeakyReLU(negativeSlope: 0.2),
            ConvTranspose2d(inChannels: 16, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
                            using: &generator))
    }

    /// Two forward + backward + Adam steps on fixed batches; returns every parameter's and buffer's bits
    /// (named) and the losses' bits.
    static func train(threads: Int) -> (state: [(String, [UInt32])], losses: [UInt32]) {
        Parallel.withThreadCount(threads) {
            let model = makeModel()
            let adam = Adam(parameters: model.parameters, lr: 1e-2)
            var data = SeededGenerator(seed: 5)
            var losses: [UInt32] = []
            for _ in 0..<2 {
                let x = Tensor.randomNormal([16, 3, 32, 32], using: &data)
                let target = Tensor.randomUniform([16, 3, 32, 32], using: &data)
                model.zeroGrad()
                let (loss, gradient) = mse(model.forward(x), target)
                _ = model.backward(gradient)
                adam.step()
                losses.append(loss.bitPattern)
            }
            return (stateBits(model), losses)
        }
    }

    @Test("conv + BatchNorm + LeakyReLU + convT + Linear, two Adam steps: every parameter and buffer on 2 and 3 threads equals 1 thread's, bit for bit",
          arguments: [2, 3])
    func sameBits(threads: Int) {
        let one = Self.train(threads: 1)
        let many = Self.train(threads: threads)
        #expect(one.state.count >= 18, "\(one.state.count) tensors compared")
        expectSameBits(one, many, threads: threads)
    }
}

/// Every parameter's and buffer's bits, by name.
func stateBits(_ model: any Layer) -> [(String, [UInt32])] {
    model.namedParameters.map { ($0.name, $0.parameter.value.scalars.map(\.bitPattern)) }
        + model.namedBuffers.map { ($0.name, $0.value.scalars.map(\.bitPattern)) }
}

/// Expects two trainings (1 thread and `threads`) to have the same losses and state, bit for bit.
func expectSameBits(_ one: (state: [(String, [UInt32])], losses: [UInt32]),
                    _ many: (state: [(String, [UInt32])], losses: [UInt32]), threads: Int) {
    #expect(one.losses == many.losses, "losses on 1 and \(threads) threads: \(one.losses) vs \(many.losses)")
    #expect(one.state.map(\.0) == many.state.map(\.0))
    for ((name, a), (_, b)) in zip(one.state, many.state) {
        let differing = zip(a, b).filter { $0 != $1 }.count
        #expect(a.count == b.count && differing == 0,
                "\(name): \(differing) of \(a.count) values differ between 1 and \(threads) threads")
    }
}
