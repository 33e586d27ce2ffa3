/// A Huffman table of a JPEG (DHT segment) with a 9-bit lookahead table for the common short codes.
///
/// Codes of up to `fastBits` bits are found with one table lookup; longer codes fall back to the
/// canonical-code comparison (`maxCode` per length), as in ITU T.81 Annex F.2.2.3.
final class JPEGHuffmanTable {
    /// Number of bits looked at in one step.
    static let fastBits = 9
    /// `fast[peek]` = (code length << 8) | symbol for codes of ≤ `fastBits` bits; 0 means "longer code".
    let fast: UnsafeMutablePointer<UInt16>
    /// `maxCode[l]`: the largest code of length `l` (1...16), or -1 when there is none; `maxCode[17]` is a sentinel.
    let maxCode: UnsafeMutablePointer<Int32>
    /// `valueOffset[l]`: index of the first symbol of length `l` minus the first code of that length.
    let valueOffset: UnsafeMutablePointer<Int32>
    /// The symbols in code order (always 256 entries, zero-filled past the defined ones).
    let values: UnsafeMutablePointer<UInt8>

    init() {
        fast = .allocate(capacity: 1 << Self.fastBits)
        fast.initialize(repeating: 0, count: 1 << Self.fastBits)
        maxCode = .allocate(capacity: 18)
        maxCode.initialize(repeating: -1, count: 18)
        valueOffset = .allocate(capacity: 18)
        valueOffset.initialize(repeating: 0, count: 18)
        values = .allocate(capacity: 256)
        values.initialize(repeating: 0, count: 256)
    }

    /// The table's pointers, for the decoding loop (a plain struct: no reference counting per block).
    var lookup: JPEGHuffmanLookup {
        JPEGHuffmanLookup(fast: fast, maxCode: maxCode, valueOffset: valueOffset, values: values)
    }

    deinit {
        fast.deallocate()
        maxCode.deallocate()
        valueOffset.deallocate()
        values.deallocate()
    }

    /// Builds the table from the 16 code-length counts and the symbols of a DHT segment.
    /// Returns a reason when the counts do not describe a valid canonical code.
    func build(counts: [Int], symbols: [UInt8]) -> String? {
        guard counts.count == 16, symbols.count == counts.reduce(0, +), symbols.count <= 256 else {
            return "Huffman table with \(symbols.count) symbols (at most 256)"
        }
        fast.update(repeating: 0, count: 1 << Self.fastBits)
        values.update(repeating: 0, count: 256)
        for (i, s) in symbols.enumerated() { values[i] = s }
        var code: Int32 = 0
        var index: Int32 = 0
        for length in 1...16 {
            let n = Int32(counts[length - 1])
            valueOffset[length] = index &- code
            if n > 0 {
                if code &+ n > (Int32(1) << Int32(length)) {
                    return "Huffman code lengths overflow at length \(length)"
                }
                if length <= Self.fastBits {
                    let shift = Self.fastBits - length
                    for c in code..<(code + n) {
                        let symbol = UInt16(values[Int(index + c - code)])
                        let entry = UInt16(length) << 8 | symbol
                        let start = Int(c) << shift
                        for j in 0..<(1 << shift) { fast[start + j] = entry }
                    }
                }
                code += n
                index += n
                maxCode[length] = code - 1
            } else {
                maxCode[length] = -1
            }
            code <<= 1
        }
        maxCode[17] = Int32.max
        return nil
    }
}

/// The pointers of a `JPEGHuffmanTable`, valid while the table lives.
struct JPEGHuffmanLookup {
    let fast: UnsafeMutablePointer<UInt16>
    let maxCode: UnsafeMutablePointer<Int32>
    let valueOffset: UnsafeMutablePointer<Int32>
    let values: UnsafeMutablePointer<UInt8>
}

