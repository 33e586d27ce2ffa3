/// The inverse DCT of an 8×8 block, the integer "islow" algorithm of libjpeg (Loeffler–Ligtenberg–
/// Moschytz with 13-bit fixed-point constants, 2 extra bits between the passes), eight columns or rows
/// at a time in `SIMD8<Int32>`. Same arithmetic as libjpeg's default, so results match it exactly.
enum JPEGIDCT {
    static let constBits: Int32 = 13
    static let pass1Bits: Int32 = 2

    /// One 1-D IDCT on eight lanes at once: `v[0...7]` are the eight inputs (frequency order), replaced
    /// by the eight outputs, each rounded and shifted right by `shift` after adding `bias`.
    @inline(__always)
    static func transform(_ v: UnsafeMutablePointer<SIMD8<Int32>>, bias: Int32, shift: Int32) {
        // Even part: rotation of inputs 2 and 6, butterflies with 0 and 4.
        let z1 = (v[2] &+ v[6]) &* 4433  // FIX(0.541196100)
        let tmp2 = z1 &+ v[6] &* -15137  // FIX(1.847759065)
        let tmp3 = z1 &+ v[2] &* 6270  // FIX(0.765366865)
        let e0 = (v[0] &+ v[4]) &<< constBits
        let e1 = (v[0] &- v[4]) &<< constBits
        let tmp10 = e0 &+ tmp3
        let tmp13 = e0 &- tmp3
        let tmp11 = e1 &+ tmp2
        let tmp12 = e1 &- tmp2
        // Odd part: inputs 7, 5, 3, 1.
        let q1 = v[7] &+ v[1]
        let q2 = v[5] &+ v[3]
        let q3 = v[7] &+ v[3]
        let q4 = v[5] &+ v[1]
        let z5 = (q3 &+ q4) &* 9633  // FIX(1.175875602)
        let m1 = q1 &* -7373  // FIX(0.899976223)
        let m2 = q2 &* -20995  // FIX(2.562915447)
        let m3 = q3 &* -16069 &+ z5  // FIX(1.961570560)
        let m4 = q4 &* -3196 &+ z5  // FIX(0.390180644)
        let t0 = v[7] &* 2446 &+ m1 &+ m3  // FIX(0.298631336)
        let t1 = v[5] &* 16819 &+ m2 &+ m4  // FIX(2.053119869)
        let t2 = v[3] &* 25172 &+ m2 &+ m3  // FIX(3.072711026)
        let t3 = v[1] &* 12299 &+ m1 &+ m4  // FIX(1.501321110)
        let b = SIMD8<Int32>(repeating: bias)
        v[0] = (tmp10 &+ t3 &+ b) &>> shift
        v[7] = (tmp10 &- t3 &+ b) &>> shift
        v[1] = (tmp11 &+ t2 &+ b) &>> shift
        v[6] = (tmp11 &- t2 &+ b) &>> shift
        v[2] = (tmp12 &+ t1 &+ b) &>> shift
        v[5] = (tmp12 &- t1 &+ b) &>> shift
        v[3] = (tmp13 &+ t0 &+ b) &>> shift
        v[4] = (tmp13 &- t0 &+ b) &>> shift
    }

    /// Transforms the dequantized coefficients `block` (natural order, 8 rows of 8) into 8×8 samples
    /// written at `out` with row stride `stride`. `scratch` holds 8 vectors; `block` is overwritten.
    @inline(__always)
    static func inverse(
        _ block: UnsafeMutablePointer<SIMD8<Int32>>, scratch: UnsafeMutablePointer<SIMD8<Int32>>,
        out: UnsafeMutablePointer<UInt8>, stride: Int
    ) {
        // Pass 1: columns (vertical transform of each of the 8 lanes).
        let shift1 = constBits - pass1Bits
        transform(block, bias: 1 << (shift1 - 1), shift: shift1)
        // Transpose so that each vector holds one column of the intermediate block.
        block.withMemoryRebound(to: Int32.self, capacity: 64) { src in
            for c in 0..<8 {
                scratch[c] = SIMD8(
                    src[c], src[8 + c], src[16 + c], src[24 + c], src[32 + c], src[40 + c], src[48 + c],
                    src[56 + c])
            }
        }
        // Pass 2: rows. The rounding bias also adds the +128 level shift (128 << 18).
        let shift2 = constBits + pass1Bits + 3
        transform(scratch, bias: (1 << (shift2 - 1)) + (128 << shift2), shift: shift2)
        // scratch[x] now holds column x of the output (lanes = rows).
        for x in 0..<8 {
            // Clamp to 0...255 with shifts and masks (all-ones above 255 truncates to 255).
            let v = scratch[x]
            let positive = v & ~(v &>> 31)
            let column = positive | ((255 &- positive) &>> 31)
            var p = out + x
            for y in 0..<8 {
                p.pointee = UInt8(truncatingIfNeeded: column[y])
                p += stride
            }
        }
    }

    /// Fills an 8×8 block whose only non-zero coefficient is the dequantized DC value `dc`.
    @inline(__always)
    static func inverseDCOnly(_ dc: Int32, out: UnsafeMutablePointer<UInt8>, stride: Int) {
        // Both passes reduce to rounding: ((dc << 2) + 16) >> 5, plus the level shift.
        let value = min(max(((dc &<< pass1Bits) &+ 16) &>> 5 &+ 128, 0), 255)
        let row = SIMD8<UInt8>(repeating: UInt8(truncatingIfNeeded: value))
        var p = out
        for _ in 0..<8 {
            UnsafeMutableRawPointer(p).storeBytes(of: row, as: SIMD8<UInt8>.self)
            p += stride
        }
    }
}
