/// A 2-D convolution, PyTorch's `nn.Conv2d` (square kernel, same stride and padding on both axes).
///
/// x: [N, Cin, H, W] → y: [N, Cout, Ho, Wo] with Ho = ⌊(H + 2p − k) / s⌋ + 1 (likewise Wo).
/// `weight` is [Cout, Cin, k, k], `bias` is [Cout]; both start uniform on ±1/√(Cin·k²).
///
/// The batch is one GEMM: y = W[Cout, Cin·k²] · im2col(x)[Cin·k², N·Ho·Wo] (see `Im2col.swift`), computed a
/// few images at a time so that im2col(x) stays in cache (`ConvolutionProducts.swift`).
/// Backward: dW += dy · im2col(x)ᵀ, dx = col2im(Wᵀ · dy) — the same kernels ConvTranspose2d runs the other way.
public final class Conv2d: Layer, CustomStringConvertible {
    /// Input channels.
    public let inChannels: Int
    /// Output channels.
    public let outChannels: Int
    /// Kernel height and width.
    public let kernelSize: Int
    /// Step between kernel positions.
    public let stride: Int
    /// Zeros added on each side.
    public let padding: Int
    /// W: [Cout, Cin, k, k].
    public let weight: Parameter
    /// b: [Cout], or nil when built with `bias: false`.
    public let bias: Parameter?
    /// Training or evaluation mode (no effect on Conv2d).
    public var isTraining = true

    private var geometry: ConvolutionGeometry?
    private var cachedInput = Tensor(0)  // x, for dW = dyᶜ · im2col(x)ᵀ
    private var outputScratch: [Float] = []  // W · cols: [Cout, N·Ho·Wo], reused across calls
    private var gradientScratch: [Float] = []  // dy channel-major: [Cout, N·Ho·Wo]
    private var columnScratch: [Float] = []  // chunks of im2col(x) or of Wᵀ · dyᶜ

    /// A Conv2d initialized as PyTorch does (weight, then bias, drawn from `generator`).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, using generator: inout SeededGenerator
    ) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let fanIn = Initializer.fanIn(ofWeight: shape)
        weight = Parameter(Initializer.kaimingUniform(shape, fanIn: fanIn, using: &generator))
        self.bias = bias ? Parameter(Initializer.biasUniform(outChannels, fanIn: fanIn, using: &generator)) : nil
    }

    /// `Conv2d(1, 32, kernel_size=4, stride=2, padding=1)`, as PyTorch prints it.
    public var description: String {
        var text = "Conv2d(\(inChannels), \(outChannels), kernel_size=\(kernelSize), stride=\(stride)"
        if padding != 0 { text += ", padding=\(padding)" }
        if bias == nil { text += ", bias=False" }
        return text + ")"
    }

    /// `weight`, then `bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// x: [N, Cin, H, W] → y: [N, Cout, Ho, Wo].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels,
                     "\(description): expected input [N, \(inChannels), H, W], got \(x.shape)")
        let g = ConvolutionGeometry(batch: x.shape[0], channels: inChannels, height: x.shape[2], width: x.shape[3],
                                    kernelSize: kernelSize, stride: stride, padding: padding)
        geometry = g
        cachedInput = x
        // yᶜ = W · im2col(x): [Cout, N·Ho·Wo], a few images at a time; then to [N, Cout, Ho, Wo] adding the bias.
        var product = outputScratch
        outputScratch = []
        defer { outputScratch = product }
        resizeScratch(&product, outChannels * g.columnCount)
        weight.value.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { x in
                product.withUnsafeMutableBufferPointer { out in
                    Convolution.imageProduct(weight: w.baseAddress!, rows: outChannels, x.baseAddress!, g,
                                             into: out.baseAddress!, workspace: &columnScratch)
                }
            }
        }
        return Tensor(shape: [g.batch, outChannels, g.outputHeight, g.outputWidth]) { y in
            product.withUnsafeBufferPointer { p in
                let add = { (b: UnsafePointer<Float>?) in
                    Convolution.toBatchMajor(p.baseAddress!, y.baseAddress!, batch: g.batch, channels: self.outChannels,
                                             plane: g.outputHeight * g.outputWidth, bias: b)
                }
                if let bias { bias.value.withUnsafeBufferPointer { add($0.baseAddress!) } } else { add(nil) }
            }
        }
    }

    /// dy: [N, Cout, Ho, Wo] → dx: [N, Cin, H, W]; dW += dyᶜ · im2col(x)ᵀ, db += Σ dy over N, Ho, Wo.
    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true)! }

    /// dW and db as `backward` accumulates them, without dx = col2im(Wᵀ · dyᶜ) (the input is data).
    public func backwardParametersOnly(_ dy: Tensor) { _ = backward(dy, inputGradient: false) }

    private func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let g = geometry else { preconditionFailure("\(description): backward before forward") }
        precondition(dy.shape == [g.batch, outChannels, g.outputHeight, g.outputWidth],
                     "\(description): dy \(dy.shape) does not match the output [\(g.batch), \(outChannels), \(g.outputHeight), \(g.outputWidth)]")
        let (columns, plane) = (g.columnCount, g.outputHeight * g.outputWidth)
        var dyc = gradientScratch  // moved out while in use, put back after
        gradientScratch = []
        defer { gradientScratch = dyc }
        resizeScratch(&dyc, outChannels * columns)  // dy channel-major: [Cout, N·Ho·Wo]
        dy.withUnsafeBufferPointer { dy in
            dyc.withUnsafeMutableBufferPointer {
                Convolution.toChannelMajor(dy.baseAddress!, $0.baseAddress!, batch: g.batch, channels: outChannels, plane: plane)
            }
            if let bias {
                bias.grad.withUnsafeMutableBufferPointer {
                    Convolution.addChannelSums(dy.baseAddress!, $0.baseAddress!, batch: g.batch, channels: outChannels, plane: plane)
                }
            }
        }
        dyc.withUnsafeBufferPointer { dyc in
            cachedInput.withUnsafeBufferPointer { x in
                weight.grad.withUnsafeMutableBufferPointer { dw in  // dW [Cout, Cin·k²] += dyᶜ · im2col(x)ᵀ
                    Convolution.weightGradient(dyc.baseAddress!, rows: outChannels, x.baseAddress!, g,
                                               addingTo: dw.baseAddress!, workspace: &columnScratch)
                }
            }
        }
        guard inputGradient else { return nil }
        return Tensor(shape: [g.batch, inChannels, g.height, g.width]) { dx in  // dx = col2im(Wᵀ · dyᶜ)
            dyc.withUnsafeBufferPointer { dyc in
                weight.value.withUnsafeBufferPointer { w in
                    Convolution.adjointProduct(weight: w.baseAddress!, rows: outChannels, dyc.baseAddress!, g,
                                               into: dx.baseAddress!, workspace: &columnScratch)
                }
            }
        }
    }
}
