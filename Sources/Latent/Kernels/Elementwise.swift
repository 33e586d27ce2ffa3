/// Elementwise kernels on `SIMD16<Float>`: sixteen lanes per step, a scalar loop for the tail.
///
/// Each kernel takes raw pointers and a count so that tensors, layers and optimizers share them.
/// Large arrays are split across threads by `parallelFor`; the grain keeps small ones on one thread.
public enum Elementwise {
    /// Items below which an elementwise kernel stays on one thread.
    public static let grain = 1 << 16
    /// The same for a function costing tens of operations per item (exp, log, tanh, the sigmoid): a
    /// decoder's 64 × 784 sigmoid then takes both threads (about 30 µs of work each).
    public static let transcendentalGrain = 1 << 13

    /// `parallelFor` over `0..<count` with every chunk but the last a whole number of sixteen-lane groups:
    /// only the last `count % 16` items ever take a kernel's scalar path, on any thread count. (A cut
    /// inside a group would send the items before it through `scalar` — libm's `expf`, say — on two
    /// threads and through `vector` on one, and the bits would differ.)
    @inlinable
    static func inWholeGroups(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        parallelFor((count &+ 15) / 16, grain: max(1, grain / 16)) { groups in
            body(groups.lowerBound &* 16..<min(count, groups.upperBound &* 16))
        }
    }

    /// `out[i] = f(a[i])`, vectorized by `vector` with `scalar` for the tail; `grain` as `parallelFor`'s.
    @inlinable
    public static func map(
        _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, grain: Int = grain,
        vector: (SIMD16<Float>) -> SIMD16<Float>, scalar: (Float) -> Float
    ) {
        let shared = UncheckedSendable((a, out))
        inWholeGroups(count, grain: grain) { range in
            let (a, out) = shared.value
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: vector(x), as: SIMD16<Float>.self)
                i &+= 16
            }
            while i < range.upperBound {
                out[i] = scalar(a[i])
                i &+= 1
            }
        }
    }

    /// `out[i] = f(a[i], b[i])`, vectorized by `vector` with `scalar` for the tail.
    @inlinable
    public static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        count: Int,
        vector: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, scalar: (Float, Float) -> Float
    ) {
        let shared = UncheckedSendable((a, b, out))
        inWholeGroups(count, grain: grain) { range in
            let (a, b, out) = shared.value
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
                let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: vector(x, y), as: SIMD16<Float>.self)
                i &+= 16
            }
            while i < range.upperBound {
                out[i] = scalar(a[i], b[i])
                i &+= 1
            }
        }
    }

    /// The sum of `count` floats, accumulated in sixteen lanes (and in Double across chunks).
    @inlinable
    public static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var total = 0.0
        var i = 0
        var lanes = SIMD16<Float>()
        while i &+ 16 <= count {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            i &+= 16
            if i & 4095 == 0 {  // flush to Double now and then so long sums keep their precision
                total += Double(lanes.sum())
                lanes = SIMD16<Float>()
            }
        }
        total += Double(lanes.sum())
        while i < count {
            total += Double(a[i])
            i &+= 1
        }
        return Float(total)
    }

    /// `y[i] += alpha * x[i]` (BLAS axpy).
    @inlinable
    public static func axpy(
        _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
    ) {
        zip(x, y, y, count: count, vector: { x, y in y.addingProduct(alpha, x) }, scalar: { x, y in y + alpha * x })
    }
}

