import Testing
import Latent
import LatentModels

@Suite("Models", .serialized)
struct ModelTests {
    @Test("the seed-001 autoencoder maps [N, 1, 28, 28] to codes and back, with PyTorch's names and parameter count")
    func shapesAndNames() {
        var generator = SeededGenerator(seed: 1)
        let model = ConvAutoencoder(using: &generator)
        let x = Tensor.randomUniform([2, 1, 28, 28], using: &generator)
        let code = model.encoder.forward(x)
        #expect(code.shape == [2, 64])
        let xHat = model.decoder.forward(code)
        #expect(xHat.shape == [2, 1, 28, 28])
        #expect(xHat.min() > 0 && xHat.max() < 1)
        // 839,489 parameters, 34 parameter tensors, 55 state-dict entries: counted by PyTorch 2.15 on the
        // same module tree (nn.Module with encoder/decoder Sequentials).
        #expect(model.parameterCount == 839_489)
        #expect(model.namedParameters.count == 34)
        #expect(model.namedParameters.count + model.namedBuffers.count == 55)
        #expect(Array(model.namedParameters.prefix(3).map(\.name)) == ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight"])
        #expect(model.namedParameters.last?.name == "decoder.13.bias")
        #expect(model.namedBuffers.last?.name == "decoder.11.num_batches_tracked")
    }

    @Test("chapter 3's conv VAE is this model with an encoder of 2·nz outputs: (μ, log σ²)")
    func variational() {
        var generator = SeededGenerator(seed: 2)
        let model = VAE.conv(latent: 16, using: &generator)
        let x = Tensor.randomUniform([3, 1, 28, 28], using: &generator)
        #expect(model.encoder.forward(x).shape == [3, 32])
        #expect(model.decoder.forward(Tensor.randomNormal([3, 16], using: &generator)).shape == [3, 1, 28, 28])
    }

    @Test("forward + backward run and the MSE falls over 20 SGD steps on a fixed batch")
    func lossFalls() {
        var generator = SeededGenerator(seed: 3)
        let model = ConvAutoencoder(using: &generator)
        // A fixed batch of blobby 28×28 images in [0, 1].
        let noise = Tensor.randomUniform([8, 1, 28, 28], using: &generator)
        let x = sigmoid(4 * (noise - 0.5))
        // MSE (mean) written out here: L = mean((x̂ − x)²), ∂L/∂x̂ = 2(x̂ − x)/count.
        func step() -> Float {
            model.zeroGrad()
            let xHat = model.forward(x)
            let difference = xHat - x
            let loss = (difference * difference).mean()
            let dx = model.backward(difference * (2 / Float(x.count)))
            #expect(dx.shape == x.shape && dx.isFinite)
            // Plain SGD: value −= lr · grad.
            for parameter in model.parameters { parameter.value -= 0.5 * parameter.grad }
            return loss
        }
        var losses: [Float] = []
        for _ in 0..<20 { losses.append(step()) }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.last! < 0.8 * losses.first!, "losses: \(losses)")
    }
}
