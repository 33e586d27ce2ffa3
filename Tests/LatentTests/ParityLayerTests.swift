import Testing
@testable import Latent

/// The layer a fixture describes (PyTorch's class name and arguments in its metadata), freshly initialized.
func makeLayer(_ f: FixtureFile) throws -> any Layer {
    func int(_ key: String) throws -> Int {
        let text = try #require(f.metadata[key], "\(f.source): metadata \(key)")
        return try #require(Int(text), "\(f.source): metadata \(key) = \(text)")
    }
    func float(_ key: String) throws -> Float {
        let text = try #require(f.metadata[key], "\(f.source): metadata \(key)")
        return try #require(Float(text), "\(f.source): metadata \(key) = \(text)")
    }
    var generator = SeededGenerator(seed: 0)  // the weights are overwritten from the fixture
    switch f.metadata["layer"] {
    case "Linear":
        return Linear(inFeatures: try int("in_features"), outFeatures: try int("out_features"),
                      bias: try int("bias") != 0, using: &generator)
    case "Conv2d":
        return Conv2d(inChannels: try int("in_channels"), outChannels: try int("out_channels"),
                      kernelSize: try int("kernel_size"), stride: try int("stride"), padding: try int("padding"),
                      bias: try int("bias") != 0, using: &generator)
    case "ConvTranspose2d":
        return ConvTranspose2d(inChannels: try int("in_channels"), outChannels: try int("out_channels"),
                               kernelSize: try int("kernel_size"), stride: try int("stride"), padding: try int("padding"),
                               outputPadding: try int("output_padding"), bias: try int("bias") != 0, using: &generator)
    case "BatchNorm1d":
        return BatchNorm1d(numFeatures: try int("num_features"), eps: try float("eps"), momentum: try float("momentum"),
                           affine: try int("affine") != 0)
    case "BatchNorm2d":
        return BatchNorm2d(numFeatures: try int("num_features"), eps: try float("eps"), momentum: try float("momentum"),
                           affine: try int("affine") != 0)
    case "ReLU": return ReLU()
    case "LeakyReLU": return LeakyReLU(negativeSlope: try float("negative_slope"))
    case "Sigmoid": return Sigmoid()
    case "Tanh": return Tanh()
    case "Flatten": return Flatten()
    case "Unflatten":
        let sizes = try #require(f.metadata["unflattened_size"]).split(separator: ",").compactMap { Int($0) }
        return Unflatten(sizes)
    default:
        throw FixtureFileError.badHeader(file: f.source, offset: 8, message: "unknown layer \(f.metadata["layer"] ?? "nil")")
    }
}

@Suite("Parity — layers")
struct ParityLayerTests {
    @Test("forward, input gradient, parameter gradients and running statistics match PyTorch",
          arguments: fixtureCases("layers"))
    func layer(caseName: String) throws {
        let f = try loadFixture("layers", caseName)
        let layer = try makeLayer(f)
        layer.isTraining = f.metadata["training"] == "1"
        let parameters = layer.namedParameters
        #expect(Set(parameters.map { "param." + $0.name }) == Set(f.names.filter { $0.hasPrefix("param.") }),
                "\(caseName): parameter names \(parameters.map(\.name)) vs fixture \(f.names)")
        for (name, parameter) in parameters {
            let value = try f.tensor("param." + name)
            try #require(value.shape == parameter.value.shape,
                         "\(caseName) \(name): shape \(parameter.value.shape) vs PyTorch \(value.shape)")
            parameter.value = value
        }
        for (name, _) in layer.namedBuffers {
            layer.setBuffer(name, to: try f.tensor("buffer." + name))
        }
        // The chapters' widths sum up to 1,152 products per output (64·3·3·2 and more): float32 rounding in two
        // different summation orders grows like √K, to 1.4e-4 here against 2–5e-5 for the small cases. A wrong
        // gradient is off by O(1), so 4e-4 still separates right from wrong by three orders of magnitude.
        let tolerance: Float = caseName.contains("_wide_") ? 4e-4 : parityTolerance
        var results: [(String, Comparison)] = []
        let output = layer.forward(try f.tensor("input"))
        results.append(("output", try expectParity(output, f, "output", case: caseName, tolerance: tolerance)))
        let gradInput = layer.backward(try f.tensor("grad_output"))
        results.append(("grad_input", try expectParity(gradInput, f, "grad_input", case: caseName, tolerance: tolerance)))
        for (name, parameter) in parameters {
            results.append(("grad.\(name)", try expectParity(parameter.grad, f, "grad." + name, case: caseName, tolerance: tolerance)))
        }
        for (name, value) in layer.namedBuffers {
            results.append((name, try expectParity(value, f, "buffer_after." + name, case: caseName)))
        }
        reportParity("\(caseName) \(layer)", results)
    }
}

@Suite("Parity — training steps")
struct ParityTrainingTests {
    @Test("five optimizer steps of Linear → Tanh → Linear with MSE give PyTorch's losses and parameters",
          arguments: fixtureCases("optimizers"))
    func training(caseName: String) throws {
        let f = try loadFixture("optimizers", caseName)
        try #require(f.metadata["model"] == "Linear(4,5),Tanh,Linear(5,3)" && f.metadata["loss"] == "mse")
        var generator = SeededGenerator(seed: 0)
        let model = Sequential([Linear(inFeatures: 4, outFeatures: 5, using: &generator), Tanh(),
                                Linear(inFeatures: 5, outFeatures: 3, using: &generator)])
        #expect(model.namedParameters.map(\.name) == ParityOptimizerTests.parameterNames)
        for (name, parameter) in model.namedParameters { parameter.value = try f.tensor("param." + name) }
        let optimizer = try ParityOptimizerTests.makeOptimizer(f, model.parameters)
        let (x, target) = (try f.tensor("input"), try f.tensor("target"))
        var worst: (String, Comparison)?
        for k in 1...(Int(f.metadata["steps"] ?? "") ?? 0) {
            optimizer.zeroGrad()
            let (loss, dY) = mse(model.forward(x), target)
            _ = model.backward(dY)
            var results = [("step\(k).loss", try expectParity(Tensor(loss), f, "step\(k).loss", case: caseName))]
            for (name, parameter) in model.namedParameters {
                results.append(("step\(k).grad.\(name)", try expectParity(parameter.grad, f, "step\(k).grad.\(name)", case: caseName)))
            }
            optimizer.step()
            for (name, parameter) in model.namedParameters {
                results.append(("step\(k).\(name)", try expectParity(parameter.value, f, "step\(k).param.\(name)", case: caseName)))
            }
            for result in results where result.1.worstError > (worst?.1.worstError ?? -1) { worst = result }
        }
        reportParity("training \(caseName)", [try #require(worst)])
    }
}
