import Foundation
import Testing
@testable import Latent

// PyTorch parity: the fixtures in Fixtures/pytorch/ are written by make_fixtures.py (torch 2.15, float32,
// fixed seeds). Each test loads one case, runs Latent on the same numbers, and compares every tensor to
// ≤ 1e-4 relative (|Δ| / (|expected| + 1e-3)), reporting the worst element of each.

/// The package root: three levels up from Tests/LatentTests/<file>.swift.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Where the PyTorch fixtures live.
let pytorchFixtures = packageRoot.appendingPathComponent("Fixtures/pytorch")

/// The case names (file names without `.safetensors`) in a fixture group, sorted.
func fixtureCases(_ group: String) -> [String] {
    let directory = pytorchFixtures.appendingPathComponent(group).path
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
}

/// Loads one fixture case.
func loadFixture(_ group: String, _ name: String) throws -> FixtureFile {
    try FixtureFile(contentsOf: pytorchFixtures.appendingPathComponent("\(group)/\(name).safetensors").path)
}

/// The tolerance of every parity comparison: 1e-4 relative to |expected| + 1e-3.
let parityTolerance: Float = 1e-4

/// Compares `actual` with the fixture's tensor `name`; records an issue naming the case, the tensor and its
/// worst element when it is off, and returns the comparison for the summary line.
@discardableResult
func expectParity(_ actual: Tensor, _ fixture: FixtureFile, _ name: String, case caseName: String,
                  tolerance: Float = parityTolerance, sourceLocation: SourceLocation = #_sourceLocation) throws -> Comparison {
    let expected = try fixture.tensor(name)
    #expect(actual.shape == expected.shape, "\(caseName) \(name): shape \(actual.shape) vs PyTorch \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return Comparison(expected, expected) }
    let comparison = Comparison(actual, expected)
    #expect(comparison.isWithin(tolerance), "\(caseName) \(name): \(comparison)", sourceLocation: sourceLocation)
    return comparison
}

/// One line per case: the worst relative error of each compared tensor.
func reportParity(_ caseName: String, _ results: [(String, Comparison)]) {
    let parts = results.map { "\($0.0) \(String(format: "%.1e", $0.1.worstError))" }
    print("parity \(caseName): " + parts.joined(separator: ", "))
}

@Suite("Parity — fixture files")
struct ParityFixtureFileTests {
    @Test("every fixture group holds the cases make_fixtures.py writes")
    func fixturesArePresent() {
        let losses = fixtureCases("losses"), optimizers = fixtureCases("optimizers"), layers = fixtureCases("layers")
        for prefix in ["mse_", "bce_", "bce_logits_", "kl_log_var_", "kl_log_sigma_", "kl_sigma_", "kl_two_", "kl_two_broadcast_"] {
            #expect(losses.filter { $0.hasPrefix(prefix) }.count >= 3, "missing loss fixtures \(prefix)* in \(pytorchFixtures.path)")
        }
        #expect(optimizers.contains("adam") && optimizers.contains("sgd_momentum"), "optimizer fixtures: \(optimizers)")
        for prefix in ["linear_", "conv2d_", "conv_transpose2d_", "batchnorm1d_train", "batchnorm1d_eval", "batchnorm2d_train",
                       "batchnorm2d_eval", "relu", "leaky_relu", "sigmoid", "tanh", "flatten", "unflatten"] {
            #expect(layers.contains { $0.hasPrefix(prefix) }, "missing layer fixtures \(prefix)* in \(pytorchFixtures.path)")
        }
    }

