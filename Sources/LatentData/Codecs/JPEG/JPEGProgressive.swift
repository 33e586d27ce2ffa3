/// The coefficients of a progressive JPEG frame (ITU T.81 Annex G, Huffman coding), gathered over the
/// frame's scans, and the decoding of those scans.
///
/// A progressive frame sends each 8×8 block's 64 coefficients (zigzag order) in pieces. Spectral
/// selection splits them into bands `Ss...Se`: the DC coefficient alone (`Ss = Se = 0`, in scans that may
/// interleave components) or a band of AC coefficients (`1 ≤ Ss ≤ Se ≤ 63`, one component per scan).
/// Successive approximation sends a band's values shifted right by `Al` bits in its first scan (`Ah = 0`),
/// then the lower bits one per refinement scan (`Ah` = the previous scan's `Al`, `Al = Ah - 1`). AC scans
/// code runs of empty blocks as one end-of-band run (EOBRUN).
///
/// The decoding follows libjpeg's `jdphuff.c` step for step, 16-bit coefficients included, and the
/// samples come from the same dequantization and integer IDCT as the baseline path, so the pixels equal
/// libjpeg's (Pillow's). A file that ends (with EOI) before its scans complete the first AC coefficients
/// gets libjpeg's block smoothing as well (`JPEGBlockSmoothing.swift`).
///
/// Where libjpeg warns and goes on (a band sent out of order, a coefficient index past the band), this
/// decoder throws `JPEGError.malformed` naming the byte offset, so no index leaves its block.
final class JPEGProgressive {
    /// Where one frame component's blocks live in `coefficients`.
    struct Grid {
        /// Horizontal and vertical sampling factors: the component's blocks per MCU of an interleaved scan.
        var h: Int
        var v: Int
        /// Blocks per row, and rows of blocks, allocated: whole MCUs of the frame (as the sample planes).
        var blocksWide: Int
        var blocksHigh: Int
        /// Blocks that hold the component's samples: what a non-interleaved scan of it covers.
        var usedWide: Int
        var usedHigh: Int
        /// Index of the component's first coefficient in `coefficients`.
        var offset = 0
    }

    /// What a scan does to the blocks it covers.
    enum Kind {
        /// The DC coefficient's first scan: Huffman-coded differences, shifted left by `Al`.
        case dcFirst
        /// One more bit of the DC coefficient, raw.
        case dcRefine
        /// The first scan of an AC band: run-length coded values and end-of-band runs.
        case acFirst
        /// One more bit of an AC band: correction bits for known coefficients, new coefficients of ±1 << Al.
        case acRefine
    }

    /// A validated scan: its components (frame indices), Huffman tables and coefficient band.
    struct Scan {
        /// Frame indices of the scan's components, in scan order.
        var components: [Int]
        /// Per scan component: the DC table (`dcFirst`) or the AC table (`acFirst`, `acRefine`); `dcRefine`
        /// reads raw bits and needs none.
        var tables: [JPEGHuffmanLookup?]
        /// The band: first and last coefficient (zigzag order).
        var ss: Int
        var se: Int
        /// The point transform: the bit this scan sends (refinement) or shifts its values by (first scan).
        var al: Int
        /// What the scan does, from its band and `Ah`.
        var kind: Kind
    }

    /// Every component's coefficients, natural (row-major) order within each block, zero until sent.
    private(set) var coefficients: UnsafeMutablePointer<Int16>
    private var capacity = 0
    private(set) var grids: [Grid] = []
    /// Per component, 64 entries (zigzag order): the `Al` of the last scan that sent that coefficient,
    /// or -1 before any did (libjpeg's `coef_bits`).
    private(set) var sentBits: [Int8] = []
    /// Per component, its quantization table (natural order), copied at the component's first scan.
    let quant: UnsafeMutablePointer<Int32>
    private var latched: [Bool] = []
    private var mcusX = 0
    /// MCU rows of the frame (libjpeg's iMCU rows).
    private(set) var mcusY = 0
    private let zigzag: UnsafeMutablePointer<UInt8>
    private let block: UnsafeMutablePointer<SIMD8<Int32>>
    private let scratch: UnsafeMutablePointer<SIMD8<Int32>>

    /// The most components a frame may have (the decoder reads 1 or 3).
    static let maxComponents = 4

    init() {
        coefficients = .allocate(capacity: 1)
        quant = .allocate(capacity: Self.maxComponents * 64)
        quant.initialize(repeating: 0, count: Self.maxComponents * 64)
        zigzag = .allocate(capacity: 64)
        zigzag.initialize(from: JPEGDecoder.zigzagOrder, count: 64)
        block = .allocate(capacity: 8)
        block.initialize(repeating: .zero, count: 8)
        scratch = .allocate(capacity: 8)
        scratch.initialize(repeating: .zero, count: 8)
    }

