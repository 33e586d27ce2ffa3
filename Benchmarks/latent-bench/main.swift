import ArgumentParser
import Latent

/// `latent-bench`: speed measurements of Latent, each case a subcommand, optionally against a PyTorch peer.
///
/// To add a case, write a `ParsableCommand` struct in its own file (see `GemmBench.swift`; the shared
/// timing and peer-script helpers are in `Peer.swift`) and add its type to `subcommands` below.
struct LatentBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent-bench",
        abstract: "Measure Latent's kernels and models; --compare runs the PyTorch peer alongside.",
        discussion: """
            Every measurement is one line: `<case> <key>=<value>... <number> <unit>`, e.g.
            `gemm n=1024 threads=2 152.3 GFLOP/s`. Peer scripts in Benchmarks/pytorch print the same format.
            """,
        subcommands: [GemmBench.self, ConvBench.self, ModelBench.self, AEBench.self, VAEBench.self, JPEGBench.self, ShapesBench.self, MemoryBench.self]
    )
}

LatentBench.main()