    @Test("a file written by FixtureFile reads back the same tensors and metadata")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 5)
        let a = Tensor.randomNormal([2, 3, 4], using: &generator)
        let file = FixtureFile(tensors: ["b.weight": a, "a": Tensor(3.5), "empty": .zeros([0, 2])],
                               metadata: ["kind": "test", "quote": "say \"hi\"\n"])
        let bytes = file.encoded()
        #expect(bytes.count % 4 == 0)
        let back = try FixtureFile(bytes: bytes, source: "memory")
        #expect(back.tensors == file.tensors)
        #expect(back.metadata == file.metadata)
        #expect(back.names == ["a", "b.weight", "empty"])
    }

    @Test("a truncated file fails with the file name, byte offset, expected and found")
    func truncated() throws {
        let bytes = FixtureFile(tensors: ["x": .ones([4, 4])]).encoded()
        #expect(throws: FixtureFileError.self) { try FixtureFile(bytes: Array(bytes.prefix(5)), source: "short.st") }
        do {
            _ = try FixtureFile(bytes: Array(bytes.dropLast(8)), source: "cut.safetensors")
            Issue.record("a file missing its last 8 bytes was accepted")
        } catch {
            #expect(error.description.contains("cut.safetensors"))
            #expect(error.description.contains("truncated at byte \(bytes.count - 8)"))
            #expect(error.description.contains("expected \(bytes.count) bytes"))
        }
        do {
            _ = try FixtureFile(bytes: bytes, source: "x.safetensors").tensor("y")
            Issue.record("a missing tensor was returned")
        } catch {
            #expect(error.description == "x.safetensors: no tensor named y; the file has x")
        }
    }

    @Test("a malformed JSON header fails with the byte offset of the problem")
    func badHeader() {
        let json = Array(#"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]"#.utf8)
        var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json
        bytes += [0, 0, 128, 63]
        do {
            _ = try FixtureFile(bytes: bytes, source: "bad.safetensors")
            Issue.record("an unterminated header was accepted")
        } catch {
            guard case .badHeader(let file, let offset, _) = error else {
                Issue.record("expected badHeader, got \(error)")
                return
            }
            #expect(file == "bad.safetensors")
            #expect(offset == 8 + json.count)
        }
    }

    @Test("reads the fixture written by Python with the tensors and metadata it declares")
    func readsPythonFile() throws {
        let file = try loadFixture("losses", "mse_mean")
        #expect(file.metadata["loss"] == "mse")
        #expect(file.metadata["reduction"] == "mean")
        let input = try file.tensor("input.input"), target = try file.tensor("input.target")
        #expect(input.shape == [4, 6])
        let loss = try file.tensor("loss")
        #expect(loss.shape == [])
        // The file's own numbers agree with each other: PyTorch's loss is the mean squared difference.
        #expect(abs(((input - target) * (input - target)).mean() - loss.item) <= 1e-5 * abs(loss.item))
    }
}

@Suite("Parity — losses")
struct ParityLossTests {
    @Test("each loss and its gradients match PyTorch", arguments: fixtureCases("losses"))
    func loss(caseName: String) throws {
        let f = try loadFixture("losses", caseName)
        let reduction = try #require(Reduction(rawValue: f.metadata["reduction"] ?? ""), "\(caseName): reduction")
        func input(_ name: String) throws -> Tensor { try f.tensor("input." + name) }
        var results: [(String, Comparison)] = []
        func check(_ value: Float, _ gradients: [(String, Tensor)]) throws {
            results.append(("loss", try expectParity(Tensor(value), f, "loss", case: caseName)))
            for (name, gradient) in gradients {
                results.append((name, try expectParity(gradient, f, "grad." + name, case: caseName)))
            }
        }
        switch f.metadata["loss"] {
        case "mse":
            let r = mse(try input("input"), try input("target"), reduction: reduction)
            try check(r.loss, [("input", r.gradient), ("target", -r.gradient)])
        case "binaryCrossEntropy":
            let r = binaryCrossEntropy(try input("probabilities"), try input("target"), reduction: reduction)
            try check(r.loss, [("probabilities", r.gradient)])
        case "binaryCrossEntropyWithLogits":
            let r = binaryCrossEntropyWithLogits(try input("logits"), try input("target"), reduction: reduction)
            try check(r.loss, [("logits", r.gradient)])
        case "gaussianKL(mu:logVar:)":
            let r = gaussianKL(mu: try input("mu"), logVar: try input("logVar"), reduction: reduction)
            try check(r.loss, [("mu", r.dMu), ("logVar", r.dLogVar)])
        case "gaussianKL(mu:logSigma:)":
            let r = gaussianKL(mu: try input("mu"), logSigma: try input("logSigma"), reduction: reduction)
            try check(r.loss, [("mu", r.dMu), ("logSigma", r.dLogSigma)])
        case "gaussianKL(mu:sigma:)":
            let r = gaussianKL(mu: try input("mu"), sigma: try input("sigma"), reduction: reduction)
            try check(r.loss, [("mu", r.dMu), ("sigma", r.dSigma)])
        case "gaussianKL(mu1:logSigma1:mu2:logSigma2:)":
            let r = gaussianKL(mu1: try input("mu1"), logSigma1: try input("logSigma1"),
                               mu2: try input("mu2"), logSigma2: try input("logSigma2"), reduction: reduction)
            try check(r.loss, [("mu1", r.dMu1), ("logSigma1", r.dLogSigma1), ("mu2", r.dMu2), ("logSigma2", r.dLogSigma2)])
        default:
            Issue.record("\(caseName): unknown loss \(f.metadata["loss"] ?? "nil")")
        }
        reportParity(caseName, results)
    }
}

