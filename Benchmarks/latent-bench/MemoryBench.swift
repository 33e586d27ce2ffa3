import ArgumentParser
import Latent

/// `latent-bench memory`: how fast the cores stream through memory, alone and together, in GB/s.
///
/// A training step is not all multiply-adds: Adam, BatchNorm, the activations and the losses each make a
/// pass over memory and little else. A pass over data that fits a core's own cache gets faster with a
/// second thread; one over data that does not is limited by what the cores share (the last-level cache,
/// the memory bus, and on a virtual machine whatever the host gives). This case measures that ceiling
/// for the model cases' 2-thread speed-ups: each thread runs y ← y + a·x over its own pair of buffers of
/// `--sizes` MB each (two reads and a write per element, counted as 12 bytes). No peer: the figure is
/// the machine's.
struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Stream y ← y + a·x through buffers of each size; prints `memory mb=<size> threads=<t> <x> GB/s`.")

    @Option(help: "MB per buffer, each thread with its own two (comma-separated).")
    var sizes: String = "0.25,1,4,64"

    @Option(parsing: .unconditional, help: "Thread counts (comma-separated).")
    var threads: String = "1,2"

    @Option(parsing: .unconditional, help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 5

    func validate() throws {
        _ = try megabytes()
        _ = try parseThreadList(threads)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
    }

    /// The sizes, each in (0, 4096] MB.
    func megabytes() throws -> [Double] {
        try sizes.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let size = Double(text.trimmingCharacters(in: .whitespaces)), size > 0 && size <= 4096 else {
                throw ValidationError("--sizes wants sizes in MB in (0, 4096] separated by commas, got \"\(sizes)\"")
            }
            return size
        }
    }

    func run() throws {
        print("# \(cpuDescription())")
        for size in try megabytes() {
            for t in try parseThreadList(threads) { print(measure(megabytes: size, threads: t)) }
        }
    }

    /// Total GB/s of `threads` threads each streaming its own two buffers of `megabytes` MB.
    func measure(megabytes: Double, threads: Int) -> BenchLine {
        let count = max(16, Int(megabytes * 1_048_576) / 4 / 16 * 16)  // Floats per buffer, whole SIMD16s
        let buffers = (0..<threads).map { _ in
            (x: UnsafeMutablePointer<Float>.allocate(capacity: count), y: UnsafeMutablePointer<Float>.allocate(capacity: count))
        }
        defer { for (x, y) in buffers { x.deallocate(); y.deallocate() } }
        for (x, y) in buffers {  // written once, so every page is mapped before the timing
            x.initialize(repeating: 1, count: count)
            y.initialize(repeating: 0, count: count)
        }
        // Each call streams at least 256 MB per thread, so small buffers are measured over many passes.
        let passes = max(1, (256 << 20) / (count * 12))
        let shared = UncheckedSendable(buffers)
        let seconds = Parallel.withThreadCount(threads) {
            Timing.secondsPerCall(warmup: 1, repetitions: repetitions, target: 0.2) {
                parallelFor(threads, grain: 1) { parts in
                    for part in parts {
                        let (x, y) = shared.value[part]
                        let a = SIMD16<Float>(repeating: 1e-3)
                        for _ in 0..<passes {
                            var i = 0
                            while i < count {
                                let xi = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                                let yi = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(y + i).storeBytes(of: yi.addingProduct(a, xi), as: SIMD16<Float>.self)
                                i &+= 16
                            }
                        }
                    }
                }
            }
        }
        let bytes = Double(threads * passes * count * 12)
        let label = megabytes == megabytes.rounded() ? String(Int(megabytes)) : String(megabytes)
        return BenchLine(name: "memory", parameters: [("mb", label), ("threads", "\(threads)")],
                         value: bytes / seconds / 1e9, unit: "GB/s")
    }
}