    deinit {
        coefficients.deallocate()
        quant.deallocate()
        zigzag.deallocate()
        block.deallocate()
        scratch.deallocate()
    }

    /// Sets up zeroed coefficients for a frame of `mcusX × mcusY` MCUs with the given component grids
    /// (offsets are assigned here). The caller has bounded the total by the decoder's pixel limit.
    func prepare(grids: [Grid], mcusX: Int, mcusY: Int) {
        precondition(grids.count <= Self.maxComponents)
        var total = 0
        self.grids = grids
        for i in grids.indices {
            precondition(grids[i].usedWide <= grids[i].blocksWide && grids[i].usedHigh <= grids[i].blocksHigh)
            precondition(grids[i].blocksWide == mcusX * grids[i].h && grids[i].blocksHigh == mcusY * grids[i].v)
            self.grids[i].offset = total
            total += 64 * grids[i].blocksWide * grids[i].blocksHigh
        }
        if total > capacity {
            coefficients.deallocate()
            coefficients = .allocate(capacity: total)
            capacity = total
        }
        coefficients.initialize(repeating: 0, count: total)
        sentBits = [Int8](repeating: -1, count: 64 * grids.count)
        latched = [Bool](repeating: false, count: grids.count)
        self.mcusX = mcusX
        self.mcusY = mcusY
    }

    /// Whether component `index` has had its first DC scan (the least a component needs to be shown).
    func hasDC(_ index: Int) -> Bool { sentBits[64 * index] >= 0 }

    /// Whether component `index` has had a scan yet (its quantization table is then latched).
    func isLatched(_ index: Int) -> Bool { latched[index] }

    /// Copies the 64 quantization values (natural order) component `index` will be dequantized with:
    /// libjpeg keeps the table as it is at the component's first scan, even if a later DQT replaces it.
    func latchQuantization(_ index: Int, table: UnsafePointer<Int32>) {
        guard !latched[index] else { return }
        (quant + 64 * index).update(from: table, count: 64)
        latched[index] = true
    }

    /// Checks a scan's band and approximation bits (`ss`, `se`, `ah`, `al` as read at `offset`, the byte
    /// of Ss) against T.81 G.1.1.1 and against what earlier scans sent, then records them.
    /// Returns the scan's kind.
    func begin(components: [Int], ss: Int, se: Int, ah: Int, al: Int, offset: Int) throws(JPEGError) -> Kind {
        if ss == 0 {
            guard se == 0 else {
                throw .malformed(offset: offset, reason: "progressive DC scan with Se = \(se) (must be 0)")
            }
        } else {
            guard ss <= se, se <= 63 else {
                throw .malformed(offset: offset, reason: "progressive AC band \(ss)...\(se) (need 1 ≤ Ss ≤ Se ≤ 63)")
            }
            guard components.count == 1 else {
                throw .malformed(offset: offset, reason: "progressive AC scan with \(components.count) components (must be 1)")
            }
        }
        guard ah <= 13, al <= 13 else {
            throw .malformed(offset: offset + 2, reason: "successive approximation Ah = \(ah), Al = \(al) (each at most 13)")
        }
        guard ah == 0 || al == ah - 1 else {
            throw .malformed(offset: offset + 2, reason: "refinement scan with Ah = \(ah), Al = \(al) (need Al = Ah - 1)")
        }
        for index in components {
            let bits = 64 * index
            guard ss == 0 || sentBits[bits] >= 0 else {
                throw .malformed(offset: offset, reason: "AC scan of component \(index) before its DC scan")
            }
            for k in ss...se {
                let previous = Int(sentBits[bits + k])
                if ah == 0 && previous >= 0 {
                    throw .malformed(offset: offset + 2, reason: "coefficient \(k) of component \(index) sent twice (Ah = 0 again)")
                }
                if ah > 0 && previous != ah {
                    let sent = previous < 0 ? "never sent" : "last sent with Al = \(previous)"
                    throw .malformed(offset: offset + 2, reason: "refinement Ah = \(ah) of coefficient \(k) of component \(index), \(sent)")
                }
            }
        }
        for index in components {
            for k in ss...se { sentBits[64 * index + k] = Int8(al) }
        }
        switch (ss == 0, ah == 0) {
        case (true, true): return .dcFirst
        case (true, false): return .dcRefine
        case (false, true): return .acFirst
        case (false, false): return .acRefine
        }
    }

