#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Latent
import LatentData

/// Latent codes to decode for the chapters' pictures: interpolations, traversals, the z = 2
/// manifold and attribute arithmetic. Each returns codes [rows, z]; the chapter decodes them.
public enum LatentCodes {
    /// `steps` codes from a to b on the straight line, both ends included. a, b: [z] → [steps, z].
    public static func interpolation(from a: Tensor, to b: Tensor, steps: Int) -> Tensor {
        precondition(a.shape == b.shape && a.rank == 1 && steps >= 2, "interpolation needs two [z] codes and ≥ 2 steps")
        var rows: [Float] = []
        for s in 0..<steps {
            let t = Float(s) / Float(steps - 1)
            rows += (0..<a.count).map { (1 - t) * a.scalars[$0] + t * b.scalars[$0] }
        }
        return Tensor(shape: [steps, a.count], scalars: rows)
    }

    /// For each dimension in `dimensions`, the code `base` with that one coordinate set to each of
    /// `values` in turn (the others fixed). base: [z] → [dimensions.count · values.count, z], row-major
    /// by dimension then value — one picture row per dimension.
    public static func traversal(base: Tensor, dimensions: [Int], values: [Float]) -> Tensor {
        precondition(base.rank == 1, "traversal needs one [z] code, got \(base.shape)")
        var rows: [Float] = []
        for d in dimensions {
            precondition(d >= 0 && d < base.count, "traversal dimension \(d) outside 0..<\(base.count)")
            for v in values {
                var code = base.scalars
                code[d] = v
                rows += code
            }
        }
        return Tensor(shape: [dimensions.count * values.count, base.count], scalars: rows)
    }

    /// `count` evenly spaced values from `low` to `high` inclusive (−3…3 for traversals).
    public static func linspace(_ low: Float, _ high: Float, count: Int) -> [Float] {
        precondition(count >= 2, "linspace needs at least 2 points")
        return (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
    }

    /// The z = 2 manifold: an n×n grid of codes at the standard normal's quantiles
    /// ((i + ½)/n for i in 0..<n), so equal areas of prior mass get equal room. Row r of the grid has
    /// z₂ decreasing from top to bottom and z₁ increasing left to right. → [n·n, 2].
    public static func manifold(side n: Int) -> Tensor {
        precondition(n >= 1, "manifold needs a positive side")
        let q = (0..<n).map { Float(normalQuantile((Double($0) + 0.5) / Double(n))) }
        var rows: [Float] = []
        for r in 0..<n {
            for c in 0..<n { rows += [q[c], q[n - 1 - r]] }
        }
        return Tensor(shape: [n * n, 2], scalars: rows)
    }

    /// `base + t·direction` for each t in `steps`: attribute arithmetic (seed 004's glasses).
    /// base, direction: [z] → [steps.count, z].
    public static func along(_ direction: Tensor, from base: Tensor, steps: [Float]) -> Tensor {
        precondition(base.shape == direction.shape && base.rank == 1, "along needs two [z] vectors")
        var rows: [Float] = []
        for t in steps { rows += (0..<base.count).map { base.scalars[$0] + t * direction.scalars[$0] } }
        return Tensor(shape: [steps.count, base.count], scalars: rows)
    }

    /// The attribute vector: mean code of the images that have the attribute minus the mean code of
    /// those that do not. codes: [N, z]; has: N flags (both groups non-empty) → [z].
    public static func attributeDirection(codes: Tensor, has: [Bool]) -> Tensor {
        precondition(codes.rank == 2 && codes.shape[0] == has.count, "attributeDirection: \(codes.shape) codes, \(has.count) flags")
        let d = codes.shape[1]
        var with = [Double](repeating: 0, count: d), without = [Double](repeating: 0, count: d)
        var nWith = 0, nWithout = 0
        for (row, flag) in has.enumerated() {
            for j in 0..<d {
                let v = Double(codes.scalars[row * d + j])
                if flag { with[j] += v } else { without[j] += v }
            }
            if flag { nWith += 1 } else { nWithout += 1 }
        }
        precondition(nWith > 0 && nWithout > 0, "attributeDirection needs images with and without the attribute")
        return Tensor(shape: [d], scalars: (0..<d).map { Float(with[$0] / Double(nWith) - without[$0] / Double(nWithout)) })
    }

    /// Row `index` of a [N, z] tensor as a [z] vector.
    public static func row(_ codes: Tensor, _ index: Int) -> Tensor {
        let d = codes.shape[1]
        return Tensor(shape: [d], scalars: Array(codes.scalars[(index * d)..<((index + 1) * d)]))
    }
}

/// The standard normal's quantile function Φ⁻¹(p), p in (0, 1): bisection on erfc, accurate to ~1e-12.
public func normalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "normalQuantile needs p in (0, 1), got \(p)")
    var low = -40.0, high = 40.0
    for _ in 0..<200 {
        let mid = 0.5 * (low + high)
        let cdf = 0.5 * erfc(-mid / 2.0.squareRoot())
        if cdf < p { low = mid } else { high = mid }
        if high - low < 1e-13 { break }
    }
    return 0.5 * (low + high)
}

