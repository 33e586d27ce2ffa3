import Foundation
import Testing

/// One bad command line and what its refusal must say.
struct BadOption: Sendable, CustomTestStringConvertible {
    let executable: String
    let arguments: [String]
    /// Text the error message must contain: the option's name and what is wrong.
    let message: String
    var testDescription: String { ([executable] + arguments).joined(separator: " ") }

    init(_ executable: String, _ arguments: [String], _ message: String) {
        (self.executable, self.arguments, self.message) = (executable, arguments, message)
    }

    /// The options every chapter shares, refused the same way by each.
    static func shared(_ executable: String) -> [BadOption] {
        [
            BadOption(executable, ["--limit", "0"], "--limit must be at least"),
            BadOption(executable, ["--limit", "-5"], "--limit must be at least"),
            BadOption(executable, ["--test-limit", "0"], "--test-limit must be at least 1"),
            BadOption(executable, ["--threads", "0"], "--threads must be in 1…256"),
            BadOption(executable, ["--threads", "1000"], "--threads must be in 1…256"),
            BadOption(executable, ["--data", "/nonexistent/latent-data"], "--data /nonexistent/latent-data: no such file or folder"),
            BadOption(executable, ["--dataset", "fashion"], "fashion-mnist"),
            BadOption(executable, ["--seed", "-1"], "--seed"),
            BadOption(executable, ["--size", "28"], "--size and --channels go with --dataset images"),
            BadOption(executable, ["--dataset", "images", "--data", "/etc/passwd"], "--dataset images needs a folder, not a file"),
            BadOption(executable, ["--dataset", "images", "--data", "/tmp", "--channels", "2"], "--channels must be 1 or 3, got 2"),
            BadOption(executable, ["--dataset", "images", "--data", "/tmp", "--size", "2"], "--size must be in 4…1024, got 2"),
        ]
    }

    /// The training options of chapters 2–4.
    static func training(_ executable: String) -> [BadOption] {
        [
            BadOption(executable, ["--epochs", "0"], "--epochs must be at least 1, got 0"),
            BadOption(executable, ["--epochs", "-1"], "--epochs must be at least 1, got -1"),
            BadOption(executable, ["--batch-size", "0"], "--batch-size must be at least 2"),
            BadOption(executable, ["--batch-size", "1"], "--batch-size must be at least 2"),
            BadOption(executable, ["--lr", "nan"], "--lr must be a positive number, got nan"),
            BadOption(executable, ["--lr", "-0.001"], "--lr must be a positive number"),
            BadOption(executable, ["--lr", "0"], "--lr must be a positive number"),
            BadOption(executable, ["--lr", "inf"], "--lr must be a positive number"),
        ]
    }

