"""Latent's `SeededGenerator` in Python, bit for bit, so the PyTorch peers can draw what chapter 3 draws.

SplitMix64 expands the seed into four words; xoshiro256** produces 64-bit outputs; `below` is Swift's
`next(upperBound:)` (Lemire's multiply-and-reject); `permutation` is `SeededGenerator.permutation`
(Fisher–Yates from the end). Pure Python: fine for thousands of draws, seconds for millions.
"""
import numpy as np

MASK = (1 << 64) - 1


class LatentGenerator:
    def __init__(self, seed):
        x, self.state = seed, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.state.append(z ^ (z >> 31))

    def draws(self, count):
        """The next `count` outputs, as a uint64 array."""
        s0, s1, s2, s3 = self.state
        out = np.empty(count, dtype=np.uint64)
        for i in range(count):
            r = (s1 * 5) & MASK
            out[i] = ((((r << 7) | (r >> 57)) & MASK) * 9) & MASK
            t = (s1 << 17) & MASK
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & MASK
        self.state = [s0, s1, s2, s3]
        return out

    def next(self):
        return int(self.draws(1)[0])

    def below(self, bound):
        """Uniform in 0..<bound."""
        m = self.next() * bound
        if (m & MASK) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & MASK) < threshold:
                m = self.next() * bound
        return m >> 64

    def permutation(self, n):
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order
