import Testing
@testable import Latent

/// The convolution layers build im2col a few images at a time (`ConvolutionProducts.swift`) and copy
/// stride-2 rows sixteen floats at a time. Neither may change a bit: these tests hold them to the plain
/// definitions with exact equality.
@Suite("Convolution products in chunks, stride-2 vector paths")
struct ConvolutionProductTests {
    /// channels, height, width, kernel, stride, padding: output rows of 16, 17 (with a row of 15 or 16
    /// inside, by kernel tap), 32 and 35 columns, so the vector steps, their ragged ends and the
    /// scalar tails all run; one channel folds plane by plane, more channels channel by channel.
    static let strideTwoShapes: [(Int, Int, Int, Int, Int, Int)] =
        [(2, 32, 32, 4, 2, 1), (3, 33, 35, 3, 2, 0), (1, 64, 64, 4, 2, 1), (5, 6, 70, 4, 2, 1), (4, 9, 40, 3, 2, 1)]

    @Test("im2col and col2im equal their scalar definitions exactly, on 1 and 2 threads", arguments: strideTwoShapes)
    func strideTwo(channels: Int, height: Int, width: Int, kernelSize: Int, stride: Int, padding: Int) {
        var generator = SeededGenerator(seed: 91)
        let g = ConvolutionGeometry(batch: 3, channels: channels, height: height, width: width,
                                    kernelSize: kernelSize, stride: stride, padding: padding)
        let x = Tensor.randomNormal([3, channels, height, width], using: &generator)
        let c = Tensor.randomNormal([g.columnRows, g.columnCount], using: &generator)
        // The definitions: cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh·s − p + ki, ow·s − p + kj] or 0, and
        // col2im adding each entry onto its pixel, taps in (ki, kj) order.
        var expectedCols = [Float](repeating: 0, count: c.count)
        var expectedImage = [Float](repeating: 0, count: x.count)
        let (k, plane) = (kernelSize, g.outputHeight * g.outputWidth)
        for ch in 0..<channels {
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = (ch * k + ki) * k + kj
                    for n in 0..<3 {
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                let (ih, iw) = (oh * stride - padding + ki, ow * stride - padding + kj)
                                guard (0..<height).contains(ih) && (0..<width).contains(iw) else { continue }
                                let pixel = ((n * channels + ch) * height + ih) * width + iw
                                let column = row * g.columnCount + n * plane + oh * g.outputWidth + ow
                                expectedCols[column] = x.scalars[pixel]
                                expectedImage[pixel] += c.scalars[column]
                            }
                        }
                    }
                }
            }
        }
        for threads in [1, 2] {
            Parallel.withThreadCount(threads) {
                var cols = Tensor(shape: c.shape, repeating: .nan), image = Tensor(shape: x.shape, repeating: .nan)
                x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Convolution.im2col(x.baseAddress!, $0.baseAddress!, g) } }
                c.withUnsafeBufferPointer { c in image.withUnsafeMutableBufferPointer { Convolution.col2im(c.baseAddress!, $0.baseAddress!, g) } }
                #expect(cols.scalars == expectedCols, "im2col, \(threads) thread(s)")
                #expect(image.scalars == expectedImage, "col2im, \(threads) thread(s)")
            }
        }
    }

    /// 9 images of 4 × 28 × 28, kernel 4, stride 2, padding 1: 196 columns per image, 1,764 in all, which
    /// GEMM sums in two blocks of 882, each boundary inside an image; and 6 images of 4 × 32 × 32: 256
    /// columns each, 1,536 in all, two blocks of 768 = 3 whole images (where ConvTranspose2d's backward
    /// builds each block's columns once for both products); and 20 such images, five blocks of 1,024 = 4
    /// images, which 2 and 3 threads share unevenly (2 + 3 and 1 + 2 + 2 blocks).
    static let geometries = [
        ConvolutionGeometry(batch: 9, channels: 4, height: 28, width: 28, kernelSize: 4, stride: 2, padding: 1),
        ConvolutionGeometry(batch: 6, channels: 4, height: 32, width: 32, kernelSize: 4, stride: 2, padding: 1),
        ConvolutionGeometry(batch: 20, channels: 4, height: 32, width: 32, kernelSize: 4, stride: 2, padding: 1),
    ]

    @Test("the chunked products are bit for bit the whole-batch im2col and GEMM, on 1, 2 and 3 threads",
          arguments: [0, 1, 2], [1, 2, 4, 9])
    func chunked(geometry: Int, imagesPerChunk: Int) {
        let g = Self.geometries[geometry]
        let (m, r, columns) = (16, g.columnRows, g.columnCount)  // 16·64·1764 multiply-adds: above the fork threshold
        #expect(GemmKernel.depthBlock(columns) == [882, 768, 1024][geometry], "the geometry no longer cuts GEMM's depth blocks as intended")
        var generator = SeededGenerator(seed: 92)
        let x = Tensor.randomNormal([g.batch, g.channels, g.height, g.width], using: &generator)
        let w = Tensor.randomNormal([m, r], using: &generator)
        let dyc = Tensor.randomNormal([m, columns], using: &generator)
        let dw0 = Tensor.randomNormal([m, r], using: &generator)
        let chunkFloats = r * g.outputHeight * g.outputWidth * imagesPerChunk
        // The whole batch at once, as the layers computed it before the chunks.
        var cols = [Float](repeating: 0, count: r * columns), dcols = cols
        var expectedOut = [Float](repeating: 0, count: m * columns), expectedImage = x.scalars, expectedDW = dw0.scalars
        x.withUnsafeBufferPointer { x in cols.withUnsafeMutableBufferPointer { Convolution.im2col(x.baseAddress!, $0.baseAddress!, g) } }
        w.withUnsafeBufferPointer { w in
            dyc.withUnsafeBufferPointer { dyc in
                cols.withUnsafeBufferPointer { cols in
                    gemm(m: m, n: columns, k: r, a: w.baseAddress!, lda: r, b: cols.baseAddress!, ldb: columns,
                         c: &expectedOut, ldc: columns)
                    gemm(transposeB: true, m: m, n: r, k: columns, a: dyc.baseAddress!, lda: columns, b: cols.baseAddress!,
                         ldb: columns, beta: 1, c: &expectedDW, ldc: r)
                }
                gemm(transposeA: true, m: r, n: columns, k: m, a: w.baseAddress!, lda: r, b: dyc.baseAddress!, ldb: columns,
                     c: &dcols, ldc: columns)
            }
        }
        dcols.withUnsafeBufferPointer { Convolution.col2im($0.baseAddress!, &expectedImage, g) }
        for threads in [1, 2, 3] {
            Parallel.withThreadCount(threads) {
                var out = [Float](repeating: .nan, count: m * columns), image = [Float](repeating: .nan, count: x.count)
                var dw = dw0.scalars, workspace: [Float] = []
                w.withUnsafeBufferPointer { w in
                    x.withUnsafeBufferPointer { x in
                        Convolution.imageProduct(weight: w.baseAddress!, rows: m, x.baseAddress!, g, into: &out,
                                                 workspace: &workspace, chunkFloats: chunkFloats)
                    }
                    dyc.withUnsafeBufferPointer { dyc in
                        Convolution.adjointProduct(weight: w.baseAddress!, rows: m, dyc.baseAddress!, g, into: &image,
                                                   workspace: &workspace, chunkFloats: chunkFloats)
                        x.withUnsafeBufferPointer { x in
                            Convolution.weightGradient(dyc.baseAddress!, rows: m, x.baseAddress!, g, addingTo: &dw,
                                                       workspace: &workspace)
                        }
                    }
                }
                #expect(differing(out, expectedOut) == 0, "W · im2col(x), \(threads) thread(s)")
                #expect(differing(image, expectedImage) == 0, "col2im(Wᵀ · dy), \(threads) thread(s)")
                #expect(differing(dw, expectedDW) == 0, "dW + dy · im2col(x)ᵀ, \(threads) thread(s)")
                // Both at once, as ConvTranspose2d's backward computes them.
                var bothOut = [Float](repeating: .nan, count: m * columns), bothDW = dw0.scalars
                w.withUnsafeBufferPointer { w in
                    dyc.withUnsafeBufferPointer { dyc in
                        x.withUnsafeBufferPointer { x in
                            Convolution.imageProductAndWeightGradient(
                                weight: w.baseAddress!, dyc.baseAddress!, rows: m, x.baseAddress!, g, into: &bothOut,
                                addingTo: &bothDW, workspace: &workspace)
                        }
                    }
                }
                #expect(differing(bothOut, expectedOut) == 0, "both: W · im2col(x), \(threads) thread(s)")
                #expect(differing(bothDW, expectedDW) == 0, "both: dW + dy · im2col(x)ᵀ, \(threads) thread(s)")
            }
        }
    }
}

/// How many entries of two equally long arrays differ in their bits (NaN counts as differing from anything),
/// or −1 when the lengths differ.
private func differing(_ a: [Float], _ b: [Float]) -> Int {
    a.count == b.count ? zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count : -1
}
