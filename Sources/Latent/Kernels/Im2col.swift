// The convolution kernels: im2col, col2im and the channel-major ↔ batch-major permutations.
//
// A convolution over a whole batch is one GEMM. `im2col` lays out every receptive field as a column:
//
//     cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh·s − p + ki, ow·s − p + kj]   (0 outside the image)
//
// so `cols` is [C·k·k, N·Ho·Wo] and Conv2d's output is W[Cout, C·k·k] · cols = [Cout, N·Ho·Wo].
// `col2im` is the adjoint: it adds each column entry back onto the pixel it came from. Conv2d's
// backward and ConvTranspose2d's forward use col2im; ConvTranspose2d's backward uses im2col.

/// The geometry of a 2-D convolution (square kernel, equal stride and padding on both axes).
public struct ConvolutionGeometry: Sendable, Equatable {
    /// Batch size.
    public let batch: Int
    /// Channels of the image side (the input of Conv2d, the output of ConvTranspose2d).
    public let channels: Int
    /// Image height and width.
    public let height: Int, width: Int
    /// Kernel size, stride and zero padding.
    public let kernelSize: Int, stride: Int, padding: Int
    /// The grid of kernel positions: ⌊(H + 2p − k) / s⌋ + 1 by ⌊(W + 2p − k) / s⌋ + 1.
    public let outputHeight: Int, outputWidth: Int

    /// The geometry of sliding a k×k kernel with `stride` over an H×W image padded by `padding`.
    public init(batch: Int, channels: Int, height: Int, width: Int, kernelSize: Int, stride: Int, padding: Int) {
        precondition(kernelSize > 0 && stride > 0 && padding >= 0, "bad convolution k=\(kernelSize) s=\(stride) p=\(padding)")
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        outputHeight = (height + 2 * padding - kernelSize) / stride + 1
        outputWidth = (width + 2 * padding - kernelSize) / stride + 1
        precondition(height + 2 * padding >= kernelSize && width + 2 * padding >= kernelSize,
                     "kernel \(kernelSize) larger than the padded image \(height)×\(width) (padding \(padding))")
    }

    /// Rows of the column matrix: C·k·k.
    public var columnRows: Int { channels * kernelSize * kernelSize }
    /// Columns of the column matrix: N·Ho·Wo.
    public var columnCount: Int { batch * outputHeight * outputWidth }
}

/// The outputs o in 0..<count whose input position o·stride + offset lies in 0..<size, as a half-open range.
@inline(__always)
func insideRange(size: Int, count: Int, offset: Int, stride: Int) -> (Int, Int) {
    let last = size - 1 - offset  // o·stride ≤ last
    if last < 0 { return (0, 0) }
    let end = min(count, last / stride + 1)
    let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    return (min(start, end), end)
}

/// Im2col / col2im over a whole batch, multithreaded with `parallelFor`.
///
/// Two loop orders, same result: for kernel grids of at least `smallPlane` positions the innermost
/// loop runs along an output row (contiguous for stride 1); for tiny grids (the 3×3 and 1×1 layers of
/// a small network) it runs over the batch instead, so that each loop is long enough to pay for itself.
public enum Convolution {
    /// Kernel grids (Ho·Wo) below this size use the batch-innermost loop order.
    public static let smallPlane = 16

    /// For each kernel offset 0..<k, the half-open range of grid positions whose input index
    /// (position·s − p + offset) lies inside 0..<size.
    static func insideRanges(size: Int, count: Int, kernelSize: Int, stride: Int, padding: Int) -> [(Int, Int)] {
        (0..<kernelSize).map { insideRange(size: size, count: count, offset: $0 - padding, stride: stride) }
    }