    // MARK: - Scans

    /// Decodes one scan's entropy-coded data from `reader` into the coefficients, with a restart marker
    /// every `restartInterval` MCUs (0: none).
    func decode(_ scan: Scan, _ reader: inout JPEGBitReader, restartInterval: Int) throws(JPEGError) {
        let single = scan.components.count == 1
        let first = grids[scan.components[0]]
        let wide = single ? first.usedWide : mcusX
        let high = single ? first.usedHigh : mcusY
        let total = wide * high
        var predictors = [Int32](repeating: 0, count: scan.components.count)
        var eobrun = 0
        var nextRestart = 0
        for mcu in 0..<total {
            if try reader.restartIfDue(before: mcu, interval: restartInterval, next: &nextRestart) {
                for i in predictors.indices { predictors[i] = 0 }
                eobrun = 0
            }
            let mx = mcu % wide
            let my = mcu / wide
            for s in scan.components.indices {
                let grid = grids[scan.components[s]]
                let h = single ? 1 : grid.h
                let v = single ? 1 : grid.v
                for by in 0..<v {
                    for bx in 0..<h {
                        // In bounds: (my * v + by) < high * v ≤ blocksHigh, likewise across.
                        let row = my * v + by
                        let column = mx * h + bx
                        let block = coefficients + grid.offset + 64 * (row * grid.blocksWide + column)
                        switch scan.kind {
                        case .dcFirst:
                            try decodeDCFirst(&reader, table: scan.tables[s], block, al: scan.al, predictor: &predictors[s])
                        case .dcRefine:
                            if reader.receive(1) != 0 { block[0] |= Int16(1) << Int16(scan.al) }
                        case .acFirst:
                            try decodeACFirst(&reader, table: scan.tables[s], block, scan, eobrun: &eobrun)
                        case .acRefine:
                            try decodeACRefine(&reader, table: scan.tables[s], block, scan, eobrun: &eobrun)
                        }
                    }
                }
            }
            try reader.checkInData(mcu: mcu, of: total)
        }
    }

    /// The table a Huffman-coded scan needs (the decoder checks it was defined).
    @inline(__always)
    private func required(_ table: JPEGHuffmanLookup?, _ reader: JPEGBitReader) throws(JPEGError) -> JPEGHuffmanLookup {
        guard let table else { throw .malformed(offset: reader.position, reason: "scan without its Huffman table") }
        return table
    }

    /// The DC coefficient's first scan (T.81 G.1.2.1): a difference from the previous block's value.
    @inline(__always)
    private func decodeDCFirst(
        _ reader: inout JPEGBitReader, table: JPEGHuffmanLookup?, _ block: UnsafeMutablePointer<Int16>, al: Int,
        predictor: inout Int32
    ) throws(JPEGError) {
        let size = try reader.decode(try required(table, reader))
        guard size <= 16 else { throw .malformed(offset: reader.position, reason: "DC magnitude category \(size)") }
        if size != 0 { predictor = predictor &+ reader.receiveExtend(size) }
        block[0] = Int16(truncatingIfNeeded: predictor &<< Int32(al))
    }

    /// The first scan of an AC band (T.81 G.1.2.2): runs of zeros, values shifted left by `Al`, and
    /// end-of-band runs that also cover the next `eobrun` blocks.
    @inline(__always)
    private func decodeACFirst(
        _ reader: inout JPEGBitReader, table: JPEGHuffmanLookup?, _ block: UnsafeMutablePointer<Int16>, _ scan: Scan,
        eobrun: inout Int
    ) throws(JPEGError) {
        if eobrun > 0 {
            eobrun -= 1
            return
        }
        let table = try required(table, reader)
        var k = scan.ss
        while k <= scan.se {
            let symbol = try reader.decode(table)
            let run = symbol >> 4
            let size = symbol & 15
            if size != 0 {
                k += run
                guard k <= scan.se else {
                    throw .malformed(offset: reader.position, reason: "AC coefficient index \(k) beyond the band \(scan.ss)...\(scan.se)")
                }
                let value = reader.receiveExtend(size) &<< Int32(scan.al)
                block[Int(zigzag[k])] = Int16(truncatingIfNeeded: value)
            } else if run == 15 {
                k += 15  // ZRL: sixteen zeros with the step below
            } else {
                // EOBn: this block ends here, and (2^n + n more bits - 1) blocks after it are empty.
                eobrun = (1 << run) + reader.receive(run) - 1
                break
            }
            k += 1
        }
    }

