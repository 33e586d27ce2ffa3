/// A decoded JPEG image: 8-bit samples stored planar, one plane per channel.
public struct JPEGImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 1 (grayscale) or 3 (RGB).
    public let channels: Int
    /// Samples, planar: `[channels, height, width]` (all of R, then all of G, then all of B).
    public var pixels: [UInt8]

    /// An image of the given size and planar samples (`pixels.count == channels * height * width`).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "JPEGImage: pixel count mismatch")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The samples interleaved per pixel: `[height, width, channels]` (RGBRGB…), as PPM/PNG store them.
    public func interleaved() -> [UInt8] {
        if channels == 1 { return pixels }
        let plane = width * height
        var out = [UInt8](repeating: 0, count: pixels.count)
        for i in 0..<plane {
            for c in 0..<channels { out[i * channels + c] = pixels[c * plane + i] }
        }
        return out
    }
}

/// A baseline and progressive JPEG decoder (ITU T.81 sequential and progressive DCT, Huffman coding,
/// 8-bit), pure Swift.
///
/// Handles grayscale and YCbCr (or Adobe RGB) images, any sampling factors, restart intervals, and
/// skips APPn/COM segments. It reproduces libjpeg's default output: the integer "islow" IDCT, "fancy"
/// (triangle-filter) chroma upsampling for 2×1, 2×2 and 1×2 subsampling, and JFIF YCbCr→RGB with the
/// same fixed-point rounding. Progressive files (spectral selection, successive approximation, see
/// `JPEGProgressive`) are gathered into coefficients over all their scans, then go through the same
/// steps (after libjpeg's block smoothing when the scans stop before the first AC coefficients are
/// complete). Arithmetic-coded, lossless, hierarchical and 12-bit files are rejected with
/// `JPEGError.unsupported`; malformed data throws, with the byte offset.
///
/// Memory: the sample planes (one byte per sample, padded to whole MCUs), plus two bytes per sample of
/// coefficients for a progressive file; both are bounded before they are allocated by `maxPixels` and by
/// the file's size (every block codes at least one bit).
///
/// A decoder keeps its working buffers between calls, so reuse one per thread to decode many files.
/// It is not thread-safe.
public final class JPEGDecoder {
    /// The largest `width * height` accepted; larger declared sizes throw before anything is allocated.
    public let maxPixels: Int

    /// A frame component (from SOF) and its decoding state.
    struct Component {
        var id: UInt8
        var h: Int
        var v: Int
        var quantTable: Int
        /// Samples this component really has: ceil(width * h / hmax) × ceil(height * v / vmax).
        var width = 0
        var height = 0
        /// The allocated plane, padded to whole MCUs.
        var stride = 0
        var planeRows = 0
        var planeOffset = 0
        var dcTable = 0
        var acTable = 0
        var predictor: Int32 = 0
        var decoded = false
    }

    private var quant: UnsafeMutablePointer<Int32>
    private var quantDefined = [false, false, false, false]
    private let dcTables = (0..<4).map { _ in JPEGHuffmanTable() }
    private let acTables = (0..<4).map { _ in JPEGHuffmanTable() }
    private var dcDefined = [false, false, false, false]
    private var acDefined = [false, false, false, false]
    private let block: UnsafeMutablePointer<SIMD8<Int32>>
    private let scratch: UnsafeMutablePointer<SIMD8<Int32>>
    private let zigzag: UnsafeMutablePointer<UInt8>
    private var planes: UnsafeMutablePointer<UInt8>
    private var planesCapacity = 0
    private var rows: UnsafeMutablePointer<UInt8>
    private var rowsCapacity = 0
    /// Column sums of the vertical triangle filter (h2v2 upsampling), one row.
    private var sums: UnsafeMutablePointer<Int32>
    private var sumsCapacity = 0

    private var width = 0
    private var height = 0
    private var components: [Component] = []
    private var hMax = 1
    private var vMax = 1
    private var restartInterval = 0
    private var adobeTransform = -1
    private var sawJFIF = false
    private var planesReady = false
    /// Whether the frame is progressive (SOF2): scans then fill `progression`, turned into samples at EOI.
    private var progressive = false
    private let progression = JPEGProgressive()

