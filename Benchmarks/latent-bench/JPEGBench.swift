import ArgumentParser
import Foundation
import Latent
import LatentData

/// `latent-bench jpeg`: CelebA JPEG decoding (and decode + resize + center crop) in images/s,
/// optionally against Pillow (libjpeg-turbo) run by `Benchmarks/pytorch/bench_jpeg.py`.
struct JPEGBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jpeg",
        abstract: "Decode CelebA JPEGs held in memory; prints `jpeg mode=<decode|crop64> threads=<t> <x> images/s`.",
        discussion: """
            Files are read into memory first, so only decoding (and resizing) is timed. mode=decode is the
            JPEG decoder alone; mode=crop<S> adds torchvision's Resize(S) + CenterCrop(S). With --cache, also
            times building the decoded cache of every file (reading files, decoding, resizing, writing).
            """)

    @Option(help: "CelebA folder (holding img_align_celeba/), the image folder, or the zip; default: searched.")
    var data: String?

    @Option(help: "How many images to time (0 = all found).")
    var count: Int = 2000

    @Option(help: "Thread counts (comma-separated).")
    var threads: String = "1,2"

    @Option(help: "Crop size S of the decode+crop mode.")
    var size: Int = 64

    @Option(help: "Timed passes over the images per measurement (the best counts).")
    var repetitions: Int = 3

    @Option(help: "With --compare: how many times ours and the peer alternate per case (best counts).")
    var rounds: Int = 2

    @Flag(help: "Also run Benchmarks/pytorch/bench_jpeg.py (Pillow) alternately and print the ratio.")
    var compare = false

    @Flag(help: "Also time building the decoded cache of all found images (into a temporary folder).")
    var cache = false

    func run() throws {
        guard let source = CelebA.locate(explicitPath: data, environment: ProcessInfo.processInfo.environment) else {
            throw CelebAError.notFound(
                searched: CelebA.searchFolders(explicitPath: data, environment: ProcessInfo.processInfo.environment))
        }
        let listing = try CelebASourceListing(source)
        let n = count > 0 ? min(count, listing.names.count) : listing.names.count
        let files = try (0..<n).map { try listing.read($0) }
        let threadList = try threads.split(separator: ",").map { text -> Int in
            guard let t = Int(text.trimmingCharacters(in: .whitespaces)), t > 0 else {
                throw ValidationError("--threads wants positive integers separated by commas, got \"\(threads)\"")
            }
            return t
        }
        print("jpeg: \(n) images from \(source.path)")
        let modes = ["decode", "crop\(size)"]
        let peer = compare ? try PeerScript("bench_jpeg.py") : nil
        if compare {
            print("mode     threads      Latent     Pillow   ratio   (images/s)")
        }
        for mode in modes {
            for t in threadList {
                guard let peer else {
                    print(measure(files, mode: mode, threads: t))
                    continue
                }
                var ours = 0.0
                var theirs = 0.0
                for _ in 0..<max(1, rounds) {
                    ours = max(ours, measure(files, mode: mode, threads: t).value)
                    var arguments = ["--count", "\(n)", "--threads", "\(t)", "--size", "\(size)", "--modes", mode,
                                     "--repetitions", "\(repetitions)"]
                    if let data { arguments += ["--data", data] }
                    let lines = try peer.run(arguments)
                    guard let line = lines.first(where: { $0.name == "jpeg" && $0["mode"] == mode && $0["threads"] == "\(t)" }) else {
                        throw PeerError.missingLine(script: peer.path, expected: "jpeg mode=\(mode) threads=\(t)",
                                                    output: lines.map(\.description).joined(separator: "\n"))
                    }
                    theirs = max(theirs, line.value)
                }
                let label = mode.padding(toLength: 8, withPad: " ", startingAt: 0)
                print(label + String(format: " %-8d %10.1f %10.1f %7.2f", t, ours, theirs, ours / theirs))
            }
        }
        if cache {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("latent-bench-cache-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for t in threadList {
                let saved = Parallel.threadCount
                Parallel.threadCount = t
                defer { Parallel.threadCount = saved }
                try? FileManager.default.removeItem(atPath: folder)
                var result: CelebA?
                var failure: Error?
                let seconds = Timing.seconds {
                    do {
                        result = try CelebA.load(from: source.path, size: size, cacheFolder: folder, showProgress: false) { _ in }
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                let images = result?.decoded ?? 0
                print(BenchLine(name: "jpeg", parameters: [("mode", "cache\(size)"), ("threads", "\(t)")],
                                value: Double(images) / seconds, unit: "images/s"))
                print(String(format: "jpeg: cache of %d images at %d×%d built in %.2f s on %d threads", images, size, size, seconds, t))
            }
        }
    }

    /// Images per second for `mode` on `threads` threads: best of `repetitions` passes over `files`.
    func measure(_ files: [[UInt8]], mode: String, threads: Int) -> BenchLine {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let crop = mode != "decode"
        var best = Double.infinity
        for _ in 0..<(max(1, repetitions) + 1) {  // one extra pass: the first warms caches up
            let seconds = Timing.seconds {
                parallelFor(files.count, grain: 1) { range in
                    let decoder = JPEGDecoder()
                    var transform: ResizeCenterCrop?
                    for i in range {
                        guard let image = try? decoder.decode(files[i]) else { continue }
                        guard crop else { continue }
                        if transform?.inputWidth != image.width || transform?.inputHeight != image.height {
                            transform = ResizeCenterCrop(width: image.width, height: image.height, size: size)
                        }
                        _ = transform?.apply(image)
                    }
                }
            }
            best = min(best, seconds)
        }
        return BenchLine(name: "jpeg", parameters: [("mode", mode), ("threads", "\(threads)")],
                         value: Double(files.count) / best, unit: "images/s")
    }
}
