import Testing
@testable import Latent

/// Conv2d by its definition, one output at a time: y[n,o,i,j] = b[o] + Σ_c,u,v W[o,c,u,v]·x[n,c,i·s−p+u, j·s−p+v].
func naiveConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, k) = (weight.shape[0], weight.shape[2])
    let ho = (h + 2 * padding - k) / stride + 1, wo = (w + 2 * padding - k) / stride + 1
    var y = Tensor.zeros([n, cout, ho, wo])
    for b in 0..<n {
        for o in 0..<cout {
            for i in 0..<ho {
                for j in 0..<wo {
                    var total = Double(bias?[o] ?? 0)
                    for c in 0..<cin {
                        for u in 0..<k {
                            for v in 0..<k {
                                let (r, q) = (i * stride - padding + u, j * stride - padding + v)
                                if r >= 0 && r < h && q >= 0 && q < w {
                                    total += Double(weight[o, c, u, v]) * Double(x[b, c, r, q])
                                }
                            }
                        }
                    }
                    y[b, o, i, j] = Float(total)
                }
            }
        }
    }
    return y
}

/// ConvTranspose2d by its definition: each input pixel scatters W[c, o]·x[n,c,i,j] onto y[n, o, i·s−p+u, j·s−p+v].
func naiveConvTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, outputPadding: Int) -> Tensor {
    let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, k) = (weight.shape[1], weight.shape[2])
    let ho = (h - 1) * stride - 2 * padding + k + outputPadding
    let wo = (w - 1) * stride - 2 * padding + k + outputPadding
    var y = [Double](repeating: 0, count: n * cout * ho * wo)  // accumulated in Double, rounded once
    for b in 0..<n {
        for o in 0..<cout {
            for r in 0..<ho { for q in 0..<wo { y[((b * cout + o) * ho + r) * wo + q] = Double(bias?[o] ?? 0) } }
            for c in 0..<cin {
                for i in 0..<h {
                    for j in 0..<w {
                        for u in 0..<k {
                            for v in 0..<k {
                                let (r, q) = (i * stride - padding + u, j * stride - padding + v)
                                if r >= 0 && r < ho && q >= 0 && q < wo {
                                    y[((b * cout + o) * ho + r) * wo + q] += Double(weight[c, o, u, v]) * Double(x[b, c, i, j])
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: [n, cout, ho, wo], scalars: y.map { Float($0) })
}

@Suite("Layers")
struct LayerTests {
    @Test("Conv2d forward matches the direct-loop definition", arguments: GradientChecks.convConfigurations)
    func conv2dForward(kernelSize: Int, stride: Int, padding: Int, batch: Int) {
        var generator = SeededGenerator(seed: 31)
        let layer = Conv2d(inChannels: 3, outChannels: 4, kernelSize: kernelSize, stride: stride, padding: padding,
                           using: &generator)
        let x = Tensor.randomNormal([batch, 3, 9, 6], using: &generator)
        let y = layer.forward(x)
        let expected = naiveConv2d(x, weight: layer.weight.value, bias: layer.bias?.value, stride: stride, padding: padding)
        let comparison = Comparison(y, expected, floor: 1e-2)  // outputs are O(1); Float32 sums differ by ~1e-7
        #expect(y.shape == expected.shape)
        #expect(comparison.isWithin(1e-4), "\(comparison)")
    }

    @Test("ConvTranspose2d forward matches the direct-loop definition", arguments: GradientChecks.convTransposeConfigurations)
    func convTranspose2dForward(kernelSize: Int, stride: Int, padding: Int, outputPadding: Int, batch: Int) {
        var generator = SeededGenerator(seed: 32)
        let layer = ConvTranspose2d(inChannels: 3, outChannels: 2, kernelSize: kernelSize, stride: stride,
                                    padding: padding, outputPadding: outputPadding, using: &generator)
        let x = Tensor.randomNormal([batch, 3, 5, 4], using: &generator)
        let y = layer.forward(x)
        let expected = naiveConvTranspose2d(x, weight: layer.weight.value, bias: layer.bias?.value, stride: stride,
                                            padding: padding, outputPadding: outputPadding)
        let comparison = Comparison(y, expected, floor: 1e-2)  // outputs are O(1); Float32 sums differ by ~1e-7
        #expect(y.shape == expected.shape)
        #expect(comparison.isWithin(1e-4), "\(comparison)")
    }

    @Test("ConvTranspose2d is the adjoint of Conv2d with the same weight: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩")
    func adjoint() {
        var generator = SeededGenerator(seed: 33)
        let conv = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &generator)
        let convT = ConvTranspose2d(inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, bias: false,
                                    using: &generator)
        convT.weight.value = conv.weight.value  // [3, 2, 4, 4] serves as both layouts
        let x = Tensor.randomNormal([2, 2, 8, 6], using: &generator)
        let y = Tensor.randomNormal([2, 3, 4, 3], using: &generator)
        let left = (conv.forward(x) * y).sum(), right = (x * convT.forward(y)).sum()
        #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "\(left) vs \(right)")
    }

    @Test("col2im is the adjoint of im2col in every loop order: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩",
          arguments: [(1, 9, 7, 4, 2, 1), (8, 9, 8, 3, 1, 1), (8, 5, 5, 3, 2, 0), (3, 12, 10, 4, 2, 1), (16, 3, 3, 3, 1, 0)])
    func col2imAdjoint(channels: Int, height: Int, width: Int, kernelSize: Int, stride: Int, padding: Int) {
        // Channel counts 1 and 3 fold plane by plane and 8 and 16 channel by channel (on 1 or 2
        // threads); kernel grids under 16 positions run batch-innermost.
        var generator = SeededGenerator(seed: 40)
        let g = ConvolutionGeometry(batch: 3, channels: channels, height: height, width: width,
                                    kernelSize: kernelSize, stride: stride, padding: padding)
        let x = Tensor.randomNormal([3, channels, height, width], using: &generator)
        let c = Tensor.randomNormal([g.columnRows, g.columnCount], using: &generator)
        var cols = Tensor.zeros(c.shape), folded = Tensor.zeros(x.shape)
        x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Convolution.im2col(x.baseAddress!, $0.baseAddress!, g) } }
        c.withUnsafeBufferPointer { c in folded.withUnsafeMutableBufferPointer { Convolution.col2im(c.baseAddress!, $0.baseAddress!, g) } }
        var left = 0.0, right = 0.0
        for i in 0..<c.count { left += Double(cols.scalars[i]) * Double(c.scalars[i]) }
        for i in 0..<x.count { right += Double(x.scalars[i]) * Double(folded.scalars[i]) }
        #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "\(left) vs \(right)")
    }

    @Test("the seed's conv shapes: 28→14→7→3→1 and back 1→3→7→14→28")
    func seedShapes() {
        var generator = SeededGenerator(seed: 34)
        let x = Tensor.zeros([2, 1, 28, 28])
        let c1 = Conv2d(inChannels: 1, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, using: &generator).forward(x)
        let c2 = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, using: &generator).forward(c1)
        let c3 = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, using: &generator).forward(c2)
        let c4 = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, using: &generator).forward(c3)
        #expect([c1, c2, c3, c4].map { $0.shape[2] } == [14, 7, 3, 1])
        let d1 = ConvTranspose2d(inChannels: 2, outChannels: 2, kernelSize: 3, using: &generator).forward(c4)
        let d2 = ConvTranspose2d(inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, using: &generator).forward(d1)
        let d3 = ConvTranspose2d(inChannels: 2, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, using: &generator).forward(d2)
        let d4 = ConvTranspose2d(inChannels: 2, outChannels: 1, kernelSize: 4, stride: 2, padding: 1, using: &generator).forward(d3)
        #expect([d1, d2, d3, d4].map { $0.shape[2] } == [3, 7, 14, 28])
    }

    @Test("backward accumulates parameter gradients (twice backward gives twice the gradient)")
    func accumulates() {
        var generator = SeededGenerator(seed: 35)
        let layers: [any Layer] = [
            Linear(inFeatures: 3, outFeatures: 2, using: &generator),
            Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, using: &generator),
            ConvTranspose2d(inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, using: &generator),
            BatchNorm2d(numFeatures: 2),
        ]
        let inputs = [Tensor.randomNormal([2, 3], using: &generator)] + (1...3).map { _ in Tensor.randomNormal([2, 2, 4, 4], using: &generator) }
        for (layer, x) in zip(layers, inputs) {
            let y = layer.forward(x)
            let dy = Tensor.randomNormal(y.shape, using: &generator)
            layer.zeroGrad()
            _ = layer.backward(dy)
            let once = layer.parameters.map(\.grad)
            _ = layer.backward(dy)
            for (parameter, first) in zip(layer.parameters, once) {
                let comparison = Comparison(parameter.grad, 2 * first, floor: 1e-2)
                #expect(comparison.isWithin(1e-4), "\(layer): \(comparison)")
            }
        }
    }

    @Test("zeroGrad zeroes the gradient in its own buffer, and a copy taken before keeps its values")
    func zeroGradInPlace() {
        var generator = SeededGenerator(seed: 37)
        let layer = Linear(inFeatures: 40, outFeatures: 30, using: &generator)
        let x = Tensor.randomNormal([4, 40], using: &generator)
        _ = layer.backward(Tensor.randomNormal(layer.forward(x).shape, using: &generator))
        let gradient = layer.weight.grad
        #expect(gradient.scalars.contains { $0 != 0 })
        layer.zeroGrad()
        #expect(layer.weight.grad.scalars.allSatisfy { $0 == 0 })
        #expect(gradient.scalars.contains { $0 != 0 })  // the copy shared the buffer: zeroing copied first
        // Unshared, the gradient keeps its buffer: a training step allocates none (no fresh pages to fill).
        _ = layer.backward(Tensor.randomNormal([4, 30], using: &generator))
        let address = layer.weight.grad.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        layer.zeroGrad()
        #expect(layer.weight.grad.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(layer.weight.grad.scalars.allSatisfy { $0 == 0 })
    }

    @Test("zeroGrad clears every element of a gradient large enough to be split between threads", arguments: [1, 2, 3])
    func zeroGradSplit(threads: Int) {
        let count = 3 * Parameter.zeroGrain + 5  // 2 or 3 slices of unequal lengths
        let parameter = Parameter(Tensor.zeros([count]))
        parameter.grad = Tensor(shape: [count], scalars: (0..<count).map { Float($0 % 7) + 1 })
        Parallel.withThreadCount(threads) { parameter.zeroGrad() }
        #expect(parameter.grad.scalars.allSatisfy { $0 == 0 })
        #expect(parameter.grad.shape == [count])
    }

    /// A Linear that knows its input ends in a one-hot label multiplies each run of equal x rows once
    /// (M2's encoder sees every image with each label). Its output must be the whole product's, bit for
    /// bit: with and without bias; when the label part is not one-hot, or the rows do not repeat (the
    /// whole product then runs); and with more inputs than one GEMM depth block (likewise).
    @Test("Linear with labelColumns gives the whole product's bits", arguments: [
        (50, true, 1.0), (50, false, 1.0), (50, true, 0.5), (1100, true, 1.0),
    ])
    func labelledLinear(pixels: Int, bias: Bool, one: Double) {
        let (classes, images, outputs) = (10, 7, 37)
        var g1 = SeededGenerator(seed: 12), g2 = SeededGenerator(seed: 12), data = SeededGenerator(seed: 13)
        let plain = Linear(inFeatures: pixels + classes, outFeatures: outputs, bias: bias, using: &g1)
        let labelled = Linear(inFeatures: pixels + classes, outFeatures: outputs, bias: bias, labelColumns: classes, using: &g2)
        let x = Tensor.randomNormal([images, pixels], using: &data).scalars
        // Row i·classes + c is [x_i, onehot(c)] (M2's order), the last image's pixels half zeros.
        var rows: [Float] = []
        for i in 0..<images {
            for c in 0..<classes {
                rows += (0..<pixels).map { i == images - 1 && $0 % 2 == 0 ? 0 : x[i * pixels + $0] }
                rows += (0..<classes).map { $0 == c ? Float(one) : 0 }
            }
        }
        let input = Tensor(shape: [images * classes, pixels + classes], scalars: rows)
        for threads in [1, 2] {
            Parallel.withThreadCount(threads) {
                let expected = plain.forward(input).scalars.map(\.bitPattern)
                let got = labelled.forward(input).scalars.map(\.bitPattern)
                let differing = zip(got, expected).filter { $0 != $1 }.count
                #expect(got.count == expected.count && differing == 0, "\(differing) of \(got.count) outputs differ, \(threads) thread(s)")
            }
        }
    }

    @Test("BatchNorm2d training normalizes with the biased variance and updates running stats with the unbiased one")
    func batchNormStatistics() {
        var generator = SeededGenerator(seed: 36)
        let layer = BatchNorm2d(numFeatures: 2)
        let x = Tensor.randomNormal([3, 2, 2, 2], mean: 1, std: 2, using: &generator)
        let y = layer.forward(x)
        for c in 0..<2 {
            var values: [Double] = []
            for n in 0..<3 { for i in 0..<2 { for j in 0..<2 { values.append(Double(x[n, c, i, j])) } } }
            let m = Double(values.count)
            let mean = values.reduce(0, +) / m
            let biased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / m
            #expect(abs(Double(layer.runningMean[c]) - 0.1 * mean) < 1e-5)
            #expect(abs(Double(layer.runningVar[c]) - (0.9 + 0.1 * biased * m / (m - 1))) < 1e-5)
            let expected = (Double(x[1, c, 0, 1]) - mean) / (biased + 1e-5).squareRoot()
            #expect(abs(Double(y[1, c, 0, 1]) - expected) < 1e-5)
        }
        #expect(layer.numBatchesTracked.item == 1 && layer.numBatchesTracked.rank == 0)
    }

    @Test("BatchNorm1d in evaluation uses the running statistics and leaves them alone")
    func batchNormEval() {
        let layer = BatchNorm1d(numFeatures: 2)
        layer.setBuffer("running_mean", to: Tensor(shape: [2], scalars: [1, -2]))
        layer.setBuffer("running_var", to: Tensor(shape: [2], scalars: [4, 0.25]))
        layer.weight!.value = Tensor(shape: [2], scalars: [2, 1])
        layer.bias!.value = Tensor(shape: [2], scalars: [0.5, 0])
        layer.isTraining = false
        let y = layer.forward(Tensor(shape: [1, 2], scalars: [3, -1]))
        #expect(abs(y[0, 0] - (2 * 2 / (4 + 1e-5).squareRoot() + 0.5)) < 1e-5)
        #expect(abs(y[0, 1] - 1 / (0.25 + 1e-5).squareRoot()) < 1e-5)
        #expect(layer.runningMean.scalars == [1, -2] && layer.numBatchesTracked.item == 0)
    }

    @Test("activations compute their definitions", arguments: ["ReLU", "LeakyReLU", "Sigmoid", "Tanh"])
    func activations(name: String) {
        let xs: [Float] = (0..<37).map { Float($0) * 0.25 - 4.5 }  // 37: exercises the SIMD tail
        let x = Tensor(shape: [37], scalars: xs)
        let (layer, f): (any Layer, (Float) -> Float) = switch name {
        case "ReLU": (ReLU(), { max(0, $0) })
        case "LeakyReLU": (LeakyReLU(negativeSlope: 0.2), { $0 < 0 ? 0.2 * $0 : $0 })
        case "Sigmoid": (Sigmoid(), { Float(1 / (1 + Foundation_exp(Double(-$0)))) })
        default: (Tanh(), { Float(Foundation_tanh(Double($0))) })
        }
        let y = layer.forward(x)
        for i in 0..<37 { #expect(abs(y.scalars[i] - f(xs[i])) <= 1e-6, "\(name)(\(xs[i]))") }
    }

    @Test("Sequential names parameters and buffers by index, like PyTorch, and propagates isTraining")
    func sequentialNames() {
        var generator = SeededGenerator(seed: 37)
        let model = Sequential(
            Conv2d(inChannels: 1, outChannels: 2, kernelSize: 3, using: &generator),
            BatchNorm2d(numFeatures: 2),
            LeakyReLU(),
            Flatten(),
            Linear(inFeatures: 2, outFeatures: 3, using: &generator))
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"])
        #expect(model.namedBuffers.map(\.name) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        model.setBuffer("1.running_mean", to: Tensor(shape: [2], scalars: [3, 4]))
        #expect((model.layers[1] as? BatchNorm2d)?.runningMean.scalars == [3, 4])
        model.isTraining = false
        #expect(model.layers.allSatisfy { !$0.isTraining })
        #expect(model.parameterCount == (2 * 9 + 2) + 4 + (3 * 2 + 3))
        let summary = model.summary(input: [1, 1, 3, 3])
        #expect(summary.contains("[1, 3]") && summary.contains("Conv2d(1, 2, kernel_size=3, stride=1)"))
    }

    @Test("layers describe themselves the way PyTorch prints them")
    func descriptions() {
        var generator = SeededGenerator(seed: 38)
        #expect("\(Conv2d(inChannels: 1, outChannels: 32, kernelSize: 4, stride: 2, padding: 1, using: &generator))"
                == "Conv2d(1, 32, kernel_size=4, stride=2, padding=1)")
        #expect("\(ConvTranspose2d(inChannels: 128, outChannels: 64, kernelSize: 3, stride: 2, using: &generator))"
                == "ConvTranspose2d(128, 64, kernel_size=3, stride=2)")
        #expect("\(Linear(inFeatures: 256, outFeatures: 64, using: &generator))" == "Linear(in_features=256, out_features=64, bias=True)")
        #expect("\(LeakyReLU())" == "LeakyReLU(negative_slope=0.01)")
        #expect("\(Unflatten([256, 1, 1]))" == "Unflatten(dim=1, unflattened_size=(256, 1, 1))")
    }

    @Test("weights start uniform on ±1/√fanIn, drawn weight then bias (ConvTranspose2d's fanIn is Cout·k²)")
    func initialization() {
        var generator = SeededGenerator(seed: 39)
        let convT = ConvTranspose2d(inChannels: 64, outChannels: 8, kernelSize: 4, using: &generator)
        let bound = 1 / Float(8 * 16).squareRoot()
        #expect(convT.weight.value.max() <= bound && convT.weight.value.min() >= -bound)
        #expect(convT.weight.value.max() > 0.9 * bound)
        var replay = SeededGenerator(seed: 39)
        let weight = Initializer.kaimingUniform([64, 8, 4, 4], fanIn: 128, using: &replay)
        let bias = Initializer.biasUniform(8, fanIn: 128, using: &replay)
        #expect(convT.weight.value == weight && convT.bias!.value == bias)
    }
}
