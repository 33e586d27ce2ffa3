// The three products a convolution layer needs, computed a few images at a time so that the column
// matrix never exists whole.
//
// im2col(x) is k²/s² times the size of x (4× for a 4×4 kernel at stride 2): for Burgess et al.'s second
// convolution at batch 64 it is 32 MB, written once and read back by the GEMM from memory. Cut into
// chunks of about 1 MB, each chunk is written and read while it is still in the core's L2 cache.
//
// The chunks change no bit of the result:
//   - `imageProduct` and `adjointProduct` cut the columns of C (the images): every entry of C is the same
//     dot product in the same order, and col2im adds into each pixel in the same (ki, kj) order.
//   - `weightGradient` cuts the shared dimension (the columns of im2col), which GEMM sums: it cuts it
//     where GEMM's own blocks end (`GemmKernel.depthBlock`), and GEMM adds each block to C in turn. On
//     several threads, the blocks after the first thread's are kept apart and added in block order.

extension Convolution {
    /// Floats of im2col columns per chunk: about 1 MB, half a Zen 5 or Sapphire Rapids core's L2.
    public static let defaultChunkFloats = 1 << 18

    /// `out[M, N·Ho·Wo] = w[M, C·k²] · im2col(x)`, with x [N, C, H, W] batch-major as `g` describes and `out`
    /// channel-major (Conv2d's forward; ConvTranspose2d's input gradient, with x its output gradient).
    public static func imageProduct(
        weight w: UnsafePointer<Float>, rows m: Int, _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        into out: UnsafeMutablePointer<Float>, workspace: inout [Float], chunkFloats: Int = defaultChunkFloats
    ) {
        let (r, plane, columns) = (g.columnRows, g.outputHeight &* g.outputWidth, g.columnCount)
        let imageSize = g.channels &* g.height &* g.width
        let operands = UncheckedSendable((w, x, out))
        forEachChunk(g, rows: m, chunkFloats: chunkFloats, workspace: &workspace) { n0, count, cols in
            let (w, x, out) = operands.value
            let width = count &* plane
            im2col(x + n0 &* imageSize, cols, g.images(count))
            gemm(m: m, n: width, k: r, a: w, lda: r, b: cols, ldb: width, c: out + n0 &* plane, ldc: columns)
        }
    }

    /// `x = col2im(w[M, C·k²]ᵀ · dyc[M, N·Ho·Wo])`, overwriting x [N, C, H, W] (batch-major, as `g` describes);
    /// dyc is channel-major (Conv2d's input gradient; ConvTranspose2d's forward, with dyc its input).
    public static func adjointProduct(
        weight w: UnsafePointer<Float>, rows m: Int, _ dyc: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        into x: UnsafeMutablePointer<Float>, workspace: inout [Float], chunkFloats: Int = defaultChunkFloats
    ) {
        let (r, plane, columns) = (g.columnRows, g.outputHeight &* g.outputWidth, g.columnCount)
        let imageSize = g.channels &* g.height &* g.width
        let operands = UncheckedSendable((w, dyc, x))
        forEachChunk(g, rows: m, chunkFloats: chunkFloats, workspace: &workspace) { n0, count, cols in
            let (w, dyc, x) = operands.value
            let width = count &* plane
            gemm(transposeA: true, m: r, n: width, k: m, a: w, lda: r, b: dyc + n0 &* plane, ldb: columns, c: cols, ldc: width)
            col2im(cols, x + n0 &* imageSize, g.images(count))
        }
    }

