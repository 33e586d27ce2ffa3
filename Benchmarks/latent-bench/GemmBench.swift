import ArgumentParser
import Latent

/// `latent-bench gemm`: single-precision n×n×n matrix product, GFLOP/s, optionally against torch.matmul.
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "C = A·B for Float matrices; prints `gemm n=<n> threads=<t> <x> GFLOP/s` per measurement.",
        discussion: """
            A size `n` is the square product n×n·n×n; `MxNxK` is C[M, N] = A[M, K]·B[K, N] and prints \
            `gemm m=<M> n=<N> k=<K> threads=<t> ...` (e.g. --sizes 64x200x784,64x3136x512 for layer \
            shapes). With --transpose-a/--transpose-b the line carries `op=TN`, `op=NT` or `op=TT`.
            """)

    @Option(help: "Matrix sizes: n for n×n×n or MxNxK (comma-separated).")
    var sizes: String = "256,512,1024,2048"

    @OptionGroup var timing: TimingOptions

    @Flag(help: "Read A transposed (stored K×M), as a backward pass's weight gradient does.")
    var transposeA = false

    @Flag(help: "Read B transposed (stored N×K), as a Linear layer's forward pass does.")
    var transposeB = false

    @Flag(help: "Time the calling thread's CPU time, not wall-clock: fair on a loaded machine, for --threads 1 only.")
    var cpuTime = false

    @Flag(help: "Also run Benchmarks/pytorch/bench_gemm.py (torch.matmul) alternately and print the ratio.")
    var compare = false

    func validate() throws {
        _ = try sizes.split(separator: ",").map { try Shape(String($0)) }
    }

    func run() throws {
        let shapes = try sizes.split(separator: ",").map { try Shape(String($0)) }
        let threadList = try parseThreadList(timing.threads)
        if cpuTime && threadList.contains(where: { $0 != 1 }) {
            throw ValidationError("--cpu-time counts one thread's work only; use it with --threads 1")
        }
        let peer = compare ? try PeerScript("bench_gemm.py") : nil
        print("# \(cpuDescription())")
        if compare { print(Self.row("case", "Latent", "PyTorch", "ratio")) }
        for shape in shapes {
            for t in threadList {
                guard let peer else {
                    print(measure(shape, threads: t))
                    continue
                }
                var ours = 0.0, theirs = 0.0
                var label = ""
                for _ in 0..<timing.rounds {
                    let line = measure(shape, threads: t)
                    label = line.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    ours = max(ours, line.value)
                    let peerLines = try peer.run(["--sizes", shape.text, "--threads", "\(t)",
                                                  "--repetitions", "\(timing.repetitions)"]
                                                 + (transposeA ? ["--transpose-a"] : [])
                                                 + (transposeB ? ["--transpose-b"] : [])
                                                 + (cpuTime ? ["--cpu-time"] : []))
                    let expected = line.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    let match = peerLines.first {
                        $0.name == "gemm" && $0.parameters.elementsEqual(line.parameters, by: ==)
                    }
                    guard let match else {
                        throw PeerError.missingLine(script: peer.path, expected: "gemm \(expected)",
                                                    output: peerLines.map(\.description).joined(separator: "\n"))
                    }
                    theirs = max(theirs, match.value)
                }
                print(Self.row(label, String(format: "%.1f", ours), String(format: "%.1f", theirs),
                               String(format: "%.2f", ours / theirs)))
            }
        }
    }

    /// One line of the comparison table: a left-aligned case, then right-aligned GFLOP/s and ratio.
    static func row(_ label: String, _ ours: String, _ theirs: String, _ ratio: String) -> String {
        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        return label.padding(toLength: max(28, label.count), withPad: " ", startingAt: 0)
            + pad(ours, 9) + pad(theirs, 9) + pad(ratio, 7)
    }

    /// GFLOP/s of `gemm` for `shape` on `threads` threads (2·m·n·k flops per product).
    func measure(_ shape: Shape, threads: Int) -> BenchLine {
        var rng = SeededGenerator(seed: 42)
        let a = Tensor.randomNormal(transposeA ? [shape.k, shape.m] : [shape.m, shape.k], using: &rng)
        let b = Tensor.randomNormal(transposeB ? [shape.n, shape.k] : [shape.k, shape.n], using: &rng)
        var c = Tensor.zeros([shape.m, shape.n])
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let seconds = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Timing.secondsPerCall(repetitions: timing.repetitions, cpuTime: cpuTime) {
                        gemm(transposeA: transposeA, transposeB: transposeB, m: shape.m, n: shape.n, k: shape.k,
                             a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                             c: pc.baseAddress!, ldc: shape.n)
                    }
                }
            }
        }
        let layout = transposeA || transposeB ? [("op", (transposeA ? "T" : "N") + (transposeB ? "T" : "N"))] : []
        return BenchLine(name: "gemm", parameters: shape.parameters + layout + [("threads", "\(threads)")],
                         value: 2 * Double(shape.m) * Double(shape.n) * Double(shape.k) / seconds / 1e9,
                         unit: "GFLOP/s")
    }

    /// A product size: `n` (square) or `MxNxK`.
    struct Shape {
        var m: Int, n: Int, k: Int
        /// As given on the command line.
        var text: String
        var isSquare: Bool { !text.contains("x") }

        init(_ text: String) throws {
            let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--sizes wants n or MxNxK with positive integers, got \"\(text)\"")
            }
            (m, n, k) = parts.count == 1 ? (parts[0]!, parts[0]!, parts[0]!) : (parts[0]!, parts[1]!, parts[2]!)
            self.text = text
        }

        /// `n=1024`, or `m=64 n=200 k=784`, as key–value pairs.
        var parameters: [(key: String, value: String)] {
            isSquare ? [("n", "\(n)")] : [("m", "\(m)"), ("n", "\(n)"), ("k", "\(k)")]
        }
    }
}