/// Vectorized transcendental functions for `SIMD16<Float>`, accurate to a few ulp over the float range.
public enum VectorMath {
    /// eˣ for sixteen lanes: range reduction x = k·ln2 + r, a degree-7 polynomial for eʳ (Cephes' expf
    /// coefficients), 2ᵏ from exponent bits. Underflows to 0 below −87.3, overflows to +inf above 88.72.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // (Not `clamped(lowerBound:upperBound:)`: its pointwise min and max stay out-of-line calls.)
        var clamped = x.replacing(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.3, where: clamped .> 88.3)
        // Round x·log₂e to the nearest integer by adding 1.5·2²³: the sum's low mantissa bits then hold k
        // itself (generic `rounded` and Float→Int conversions do not vectorize; this does).
        let shifted = SIMD16<Float>(repeating: 12_582_912).addingProduct(clamped, SIMD16(repeating: 1.442_695_04))
        let k = shifted - 12_582_912
        // r = x - k·ln2 in two steps (Cody–Waite) so the reduction stays exact.
        var r = clamped.addingProduct(k, SIMD16(repeating: -0.693_145_751_953_125))
        r = r.addingProduct(k, SIMD16(repeating: -1.428_606_765_330_187_045e-6))
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = SIMD16(repeating: 1.398_199_95e-3).addingProduct(p, r)
        p = SIMD16(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = SIMD16(repeating: 4.166_579_6e-2).addingProduct(p, r)
        p = SIMD16(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = SIMD16(repeating: 5.000_000_1e-1).addingProduct(p, r)
        let r2 = r * r
        let er = (r + 1).addingProduct(p, r2)
        let kBits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let bits = (kBits &+ 127) &<< 23
        var result = er * unsafeBitCast(bits, to: SIMD16<Float>.self)
        result.replace(with: 0, where: x .< -87.3)
        result.replace(with: .infinity, where: x .> 88.72)
        result.replace(with: .nan, where: x .!= x)
        return result
    }

    /// log(1 + x) for sixteen lanes, x > −1: u = 1 + x is split into 2ᵉ·m with m in [√½, √2), log m
    /// comes from a degree-8 polynomial in f = m − 1 (Cephes' logf coefficients), and the rounding of
    /// 1 + x is put back as (x − (u − 1))/u, so tiny x keep full precision. −1 gives −inf, below −1 NaN,
    /// +inf gives +inf.
    @inlinable @inline(__always)
    public static func log1p(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let u = 1 + x
        let correction = (x - (u - 1)) / u
        let bits = unsafeBitCast(u, to: SIMD16<Int32>.self)
        // The exponent as a float, by the same 1.5·2²³ trick as `exp` (integer → float conversions of
        // generic SIMD types do not vectorize).
        var exponent = unsafeBitCast(((bits &>> 23) & 0xFF) &+ (0x4B40_0000 &- 127), to: SIMD16<Float>.self) - 12_582_912
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD16<Float>.self)  // in [1, 2)
        let high = m .> 1.414_213_56
        m.replace(with: m * 0.5, where: high)
        exponent.replace(with: exponent + 1, where: high)
        let f = m - 1
        let f2 = f * f
        var p = SIMD16<Float>(repeating: 7.037_683_629_2e-2)
        p = SIMD16(repeating: -1.151_461_031_0e-1).addingProduct(p, f)
        p = SIMD16(repeating: 1.167_699_874_0e-1).addingProduct(p, f)
        p = SIMD16(repeating: -1.242_014_084_6e-1).addingProduct(p, f)
        p = SIMD16(repeating: 1.424_932_278_7e-1).addingProduct(p, f)
        p = SIMD16(repeating: -1.666_805_766_5e-1).addingProduct(p, f)
        p = SIMD16(repeating: 2.000_071_476_5e-1).addingProduct(p, f)
        p = SIMD16(repeating: -2.499_999_399_3e-1).addingProduct(p, f)
        p = SIMD16(repeating: 3.333_333_117_4e-1).addingProduct(p, f)
        // log u = e·ln 2 + f − f²/2 + f³·p, with ln 2 split in two so e·ln 2 stays exact.
        var result = (f * f2 * p).addingProduct(exponent, SIMD16(repeating: -2.121_944_40e-4))
        result = result.addingProduct(f2, SIMD16(repeating: -0.5))
        result = f + result + correction
        result = result.addingProduct(exponent, SIMD16(repeating: 0.693_359_375))
        result.replace(with: .infinity, where: x .== .infinity)
        result.replace(with: -.infinity, where: x .== -1)
        result.replace(with: .nan, where: (x .< -1) .| (x .!= x))
        return result
    }

