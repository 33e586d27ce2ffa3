import ArgumentParser
import Foundation
import Latent
import LatentData

// Shared helpers for latent-bench subcommands.
//
// - `Timing.secondsPerCall` times a closure the same way the PyTorch peers do: warm-up calls, then
//   several repetitions of a batch of calls sized to last about `target` seconds; the best
//   repetition's time per call is the result (the least disturbed by other processes). With
//   `cpuTime`, it counts the calling thread's CPU time instead of wall-clock time: on a loaded
//   machine that still measures single-threaded code fairly (peers take `--cpu-time` likewise).
// - `BenchLine` is one measurement line, `<case> <key>=<value>... <number> <unit>`; `description`
//   prints it and `BenchLine(parsing:)` reads it back.
// - `PeerScript` runs a script in `Benchmarks/pytorch` with `python3` and returns the lines it printed.
//
// A new case (e.g. `ae`) measures with `Timing`, prints `BenchLine`s, and for `--compare` runs its peer
// script with the same parameters and prints both figures and their ratio (see `GemmBench.swift`).

/// `--threads 1,2`: the thread counts, each 1…256, or an error naming the option and the value.
func parseThreadList(_ text: String) throws -> [Int] {
    let counts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !counts.isEmpty, counts.allSatisfy({ $0.map { (1...256).contains($0) } ?? false }) else {
        throw ValidationError("--threads wants thread counts in 1…256 separated by commas, got \"\(text)\"")
    }
    return counts.map { $0! }
}

/// `--threads`, `--repetitions` and `--rounds`, as the kernel cases (`gemm`, `conv`) take them.
struct TimingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Thread counts (comma-separated).")
    var threads: String = "1,2"

    @Option(parsing: .unconditional, help: "Timed repetitions per measurement (the best counts).")
    var repetitions: Int = 5

    @Option(parsing: .unconditional, help: "With --compare: how many times ours and the peer alternate per case (best counts).")
    var rounds: Int = 2

    func validate() throws {
        _ = try parseThreadList(threads)
        try require(repetitions >= 1, "--repetitions", "at least 1", repetitions)
        try require(rounds >= 1, "--rounds", "at least 1", rounds)
    }
}

/// Fails with a message naming `option` unless `condition` holds.
func require(_ condition: Bool, _ option: String, _ rule: String, _ value: Any) throws {
    guard condition else { throw ValidationError("\(option) must be \(rule), got \(value)") }
}

/// Timing of a closure: best of several repetitions after a warm-up.
enum Timing {
    /// Seconds per call of `body`: `warmup` calls, then `repetitions` batches of calls each lasting
    /// about `target` seconds; the fastest batch wins.
    static func secondsPerCall(
        warmup: Int = 2, repetitions: Int = 5, target: Double = 0.2, cpuTime: Bool = false,
        _ body: () -> Void
    ) -> Double {
        let measure = cpuTime ? threadCPUSeconds : seconds
        for _ in 0..<warmup { body() }
        let single = max(measure(body), 1e-7)
        let calls = max(1, Int(target / single))
        var best = Double.infinity
        for _ in 0..<repetitions {
            let elapsed = measure { for _ in 0..<calls { body() } }
            best = min(best, elapsed / Double(calls))
        }
        return best
    }

    /// CPU seconds the calling thread spends in one call of `body` (work on other threads not counted).
    static func threadCPUSeconds(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
    }

    /// Wall-clock seconds of one call of `body`.
    static func seconds(_ body: () -> Void) -> Double {
        let clock = Stopwatch()
        body()
        return clock.seconds
    }
}

/// One measurement: `gemm n=1024 threads=2 152.3 GFLOP/s` is case `gemm`, parameters `n` and
/// `threads`, value 152.3, unit `GFLOP/s`.
struct BenchLine: CustomStringConvertible {
    /// The benchmark case, e.g. `gemm`.
    var name: String
    /// `key=value` pairs in printed order.
    var parameters: [(key: String, value: String)]
    /// The measured figure.
    var value: Double
    /// The unit of `value`, e.g. `GFLOP/s` or `images/s`.
    var unit: String

