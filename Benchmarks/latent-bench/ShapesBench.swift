import ArgumentParser
import Latent
import LatentData

/// `latent-bench shapes`: how fast chapter 6's shapes are drawn, in images/s.
///
/// Chapter 6 draws its training sample and its test images with `Shapes.imageSet(indices:)` and
/// `Shapes.tensor(indices:)`, and the metrics draw many more. This case times both on random indices
/// of the 737,280-image grid (one thread: drawing is a plain loop). No peer: DeepMind's dSprites is a
/// file, not a renderer.
struct ShapesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shapes",
        abstract: "Draw chapter 6's shapes; prints `shapes mode=<imageset|tensor> count=<n> <x> images/s`.")

    @Option(parsing: .unconditional, help: "Images drawn per call (random indices of the grid).")
    var count: Int = 10_000

    @Option(parsing: .unconditional, help: "Timed repetitions (the best counts).")
    var repetitions: Int = 3

    @Option(parsing: .unconditional, help: "Seed of the random indices.")
    var seed: UInt64 = 1

    func validate() throws {
        try require((1...737_280).contains(count), "--count", "in 1…737280", count)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
    }

    func run() throws {
        print("# \(cpuDescription())")
        let shapes = Shapes()
        var random = SeededGenerator(seed: seed)
        let indices = Array(random.permutation(shapes.count).prefix(count))
        var checksum = 0
        let imageSet = Timing.secondsPerCall(warmup: 1, repetitions: repetitions, target: 0.5) {
            checksum &+= shapes.imageSet(indices: indices).count
        }
        print(BenchLine(name: "shapes", parameters: [("mode", "imageset"), ("count", "\(count)")],
                        value: Double(count) / imageSet, unit: "images/s"))
        let tensor = Timing.secondsPerCall(warmup: 1, repetitions: repetitions, target: 0.5) {
            checksum &+= shapes.tensor(indices: indices).shape[0]
        }
        print(BenchLine(name: "shapes", parameters: [("mode", "tensor"), ("count", "\(count)")],
                        value: Double(count) / tensor, unit: "images/s"))
        if checksum == 0 { print("shapes: nothing drawn") }
    }
}
