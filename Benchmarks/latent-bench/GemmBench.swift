import ArgumentParser
import Latent

/// `latent-bench gemm`: single-precision n×n×n matrix product, GFLOP/s, optionally against torch.matmul.
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "C = A·B for square n×n Float matrices; prints `gemm n=<n> threads=<t> <x> GFLOP/s`.")

    @Option(help: "Matrix sizes n (comma-separated).")
    var sizes: String = "256,512,1024,2048"

    @Option(help: "Thread counts (comma-separated).")
    var threads: String = "1,2"

    @Option(help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 5

    @Option(help: "With --compare: how many times ours and the peer alternate per case (best counts).")
    var rounds: Int = 2

    @Flag(help: "Also run Benchmarks/pytorch/bench_gemm.py (torch.matmul) alternately and print the ratio.")
    var compare = false

    func run() throws {
        let sizeList = try parseList(sizes, option: "--sizes")
        let threadList = try parseList(threads, option: "--threads")
        let peer = compare ? try PeerScript("bench_gemm.py") : nil
        if compare {
            print(String(format: "%-6s %-8s %10s %10s %7s", "n", "threads", "Latent", "PyTorch", "ratio"))
        }
        for n in sizeList {
            for t in threadList {
                guard let peer else {
                    print(measure(n: n, threads: t))
                    continue
                }
                var ours = 0.0, theirs = 0.0
                for _ in 0..<max(1, rounds) {
                    ours = max(ours, measure(n: n, threads: t).value)
                    let lines = try peer.run(["--sizes", "\(n)", "--threads", "\(t)",
                                              "--repetitions", "\(repetitions)"])
                    guard let line = lines.first(where: { $0.name == "gemm" && $0["n"] == "\(n)" && $0["threads"] == "\(t)" }) else {
                        throw PeerError.missingLine(script: peer.path, expected: "gemm n=\(n) threads=\(t)",
                                                    output: lines.map(\.description).joined(separator: "\n"))
                    }
                    theirs = max(theirs, line.value)
                }
                print(String(format: "%-6d %-8d %10.1f %10.1f %7.2f", n, t, ours, theirs, ours / theirs))
            }
        }
    }

    /// GFLOP/s of `gemm` for n×n×n on `threads` threads (2n³ flops per product).
    func measure(n: Int, threads: Int) -> BenchLine {
        var rng = SeededGenerator(seed: 42)
        let a = Tensor.randomNormal([n, n], using: &rng)
        let b = Tensor.randomNormal([n, n], using: &rng)
        var c = Tensor.zeros([n, n])
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let seconds = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Timing.secondsPerCall(repetitions: repetitions) {
                        gemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                             c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return BenchLine(name: "gemm", parameters: [("n", "\(n)"), ("threads", "\(threads)")],
                         value: 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9, unit: "GFLOP/s")
    }

    func parseList(_ text: String, option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(option) wants positive integers separated by commas, got \"\(text)\"")
        }
        return values.map { $0! }
    }
}
