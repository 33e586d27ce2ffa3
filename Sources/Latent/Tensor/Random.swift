#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018), seeded by SplitMix64.
///
/// Every random number in Latent (initial weights, shuffles, ε in the VAE, noise) comes from one of
/// these, passed explicitly, so a run is reproducible from its seed. xoshiro256** has a 2²⁵⁶ − 1
/// period, passes BigCrush, and its whole state is four words, saved in checkpoints (`state`).
/// The streams differ from PyTorch's Mersenne Twister: same seed, different numbers.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four state words; restoring them resumes the exact same stream.
    public var state: [UInt64]
    /// A second normal sample left over from the last Box–Muller pair, if any.
    public var spareNormal: Float?

    /// A generator whose state is expanded from `seed` by SplitMix64 (so nearby seeds differ fully).
    public init(seed: UInt64) {
        var x = seed
        state = (0..<4).map { _ in
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        spareNormal = nil
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box–Muller; the pair's second value is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // u1 in (0, 1] so log(u1) is finite.
        let u1 = Double(next() >> 11 + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        var i = n - 1
        while i > 0 {
            let j = Int(next(upperBound: UInt64(i + 1)))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}


extension Tensor {
    /// Samples from N(mean, std²), one per element of `shape`.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, std: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        var values = [Float](repeating: 0, count: Tensor.count(of: shape))
        for i in values.indices { values[i] = mean + std * generator.nextNormal() }
        return Tensor(shape: shape, scalars: values)
    }

    /// Standard normal samples shaped like `other` (the ε of the reparameterization trick).
    public static func randomNormal(like other: Tensor, using generator: inout SeededGenerator) -> Tensor {
        randomNormal(other.shape, using: &generator)
    }

    /// Samples from U[low, high), one per element of `shape`.
    public static func randomUniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        var values = [Float](repeating: 0, count: Tensor.count(of: shape))
        for i in values.indices { values[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, scalars: values)
    }
}