    static let all: [BadOption] = shared("pca") + shared("autoencoder") + shared("vae") + shared("beta-vae")
        + training("autoencoder") + training("vae") + training("beta-vae") + [
            BadOption("pca", ["--limit", "1"], "--limit must be at least 2"),
            BadOption("pca", ["--latent", "0"], "--latent must be at least 1"),
            BadOption("pca", ["--power-iterations", "-1"], "--power-iterations must be at least 0"),
            BadOption("autoencoder", ["--model", "tiny"], "--model"),
            BadOption("autoencoder", ["--latent", "0"], "--latent must be at least 1"),
            BadOption("autoencoder", ["--noise", "-0.5"], "--noise must be a number ≥ 0"),
            BadOption("autoencoder", ["--noise", "nan"], "--noise must be a number ≥ 0"),
            BadOption("autoencoder", ["--filters", "0"], "--filters must be at least 1"),
            BadOption("vae", ["--latent", "0"], "--latent must be at least 1, got 0"),
            BadOption("vae", ["--model", "big"], "--model"),
            BadOption("vae", ["--likelihood", "poisson"], "--likelihood"),
            BadOption("vae", ["--decoder", "other"], "--decoder"),
            BadOption("vae", ["--filters", "0"], "--filters must be at least 1"),
            BadOption("vae", ["--iw", "-1"], "--iw must be ≥ 0"),
            BadOption("vae", ["--iw", "4", "--iw-images", "0"], "--iw-images ≥ 1"),
            BadOption("vae", ["--objective", "vi"], "--objective"),
            BadOption("vae", ["--objective", "iwae", "--samples", "0"], "--samples must be in 1…5000, got 0"),
            BadOption("vae", ["--objective", "iwae", "--samples", "5001"], "--samples must be in 1…5000, got 5001"),
            BadOption("vae", ["--samples", "5"], "--samples 5 needs --objective iwae"),
            BadOption("vae", ["--objective", "iwae", "--likelihood", "mse"], "--objective iwae is written for a Bernoulli decoder"),
            BadOption("vae", ["--schedule", "cosine"], "--schedule"),
            BadOption("vae", ["--eval-samples", "-1"], "--eval-samples must be in 0…100000, got -1"),
            BadOption("vae", ["--eval-samples", "10", "--likelihood", "mse"], "--eval-samples needs a Bernoulli decoder"),
            BadOption("vae", ["--eval-images", "0"], "--eval-images must be at least 1, got 0"),
            BadOption("vae", ["--eval-every", "0"], "--eval-every must be at least 1, got 0"),
            BadOption("vae", ["--compare", "/nonexistent/summary.json"], "--compare /nonexistent/summary.json: no such file"),
            BadOption("vae", ["--model", "celeba", "--dataset", "mnist"], "--model celeba takes 3×64×64 images"),
            BadOption("vae", ["--model", "dense", "--dataset", "celeba"], "--dataset celeba goes with --model celeba"),
            BadOption("vae", ["--model", "conv", "--dataset", "images", "--data", "/tmp", "--size", "32"], "--model conv takes 1×28×28 images"),
            BadOption("vae", ["--encode", "/nonexistent/me.jpg"], "--encode /nonexistent/me.jpg: no such file"),
            BadOption("vae", ["--model", "burda", "--dataset", "images", "--data", "/tmp", "--size", "32"], "--model burda takes 1×28×28 images"),
            BadOption("vae", ["--model", "celeba", "--likelihood", "bce"], "--likelihood mse"),
            BadOption("vae", ["--ae", "/nonexistent/ae.safetensors"], "--ae /nonexistent/ae.safetensors: no such file"),
            BadOption("beta-vae", ["--beta", "-1"], "--beta must be a number ≥ 0"),
            BadOption("beta-vae", ["--beta", "nan"], "--beta must be a number ≥ 0"),
            BadOption("beta-vae", ["--sweep", "--betas", "0,x"], "--betas: 'x' is not a number ≥ 0"),
            BadOption("beta-vae", ["--sweep", "--betas", "1,-2"], "--betas: '-2' is not a number ≥ 0"),
            BadOption("beta-vae", ["--latent", "0"], "--latent must be at least 1"),
            BadOption("beta-vae", ["--traverse", "0"], "--traverse must be at least 1"),
            BadOption("beta-vae", ["--model", "celeba"], "--model"),
            BadOption("beta-vae", ["--encode", "/nonexistent/me.jpg"], "--encode /nonexistent/me.jpg: no such file"),
            BadOption("beta-vae", ["--encode", "/etc/passwd", "--probe"], "--encode trains nothing: it cannot --probe"),
            BadOption("latent-bench", ["ae", "--batch", "0"], "--batch must be at least 2"),
            BadOption("latent-bench", ["vae", "--beta", "nan"], "--beta must be a number ≥ 0"),
            BadOption("latent-bench", ["vae", "--nz", "0"], "--nz must be at least 1"),
            BadOption("latent-bench", ["ae", "--threads", "0"], "--threads wants thread counts in 1…256"),
            BadOption("latent-bench", ["ae", "--threads", "2,x"], "--threads wants thread counts in 1…256"),
            BadOption("latent-bench", ["ae", "--target", "0"], "--target must be a positive number"),
            BadOption("latent-bench", ["ae", "--repetitions", "-3"], "--repetitions must be at least 1"),
            BadOption("latent-bench", ["model", "iwae", "--samples", "0"], "--samples must be in 1…5000"),
            BadOption("latent-bench", ["model", "beta-tcvae", "--beta", "-1"], "--beta must be a number ≥ 0"),
            BadOption("latent-bench", ["model", "tied"], "the case must be one of ae, dense-ae, tied-ae"),
            BadOption("latent-bench", ["gemm", "--threads", "-1"], "--threads wants thread counts in 1…256"),
            BadOption("latent-bench", ["gemm", "--rounds", "0"], "--rounds must be at least 1"),
            BadOption("latent-bench", ["jpeg", "--size", "0"], "--size must be in 1…1024"),
            BadOption("latent-bench", ["jpeg", "--count", "-1"], "--count must be ≥ 0"),
            BadOption("latent-bench", ["jpeg", "--data", "/nonexistent/celeba"], "--data must be an existing file or folder"),
            BadOption("latent-bench", ["memory", "--sizes", "0"], "--sizes wants sizes in MB in (0, 4096]"),
            BadOption("latent-bench", ["memory", "--sizes", "1,x"], "--sizes wants sizes in MB in (0, 4096]"),
            BadOption("latent-bench", ["memory", "--sizes", "nan"], "--sizes wants sizes in MB in (0, 4096]"),
            BadOption("latent-bench", ["memory", "--repetitions", "0"], "--repetitions must be at least 1"),
        ]
}

