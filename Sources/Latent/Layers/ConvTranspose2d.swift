/// A transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d`: the adjoint of a Conv2d.
///
/// x: [N, Cin, H, W] → y: [N, Cout, Ho, Wo] with Ho = (H − 1)·s − 2p + k + outputPadding (likewise Wo).
/// `weight` is [Cin, Cout, k, k] (PyTorch's layout), `bias` is [Cout]; both start uniform on
/// ±1/√(Cout·k²), the fan-in PyTorch computes from that layout.
///
/// Forward is Conv2d's input-gradient path: cols = Wᵀ[Cout·k², Cin] · x[Cin, N·H·W], y = col2im(cols).
/// Backward is Conv2d's forward path: dcols = im2col(dy), dx = W · dcols, dW += x · dcolsᵀ.
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
    private var columnScratch: [Float] = []     // Wᵀ · x in forward, im2col(dy) in backward: [Cout·k², N·H·W]
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
        let (rows, columns) = (g.columnRows, g.columnCount)  // Cout·k², N·H·W
        resizeScratch(&cachedInput, inChannels * columns)
        cachedInput.withUnsafeMutableBufferPointer { xc in
            x.withUnsafeBufferPointer {
                Convolution.toChannelMajor($0.baseAddress!, xc.baseAddress!, batch: n, channels: inChannels, plane: h * w)
            }
        }
        var cols = columnScratch  // moved out while in use, put back after
        columnScratch = []
        defer { columnScratch = cols }
        resizeScratch(&cols, rows * columns)
        weight.value.withUnsafeBufferPointer { wt in
            cachedInput.withUnsafeBufferPointer { xc in
                cols.withUnsafeMutableBufferPointer { cols in  // cols [Cout·k², N·H·W] = Wᵀ · xᶜ
                    gemm(transposeA: true, m: rows, n: columns, k: inChannels, a: wt.baseAddress!, lda: rows,
                         b: xc.baseAddress!, ldb: columns, c: cols.baseAddress!, ldc: columns)
                }
            }
        }
        var y = Tensor(shape: [n, outChannels, ho, wo]) { y in
            cols.withUnsafeBufferPointer { Convolution.col2im($0.baseAddress!, y.baseAddress!, g) }
        }
        if let bias {
            let plane = ho * wo
            y.withUnsafeMutableBufferPointer { y in
                for image in 0..<n {
                    for c in 0..<outChannels {
                        let b = bias.value.scalars[c]
                        let row = y.baseAddress! + (image * outChannels + c) * plane
                        for i in 0..<plane { row[i] += b }
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
        let (rows, columns) = (g.columnRows, g.columnCount)
        var dcols = columnScratch, dxc = gradientScratch  // moved out while in use, put back after
        (columnScratch, gradientScratch) = ([], [])
        defer { (columnScratch, gradientScratch) = (dcols, dxc) }
        resizeScratch(&dcols, rows * columns)
        resizeScratch(&dxc, inChannels * columns)  // dx channel-major: [Cin, N·H·W]
        dcols.withUnsafeMutableBufferPointer { dcols in
            dy.withUnsafeBufferPointer { Convolution.im2col($0.baseAddress!, dcols.baseAddress!, g) }
        }
        if let bias {
            dy.withUnsafeBufferPointer { dy in
                bias.grad.withUnsafeMutableBufferPointer {
                    Convolution.addChannelSums(dy.baseAddress!, $0.baseAddress!, batch: g.batch, channels: outChannels,
                                               plane: g.height * g.width)
                }
            }
        }
        dcols.withUnsafeMutableBufferPointer { dcols in
            cachedInput.withUnsafeBufferPointer { xc in
                weight.grad.withUnsafeMutableBufferPointer { dw in  // dW [Cin, Cout·k²] += xᶜ · dcolsᵀ
                    gemm(transposeB: true, m: inChannels, n: rows, k: columns, a: xc.baseAddress!, lda: columns,
                         b: dcols.baseAddress!, ldb: columns, beta: 1, c: dw.baseAddress!, ldc: rows)
                }
            }
            weight.value.withUnsafeBufferPointer { wt in
                dxc.withUnsafeMutableBufferPointer { dxc in  // dxᶜ [Cin, N·H·W] = W · dcols
                    gemm(m: inChannels, n: columns, k: rows, a: wt.baseAddress!, lda: rows,
                         b: dcols.baseAddress!, ldb: columns, c: dxc.baseAddress!, ldc: columns)
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
