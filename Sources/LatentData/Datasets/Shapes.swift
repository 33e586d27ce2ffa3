import Foundation
import Latent

/// dSprites-style shapes (Matthey et al. 2017): 64×64 binary images of one white shape on black, with
/// every combination of five factors, exactly once:
///
///     factor        values                          count
///     shape         square, ellipse, heart          3
///     scale         0.5 … 1 (6 steps)               6
///     orientation   0 … 2π (40 steps, both ends)    40
///     position x    0 … 1 (32 steps)                32
///     position y    0 … 1 (32 steps)                32      → 3·6·40·32·32 = 737,280 images
///
/// Image `index` has the factors of DeepMind's `latents_classes` row `index` (without its constant
/// colour column): position y varies fastest, shape slowest,
///
///     index = (((shape·6 + scale)·40 + orientation)·32 + x)·32 + y
///
/// `Shapes()` draws the images on demand (nothing is stored: 737,280 × 4096 bytes would be 3 GB), with
/// no anti-aliasing: a pixel is on when its centre lies inside the shape. `Shapes.load(npz:)` reads
/// DeepMind's `dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz` (or any `.npz` with its two arrays) behind
/// the same API. Pixels are bytes 0 or 255 (so `PixelRange.zeroToOne` gives 0 or 1).
public struct Shapes: Sendable {
    /// The factors' names, in index order.
    public static let factorNames = ["shape", "scale", "orientation", "position x", "position y"]
    /// How many values each factor takes.
    public static let factorSizes = [3, 6, 40, 32, 32]
    /// The shapes' names, by class.
    public static let shapeNames = ["square", "ellipse", "heart"]
    /// Image side, in pixels.
    public static let side = 64
    /// Bytes per image.
    public static let imageSize = side * side

    /// Where the images come from: drawn here, or read from an `.npz`.
    enum Source: Sendable {
        case rendered
        /// imgs [N, 64, 64] as 0/255 and each image's five factor classes.
        case file(path: String, pixels: [UInt8], factors: [[Int]], lookup: [[Int]: Int])
    }
    let source: Source

    /// The number of images: 737,280 when drawn (or for the full dSprites file).
    public var count: Int {
        switch source {
        case .rendered: return Self.factorSizes.reduce(1, *)
        case let .file(_, _, factors, _): return factors.count
        }
    }

    /// What this set is, for the console and summary.json: "rendered" or the file's path.
    public var origin: String {
        switch source {
        case .rendered: return "rendered"
        case let .file(path, _, _, _): return path
        }
    }

    /// The shapes, drawn on demand.
    public init() { source = .rendered }

    // MARK: - Factors ↔ index

    /// The five factor classes of image `index` (shape, scale, orientation, x, y).
    public func factors(of index: Int) -> [Int] {
        precondition(index >= 0 && index < count, "Shapes: index \(index) out of range 0..<\(count)")
        if case let .file(_, _, factors, _) = source { return factors[index] }
        return Self.gridFactors(of: index)
    }

    /// The index of the image with these factor classes, nil when the set has none (a partial file).
    public func index(of factors: [Int]) -> Int? {
        precondition(factors.count == 5 && zip(factors, Self.factorSizes).allSatisfy { $0 >= 0 && $0 < $1 },
                     "Shapes: factors \(factors) outside \(Self.factorSizes)")
        if case let .file(_, _, _, lookup) = source { return lookup[factors] }
        return Self.gridIndex(of: factors)
    }

    /// The dSprites order: y fastest, shape slowest.
    public static func gridIndex(of factors: [Int]) -> Int {
        var index = 0
        for (value, size) in zip(factors, factorSizes) { index = index * size + value }
        return index
    }

    /// The inverse of `gridIndex`.
    public static func gridFactors(of index: Int) -> [Int] {
        var rest = index
        var factors = [Int](repeating: 0, count: 5)
        for k in stride(from: 4, through: 0, by: -1) {
            factors[k] = rest % factorSizes[k]
            rest /= factorSizes[k]
        }
        return factors
    }

    /// The factor values in dSprites' units: scale in 0.5…1, orientation in radians 0…2π, x and y in 0…1
    /// (shape stays its class).
    public static func values(of factors: [Int]) -> [Double] {
        [Double(factors[0]),
         0.5 + 0.5 * Double(factors[1]) / 5,
         2 * Double.pi * Double(factors[2]) / 39,
         Double(factors[3]) / 31,
         Double(factors[4]) / 31]
    }

    // MARK: - Drawing