    /// `dw[M, C·k²] += dyc[M, N·Ho·Wo] · im2col(x)ᵀ`, x [N, C, H, W] batch-major as `g` describes (the weight
    /// gradient of Conv2d; of ConvTranspose2d with dyc its channel-major input and x its output gradient).
    /// The column matrix is built one GEMM depth block at a time: the images that block's columns come from.
    /// On several threads, each takes a run of consecutive blocks (`runDepthBlocks`); with a single block,
    /// the threads split the rows of im2col (the columns of dW) instead.
    public static func weightGradient(
        _ dyc: UnsafePointer<Float>, rows m: Int, _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        addingTo dw: UnsafeMutablePointer<Float>, workspace: inout [Float]
    ) {
        let (r, plane, columns) = (g.columnRows, g.outputHeight &* g.outputWidth, g.columnCount)
        guard columns > 0 && plane > 0 else { return }
        let imageSize = g.channels &* g.height &* g.width
        let block = GemmKernel.depthBlock(columns)
        let blocks = (columns &+ block &- 1) / block
        // A block of `block` columns starting anywhere touches at most this many images.
        let spanned = min(g.batch, (block &+ plane &- 2) / plane &+ 1)
        let threads = Parallel.threadCount
        let worth = threads > 1 && m &* r &* columns >= GemmKernel.parallelThreshold
        /// Builds rows `rows` of im2col for the images block `b` spans, in `cols`, and multiplies them into
        /// `target` (ldc r) with `beta`.
        func multiply(block b: Int, rows: Range<Int>, cols: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>,
                      beta: Float, _ dyc: UnsafePointer<Float>, _ x: UnsafePointer<Float>) {
            let pc = b &* block
            let depth = min(block, columns &- pc)
            let first = pc / plane, end = (pc &+ depth &+ plane &- 1) / plane
            let width = (end &- first) &* plane
            im2col(x + first &* imageSize, cols, g.images(end &- first), rows: rows)
            gemm(transposeB: true, m: m, n: rows.count, k: depth, a: dyc + pc, lda: columns,
                 b: cols + (pc &- first &* plane), ldb: width, beta: beta, c: target + rows.lowerBound, ldc: r)
        }
        if worth && blocks >= 2 {
            // Each block's rows of im2col a chunk at a time (about `defaultChunkFloats`), so that they are
            // still in cache when GEMM reads them; the rows are columns of dW, which GEMM computes apart.
            let group = max(1, min(r, defaultChunkFloats / (spanned &* plane)))
            let parts = min(threads, blocks)
            let columnsFloats = group &* spanned &* plane
            reserveScratch(&workspace, parts &* columnsFloats &+ apartFloats(blocks: blocks, parts: parts, productSize: m &* r))
            workspace.withUnsafeMutableBufferPointer { space in
                let base = UncheckedSendable((dyc, x, space.baseAddress!))
                runDepthBlocks(blocks, parts: parts, productSize: m &* r, dw: dw, apart: space.baseAddress! + parts &* columnsFloats) {
                    part, b, target, beta in
                    let (dyc, x, base) = base.value
                    for start in stride(from: 0, to: r, by: group) {
                        multiply(block: b, rows: start..<min(r, start &+ group), cols: base + part &* columnsFloats,
                                 target: target, beta: beta, dyc, x)
                    }
                }
            }
            return
        }
        // One block: threads split the rows of im2col, each building and multiplying its own rows.
        let parts = worth && r >= 2 &* threads ? threads : 1
        let partRows = (r &+ parts &- 1) / parts
        reserveScratch(&workspace, parts &* partRows &* spanned &* plane)
        workspace.withUnsafeMutableBufferPointer { space in
            let shared = UncheckedSendable((dyc, x, dw, space.baseAddress!))
            runParts(parts) { part in
                let (dyc, x, dw, base) = shared.value
                let rows = min(r, part &* partRows)..<min(r, (part &+ 1) &* partRows)
                guard !rows.isEmpty else { return }
                for b in 0..<blocks {
                    multiply(block: b, rows: rows, cols: base + part &* partRows &* spanned &* plane, target: dw, beta: 1, dyc, x)
                }
            }
        }
    }

    /// Both products of ConvTranspose2d's backward, which share im2col(dy): `out = w · im2col(x)` as
    /// `imageProduct` and `dw += dyc · im2col(x)ᵀ` as `weightGradient`. When GEMM's depth blocks are whole
    /// images, each block's columns are built once and feed both products (the same bits as the two
    /// calls); otherwise it makes the two calls. On several threads, each takes a run of consecutive
    /// blocks (`runDepthBlocks`).
    public static func imageProductAndWeightGradient(
        weight w: UnsafePointer<Float>, _ dyc: UnsafePointer<Float>, rows m: Int, _ x: UnsafePointer<Float>,
        _ g: ConvolutionGeometry, into out: UnsafeMutablePointer<Float>, addingTo dw: UnsafeMutablePointer<Float>,
        workspace: inout [Float]
    ) {
        let (r, plane, columns) = (g.columnRows, g.outputHeight &* g.outputWidth, g.columnCount)
        guard columns > 0 && plane > 0 else { return }
        let block = GemmKernel.depthBlock(columns)
        let blocks = (columns &+ block &- 1) / block
        let threads = Parallel.threadCount
        let worth = threads > 1 && m &* r &* columns >= GemmKernel.parallelThreshold
        let parts = worth ? min(threads, blocks) : 1
        // One block on several threads: the two products split the work better apart (images for one,
        // rows of im2col for the other) than one thread could.
        guard block % plane == 0 && !(worth && blocks == 1) else {
            imageProduct(weight: w, rows: m, x, g, into: out, workspace: &workspace)
            weightGradient(dyc, rows: m, x, g, addingTo: dw, workspace: &workspace)
            return
        }
        let imageSize = g.channels &* g.height &* g.width
        reserveScratch(&workspace, parts &* r &* block &+ apartFloats(blocks: blocks, parts: parts, productSize: m &* r))
        workspace.withUnsafeMutableBufferPointer { space in
            let shared = UncheckedSendable((w, dyc, x, out, space.baseAddress!))
            runDepthBlocks(blocks, parts: parts, productSize: m &* r, dw: dw, apart: space.baseAddress! + parts &* r &* block) {
                part, b, target, beta in
                let (w, dyc, x, out, base) = shared.value
                let cols = base + part &* r &* block
                let pc = b &* block
                let depth = min(block, columns &- pc)
                im2col(x + (pc / plane) &* imageSize, cols, g.images(depth / plane))
                gemm(m: m, n: depth, k: r, a: w, lda: r, b: cols, ldb: depth, c: out + pc, ldc: columns)
                gemm(transposeB: true, m: m, n: r, k: depth, a: dyc + pc, lda: columns, b: cols, ldb: depth,
                     beta: beta, c: target, ldc: r)
            }
        }
    }

