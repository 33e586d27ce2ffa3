import ArgumentParser
import Latent

/// `latent-bench conv`: one convolution layer's forward and backward pass, GFLOP/s, optionally against
/// torch.nn.Conv2d / ConvTranspose2d.
struct ConvBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "One Conv2d or ConvTranspose2d layer; prints `conv layer=<…> … pass=<forward|backward> threads=<t> <x> GFLOP/s`.",
        discussion: """
            A layer is `conv:IN:OUT:SIZE` (Conv2d from IN to OUT channels on SIZE×SIZE images) or \
            `convt:IN:OUT:SIZE` (ConvTranspose2d on SIZE×SIZE inputs), all with the same --kernel, --stride \
            and --padding. The default list is the middle layers of the CelebA autoencoder and of Burgess \
            et al.'s VAE. Forward counts 2·Cout·Cin·k²·(output pixels) flops per image (the product a \
            Conv2d computes; a ConvTranspose2d's forward is the same product the other way), backward \
            twice that (input gradient and weight gradient; the bias gradient is included in the time).
            """)

    @Option(help: "Layers: conv:IN:OUT:SIZE or convt:IN:OUT:SIZE, comma-separated.")
    var layers: String = "conv:32:64:32,conv:64:128:16,convt:128:64:8,convt:64:32:16,conv:32:32:32,convt:32:32:16"

    @Option(parsing: .unconditional, help: "Images per batch.")
    var batch: Int = 64

    @Option(parsing: .unconditional, help: "Kernel height and width.")
    var kernel: Int = 4

    @Option(parsing: .unconditional, help: "Stride.")
    var stride: Int = 2

    @Option(parsing: .unconditional, help: "Padding.")
    var padding: Int = 1

    @OptionGroup var timing: TimingOptions

    @Flag(help: "Time the forward pass only (for profiling it).")
    var forwardOnly = false

    @Flag(help: "Also run Benchmarks/pytorch/bench_conv.py (torch.nn layers) alternately and print the ratio.")
    var compare = false

    @Option(help: "The Python with torch for --compare (default: LATENT_PYTHON, else python3).")
    var python: String?

    func validate() throws {
        _ = try specs()
        try require(batch >= 1, "--batch", "at least 1", batch)
        try require(kernel >= 1, "--kernel", "at least 1", kernel)
        try require(stride >= 1, "--stride", "at least 1", stride)
        try require(padding >= 0 && padding < kernel, "--padding", "in 0..<kernel", padding)
    }

    /// One layer to measure.
    struct Spec {
        var transposed: Bool, inChannels: Int, outChannels: Int, size: Int
        var text: String
    }

    func specs() throws -> [Spec] {
        try layers.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let numbers = parts.dropFirst().map { Int($0) }
            guard parts.count == 4, parts[0] == "conv" || parts[0] == "convt",
                  numbers.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--layers wants conv:IN:OUT:SIZE or convt:IN:OUT:SIZE with positive integers, got \"\(item)\"")
            }
            let spec = Spec(transposed: parts[0] == "convt", inChannels: numbers[0]!, outChannels: numbers[1]!,
                            size: numbers[2]!, text: String(item))
            if !spec.transposed && (spec.size + 2 * padding - kernel) < 0 {
                throw ValidationError("--layers: \(item) is smaller than the kernel (\(kernel)) with padding \(padding)")
            }
            if spec.transposed && (spec.size - 1) * stride - 2 * padding + kernel < 1 {
                throw ValidationError("--layers: \(item) has no output with kernel \(kernel), stride \(stride), padding \(padding)")
            }
            return spec
        }
    }

    func run() throws {
        let list = try specs()
        let threadList = try parseThreadList(timing.threads)
        if compare && forwardOnly { throw ValidationError("--forward-only is for profiling; use it without --compare") }
        let peer = compare ? try PeerScript("bench_conv.py", python: python, needs: "torch") : nil
        print("# \(cpuDescription())")
        if compare { print(GemmBench.row("case", "Latent", "PyTorch", "ratio")) }
        for spec in list {
            for t in threadList {
                guard let peer else {
                    for line in measure(spec, threads: t) { print(line) }
                    continue
                }
                var ours: [Double] = [0, 0], theirs: [Double] = [0, 0]
                var labels = ["", ""]
                for _ in 0..<timing.rounds {
                    let lines = measure(spec, threads: t)
                    let peerLines = try peer.run(["--layers", spec.text, "--batch", "\(batch)", "--kernel", "\(kernel)",
                                                  "--stride", "\(stride)", "--padding", "\(padding)", "--threads", "\(t)",
                                                  "--repetitions", "\(timing.repetitions)"])
                    for (i, line) in lines.enumerated() {
                        labels[i] = line.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                        ours[i] = max(ours[i], line.value)
                        guard let match = peerLines.first(where: {
                            $0.name == "conv" && $0.parameters.elementsEqual(line.parameters, by: ==)
                        }) else {
                            throw PeerError.missingLine(script: peer.path, expected: "conv \(labels[i])",
                                                        output: peerLines.map(\.description).joined(separator: "\n"))
                        }
                        theirs[i] = max(theirs[i], match.value)
                    }
                }
                for i in 0..<2 {
                    print(GemmBench.row(labels[i], String(format: "%.1f", ours[i]), String(format: "%.1f", theirs[i]),
                                        String(format: "%.2f", ours[i] / theirs[i])))
                }
            }
        }
    }

    /// GFLOP/s of the forward and of the backward pass of `spec` on `threads` threads.
    func measure(_ spec: Spec, threads: Int) -> [BenchLine] {
        var rng = SeededGenerator(seed: 42)
        let layer: Layer
        let outputSize: Int
        if spec.transposed {
            layer = ConvTranspose2d(inChannels: spec.inChannels, outChannels: spec.outChannels, kernelSize: kernel,
                                    stride: stride, padding: padding, using: &rng)
            outputSize = (spec.size - 1) * stride - 2 * padding + kernel
        } else {
            layer = Conv2d(inChannels: spec.inChannels, outChannels: spec.outChannels, kernelSize: kernel,
                           stride: stride, padding: padding, using: &rng)
            outputSize = (spec.size + 2 * padding - kernel) / stride + 1
        }
        let x = Tensor.randomNormal([batch, spec.inChannels, spec.size, spec.size], using: &rng)
        let dy = Tensor.randomNormal([batch, spec.outChannels, outputSize, outputSize], using: &rng)
        // The product's multiply-adds: the Conv2d side's (output channels × its input channels · k²) per
        // pixel of the smaller image.
        let small = spec.transposed ? spec.size : outputSize
        let flops = 2 * Double(batch) * Double(spec.inChannels * spec.outChannels * kernel * kernel) * Double(small * small)
        let saved = Parallel.threadCount
        Parallel.threadCount = threads
        defer { Parallel.threadCount = saved }
        let forward = Timing.secondsPerCall(repetitions: timing.repetitions) { _ = layer.forward(x) }
        _ = layer.forward(x)
        let backward = forwardOnly ? .infinity : Timing.secondsPerCall(repetitions: timing.repetitions) { _ = layer.backward(dy) }
        let parameters: [(key: String, value: String)] = [
            ("layer", spec.transposed ? "convt" : "conv"), ("in", "\(spec.inChannels)"), ("out", "\(spec.outChannels)"),
            ("size", "\(spec.size)"), ("batch", "\(batch)"),
        ]
        let lines = [
            BenchLine(name: "conv", parameters: parameters + [("pass", "forward"), ("threads", "\(threads)")],
                      value: flops / forward / 1e9, unit: "GFLOP/s"),
            BenchLine(name: "conv", parameters: parameters + [("pass", "backward"), ("threads", "\(threads)")],
                      value: 2 * flops / backward / 1e9, unit: "GFLOP/s"),
        ]
        return forwardOnly ? [lines[0]] : lines
    }
}