@Suite("Parity — optimizers")
struct ParityOptimizerTests {
    /// The optimizer a fixture describes, over parameters initialized from it (in the file's name order).
    static func makeOptimizer(_ f: FixtureFile, _ parameters: [Parameter]) throws -> any Optimizer {
        func number(_ key: String) throws -> Float {
            let text = try #require(f.metadata[key], "\(f.source): metadata \(key)")
            return try #require(Float(text), "\(f.source): metadata \(key) = \(text)")
        }
        switch f.metadata["optimizer"] {
        case "Adam":
            return Adam(parameters: parameters, lr: try number("lr"), betas: (try number("beta1"), try number("beta2")),
                        eps: try number("eps"), weightDecay: try number("weight_decay"))
        case "SGD":
            return SGD(parameters: parameters, lr: try number("lr"), momentum: try number("momentum"),
                       dampening: try number("dampening"), weightDecay: try number("weight_decay"),
                       nesterov: try number("nesterov") != 0)
        default:
            throw FixtureFileError.badHeader(file: f.source, offset: 8, message: "unknown optimizer \(f.metadata["optimizer"] ?? "nil")")
        }
    }

    /// The parameter names of the optimizer fixtures' model, in PyTorch's order.
    static let parameterNames = ["0.weight", "0.bias", "2.weight", "2.bias"]

    @Test("five optimizer steps from PyTorch's gradients give PyTorch's parameters and state",
          arguments: fixtureCases("optimizers"))
    func steps(caseName: String) throws {
        let f = try loadFixture("optimizers", caseName)
        let names = Self.parameterNames
        let parameters = try names.map { Parameter(try f.tensor("param." + $0)) }
        let optimizer = try Self.makeOptimizer(f, parameters)
        let steps = try #require(Int(f.metadata["steps"] ?? ""))
        var results: [(String, Comparison)] = []
        for k in 1...steps {
            for (name, parameter) in zip(names, parameters) {
                parameter.grad = try f.tensor("step\(k).grad.\(name)")
            }
            let before = parameters.map(\.value)
            optimizer.step()
            for (i, name) in names.enumerated() {
                let expected = try f.tensor("step\(k).param.\(name)")
                results.append(("step\(k).\(name)", try expectParity(parameters[i].value, f, "step\(k).param.\(name)", case: caseName)))
                // The update itself, so a small step is judged on its own scale, not the parameter's.
                let update = Comparison(parameters[i].value - before[i], expected - before[i])
                #expect(update.isWithin(1e-3), "\(caseName) step \(k) update of \(name): \(update)")
            }
        }
        if let adam = optimizer as? Adam {
            #expect(adam.stepCount == steps)
            for (i, name) in names.enumerated() {
                results.append(("exp_avg.\(name)", try expectParity(adam.expAvg[i], f, "state.exp_avg.\(name)", case: caseName)))
                results.append(("exp_avg_sq.\(name)", try expectParity(adam.expAvgSq[i], f, "state.exp_avg_sq.\(name)", case: caseName)))
            }
        }
        if let sgd = optimizer as? SGD, sgd.momentum != 0 {
            for (i, name) in names.enumerated() {
                let buffer = try #require(sgd.momentumBuffers[i])
                results.append(("momentum_buffer.\(name)", try expectParity(buffer, f, "state.momentum_buffer.\(name)", case: caseName)))
            }
        }
        reportParity(caseName, [results.max { $0.1.worstError < $1.1.worstError }!])
    }
}