/// One picture of your own through a trained VAE: the first row of what `vae --encode` and
/// `beta-vae --encode` draw, and the numbers they print. Each chapter adds its own rows below it
/// (chapter 3: attribute vectors; chapter 4: traversals of the picture's busiest dimensions).
public struct EncodedPicture {
    /// q(z|x) of the picture: μ and log σ², each [1, z].
    public let mu: Tensor, logVar: Tensor
    /// The picture, its decoding at z = μ, then `columns − 2` decodings of z = μ + σ·ε, ε ~ N(0, I): [columns, C, H, W].
    public let firstRow: Tensor
    /// KL(q(z|x) ‖ N(0, I)) of each latent dimension, in nats.
    public let klPerDimension: [Double]

    /// `x`: the prepared picture, [1, C, H, W] in the model's pixel range.
    public init(_ vae: VAE, picture x: Tensor, columns: Int, using random: inout SeededGenerator) {
        precondition(x.shape.first == 1 && columns >= 3, "one picture and at least 3 columns")
        let (m, lv) = vae.encodeAll(x)
        let z = vae.latentDimension
        let sigma = lv.scalars.map { exp($0 / 2) }
        var codes: [Float] = []
        for _ in 0..<(columns - 2) {
            codes += (0..<z).map { m.scalars[$0] + sigma[$0] * random.nextNormal() }
        }
        (mu, logVar) = (m, lv)
        firstRow = concatBatch([x, vae.decodeAll(m), vae.decodeAll(Tensor(shape: [columns - 2, z], scalars: codes))])
        klPerDimension = perDimensionKL(mu: m, logVar: lv).scalars.map(Double.init)
    }

    /// The pixel range the model was trained on: [−1, 1] for seed 000's face model (Tanh), else [0, 1].
    public static func pixelRange(of vae: VAE) -> PixelRange { vae.kind == "celeba" ? .minusOneToOne : .zeroToOne }

    /// The picture at `path` as training saw its images: decoded, shorter side to S, centre S×S crop,
    /// C channels (`ImagePreparation`), then [1, C, S, S] floats in the model's pixel range.
    public static func prepare(file path: String, for vae: VAE) throws -> Tensor {
        let (channels, size) = (vae.imageShape[0], vae.imageShape[1])
        let bytes = try ImagePreparation.prepare(file: path, size: size, channels: channels)
        return try ImageSet(count: 1, channels: channels, height: size, width: size, pixels: bytes, labels: nil)
            .tensor(first: 1, range: pixelRange(of: vae))
    }

    /// The total KL(q(z|x) ‖ p(z)) in nats: how much the code says about this picture.
    public var kl: Double { klPerDimension.reduce(0, +) }

    /// A file name's stem: `photos/me.jpg` → `me`.
    public static func stem(of path: String) -> String {
        let name = FileIO.fileName(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}