@Suite("Every option value a chapter cannot use is refused with a message naming it")
struct OptionValidationTests {
    /// Each bad value: the process exits (never a trap or signal) with a non-zero status, says which
    /// option and why, and writes nothing.
    @Test("a bad option value is refused: non-zero exit, never a trap, the option named", arguments: BadOption.all)
    func refused(_ bad: BadOption) throws {
        let executable = try #require(builtExecutable(bad.executable), "\(bad.executable) is not built beside the tests")
        let out = try temporaryFolder("bad-option")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = out + "/run"
        // A chapter gets a tiny MNIST-format dataset and one epoch, so that a value wrongly accepted
        // shows up at once (as a run on it, or a trap) instead of a long training on real data.
        var outArguments: [String] = []
        if bad.executable != "latent-bench" {
            try writeTinyMNIST(to: out, train: 16, test: 8, side: 28)
            outArguments = ["--out", run] + (bad.arguments.contains("--data") ? [] : ["--data", out])
                + (bad.executable == "pca" || bad.arguments.contains("--epochs") ? [] : ["--epochs", "1"])
                + (bad.executable == "vae" && !bad.arguments.contains("--iw") ? ["--iw", "2", "--iw-images", "4"] : [])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = bad.arguments + outArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus) (a trap?):\n\(output)")
        #expect(process.terminationStatus != 0, "accepted:\n\(output)")
        #expect(output.contains(bad.message), "expected “\(bad.message)” in:\n\(output)")
        #expect(!output.contains("Fatal error") && !output.contains("Stack dump"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: run), "a refused command wrote \(run)")
    }

    /// 33 images in batches of 32 leave a last batch of one image, which BatchNorm cannot normalize in
    /// training mode: the loader drops it and says so, instead of trapping.
    @Test("a last batch of a single image is dropped with a note, not a trap (conv VAE with BatchNorm)")
    func singleImageBatch() throws {
        let executable = try #require(builtExecutable("vae"))
        let folder = try temporaryFolder("single-image-batch")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeTinyMNIST(to: folder, train: 33, test: 8, side: 28)
        let result = runProcess(executable, ["--model", "conv", "--data", folder, "--limit", "33", "--batch-size", "32",
                                             "--epochs", "1", "--iw", "0", "--out", folder + "/run"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("the last batch of each epoch would hold a single image; it is dropped"), "\(result.output)")
        #expect(result.output.contains("epoch 1/1") && result.output.contains("1/1"), "one batch of 32: \(result.output)")
    }

    /// The negative control of the table above: a valid command line passes the same checks' first
    /// half (exit 0), so the table is not passing because every command fails.
    @Test("a valid option value is accepted (the table's control)")
    func accepted() throws {
        let executable = try #require(builtExecutable("beta-vae"))
        let result = runProcess(executable, ["--help"])
        #expect(result.status == 0 && result.output.contains("--batch-size"), "\(result.output)")
    }
}