    /// Natural (row-major) index of the k-th coefficient in zigzag order.
    static let zigzagOrder: [UInt8] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53,
        60, 61, 54, 47, 55, 62, 63,
    ]

    /// A decoder accepting images of at most `maxPixels` pixels (default 64 Mpx).
    public init(maxPixels: Int = 1 << 26) {
        self.maxPixels = maxPixels
        quant = .allocate(capacity: 4 * 64)
        quant.initialize(repeating: 0, count: 4 * 64)
        block = .allocate(capacity: 8)
        block.initialize(repeating: .zero, count: 8)
        scratch = .allocate(capacity: 8)
        scratch.initialize(repeating: .zero, count: 8)
        zigzag = .allocate(capacity: 64)
        zigzag.initialize(from: Self.zigzagOrder, count: 64)
        planes = .allocate(capacity: 1)
        rows = .allocate(capacity: 1)
        sums = .allocate(capacity: 1)
    }

    deinit {
        quant.deallocate()
        block.deallocate()
        scratch.deallocate()
        zigzag.deallocate()
        planes.deallocate()
        rows.deallocate()
        sums.deallocate()
    }

    /// Decodes a JPEG held in a byte array.
    public func decode(_ data: [UInt8]) throws(JPEGError) -> JPEGImage {
        let result: Result<JPEGImage, JPEGError> = data.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return .failure(.truncated(offset: 0, expected: "the SOI marker (0xFFD8)"))
            }
            return Result { () throws(JPEGError) -> JPEGImage in try decode(base: base, count: buffer.count) }
        }
        return try result.get()
    }

    /// Decodes a JPEG from raw bytes (e.g. a memory-mapped file or a ZIP member).
    public func decode(_ data: UnsafeRawBufferPointer) throws(JPEGError) -> JPEGImage {
        guard let raw = data.baseAddress, data.count > 0 else {
            throw .truncated(offset: 0, expected: "the SOI marker (0xFFD8)")
        }
        return try decode(base: raw.assumingMemoryBound(to: UInt8.self), count: data.count)
    }

    /// Decodes `data` with a fresh decoder (convenience; reuse a `JPEGDecoder` for many images).
    public static func decode(_ data: [UInt8]) throws(JPEGError) -> JPEGImage {
        try JPEGDecoder().decode(data)
    }

    // MARK: - Markers

    private func reset() {
        quantDefined = [false, false, false, false]
        dcDefined = [false, false, false, false]
        acDefined = [false, false, false, false]
        width = 0
        height = 0
        components = []
        hMax = 1
        vMax = 1
        restartInterval = 0
        adobeTransform = -1
        sawJFIF = false
        planesReady = false
        progressive = false
    }

    private func decode(base d: UnsafePointer<UInt8>, count n: Int) throws(JPEGError) -> JPEGImage {
        reset()
        guard n >= 2 else { throw .truncated(offset: n, expected: "the SOI marker (0xFFD8)") }
        guard d[0] == 0xFF, d[1] == 0xD8 else {
            throw .unexpectedMarker(offset: 0, found: d[1], expected: "SOI (0xFFD8) at the start of the file")
        }
        var pos = 2
        while true {
            guard pos < n else {
                // EOI missing after complete data: accept (a progressive file may lack its last scans: refuse).
                if allDecoded && !progressive { return try output() }
                throw .truncated(offset: n, expected: progressive ? "another scan or EOI" : "a marker")
            }
            guard d[pos] == 0xFF else {
                throw .malformed(offset: pos, reason: "expected a marker (0xFF), found 0x\(String(d[pos], radix: 16))")
            }
            while pos < n && d[pos] == 0xFF { pos += 1 }
            guard pos < n else { throw .truncated(offset: n, expected: "a marker code") }
            let marker = d[pos]
            let markerOffset = pos - 1
            pos += 1
            switch marker {
            case 0xD9:
                guard allDecoded else {
                    throw .unexpectedMarker(
                        offset: markerOffset, found: marker,
                        expected: progressive ? "a DC scan of every component before EOI" : "a scan for every component before EOI")
                }
                if progressive {
                    progression.reconstruct(
                        into: components.map { planes + $0.planeOffset }, strides: components.map(\.stride))
                }
                return try output()
            case 0x01:
                continue
            case 0x00, 0xD0...0xD8:
                throw .unexpectedMarker(offset: markerOffset, found: marker, expected: "a segment marker")
            default:
                break
            }
            guard pos + 2 <= n else { throw .truncated(offset: n, expected: "a segment length") }
            let length = Int(d[pos]) << 8 | Int(d[pos + 1])
            guard length >= 2 else {
                throw .malformed(offset: pos, reason: "segment length \(length) (at least 2)")
            }
            guard pos + length <= n else {
                throw .truncated(offset: n, expected: "\(length - 2) bytes of segment 0xFF\(String(marker, radix: 16, uppercase: true))")
            }
            let start = pos + 2
            let end = pos + length
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                try readFrame(d, start, end, markerOffset: markerOffset)
                progressive = marker == 0xC2
            case 0xC3, 0xC7:
                throw .unsupported(offset: markerOffset, kind: "lossless")
            case 0xC5, 0xC6:
                throw .unsupported(offset: markerOffset, kind: "hierarchical")
            case 0xC9, 0xCB, 0xCC, 0xCD, 0xCF:
                throw .unsupported(offset: markerOffset, kind: "arithmetic-coded")
            case 0xCA, 0xCE:
                throw .unsupported(offset: markerOffset, kind: "progressive, arithmetic-coded")
            case 0xC4:
                try readHuffmanTables(d, start, end)
            case 0xDB:
                try readQuantTables(d, start, end)
            case 0xDD:
                guard length == 4 else { throw .malformed(offset: start, reason: "DRI length \(length) (expected 4)") }
                restartInterval = Int(d[start]) << 8 | Int(d[start + 1])
            case 0xDC:
                throw .unsupported(offset: markerOffset, kind: "height defined by a DNL marker")
            case 0xE0:
                if end - start >= 5, d[start] == 0x4A, d[start + 1] == 0x46, d[start + 2] == 0x49, d[start + 3] == 0x46,
                    d[start + 4] == 0
                {
                    sawJFIF = true
                }
            case 0xEE:
                if end - start >= 12, d[start] == 0x41, d[start + 1] == 0x64, d[start + 2] == 0x6F,
                    d[start + 3] == 0x62, d[start + 4] == 0x65
                {
                    adobeTransform = Int(d[start + 11])
                }
            case 0xDA:
                pos = try readScan(d, n, start, end, markerOffset: markerOffset)
                continue
            default:
                break  // APPn, COM and anything else with a length: skipped
            }
            pos = end
        }
    }

    private var allDecoded: Bool { !components.isEmpty && components.allSatisfy(\.decoded) }

    private func readFrame(_ d: UnsafePointer<UInt8>, _ start: Int, _ end: Int, markerOffset: Int) throws(JPEGError) {
        guard components.isEmpty else { throw .malformed(offset: markerOffset, reason: "a second SOF marker") }
        guard end - start >= 6 else { throw .truncated(offset: end, expected: "the 6-byte SOF header") }
        let precision = Int(d[start])
        guard precision == 8 else { throw .unsupported(offset: start, kind: "\(precision)-bit samples") }
        let h = Int(d[start + 1]) << 8 | Int(d[start + 2])
        let w = Int(d[start + 3]) << 8 | Int(d[start + 4])
        let count = Int(d[start + 5])
        guard h > 0 else { throw .unsupported(offset: start + 1, kind: "height defined by a DNL marker") }
        guard w > 0 else { throw .malformed(offset: start + 3, reason: "image width 0") }
        guard w * h <= maxPixels else { throw .tooLarge(offset: start + 1, width: w, height: h, maxPixels: maxPixels) }
        guard count == 1 || count == 3 else {
            throw .unsupported(offset: start + 5, kind: "\(count) components (only 1 or 3)")
        }
        guard end - start == 6 + 3 * count else {
            throw .malformed(offset: start, reason: "SOF length \(end - start + 2) for \(count) components (expected \(8 + 3 * count))")
        }
        var comps: [Component] = []
        for i in 0..<count {
            let p = start + 6 + 3 * i
            let id = d[p]
            let hs = Int(d[p + 1] >> 4)
            let vs = Int(d[p + 1] & 15)
            let tq = Int(d[p + 2])
            guard (1...4).contains(hs), (1...4).contains(vs) else {
                throw .malformed(offset: p + 1, reason: "sampling factors \(hs)×\(vs) (each must be 1...4)")
            }
            guard tq < 4 else { throw .malformed(offset: p + 2, reason: "quantization table \(tq) (at most 3)") }
            guard !comps.contains(where: { $0.id == id }) else {
                throw .malformed(offset: p, reason: "component id \(id) used twice")
            }
            comps.append(Component(id: id, h: hs, v: vs, quantTable: tq))
        }
        hMax = comps.map(\.h).max() ?? 1
        vMax = comps.map(\.v).max() ?? 1
        for (i, c) in comps.enumerated() where hMax % c.h != 0 || vMax % c.v != 0 {
            throw .unsupported(
                offset: start + 7 + 3 * i,
                kind: "sampling factors \(c.h)×\(c.v) that do not divide \(hMax)×\(vMax)")
        }
        if count > 1 {
            let blocks = comps.reduce(0) { $0 + $1.h * $1.v }
            guard blocks <= 10 else { throw .malformed(offset: start + 6, reason: "\(blocks) blocks per MCU (at most 10)") }
        }
        width = w
        height = h
        components = comps
    }

    private func readQuantTables(_ d: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(JPEGError) {
        var p = start
        while p < end {
            let precision = Int(d[p] >> 4)
            let id = Int(d[p] & 15)
            guard precision <= 1 else { throw .malformed(offset: p, reason: "quantization table precision \(precision)") }
            guard id < 4 else { throw .malformed(offset: p, reason: "quantization table id \(id) (at most 3)") }
            let size = precision == 0 ? 64 : 128
            guard p + 1 + size <= end else { throw .truncated(offset: end, expected: "\(size) bytes of quantization table") }
            for k in 0..<64 {
                let value =
                    precision == 0 ? Int32(d[p + 1 + k]) : Int32(d[p + 1 + 2 * k]) << 8 | Int32(d[p + 2 + 2 * k])
                quant[id * 64 + Int(Self.zigzagOrder[k])] = value
            }
            quantDefined[id] = true
            p += 1 + size
        }
    }

    private func readHuffmanTables(_ d: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(JPEGError) {
        var p = start
        while p < end {
            let tableClass = Int(d[p] >> 4)
            let id = Int(d[p] & 15)
            guard tableClass <= 1, id < 4 else {
                throw .malformed(offset: p, reason: "Huffman table class \(tableClass) id \(id)")
            }
            guard p + 17 <= end else { throw .truncated(offset: end, expected: "16 Huffman code counts") }
            let counts = (0..<16).map { Int(d[p + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard p + 17 + total <= end else { throw .truncated(offset: end, expected: "\(total) Huffman symbols") }
            let symbols = (0..<total).map { d[p + 17 + $0] }
            let table = tableClass == 0 ? dcTables[id] : acTables[id]
            if let problem = table.build(counts: counts, symbols: symbols) {
                throw .malformed(offset: p, reason: problem)
            }
            if tableClass == 0 { dcDefined[id] = true } else { acDefined[id] = true }
            p += 17 + total
        }
    }

    /// Sizes the component planes once the frame is known (at the first scan, whose entropy-coded data
    /// starts at `dataStart` of a file of `fileEnd` bytes).
    private func preparePlanes(markerOffset: Int, dataStart: Int, fileEnd: Int) throws(JPEGError) {
        guard !components.isEmpty else { throw .malformed(offset: markerOffset, reason: "SOS before SOF") }
        let mcusX = (width + 8 * hMax - 1) / (8 * hMax)
        let mcusY = (height + 8 * vMax - 1) / (8 * vMax)
        var total = 0
        var widest = 0
        for i in components.indices {
            let c = components[i]
            components[i].width = (width * c.h + hMax - 1) / hMax
            components[i].height = (height * c.v + vMax - 1) / vMax
            components[i].stride = mcusX * c.h * 8
            components[i].planeRows = mcusY * c.v * 8
            components[i].planeOffset = total
            total += components[i].stride * components[i].planeRows
            widest = max(widest, components[i].stride)
        }
        // Padding to whole MCUs can multiply the area of a thin image (1×N at 4×4 sampling: 32×);
        // keep the allocation bounded by the pixel limit all the same.
        guard total <= 6 * maxPixels else {
            throw .tooLarge(offset: markerOffset, width: width, height: height, maxPixels: maxPixels)
        }
        // Every block of every component codes at least one bit (its DC symbol, in a sequential or a
        // progressive file), so data too short for the declared blocks cannot decode: refuse it before
        // allocating for them. Memory then grows with the blocks the file can code, not only with the
        // size its header declares.
        let blocks = components.reduce(0) { $0 + (($1.width + 7) / 8) * (($1.height + 7) / 8) }
        guard blocks <= 8 * (fileEnd - dataStart) else {
            throw .truncated(offset: fileEnd, expected: "entropy-coded data for \(blocks) blocks (at least \((blocks + 7) / 8) bytes)")
        }
        if total > planesCapacity {
            planes.deallocate()
            planes = .allocate(capacity: total)
            planesCapacity = total
        }
        let rowBytes = 3 * (4 * widest + 64)
        if rowBytes > rowsCapacity {
            rows.deallocate()
            rows = .allocate(capacity: rowBytes)
            rowsCapacity = rowBytes
        }
        if widest + 32 > sumsCapacity {
            sums.deallocate()
            sums = .allocate(capacity: widest + 32)
            sumsCapacity = widest + 32
        }
        if progressive {
            // 64 coefficients per 64 samples of the planes: bounded by the same limit.
            let grids = components.map { c in
                JPEGProgressive.Grid(
                    h: c.h, v: c.v, blocksWide: c.stride / 8, blocksHigh: c.planeRows / 8, usedWide: (c.width + 7) / 8,
                    usedHigh: (c.height + 7) / 8)
            }
            progression.prepare(grids: grids, mcusX: mcusX, mcusY: mcusY)
        }
        planesReady = true
    }

    // MARK: - Scans

    private func readScan(
        _ d: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, markerOffset: Int
    ) throws(JPEGError) -> Int {
        if !planesReady { try preparePlanes(markerOffset: markerOffset, dataStart: end, fileEnd: n) }
        guard end > start else { throw .truncated(offset: end, expected: "the SOS component count") }
        let count = Int(d[start])
        guard (1...components.count).contains(count), end - start == 4 + 2 * count else {
            throw .malformed(offset: start, reason: "SOS with \(count) components and length \(end - start + 2)")
        }
        let ss = Int(d[end - 3])
        let se = Int(d[end - 2])
        let approx = d[end - 1]
        if !progressive {
            guard ss == 0, se == 63, approx == 0 else {
                throw .malformed(offset: end - 3, reason: "spectral selection \(ss)...\(se), approximation \(approx) in a sequential scan")
            }
        }
        // The tables the scan codes with: both in a sequential scan; in a progressive one the DC table
        // (first DC scan), the AC table (AC scans) or none (DC refinement: raw bits).
        let needsDC = !progressive || (ss == 0 && approx >> 4 == 0)
        let needsAC = !progressive || ss > 0
        var scan: [Int] = []
        for i in 0..<count {
            let p = start + 1 + 2 * i
            guard let index = components.firstIndex(where: { $0.id == d[p] }) else {
                throw .malformed(offset: p, reason: "scan names component id \(d[p]), not in the frame")
            }
            guard !scan.contains(index), progressive || !components[index].decoded else {
                throw .malformed(offset: p, reason: "component id \(d[p]) scanned twice")
            }
            let td = Int(d[p + 1] >> 4)
            let ta = Int(d[p + 1] & 15)
            if needsDC {
                guard td < 4, dcDefined[td] else { throw .malformed(offset: p + 1, reason: "DC Huffman table \(td) not defined") }
            }
            if needsAC {
                guard ta < 4, acDefined[ta] else { throw .malformed(offset: p + 1, reason: "AC Huffman table \(ta) not defined") }
            }
            let tq = components[index].quantTable
            if !progressive || !progression.isLatched(index) {
                guard quantDefined[tq] else { throw .malformed(offset: p, reason: "quantization table \(tq) not defined") }
            }
            components[index].dcTable = td
            components[index].acTable = ta
            components[index].predictor = 0
            scan.append(index)
        }
        if count > 1 {
            let blocks = scan.reduce(0) { $0 + components[$1].h * components[$1].v }
            guard blocks <= 10 else { throw .malformed(offset: start, reason: "\(blocks) blocks per MCU (at most 10)") }
        }
        var reader = JPEGBitReader(base: d, end: n, position: end)
        if progressive {
            try decodeProgressiveScan(&reader, scan: scan, ss: ss, se: se, approx: approx, offset: end - 3)
        } else {
            try decodeEntropy(&reader, scan: scan)
            for i in scan { components[i].decoded = true }
        }
        // Find the marker that follows the scan (skipping any stray bytes, as libjpeg does).
        var p = reader.position
        while p + 1 < n {
            if d[p] == 0xFF && d[p + 1] != 0 && d[p + 1] != 0xFF && !(0xD0...0xD7).contains(d[p + 1]) { return p }
            p += 1
        }
        return n
    }

    /// Checks a progressive scan's band and approximation (`offset`: the byte of Ss), latches the
    /// quantization tables of components seen for the first time, and decodes the scan's coefficients.
    private func decodeProgressiveScan(
        _ reader: inout JPEGBitReader, scan: [Int], ss: Int, se: Int, approx: UInt8, offset: Int
    ) throws(JPEGError) {
        let kind = try progression.begin(
            components: scan, ss: ss, se: se, ah: Int(approx >> 4), al: Int(approx & 15), offset: offset)
        for i in scan { progression.latchQuantization(i, table: quant + 64 * components[i].quantTable) }
        let tables: [JPEGHuffmanLookup?] = scan.map { i in
            switch kind {
            case .dcFirst: return dcTables[components[i].dcTable].lookup
            case .acFirst, .acRefine: return acTables[components[i].acTable].lookup
            case .dcRefine: return nil
            }
        }
        let description = JPEGProgressive.Scan(
            components: scan, tables: tables, ss: ss, se: se, al: Int(approx & 15), kind: kind)
        try progression.decode(description, &reader, restartInterval: restartInterval)
        for i in scan where progression.hasDC(i) { components[i].decoded = true }
    }

    private func decodeEntropy(_ reader: inout JPEGBitReader, scan: [Int]) throws(JPEGError) {
        let mcusX: Int
        let mcusY: Int
        let single = scan.count == 1
        if single {
            let c = components[scan[0]]
            mcusX = (c.width + 7) / 8
            mcusY = (c.height + 7) / 8
        } else {
            mcusX = (width + 8 * hMax - 1) / (8 * hMax)
            mcusY = (height + 8 * vMax - 1) / (8 * vMax)
        }
        // Per scan component: tables, quantization, plane, and the block offsets within one MCU.
        struct Slot {
            var component: Int
            var dc: JPEGHuffmanLookup
            var ac: JPEGHuffmanLookup
            var quant: UnsafeMutablePointer<Int32>
            var plane: UnsafeMutablePointer<UInt8>
            var stride: Int
            var h: Int
            var v: Int
        }
        var slots: [Slot] = []
        for index in scan {
            let c = components[index]
            slots.append(
                Slot(
                    component: index, dc: dcTables[c.dcTable].lookup, ac: acTables[c.acTable].lookup,
                    quant: quant + c.quantTable * 64, plane: planes + c.planeOffset, stride: c.stride,
                    h: single ? 1 : c.h, v: single ? 1 : c.v))
        }
        var predictors = [Int32](repeating: 0, count: slots.count)
        let total = mcusX * mcusY
        var nextRestart = 0
        for mcu in 0..<total {
            if try reader.restartIfDue(before: mcu, interval: restartInterval, next: &nextRestart) {
                for i in predictors.indices { predictors[i] = 0 }
            }
            let mx = mcu % mcusX
            let my = mcu / mcusX
            for s in slots.indices {
                let slot = slots[s]
                for by in 0..<slot.v {
                    let row = (my * slot.v + by) * 8
                    for bx in 0..<slot.h {
                        let col = (mx * slot.h + bx) * 8
                        try decodeBlock(
                            &reader, dc: slot.dc, ac: slot.ac, quant: slot.quant, predictor: &predictors[s],
                            out: slot.plane + row * slot.stride + col, stride: slot.stride)
                    }
                }
            }
            try reader.checkInData(mcu: mcu, of: total)
        }
    }

    /// Decodes one 8×8 block: DC difference, run-length AC coefficients, dequantization, IDCT.
    @inline(__always)
    private func decodeBlock(
        _ reader: inout JPEGBitReader, dc: JPEGHuffmanLookup, ac: JPEGHuffmanLookup, quant: UnsafeMutablePointer<Int32>,
        predictor: inout Int32, out: UnsafeMutablePointer<UInt8>, stride: Int
    ) throws(JPEGError) {
        let size = try reader.decode(dc)
        guard size <= 16 else { throw .malformed(offset: reader.position, reason: "DC magnitude category \(size)") }
        if size != 0 { predictor = predictor &+ reader.receiveExtend(size) }
        let block = self.block
        for i in 0..<8 { block[i] = .zero }
        let coef = UnsafeMutableRawPointer(block).assumingMemoryBound(to: Int32.self)
        coef[0] = predictor &* quant[0]
        var k = 1
        var hasAC = false
        while k < 64 {
            let symbol = try reader.decode(ac)
            let run = symbol >> 4
            let bits = symbol & 15
            if bits == 0 {
                if run != 15 { break }
                k &+= 16
                continue
            }
            k &+= run
            guard k < 64 else { throw .malformed(offset: reader.position, reason: "AC coefficient index \(k) beyond 63") }
            let z = Int(zigzag[k])
            coef[z] = reader.receiveExtend(bits) &* quant[z]
            hasAC = true
            k &+= 1
        }
        if hasAC {
            JPEGIDCT.inverse(block, scratch: scratch, out: out, stride: stride)
        } else {
            JPEGIDCT.inverseDCOnly(coef[0], out: out, stride: stride)
        }
    }

    // MARK: - Output

    private func output() throws(JPEGError) -> JPEGImage {
        let w = width
        let h = height
        let plane = w * h
        if components.count == 1 {
            let c = components[0]
            let src = planes + c.planeOffset
            let pixels = [UInt8](unsafeUninitializedCapacity: plane) { buffer, initialized in
                guard let dst = buffer.baseAddress else { return }
                for y in 0..<h { (dst + y * w).update(from: src + y * c.stride, count: w) }
                initialized = plane
            }
            return JPEGImage(width: w, height: h, channels: 1, pixels: pixels)
        }
        let rgb = adobeTransform == 0
            || (!sawJFIF && adobeTransform < 0 && components[0].id == 0x52 && components[1].id == 0x47
                && components[2].id == 0x42)
        let pixels = [UInt8](unsafeUninitializedCapacity: 3 * plane) { buffer, initialized in
            guard let dst = buffer.baseAddress else { return }
            let stride = rowsCapacity / 3
            for y in 0..<h {
                let c0 = upsampledRow(0, y: y, scratch: rows)
                let c1 = upsampledRow(1, y: y, scratch: rows + stride)
                let c2 = upsampledRow(2, y: y, scratch: rows + 2 * stride)
                let r = dst + y * w
                let g = r + plane
                let b = g + plane
                if rgb {
                    r.update(from: c0, count: w)
                    g.update(from: c1, count: w)
                    b.update(from: c2, count: w)
                } else {
                    Self.convertRow(y: c0, cb: c1, cr: c2, r: r, g: g, b: b, count: w)
                }
            }
            initialized = 3 * plane
        }
        return JPEGImage(width: w, height: h, channels: 3, pixels: pixels)
    }

    /// Row `y` of component `index` at full resolution: the plane row itself when not subsampled,
    /// else upsampled into `scratch` (libjpeg's fancy triangle filter for 2×1, 2×2 and 1×2).
    private func upsampledRow(_ index: Int, y: Int, scratch: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let c = components[index]
        let plane = planes + c.planeOffset
        let hf = hMax / c.h
        let vf = vMax / c.v
        if hf == 1 && vf == 1 { return plane + y * c.stride }
        let cw = c.width
        if hf == 2 && vf == 2 && cw > 2 {
            let cy = y >> 1
            let near = y & 1 == 0 ? max(cy - 1, 0) : min(cy + 1, c.height - 1)
            let row0 = plane + cy * c.stride
            let row1 = plane + near * c.stride
            let sums = self.sums
            for i in 0..<cw { sums[i] = 3 &* Int32(row0[i]) &+ Int32(row1[i]) }
            // First and last input columns have one neighbour; the rest, 16 at a time: the even and
            // odd outputs are packed as the low and high bytes of UInt16 lanes, which interleaves them.
            scratch[0] = UInt8(truncatingIfNeeded: (sums[0] &* 4 &+ 8) &>> 4)
            scratch[1] = UInt8(truncatingIfNeeded: (sums[0] &* 3 &+ sums[1] &+ 7) &>> 4)
            var i = 1
            let raw = UnsafeRawPointer(sums)
            while i + 16 <= cw - 1 {
                let this = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Int32>.self) &* 3
                let previous = raw.loadUnaligned(fromByteOffset: 4 * (i - 1), as: SIMD16<Int32>.self)
                let next = raw.loadUnaligned(fromByteOffset: 4 * (i + 1), as: SIMD16<Int32>.self)
                let even = SIMD16<UInt16>(truncatingIfNeeded: (this &+ previous &+ 8) &>> 4)
                let odd = SIMD16<UInt16>(truncatingIfNeeded: (this &+ next &+ 7) &>> 4)
                UnsafeMutableRawPointer(scratch + 2 * i).storeBytes(of: even | (odd &<< 8), as: SIMD16<UInt16>.self)
                i += 16
            }
            while i < cw - 1 {
                let this = sums[i] &* 3
                scratch[2 * i] = UInt8(truncatingIfNeeded: (this &+ sums[i - 1] &+ 8) &>> 4)
                scratch[2 * i + 1] = UInt8(truncatingIfNeeded: (this &+ sums[i + 1] &+ 7) &>> 4)
                i += 1
            }
            let last = sums[cw - 1]
            scratch[2 * cw - 2] = UInt8(truncatingIfNeeded: (last &* 3 &+ sums[cw - 2] &+ 8) &>> 4)
            scratch[2 * cw - 1] = UInt8(truncatingIfNeeded: (last &* 4 &+ 7) &>> 4)
            return scratch
        }
        if hf == 2 && vf == 1 && cw > 2 {
            let row = plane + y * c.stride
            @inline(__always) func at(_ i: Int) -> Int32 { Int32(row[i]) }
            scratch[0] = row[0]
            scratch[1] = UInt8(truncatingIfNeeded: (at(0) &* 3 &+ at(1) &+ 2) &>> 2)
            for i in 1..<(cw - 1) {
                let v = at(i) &* 3
                scratch[2 * i] = UInt8(truncatingIfNeeded: (v &+ at(i - 1) &+ 1) &>> 2)
                scratch[2 * i + 1] = UInt8(truncatingIfNeeded: (v &+ at(i + 1) &+ 2) &>> 2)
            }
            scratch[2 * cw - 2] = UInt8(truncatingIfNeeded: (at(cw - 1) &* 3 &+ at(cw - 2) &+ 1) &>> 2)
            scratch[2 * cw - 1] = row[cw - 1]
            return scratch
        }
        if hf == 1 && vf == 2 {
            let cy = y >> 1
            let near = y & 1 == 0 ? max(cy - 1, 0) : min(cy + 1, c.height - 1)
            let bias: Int32 = y & 1 == 0 ? 1 : 2
            let row0 = plane + cy * c.stride
            let row1 = plane + near * c.stride
            for i in 0..<cw {
                scratch[i] = UInt8(truncatingIfNeeded: (3 &* Int32(row0[i]) &+ Int32(row1[i]) &+ bias) &>> 2)
            }
            return scratch
        }
        // Any other integer ratio: replicate samples (libjpeg's plain upsampling).
        let row = plane + (y / vf) * c.stride
        for x in 0..<width { scratch[x] = row[x / hf] }
        return scratch
    }

    /// JFIF YCbCr → RGB with libjpeg's 16-bit fixed-point constants and rounding, 16 pixels at a time.
    @inline(__always)
    static func convertRow(
        y: UnsafePointer<UInt8>, cb: UnsafePointer<UInt8>, cr: UnsafePointer<UInt8>,
        r: UnsafeMutablePointer<UInt8>, g: UnsafeMutablePointer<UInt8>, b: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        var x = 0
        let half = SIMD16<Int32>(repeating: 1 << 15)
        // Clamp to 0...255 with shifts and masks (pointwise min/max are not inlined).
        @inline(__always) func clamp(_ v: SIMD16<Int32>) -> SIMD16<UInt8> {
            let positive = v & ~(v &>> 31)
            let over = (255 &- positive) &>> 31
            return SIMD16<UInt8>(truncatingIfNeeded: positive | over)
        }
        while x + 16 <= count {
            let yy = SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(y + x).loadUnaligned(as: SIMD16<UInt8>.self))
            let u = SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(cb + x).loadUnaligned(as: SIMD16<UInt8>.self))
                &- 128
            let v = SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(cr + x).loadUnaligned(as: SIMD16<UInt8>.self))
                &- 128
            let rr = yy &+ ((v &* 91881 &+ half) &>> 16)
            let gg = yy &+ ((u &* -22554 &+ v &* -46802 &+ half) &>> 16)
            let bb = yy &+ ((u &* 116130 &+ half) &>> 16)
            UnsafeMutableRawPointer(r + x).storeBytes(
                of: clamp(rr),
                as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(g + x).storeBytes(
                of: clamp(gg),
                as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(b + x).storeBytes(
                of: clamp(bb),
                as: SIMD16<UInt8>.self)
            x += 16
        }
        while x < count {
            let yy = Int32(y[x])
            let u = Int32(cb[x]) - 128
            let v = Int32(cr[x]) - 128
            r[x] = UInt8(min(max(yy + ((v * 91881 + 32768) >> 16), 0), 255))
            g[x] = UInt8(min(max(yy + ((u * -22554 + v * -46802 + 32768) >> 16), 0), 255))
            b[x] = UInt8(min(max(yy + ((u * 116130 + 32768) >> 16), 0), 255))
            x += 1
        }
    }
}
