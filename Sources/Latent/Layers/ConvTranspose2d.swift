/// A transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d`: the adjoint of a Conv2d.
///
/// x: [N, Cin, H, W] → y: [N, Cout, Ho, Wo] with Ho = (H − 1)·s − 2p + k + outputPadding (likewise Wo).
/// `weight` is [Cin, Cout, k, k] (PyTorch's layout), `bias` is [Cout]; both start uniform on
/// ±1/√(Cout·k²), the fan-in PyTorch computes from that layout.
///
/// Forward is Conv2d's input-gradient path: y = col2im(Wᵀ[Cout·k², Cin] · x[Cin, N·H·W]).
/// Backward is Conv2d's forward path: dx = W · im2col(dy), dW += x · im2col(dy)ᵀ. Both run a few images
/// at a time (`ConvolutionProducts.swift`).
public final class ConvTranspose2d: Layer, CustomStringConvertible {
    /// Input channels.
    public let inChannels: Int
    /// Output channels.
    public let outChannels: Int
    /// Kernel height and width.
    public let kernelSize: Int
    /// Upsampling factor.
    public let stride: Int
    /// Rows and columns cropped from each side of the full output.
    public let padding: Int
    /// Extra rows and columns added on the bottom and right (must be < stride).
    public let outputPadding: Int
    /// W: [Cin, Cout, k, k].
    public let weight: Parameter
    /// b: [Cout], or nil when built with `bias: false`.
    public let bias: Parameter?
    /// Training or evaluation mode (no effect on ConvTranspose2d).
    public var isTraining = true

    private var geometry: ConvolutionGeometry?  // the Conv2d this layer is the adjoint of (image side = output)
    private var cachedInput: [Float] = []       // x channel-major: [Cin, N·H·W]
    private var columnScratch: [Float] = []     // chunks of Wᵀ · x in forward, of im2col(dy) in backward
    private var gradientScratch: [Float] = []   // dx channel-major: [Cin, N·H·W]

    /// A ConvTranspose2d initialized as PyTorch does (weight, then bias, drawn from `generator`).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, bias: Bool = true, using generator: inout SeededGenerator
    ) {
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2d: output_padding (\(outputPadding)) must be smaller than stride (\(stride))")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        let shape = [inChannels, outChannels, kernelSize, kernelSize]
        let fanIn = Initializer.fanIn(ofWeight: shape)
        weight = Parameter(Initializer.kaimingUniform(shape, fanIn: fanIn, using: &generator))
        self.bias = bias ? Parameter(Initializer.biasUniform(outChannels, fanIn: fanIn, using: &generator)) : nil
    }

    /// `ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1)`, as PyTorch prints it.
    public var description: String {
        var text = "ConvTranspose2d(\(inChannels), \(outChannels), kernel_size=\(kernelSize), stride=\(stride)"
        if padding != 0 { text += ", padding=\(padding)" }
        if outputPadding != 0 { text += ", output_padding=\(outputPadding)" }
        if bias == nil { text += ", bias=False" }
        return text + ")"
    }

    /// `weight`, then `bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// x: [N, Cin, H, W] → y: [N, Cout, (H − 1)·s − 2p + k + outputPadding, (W − 1)·s − 2p + k + outputPadding].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels,
                     "\(description): expected input [N, \(inChannels), H, W], got \(x.shape)")
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let ho = (h - 1) * stride - 2 * padding + kernelSize + outputPadding
        let wo = (w - 1) * stride - 2 * padding + kernelSize + outputPadding
        precondition(ho > 0 && wo > 0, "\(description): output would be \(ho)×\(wo) for input \(x.shape)")
        let g = ConvolutionGeometry(batch: n, channels: outChannels, height: ho, width: wo,
                                    kernelSize: kernelSize, stride: stride, padding: padding)
        precondition(g.outputHeight == h && g.outputWidth == w, "\(description): inconsistent geometry for \(x.shape)")
        geometry = g
        let columns = g.columnCount  // Cout·k², N·H·W
        resizeScratch(&cachedInput, inChannels * columns)
        cachedInput.withUnsafeMutableBufferPointer { xc in
            x.withUnsafeBufferPointer {
                Convolution.toChannelMajor($0.baseAddress!, xc.baseAddress!, batch: n, channels: inChannels, plane: h * w)
            }
        }
        // y = col2im(Wᵀ[Cout·k², Cin] · xᶜ), a few images at a time.
        var y = Tensor(shape: [n, outChannels, ho, wo]) { y in
            weight.value.withUnsafeBufferPointer { wt in
                cachedInput.withUnsafeBufferPointer { xc in
                    Convolution.adjointProduct(weight: wt.baseAddress!, rows: inChannels, xc.baseAddress!, g,
                                               into: y.baseAddress!, workspace: &columnScratch)
                }
            }
        }
        if let bias {  // y[n, c] += b[c], one (image, channel) plane per item
            let (plane, channels, b) = (ho * wo, outChannels, bias.value.scalars)
            y.withUnsafeMutableBufferPointer { y in
                let shared = UncheckedSendable(y.baseAddress!)
                parallelFor(n * channels, grain: max(1, 16384 / max(plane, 1))) { items in
                    for item in items {
                        let row = shared.value + item * plane, value = b[item % channels]
                        for i in 0..<plane { row[i] += value }
                    }
                }
            }
        }
        return y
    }

    /// dy: [N, Cout, Ho, Wo] → dx: [N, Cin, H, W]; dW += xᶜ · im2col(dy)ᵀ, db += Σ dy over N, Ho, Wo.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("\(description): backward before forward") }
        precondition(dy.shape == [g.batch, outChannels, g.height, g.width],
                     "\(description): dy \(dy.shape) does not match the output [\(g.batch), \(outChannels), \(g.height), \(g.width)]")
        let columns = g.columnCount
        var dxc = gradientScratch  // moved out while in use, put back after
        gradientScratch = []
        defer { gradientScratch = dxc }
        resizeScratch(&dxc, inChannels * columns)  // dx channel-major: [Cin, N·H·W]
        if let bias {
            dy.withUnsafeBufferPointer { dy in
                bias.grad.withUnsafeMutableBufferPointer {
                    Convolution.addChannelSums(dy.baseAddress!, $0.baseAddress!, batch: g.batch, channels: outChannels,
                                               plane: g.height * g.width)
                }
            }
        }
        dy.withUnsafeBufferPointer { dy in
            cachedInput.withUnsafeBufferPointer { xc in
                weight.value.withUnsafeBufferPointer { wt in
                    weight.grad.withUnsafeMutableBufferPointer { dw in
                        dxc.withUnsafeMutableBufferPointer { dxc in
                            // dxᶜ [Cin, N·H·W] = W · im2col(dy); dW [Cin, Cout·k²] += xᶜ · im2col(dy)ᵀ
                            Convolution.imageProductAndWeightGradient(
                                weight: wt.baseAddress!, xc.baseAddress!, rows: inChannels, dy.baseAddress!, g,
                                into: dxc.baseAddress!, addingTo: dw.baseAddress!, workspace: &columnScratch)
                        }
                    }
                }
            }
        }
        let plane = g.outputHeight * g.outputWidth
        return Tensor(shape: [g.batch, inChannels, g.outputHeight, g.outputWidth]) { dx in
            dxc.withUnsafeBufferPointer {
                Convolution.toBatchMajor($0.baseAddress!, dx.baseAddress!, batch: g.batch, channels: inChannels, plane: plane)
            }
        }
    }
}