    /// Floats `runDepthBlocks` needs at `apart`: one product for each block after the first part's.
    static func apartFloats(blocks: Int, parts: Int, productSize: Int) -> Int {
        (blocks &- blocks / parts) &* productSize
    }

    /// `body(part, block, target, beta)` for blocks 0..<blocks, each of `parts` threads taking a run of
    /// consecutive blocks; `body` multiplies block `block`'s product into `target` with `beta` (ldc as dW's).
    ///
    /// GEMM adds a depth block's product to C as C + (the block's sum from zero), block after block.
    /// So the first part adds its blocks straight into dW (beta 1), the others put each block's product
    /// at `apart` (beta 0), and after the fork those are added to dW in block order: every element of dW
    /// is the same chain of additions as one GEMM over all the blocks, on any number of threads.
    static func runDepthBlocks(
        _ blocks: Int, parts: Int, productSize: Int, dw: UnsafeMutablePointer<Float>, apart: UnsafeMutablePointer<Float>,
        _ body: (_ part: Int, _ block: Int, _ target: UnsafeMutablePointer<Float>, _ beta: Float) -> Void
    ) {
        let firstApart = blocks / parts  // where the second part's run starts
        let shared = UncheckedSendable((dw, apart))
        runParts(parts) { part in
            let (dw, apart) = shared.value
            for b in (blocks &* part / parts)..<(blocks &* (part &+ 1) / parts) {
                if b < firstApart {
                    body(part, b, dw, 1)
                } else {
                    body(part, b, apart + (b &- firstApart) &* productSize, 0)
                }
            }
        }
        guard firstApart < blocks else { return }
        // dW + each later block's product, in block order (dW + 1·product: the same sum; threads split the elements).
        parallelFor(productSize, grain: 16384) { range in
            let (dw, apart) = shared.value
            for b in 0..<(blocks &- firstApart) {
                Elementwise.axpy(1, apart + (b &* productSize &+ range.lowerBound), dw + range.lowerBound, count: range.count)
            }
        }
    }

    /// Calls `body(firstImage, images, scratch)` for consecutive chunks of the batch of `g`, each as many
    /// images as fit `chunkFloats` column entries (at least one); `rows` is M, the rows of the product.
    /// With more chunks than twice the threads and work (M·C·k²·N·Ho·Wo multiply-adds) worth a fork, each
    /// thread takes a contiguous run of chunks and runs them on its own (kernels inside see one thread);
    /// otherwise the chunks run in turn and the kernels inside use the threads as they see fit. `scratch`
    /// holds one chunk's columns, one per thread, in `workspace`.
    static func forEachChunk(
        _ g: ConvolutionGeometry, rows m: Int, chunkFloats: Int, workspace: inout [Float],
        _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        let (images, chunkEntries) = (g.batch, g.columnRows &* g.outputHeight &* g.outputWidth)  // per image
        let perChunk = max(1, min(images, chunkFloats / max(1, chunkEntries)))
        let scratchFloats = chunkEntries &* perChunk
        let needed = (images &+ perChunk &- 1) / perChunk
        let threads = Parallel.threadCount
        let worth = m &* chunkEntries &* images >= GemmKernel.parallelThreshold
        let parts = threads > 1 && needed >= 2 &* threads && worth ? threads : 1
        // As many chunks for each thread (7 chunks on 2 threads would leave one thread a chunk behind);
        // the chunks get smaller, never larger, so `scratchFloats` still holds one.
        let chunks = (needed &+ parts &- 1) / parts &* parts
        let size = (images &+ chunks &- 1) / chunks
        reserveScratch(&workspace, parts &* scratchFloats)
        workspace.withUnsafeMutableBufferPointer { space in
            let base = space.baseAddress!
            runParts(parts) { part in
                for chunk in (chunks &* part / parts)..<(chunks &* (part &+ 1) / parts) {
                    let first = chunk &* size
                    guard first < images else { continue }
                    body(first, min(size, images &- first), base + part &* scratchFloats)
                }
            }
        }
    }

    /// `run(part)` for part in 0..<parts: on the calling thread for one part, else one part per thread,
    /// each on its own (kernels inside see one thread).
    static func runParts(_ parts: Int, _ run: (Int) -> Void) {
        if parts == 1 {
            run(0)
        } else {
            parallelFor(parts, grain: 1) { range in
                Parallel.withThreadCount(1) { for part in range { run(part) } }
            }
        }
    }
}

extension ConvolutionGeometry {
    /// The same convolution over `count` images (a chunk of the batch).
    func images(_ count: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: count, channels: channels, height: height, width: width,
                            kernelSize: kernelSize, stride: stride, padding: padding)
    }
}
