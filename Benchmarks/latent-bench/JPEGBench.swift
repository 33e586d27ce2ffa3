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
            times building the decoded cache of every file (reading files, decoding, resizing, writing) in
            the default cache folder, which it leaves there.
            """)

    @Option(help: "CelebA folder (holding img_align_celeba/), the image folder, or the zip; default: searched.")
    var data: String?

    @Option(parsing: .unconditional, help: "How many images to time (0 = all found).")
    var count: Int = 2000

    @Option(parsing: .unconditional, help: "Thread counts (comma-separated).")
    var threads: String = "1,2"

    @Option(parsing: .unconditional, help: "Crop size S of the decode+crop mode.")
    var size: Int = 64

    @Option(help: "Modes to time (comma-separated): decode, crop<S>; default both.")
    var modes: String?

    @Option(parsing: .unconditional, help: "Timed passes over the images per measurement (the best counts).")
    var repetitions: Int = 3

    @Option(parsing: .unconditional, help: "With --compare: how many times ours and the peer alternate per case (best counts).")
    var rounds: Int = 2

    @Flag(help: "Also run Benchmarks/pytorch/bench_jpeg.py (Pillow) alternately and print the ratio.")
    var compare = false

    @Option(help: "Write a PNG grid of the first 64 training faces at --size, read from the decoded cache, to this path.")
    var grid: String?

    @Flag(help: "Also time a cold build of the decoded cache of all found images (left in the default cache folder).")
    var cache = false

    func validate() throws {
        if let data { try require(FileIO.fileExists(data) || FileIO.isFolder(data), "--data", "an existing file or folder", data) }
        try require(count >= 0, "--count", "≥ 0", count)
        try require((1...1024).contains(size), "--size", "in 1…1024", size)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
        try require(rounds >= 1, "--rounds", "at least 1", rounds)
        _ = try parseThreadList(threads)
    }

    func run() throws {
        guard let source = CelebA.locate(explicitPath: data, environment: ProcessInfo.processInfo.environment) else {
            throw CelebAError.notFound(
                searched: CelebA.searchFolders(explicitPath: data, environment: ProcessInfo.processInfo.environment))
        }
        if let grid {
            // Through the same path a chapter uses: cache (built if needed), split, batch in [-1, 1].
            let celeba = try CelebA.load(from: source.path, size: size)
            let batch = try celeba.train.tensor(first: 64, range: .minusOneToOne)
            print("jpeg: wrote \(try saveImage(batch, to: grid, normalize: true, valueRange: (-1, 1))) (\(batch.shape))")
            return
        }
        let listing = try CelebASourceListing(source)
        let n = count > 0 ? min(count, listing.names.count) : listing.names.count
        let files = try (0..<n).map { try listing.read($0) }
        let threadList = try parseThreadList(threads)
        print("# \(cpuDescription())")
        print("jpeg: \(n) images from \(source.path)")
        let modes = self.modes.map { $0.split(separator: ",").map(String.init) } ?? ["decode", "crop\(size)"]
        for mode in modes where mode != "decode" && !(mode.hasPrefix("crop") && Int(mode.dropFirst(4)) != nil) {
            throw ValidationError("--modes wants decode or crop<S>, got \"\(mode)\"")
        }
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
                    arguments += ["--data", source.path]   // the very files measured above
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
            // Built where CelebA.load keeps it, so the run leaves a ready cache behind; the file is deleted
            // first so every measurement is a cold build.
            let folder = CelebA.defaultCacheFolder(environment: ProcessInfo.processInfo.environment)
            for t in threadList {
                let saved = Parallel.threadCount
                Parallel.threadCount = t
                defer { Parallel.threadCount = saved }
                if let old = try? CelebA.load(from: source.path, size: size, cacheFolder: folder, showProgress: false, log: { _ in }) {
                    try? FileManager.default.removeItem(atPath: old.cachePath)
                }
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
                let warm = Timing.seconds {
                    result = try? CelebA.load(from: source.path, size: size, cacheFolder: folder, showProgress: false) { _ in }
                }
                print(String(format: "jpeg: loading it again (cache read, splits, attributes) takes %.2f s", warm))
            }
        }
    }

    /// Images per second for `mode` on `threads` threads: best of `repetitions` passes over `files`.
    func measure(_ files: [[UInt8]], mode: String, threads: Int) -> BenchLine {
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let crop = mode != "decode"
        let size = Int(mode.dropFirst(4)) ?? self.size
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
