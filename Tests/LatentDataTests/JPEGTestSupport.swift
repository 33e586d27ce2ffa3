import Foundation
import LatentData
import Testing

/// Paths and readers shared by the JPEG, ZIP and CelebA tests.
enum CelebATestPaths {
    /// The package root, found from this file's path (Tests/LatentDataTests/<file>).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Fixtures/<name>` in the package.
    static func fixtures(_ name: String) -> URL { packageRoot.appendingPathComponent("Fixtures/\(name)") }

    /// The real CelebA folder: `$LATENT_DATA/celeba` or `../shared/data/celeba`, if it holds images.
    static let realCelebA: URL? = {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["LATENT_DATA"] {
            candidates.append(URL(fileURLWithPath: env).appendingPathComponent("celeba"))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/celeba"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("img_align_celeba").path)
        }
    }()

    /// True when the real CelebA folder is present (prints a skip message otherwise).
    static let hasRealCelebA: Bool = {
        if realCelebA == nil { print("CelebA data not found (LATENT_DATA or ../shared/data/celeba): skipping real-data tests") }
        return realCelebA != nil
    }()

    /// Whether `python3` with Pillow can be run.
    static let hasPillow: Bool = {
        let ok = (try? run(["python3", "-c", "import PIL"])) == 0
        if !ok { print("python3 + Pillow not available: skipping the Pillow comparison on real files") }
        return ok
    }()

    /// Runs a command (looked up in PATH) and returns its exit status.
    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A netpbm image (P5 grayscale or P6 RGB, maxval 255), as the fixture scripts write them.
struct NetpbmImage {
    var width: Int
    var height: Int
    var channels: Int
    /// Interleaved samples, `[height, width, channels]`.
    var samples: [UInt8]

    init(contentsOf url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var fields: [String] = []
        var i = 0
        while fields.count < 4 && i < bytes.count {
            while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09) {
                i += 1
            }
            var field = ""
            while i < bytes.count && !(bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09) {
                field.append(Character(UnicodeScalar(bytes[i])))
                i += 1
            }
            fields.append(field)
        }
        i += 1
        guard fields.count == 4, let w = Int(fields[1]), let h = Int(fields[2]), fields[3] == "255" else {
            throw CocoaError(.fileReadCorruptFile)
        }
        width = w
        height = h
        channels = fields[0] == "P5" ? 1 : 3
        samples = Array(bytes[i...])
        guard samples.count == w * h * channels else { throw CocoaError(.fileReadCorruptFile) }
    }
}

/// Mean and max absolute difference between two equally long sample arrays.
func sampleDifference(_ a: [UInt8], _ b: [UInt8]) -> (mean: Double, max: Int) {
    precondition(a.count == b.count)
    var total = 0
    var worst = 0
    for i in a.indices {
        let d = abs(Int(a[i]) - Int(b[i]))
        total += d
        worst = max(worst, d)
    }
    return (a.isEmpty ? 0 : Double(total) / Double(a.count), worst)
}

/// Corrupts `original` 400 times (1–4 random bytes each, from `seed`) and decodes each: every result must
/// be an image of consistent size or an error with an offset inside the file, never a crash; and some
/// corruptions must be caught. The corruption-robustness check of the baseline and progressive tests.
func expectCorruptionNeverCrashes(_ original: [UInt8], seed: UInt64) {
    var state = seed
    let decoder = JPEGDecoder()
    var failures = 0
    for round in 0..<400 {
        var bytes = original
        for _ in 0..<(1 + round % 4) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let index = Int(state >> 33) % bytes.count
            bytes[index] = UInt8(truncatingIfNeeded: state >> 20)
        }
        do {
            let image = try decoder.decode(bytes)
            #expect(image.pixels.count == image.width * image.height * image.channels)
        } catch {
            failures += 1
            #expect(error.offset >= 0 && error.offset <= bytes.count)
        }
    }
    #expect(failures > 0)
}