    /// One image's 4096 bytes (0 or 255), row-major.
    public func image(_ index: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.imageSize)
        bytes.withUnsafeMutableBufferPointer { write(index, into: $0.baseAddress!) }
        return bytes
    }

    /// Writes image `index` (4096 bytes) at `out`.
    func write(_ index: Int, into out: UnsafeMutablePointer<UInt8>) {
        switch source {
        case .rendered:
            Self.draw(factors: Self.gridFactors(of: index), into: out)
        case let .file(_, pixels, _, _):
            pixels.withUnsafeBufferPointer { p in
                out.update(from: p.baseAddress! + index * Self.imageSize, count: Self.imageSize)
            }
        }
    }

    /// Images `indices` as a Float tensor [n, 1, 64, 64] of 0s and 1s.
    public func tensor(indices: [Int]) -> Tensor {
        var bytes = [UInt8](repeating: 0, count: indices.count * Self.imageSize)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "Shapes: index \(index) out of range 0..<\(count)")
                write(index, into: buffer.baseAddress! + row * Self.imageSize)
            }
        }
        return Tensor(shape: [indices.count, 1, Self.side, Self.side], scalars: bytes.map { $0 == 0 ? 0 : 1 })
    }

    /// Images `indices` as an in-memory `ImageSet` (what `DataLoader` batches), labelled by shape.
    public func imageSet(indices: [Int]) -> ImageSet {
        var bytes = [UInt8](repeating: 0, count: indices.count * Self.imageSize)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for (row, index) in indices.enumerated() { write(index, into: buffer.baseAddress! + row * Self.imageSize) }
        }
        return ImageSet(count: indices.count, channels: 1, height: Self.side, width: Self.side, pixels: bytes,
                        labels: indices.map { factors(of: $0)[0] })
    }

    /// Draws one shape. The shape's centre is at pixel coordinates 16 + 32·x and 16 + 32·y (x to the
    /// right, y down, a pixel's centre at +0.5), its size is `scale` times the unit below, and it is
    /// turned by the orientation angle θ (counter-clockwise on screen). A pixel is on when its centre,
    /// taken into the shape's own frame (u to the right, v up), is inside:
    ///
    ///     square   |u| ≤ 10s and |v| ≤ 10s
    ///     ellipse  (u / 10s)² + (v / 5s)² ≤ 1
    ///     heart    (X² + Y² − 1)³ − X²Y³ ≤ 0,  X = u / 8s, Y = v / 8s + 0.1
    ///
    /// All three fit inside the image at every position, scale and angle (the square's corner reaches
    /// 10√2 ≈ 14.2 px from the centre; the centre is at least 16 px from every edge).
    static func draw(factors: [Int], into out: UnsafeMutablePointer<UInt8>) {
        let v = values(of: factors)
        let (shape, scale, theta) = (factors[0], v[1], v[2])
        let cx = 16 + 32 * v[3], cy = 16 + 32 * v[4]
        let (c, s) = (cos(theta), sin(theta))
        let reach = 15 * scale  // every shape lies within this radius of its centre
        let rowRange = max(0, Int((cy - reach).rounded(.down)))...min(side - 1, Int((cy + reach).rounded(.up)))
        let colRange = max(0, Int((cx - reach).rounded(.down)))...min(side - 1, Int((cx + reach).rounded(.up)))
        for row in rowRange {
            let dy = Double(row) + 0.5 - cy
            for col in colRange {
                let dx = Double(col) + 0.5 - cx
                // Into the shape's frame: undo the rotation, and make v point up.
                let u = c * dx - s * dy
                let w = -(s * dx + c * dy)
                if inside(shape: shape, u: u, v: w, scale: scale) { out[row * side + col] = 255 }
            }
        }
    }

    /// Whether the point (u, v) of the shape's frame is inside the shape of this class and scale.
    static func inside(shape: Int, u: Double, v: Double, scale: Double) -> Bool {
        switch shape {
        case 0:
            return abs(u) <= 10 * scale && abs(v) <= 10 * scale
        case 1:
            let (a, b) = (u / (10 * scale), v / (5 * scale))
            return a * a + b * b <= 1
        default:
            let x = u / (8 * scale), y = v / (8 * scale) + 0.1
            let r = x * x + y * y - 1
            return r * r * r - x * x * y * y * y <= 0
        }
    }

    // MARK: - DeepMind's file

    /// The name of DeepMind's file (github.com/deepmind/dsprites-dataset).
    public static let fileName = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"

    /// Reads an `.npz` holding `imgs` ([N, 64, 64] bytes 0/1) and `latents_classes` ([N, 6] int64:
    /// colour, shape, scale, orientation, x, y), as DeepMind's file does. Other members (its pickled
    /// `metadata`, `latents_values`) are not read. Errors name the file and what is wrong.
    public static func load(npz path: String) throws -> Shapes {
        let archive = try ZIPArchive(path: path)
        func array(_ name: String) throws -> NPYArray {
            guard let entry = archive.entry(named: name + ".npy") else {
                throw NPYError(file: path, reason: "no member \(name).npy (it has \(archive.entries.map(\.name).joined(separator: ", ")))")
            }
            return try NPYArray(bytes: try archive.data(for: entry), name: "\(path):\(name).npy")
        }
        let imgs = try array("imgs"), classes = try array("latents_classes")
        let n = imgs.shape.first ?? 0
        guard imgs.descr.hasSuffix("u1"), imgs.shape.count == 3, imgs.shape[1] == side, imgs.shape[2] == side else {
            throw NPYError(file: "\(path):imgs.npy", reason: "expected [N, 64, 64] bytes, found \(imgs.descr) \(imgs.shape)")
        }
        guard classes.shape == [n, 6], let values = classes.integers() else {
            throw NPYError(file: "\(path):latents_classes.npy",
                           reason: "expected [\(n), 6] integers (one row per image), found \(classes.descr) \(classes.shape)")
        }
        var factors: [[Int]] = [], lookup: [[Int]: Int] = [:]
        factors.reserveCapacity(n)
        for i in 0..<n {
            let row = Array(values[(i * 6 + 1)..<(i * 6 + 6)])
            guard values[i * 6] == 0, zip(row, factorSizes).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
                throw NPYError(file: "\(path):latents_classes.npy",
                               reason: "row \(i) is \(values[(i * 6)..<(i * 6 + 6)].map { $0 }), outside colour 0 and \(factorSizes)")
            }
            factors.append(row)
            lookup[row] = i
        }
        if let bad = imgs.data.firstIndex(where: { $0 > 1 }) {
            throw NPYError(file: "\(path):imgs.npy", reason: "pixel \(bad) of image \(bad / imageSize) is \(imgs.data[bad]), not 0 or 1")
        }
        return Shapes(source: .file(path: path, pixels: imgs.data.map { $0 == 0 ? 0 : 255 }, factors: factors, lookup: lookup))
    }

    init(source: Source) { self.source = source }
}