    /// log(1 + e⁻ᵃ) for eight lanes a ≥ 0 (the softplus of −a), in Double, to about 1e−13 relative:
    /// far below Float's rounding, so a Float loss summed from it is as exact as its inputs allow.
    ///
    /// e⁻ᵃ: a clamped to 700 (e⁻⁷⁰⁰ ≈ 1e−304 is still normal), −a = k·ln 2 + r with |r| ≤ ln 2 / 2
    /// (Cody–Waite), eʳ from its Taylor series through r¹¹, 2ᵏ from exponent bits. log(1 + e): u = 1 + e
    /// is 2ʲ·m with m in [√½, √2], log m = 2·atanh s with s = (m − 1)/(m + 1), |s| ≤ 0.172, through s¹⁷,
    /// and the rounding of 1 + e is put back as (e − (u − 1))/u.
    @inlinable @inline(__always)
    public static func softplusOfNegative(_ a: SIMD8<Double>) -> SIMD8<Double> {
        let y = -a.replacing(with: 700, where: a .> 700)
        let shifted = SIMD8<Double>(repeating: 6_755_399_441_055_744).addingProduct(y, SIMD8(repeating: 1.442_695_040_888_963_4))
        let k = shifted - 6_755_399_441_055_744
        var r = y.addingProduct(k, SIMD8(repeating: -6.931_471_803_691_238_164_90e-1))
        r = r.addingProduct(k, SIMD8(repeating: -1.908_214_929_270_587_700_02e-10))
        // eʳ = Σ rⁱ/i!, i = 0…11, by Horner's rule.
        var p = SIMD8<Double>(repeating: 1 / 39_916_800.0)
        p = SIMD8(repeating: 1 / 3_628_800.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 362_880.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 40_320.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 5_040.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 720.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 120.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 24.0).addingProduct(p, r)
        p = SIMD8(repeating: 1 / 6.0).addingProduct(p, r)
        p = SIMD8(repeating: 0.5).addingProduct(p, r)
        p = SIMD8(repeating: 1).addingProduct(p, r)
        p = SIMD8(repeating: 1).addingProduct(p, r)
        let kBits = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- 0x4338_0000_0000_0000
        let e = p * unsafeBitCast((kBits &+ 1023) &<< 52, to: SIMD8<Double>.self)
        let u = 1 + e
        let correction = (e - (u - 1)) / u
        let high = u .> 1.414_213_562_373_095_1
        let m = u.replacing(with: u * 0.5, where: high)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // atanh s / s = Σ s²ⁱ/(2i + 1), i = 0…8.
        var q = SIMD8<Double>(repeating: 1 / 17.0)
        q = SIMD8(repeating: 1 / 15.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 13.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 11.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 9.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 7.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 5.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1 / 3.0).addingProduct(q, s2)
        q = SIMD8(repeating: 1).addingProduct(q, s2)
        var result = 2 * s * q + correction
        result.replace(with: result + 0.693_147_180_559_945_3, where: high)
        return result
    }

    /// The logistic function 1 / (1 + e⁻ˣ), stable at both ends.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 / (1 + exp(-x))
    }

    /// tanh x = 2·σ(2x) − 1, computed from e^(−2|x|) so it stays accurate near 0 and saturates cleanly.
    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let e = exp(-2 * abs(x))
        let t = (1 - e) / (1 + e)
        var result = t
        result.replace(with: -t, where: x .< 0)
        // Near zero 1 − e cancels; there the Taylor series through x⁹ is exact to float precision.
        let x2 = x * x
        var series = SIMD16<Float>(repeating: 62.0 / 2835.0)
        series = SIMD16(repeating: -17.0 / 315.0).addingProduct(series, x2)
        series = SIMD16(repeating: 2.0 / 15.0).addingProduct(series, x2)
        series = SIMD16(repeating: -1.0 / 3.0).addingProduct(series, x2)
        series = x.addingProduct(x * x2, series)
        result.replace(with: series, where: abs(x) .< 0.2)
        return result
    }

    @usableFromInline @inline(__always)
    static func abs(_ x: SIMD16<Float>) -> SIMD16<Float> { x.replacing(with: -x, where: x .< 0) }
}