    /// Fills `cols` [C·k·k, N·Ho·Wo] with the receptive fields of `x` [N, C, H, W] (zeros in the padding).
    /// With `rows`, only those rows of cols are built, stored from `cols` on.
    public static func im2col(
        _ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry, rows: Range<Int>? = nil
    ) {
        let k = g.kernelSize, s = g.stride, p = g.padding
        let (ho, wo, h, w, batch) = (g.outputHeight, g.outputWidth, g.height, g.width, g.batch)
        let plane = ho &* wo, columnCount = g.columnCount, imageSize = g.channels &* h &* w
        let rowRanges = insideRanges(size: h, count: ho, kernelSize: k, stride: s, padding: p)
        let columnRanges = insideRanges(size: w, count: wo, kernelSize: k, stride: s, padding: p)
        let end = x + batch &* imageSize  // loads of 32 floats for stride 2 stay below this
        let shared = UncheckedSendable((x, cols, rowRanges, columnRanges))
        // One item = one row (c, ki, kj) of cols: every image's Ho·Wo entries for that kernel tap.
        let built = rows ?? 0..<g.columnRows
        parallelFor(built.count, grain: max(1, 16384 / max(columnCount, 1))) { range in
            let (x, cols, rowRanges, columnRanges) = shared.value
            for item in range {
                let row = built.lowerBound &+ item
                let c = row / (k &* k), ki = (row / k) % k, kj = row % k
                let (ohStart, ohEnd) = rowRanges[ki], (owStart, owEnd) = columnRanges[kj]
                let destination = cols + item &* columnCount
                let source = x + c &* h &* w
                if plane < smallPlane {
                    for oh in 0..<ho {
                        for ow in 0..<wo {
                            let out = destination + (oh &* wo &+ ow)
                            if oh < ohStart || oh >= ohEnd || ow < owStart || ow >= owEnd {
                                for n in 0..<batch { out[n &* plane] = 0 }
                            } else {
                                let input = source + ((oh &* s &- p &+ ki) &* w &+ ow &* s &- p &+ kj)
                                for n in 0..<batch { out[n &* plane] = input[n &* imageSize] }
                            }
                        }
                    }
                    continue
                }
                // Writes may run up to 16 floats past an output row (into the next one, written after it)
                // but never past this row of cols, which is this thread's.
                let stop = destination + columnCount
                @inline(__always) func zero(_ out: UnsafeMutablePointer<Float>, _ count: Int) {
                    if count <= 16 && out + 16 <= stop {
                        UnsafeMutableRawPointer(out).storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
                    } else {
                        out.update(repeating: 0, count: count)
                    }
                }
                for n in 0..<batch {
                    let image = source + n &* imageSize
                    let outPlane = destination + n &* plane
                    for oh in 0..<ho {
                        let out = outPlane + oh &* wo
                        if oh < ohStart || oh >= ohEnd {
                            zero(out, wo)
                            continue
                        }
                        let inRow = image + ((oh &* s &- p &+ ki) &* w &- p &+ kj)  // inRow[ow·s] is x[…, iw]
                        if owStart > 0 { zero(out, owStart) }
                        if s == 1 {
                            (out + owStart).update(from: inRow + owStart, count: owEnd &- owStart)
                        } else {
                            var ow = owStart
                            if s == 2 {
                                // Sixteen outputs at a time: the even ones of 32 consecutive inputs. The last
                                // step may run past owEnd (a row of 15 is common): those entries are zeroed
                                // below or belong to the next output row.
                                while ow < owEnd && out + (ow &+ 16) <= stop && inRow + (ow &* 2 &+ 32) <= end {
                                    let source = UnsafeRawPointer(inRow + ow &* 2)
                                    let evens = Convolution.evenLanes(source.loadUnaligned(as: SIMD16<Float>.self),
                                                                      source.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
                                    UnsafeMutableRawPointer(out + ow).storeBytes(of: evens, as: SIMD16<Float>.self)
                                    ow &+= 16
                                }
                            }
                            while ow < owEnd {
                                out[ow] = inRow[ow &* s]
                                ow &+= 1
                            }
                        }
                        if owEnd < wo { zero(out + owEnd, wo &- owEnd) }
                    }
                }
            }
        }
    }

    /// Overwrites `x` [N, C, H, W] with the sum of `cols` [C·k·k, N·Ho·Wo] folded back onto its pixels.
    public static func col2im(_ cols: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
        let k = g.kernelSize, s = g.stride, p = g.padding
        let (ho, wo, h, w, batch, channels) = (g.outputHeight, g.outputWidth, g.height, g.width, g.batch, g.channels)
        let plane = ho &* wo, columnCount = g.columnCount, imageSize = channels &* h &* w
        let rowRanges = insideRanges(size: h, count: ho, kernelSize: k, stride: s, padding: p)
        let columnRanges = insideRanges(size: w, count: wo, kernelSize: k, stride: s, padding: p)
        let colsEnd = cols + g.columnRows &* columnCount  // stride-2 loads of 16 floats stay below this
        let shared = UncheckedSendable((cols, x, rowRanges, columnRanges))
        if plane < smallPlane {
            // One item = one channel c: the rows (c, ·, ·) of cols fold onto x[·, c] of every image.
            parallelFor(channels, grain: max(1, 16384 / max(k * k * columnCount, 1))) { range in
                let (cols, x, rowRanges, columnRanges) = shared.value
                for c in range {
                    let target = x + c &* h &* w
                    for n in 0..<batch { (target + n &* imageSize).update(repeating: 0, count: h &* w) }
                    for ki in 0..<k {
                        let (ohStart, ohEnd) = rowRanges[ki]
                        for kj in 0..<k {
                            let (owStart, owEnd) = columnRanges[kj]
                            let source = cols + ((c &* k &+ ki) &* k &+ kj) &* columnCount
                            for oh in ohStart..<ohEnd {
                                for ow in owStart..<owEnd {
                                    let input = source + (oh &* wo &+ ow)
                                    let out = target + ((oh &* s &- p &+ ki) &* w &+ ow &* s &- p &+ kj)
                                    for n in 0..<batch { out[n &* imageSize] += input[n &* plane] }
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        if channels >= 2 * Parallel.threadCount {
            // One item = one channel c, reading its k² rows of cols front to back (streams the
            // prefetcher follows) and adding into x[·, c], which stays in cache.
            parallelFor(channels, grain: 1) { range in
                let (cols, x, rowRanges, columnRanges) = shared.value
                for c in range {
                    let target = x + c &* h &* w
                    for n in 0..<batch { (target + n &* imageSize).update(repeating: 0, count: h &* w) }
                    for ki in 0..<k {
                        let (ohStart, ohEnd) = rowRanges[ki]
                        for kj in 0..<k {
                            let (owStart, owEnd) = columnRanges[kj]
                            let source = cols + ((c &* k &+ ki) &* k &+ kj) &* columnCount
                            for n in 0..<batch {
                                let image = target + n &* imageSize
                                let inPlane = source + n &* plane
                                let planeEnd = image + h &* w
                                for oh in ohStart..<ohEnd {
                                    let outRow = image + ((oh &* s &- p &+ ki) &* w &- p &+ kj)  // outRow[ow·s] is x[…, iw]
                                    let inRow = inPlane + oh &* wo
                                    var ow = s == 2 ? addStrideTwo(inRow, outRow, from: owStart, to: owEnd, below: planeEnd,
                                                                   inputLimit: colsEnd) : owStart
                                    while ow < owEnd {
                                        outRow[ow &* s] += inRow[ow]
                                        ow &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        // One item = one (image, channel) plane of x: its writers are disjoint from other items'.
        parallelFor(batch &* channels, grain: max(1, 16384 / max(k * k * plane, 1))) { range in
            let (cols, x, rowRanges, columnRanges) = shared.value
            var n = range.lowerBound / channels, c = range.lowerBound % channels
            for item in range {
                let destination = x + item &* h &* w
                destination.update(repeating: 0, count: h &* w)
                for ki in 0..<k {
                    let (ohStart, ohEnd) = rowRanges[ki]
                    for kj in 0..<k {
                        let (owStart, owEnd) = columnRanges[kj]
                        let source = cols + (((c &* k &+ ki) &* k &+ kj) &* columnCount &+ n &* plane)
                        for oh in ohStart..<ohEnd {
                            let outRow = destination + ((oh &* s &- p &+ ki) &* w &- p &+ kj)  // outRow[ow·s] is x[…, iw]
                            let inRow = source + oh &* wo
                            var ow = owStart
                            if s == 1 {
                                while ow < owEnd {
                                    outRow[ow] += inRow[ow]
                                    ow &+= 1
                                }
                            } else {
                                if s == 2 {
                                    ow = addStrideTwo(inRow, outRow, from: ow, to: owEnd, below: destination + h &* w, inputLimit: colsEnd)
                                }
                                while ow < owEnd {
                                    outRow[ow &* s] += inRow[ow]
                                    ow &+= 1
                                }
                            }
                        }
                    }
                }
                c &+= 1
                if c == channels { c = 0; n &+= 1 }
            }
        }
    }

    /// Lanes 0, 2, …, 14 of `low` then of `high`: the stride-2 samples of 32 consecutive floats.
    @inline(__always)
    static func evenLanes(_ low: SIMD16<Float>, _ high: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(low[0], low[2], low[4], low[6], low[8], low[10], low[12], low[14],
               high[0], high[2], high[4], high[6], high[8], high[10], high[12], high[14])
    }

    /// `outRow[2·ow] += inRow[ow]` for ow in start..<end, sixteen at a time while the 16 floats a step reads
    /// lie below `inputLimit` and the 32 it reads and writes back lie below `limit` (the end of the plane
    /// this thread owns); returns where it stopped. Floats it does not add to are stored back unchanged,
    /// the others get exactly the scalar loop's sum.
    @inline(__always)
    static func addStrideTwo(
        _ inRow: UnsafePointer<Float>, _ outRow: UnsafeMutablePointer<Float>, from start: Int, to end: Int,
        below limit: UnsafeMutablePointer<Float>, inputLimit: UnsafePointer<Float>
    ) -> Int {
        var ow = start
        // Lane 2i of a step's low half adds v[i], lane 2i of its high half v[8 + i], while i < count: a
        // lane is added when its key is below 2·count (odd lanes carry 256 and never are).
        let lowKey = SIMD16<Int32>(0, 257, 2, 259, 4, 261, 6, 263, 8, 265, 10, 267, 12, 269, 14, 271)
        let highKey = lowKey &+ 16
        while ow < end && outRow + (ow &* 2 &+ 32) <= limit && inRow + (ow &+ 16) <= inputLimit {
            let twiceCount = SIMD16<Int32>(repeating: Int32(2 &* min(16, end &- ow)))
            let v = UnsafeRawPointer(inRow + ow).loadUnaligned(as: SIMD16<Float>.self)
            let spreadLow = SIMD16(v[0], 0, v[1], 0, v[2], 0, v[3], 0, v[4], 0, v[5], 0, v[6], 0, v[7], 0)
            let spreadHigh = SIMD16(v[8], 0, v[9], 0, v[10], 0, v[11], 0, v[12], 0, v[13], 0, v[14], 0, v[15], 0)
            let target = UnsafeMutableRawPointer(outRow + ow &* 2)
            let low = target.loadUnaligned(as: SIMD16<Float>.self)
            let high = target.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            target.storeBytes(of: low.replacing(with: low + spreadLow, where: lowKey .< twiceCount), as: SIMD16<Float>.self)
            target.storeBytes(of: high.replacing(with: high + spreadHigh, where: highKey .< twiceCount), toByteOffset: 64,
                              as: SIMD16<Float>.self)
            ow &+= 16
        }
        return min(ow, max(end, start))
    }

    /// Batch-major [N, C, P] → channel-major [C, N·P] (the layout GEMM produces and consumes).
    public static func toChannelMajor(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        let shared = UncheckedSendable((x, out))
        parallelFor(batch &* channels, grain: max(1, 8192 / max(plane, 1))) { range in
            let (x, out) = shared.value
            for item in range {
                let n = item / channels, c = item % channels
                (out + (c &* batch &+ n) &* plane).update(from: x + item &* plane, count: plane)
            }
        }
    }

    /// Channel-major [C, N·P] → batch-major [N, C, P], adding `bias[c]` to every element when given.
    public static func toBatchMajor(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int,
        bias: UnsafePointer<Float>? = nil
    ) {
        let shared = UncheckedSendable((x, out, bias))
        parallelFor(batch &* channels, grain: max(1, 8192 / max(plane, 1))) { range in
            let (x, out, bias) = shared.value
            for item in range {
                let n = item / channels, c = item % channels
                let source = x + (c &* batch &+ n) &* plane
                let destination = out + item &* plane
                if let bias {
                    let b = bias[c]
                    for i in 0..<plane { destination[i] = source[i] + b }
                } else {
                    destination.update(from: source, count: plane)
                }
            }
        }
    }

    /// `sums[c] += Σₙ Σₚ x[n, c, p]` for x [N, C, P] (a convolution's bias gradient).
    public static func addChannelSums(
        _ x: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        let shared = UncheckedSendable((x, sums))
        parallelFor(channels, grain: max(1, 16384 / max(batch * plane, 1))) { range in
            let (x, sums) = shared.value
            for c in range {
                var total = 0.0
                for n in 0..<batch {
                    total += Double(Elementwise.sum(x + (n &* channels &+ c) &* plane, count: plane))
                }
                sums[c] += Float(total)
            }
        }
    }
}

/// Makes `buffer` hold exactly `count` floats, reallocating only when the size changes (the contents
/// are then zeros; otherwise they are left as they were, for the caller to overwrite).
@inline(__always)
func resizeScratch(_ buffer: inout [Float], _ count: Int) {
    if buffer.count != count { buffer = [Float](repeating: 0, count: count) }
}

/// Makes `buffer` hold at least `count` floats (a workspace several products share: it only grows, so
/// products of different sizes do not reallocate it in turn). The contents are left for the caller to
/// overwrite.
@inline(__always)
func reserveScratch(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}