    /// A refinement scan of an AC band (T.81 G.1.2.3): one correction bit for each coefficient already
    /// non-zero, and new coefficients of ±(1 << Al) placed after `run` still-zero ones.
    @inline(__always)
    private func decodeACRefine(
        _ reader: inout JPEGBitReader, table: JPEGHuffmanLookup?, _ block: UnsafeMutablePointer<Int16>, _ scan: Scan,
        eobrun: inout Int
    ) throws(JPEGError) {
        let plus = Int16(1) << Int16(scan.al)
        let minus = Int16(-1) << Int16(scan.al)
        let se = scan.se
        var k = scan.ss
        /// Adds the next correction bit to the non-zero coefficient at natural index `z`.
        @inline(__always) func correct(_ z: Int, _ reader: inout JPEGBitReader) {
            if reader.receive(1) != 0 && block[z] & plus == 0 {
                block[z] = block[z] >= 0 ? block[z] &+ plus : block[z] &+ minus
            }
        }
        if eobrun == 0 {
            let table = try required(table, reader)
            while k <= se {
                let symbol = try reader.decode(table)
                var run = symbol >> 4
                let size = symbol & 15
                var value: Int16 = 0
                if size != 0 {
                    guard size == 1 else {
                        throw .malformed(offset: reader.position, reason: "refinement AC value of magnitude category \(size) (must be 1)")
                    }
                    value = reader.receive(1) != 0 ? plus : minus
                } else if run != 15 {
                    eobrun = (1 << run) + reader.receive(run)
                    break  // the rest of this block is refined below, as in an end-of-band run
                }
                // Skip `run` zero coefficients (ZRL: 16), refining the non-zero ones passed on the way.
                while k <= se {
                    let z = Int(zigzag[k])
                    if block[z] != 0 {
                        correct(z, &reader)
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if value != 0 {
                    guard k <= se else {
                        throw .malformed(offset: reader.position, reason: "new refinement coefficient beyond the band \(scan.ss)...\(se)")
                    }
                    block[Int(zigzag[k])] = value
                }
                k += 1
            }
        }
        if eobrun > 0 {
            // In an end-of-band run: only the correction bits of the coefficients already non-zero.
            while k <= se {
                let z = Int(zigzag[k])
                if block[z] != 0 { correct(z, &reader) }
                k += 1
            }
            eobrun -= 1
        }
    }

    // MARK: - Samples

    /// Writes every component's samples into its plane (`planes[i]`, row stride `strides[i]`, whole MCUs):
    /// dequantization with the latched table and the inverse DCT, as the baseline path does block by
    /// block, after libjpeg's block smoothing when the scans left some of the first AC coefficients coarse.
    func reconstruct(into planes: [UnsafeMutablePointer<UInt8>], strides: [Int]) {
        precondition(planes.count == grids.count && strides.count == grids.count)
        let smooth = smoothingApplies
        for index in grids.indices {
            let grid = grids[index]
            precondition(strides[index] >= 8 * grid.blocksWide)
            if smooth {
                reconstructSmoothed(index, into: planes[index], stride: strides[index])
                continue
            }
            for by in 0..<grid.blocksHigh {
                for bx in 0..<grid.blocksWide {
                    transform(
                        coefficients + grid.offset + 64 * (by * grid.blocksWide + bx), component: index,
                        out: planes[index] + 8 * by * strides[index] + 8 * bx, stride: strides[index])
                }
            }
        }
    }

    /// Dequantizes the 64 coefficients at `source` (natural order) with component `component`'s latched
    /// table and writes their inverse DCT, 8×8 samples, at `out` (row stride `stride`).
    @inline(__always)
    func transform(_ source: UnsafePointer<Int16>, component: Int, out: UnsafeMutablePointer<UInt8>, stride: Int) {
        let table = UnsafeRawPointer(quant + 64 * component)
        let raw = UnsafeRawPointer(source)
        let block = self.block
        for r in 0..<8 {
            let values = raw.loadUnaligned(fromByteOffset: 16 * r, as: SIMD8<Int16>.self)
            let q = table.loadUnaligned(fromByteOffset: 32 * r, as: SIMD8<Int32>.self)
            block[r] = SIMD8<Int32>(truncatingIfNeeded: values) &* q
        }
        // The OR of every dequantized AC coefficient: zero means a flat block.
        var ac = block[0]
        ac[0] = 0
        for r in 1..<8 { ac |= block[r] }
        if ac == .zero {
            JPEGIDCT.inverseDCOnly(block[0][0], out: out, stride: stride)
        } else {
            JPEGIDCT.inverse(block, scratch: scratch, out: out, stride: stride)
        }
    }
}