/// Reads the entropy-coded segment of a scan bit by bit: removes stuffed zero bytes after 0xFF and
/// stops at the next marker, after which it supplies zero bits and counts them in `padded`.
struct JPEGBitReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    /// Next byte to load.
    var position: Int
    /// Buffered bits, most significant first.
    var bits: UInt64 = 0
    /// Number of valid bits in `bits` (real and padding).
    var count: Int = 0
    /// Zero bits appended after a marker or the end of the data; `count < padded` means the decoder
    /// used bits that do not exist.
    var padded: Int = 0

    init(base: UnsafePointer<UInt8>, end: Int, position: Int) {
        self.base = base
        self.end = end
        self.position = position
    }

    /// Tops the buffer up to at least 57 bits.
    @inline(__always)
    mutating func refill() {
        if padded == 0 && position &+ 8 <= end {
            // Eight bytes at once when none of them is 0xFF.
            let raw = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            let word = UInt64(bigEndian: raw)
            let inverted = ~word
            let hasFF = (inverted &- 0x0101_0101_0101_0101) & ~inverted & 0x8080_8080_8080_8080
            if hasFF == 0 {
                let take = (64 &- count) >> 3
                bits |= (word >> UInt64(64 &- 8 &* take)) << UInt64(64 &- count &- 8 &* take)
                count &+= 8 &* take
                position &+= take
                return
            }
        }
        while count <= 56 {
            var byte: UInt64 = 0
            if padded == 0 && position < end {
                let b = base[position]
                if b != 0xFF {
                    byte = UInt64(b)
                    position &+= 1
                } else if position &+ 1 < end && base[position &+ 1] == 0 {
                    byte = 0xFF
                    position &+= 2
                } else {
                    padded = 8  // a marker (or the end): stay on it
                }
            } else {
                padded &+= 8
            }
            bits |= byte << UInt64(56 &- count)
            count &+= 8
        }
    }

    /// Decodes one Huffman symbol.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanLookup) throws(JPEGError) -> Int {
        if count < 16 { refill() }
        let entry = table.fast[Int(truncatingIfNeeded: bits >> UInt64(64 - JPEGHuffmanTable.fastBits))]
        if entry != 0 {
            let length = Int(entry >> 8)
            bits <<= UInt64(length)
            count &-= length
            return Int(entry & 0xFF)
        }
        var length = JPEGHuffmanTable.fastBits + 1
        var code = Int32(truncatingIfNeeded: bits >> UInt64(64 - length))
        while code > table.maxCode[length] {
            length &+= 1
            if length > 16 { throw .invalidHuffmanCode(offset: position) }
            code = Int32(truncatingIfNeeded: bits >> UInt64(64 - length))
        }
        bits <<= UInt64(length)
        count &-= length
        return Int(table.values[Int(UInt8(truncatingIfNeeded: table.valueOffset[length] &+ code))])
    }

    /// Reads `size` (1...16) magnitude bits and sign-extends them as in T.81 F.2.2.1 (EXTEND).
    @inline(__always)
    mutating func receiveExtend(_ size: Int) -> Int32 {
        if count < size { refill() }
        let value = Int32(truncatingIfNeeded: bits >> UInt64(64 &- size))
        bits <<= UInt64(size)
        count &-= size
        let half = Int32(1) &<< Int32(size &- 1)
        return value < half ? value &- (half &<< 1) &+ 1 : value
    }

    /// Reads `size` (0...16) bits as an unsigned number (T.81 RECEIVE without EXTEND): end-of-band run
    /// lengths and the correction and sign bits of progressive refinement scans.
    @inline(__always)
    mutating func receive(_ size: Int) -> Int {
        if size == 0 { return 0 }
        if count < size { refill() }
        let value = Int(truncatingIfNeeded: bits >> UInt64(64 &- size))
        bits <<= UInt64(size)
        count &-= size
        return value
    }

    /// Drops the buffered bits (at a restart marker).
    mutating func reset() {
        bits = 0
        count = 0
        padded = 0
    }

    /// Before MCU `mcu`: when a restart interval ends there, reads the next restart marker (RST0…RST7 in
    /// turn, `next` counting them) and returns true, so the caller resets its DC predictors (and EOBRUN).
    mutating func restartIfDue(before mcu: Int, interval: Int, next: inout Int) throws(JPEGError) -> Bool {
        guard interval > 0 && mcu > 0 && mcu % interval == 0 else { return false }
        try restart(expected: UInt8(0xD0 + next))
        next = (next + 1) & 7
        return true
    }

    /// Skips to the restart marker `expected` (0xFFD0...0xFFD7) and restarts the reader after it.
    mutating func restart(expected: UInt8) throws(JPEGError) {
        var p = position
        while p < end && base[p] != 0xFF { p += 1 }
        while p + 1 < end && base[p + 1] == 0xFF { p += 1 }
        guard p + 1 < end else {
            throw .truncated(offset: end, expected: "restart marker 0xFF\(String(expected, radix: 16, uppercase: true))")
        }
        guard base[p + 1] == expected else {
            throw .unexpectedMarker(
                offset: p, found: base[p + 1], expected: "restart marker 0xFF\(String(expected, radix: 16, uppercase: true))")
        }
        reset()
        position = p + 2
    }

    /// Throws when the bits used so far run past the scan's data (into a marker or the end of the
    /// file); `mcu` of `total` names where, checked after each MCU.
    @inline(__always)
    func checkInData(mcu: Int, of total: Int) throws(JPEGError) {
        guard count < padded else { return }
        if position >= end {
            throw .truncated(offset: end, expected: "entropy-coded data of MCU \(mcu) of \(total)")
        }
        let found = position + 1 < end ? base[position + 1] : 0
        throw .unexpectedMarker(offset: position, found: found, expected: "entropy-coded data of MCU \(mcu) of \(total)")
    }
}
