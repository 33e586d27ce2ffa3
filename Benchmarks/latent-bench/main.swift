import ArgumentParser
import Latent

/// `latent-bench`: speed measurements of Latent, each case a subcommand.
struct LatentBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent-bench",
        abstract: "Measure Latent's models; --compare runs the PyTorch peer alongside.",
        subcommands: [AEBench.self, VAEBench.self]
    )
}

LatentBench.main()