    init(name: String, parameters: [(key: String, value: String)], value: Double, unit: String) {
        self.name = name
        self.parameters = parameters
        self.value = value
        self.unit = unit
    }

    /// Parses a printed line; nil for lines of another shape (a peer's log output, say).
    init?(parsing line: String) {
        let words = line.split(separator: " ").map(String.init)
        guard words.count >= 3, let valueIndex = words.firstIndex(where: { Double($0) != nil }),
              valueIndex >= 1, valueIndex + 1 < words.count else { return nil }
        var parameters: [(key: String, value: String)] = []
        for word in words[1..<valueIndex] {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            parameters.append((parts[0], parts[1]))
        }
        self.init(name: words[0], parameters: parameters, value: Double(words[valueIndex])!,
                  unit: words[(valueIndex + 1)...].joined(separator: " "))
    }

    /// The value of parameter `key`, if present.
    subscript(key: String) -> String? { parameters.first { $0.key == key }?.value }

    var description: String {
        ([name] + parameters.map { "\($0.key)=\($0.value)" } + [String(format: "%.1f", value), unit])
            .joined(separator: " ")
    }
}

/// Failures of a peer script, with what to do about them.
enum PeerError: Error, CustomStringConvertible {
    case notFound(path: String)
    case failed(script: String, status: Int32, output: String)
    case missingLine(script: String, expected: String, output: String)
    case missingModules(python: String, modules: String)
    case differentModel(script: String, name: String, ours: String, theirs: String)

    var description: String {
        switch self {
        case .notFound(let path):
            "peer script not found at \(path) (run latent-bench from the package root)"
        case .failed(let script, let status, let output):
            "python3 \(script) exited with status \(status):\n\(output)"
        case .missingModules(let python, let modules):
            "--compare needs \(modules) in \(python): `\(python) -m pip install \(modules)`, or point --python (or LATENT_PYTHON) at a Python that has it"
        case .differentModel(let script, let name, let ours, let theirs):
            "\(script) trains another model than Latent's \(name): parameter shapes (sorted)\n  Latent:  \(ours)\n  PyTorch: \(theirs)"
        case .missingLine(let script, let expected, let output):
            "python3 \(script) printed no line for \(expected); its output was:\n\(output)"
        }
    }
}

/// A peer benchmark script in `Benchmarks/pytorch`, run with `python3`.
struct PeerScript {
    /// Path of the script, found relative to this source file's package (or the current directory).
    let path: String

    /// The Python that runs it: `--python`, else `LATENT_PYTHON`, else `python3` from PATH.
    let python: String

    /// The script named `name` in `Benchmarks/pytorch`, run by `python` (else `LATENT_PYTHON`, else
    /// python3); when `needs` names modules that Python cannot import, one line says how to get them.
    init(_ name: String, python: String? = nil, needs modules: String? = nil) throws {
        self.python = python ?? ProcessInfo.processInfo.environment["LATENT_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            packageRoot.appendingPathComponent("Benchmarks/pytorch/\(name)").path,
            FileManager.default.currentDirectoryPath + "/Benchmarks/pytorch/\(name)",
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw PeerError.notFound(path: candidates[0])
        }
        path = found
        if let modules {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            probe.arguments = [self.python, "-c", "import " + modules]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            do { try probe.run(); probe.waitUntilExit() } catch { throw PeerError.missingModules(python: self.python, modules: modules) }
            guard probe.terminationStatus == 0 else { throw PeerError.missingModules(python: self.python, modules: modules) }
        }
    }

    /// Runs `python3 <script> <arguments>` and returns the measurement lines it printed.
    func run(_ arguments: [String]) throws -> [BenchLine] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PeerError.failed(script: path, status: process.terminationStatus, output: output)
        }
        return output.split(separator: "\n").compactMap { BenchLine(parsing: String($0)) }
    }
}
