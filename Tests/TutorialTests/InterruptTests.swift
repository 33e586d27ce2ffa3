import Foundation
import Latent
import LatentData
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A chapter executable running in its own process, its output collected in a file.
final class ChapterProcess {
    let process = Process()
    let logPath: String

    init(_ executable: String, _ arguments: [String], log: String) throws {
        logPath = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 50 ms for at most `seconds`; true when it held.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            if !process.isRunning { return condition() }
            usleep(50_000)
        }
        return false
    }

    /// Waits for the process to end (SIGKILL after `seconds`: a child may inherit the test runner's
    /// blocked signals, SIGTERM among them); its exit status.
    func finish(seconds: Double) -> Int32 {
        if !wait(seconds: seconds, until: { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// How each chapter is run on the tiny dataset, and what it prints when it resumes.
struct InterruptCase: Sendable, CustomTestStringConvertible {
    let chapter: String
    let arguments: [String]
    /// The line a resumed run prints, from the checkpoint path, epochs and steps done.
    let resumed: @Sendable (_ checkpoint: String, _ epochs: Int, _ steps: Int, _ stepsIntoEpoch: Int) -> String
    /// Steps into the interrupted epoch, from the checkpoint's config.
    let stepsIntoEpoch: @Sendable ([String: String]) -> Int?
    var testDescription: String { chapter }

    /// The harness's resume line and partial-epoch record, the same for every chapter.
    static func chapter(_ name: String, _ arguments: [String]) -> InterruptCase {
        InterruptCase(chapter: name, arguments: arguments,
                      resumed: { "resumed from \($0) after epoch \($1)" + ($3 > 0 ? " and \($3) steps" : "") },
                      stepsIntoEpoch: { config in
                          guard let text = config["partial_epoch"] else { return 0 }
                          guard case let .number(steps)? = (try? JSONValue(parsing: text))?["steps"] else { return -1 }
                          return Int(steps)
                      })
    }

    static let all: [InterruptCase] = [
        chapter("autoencoder", ["--model", "dense", "--latent", "4"]),
        chapter("vae", ["--model", "dense", "--latent", "2", "--iw", "0"]),
        chapter("beta-vae", ["--model", "dense", "--latent", "2", "--beta", "0.0001", "--traverse", "2"]),
        chapter("collapse", ["--model", "dense", "--latent", "2", "--remedy", "warm-up", "--warmup-steps", "12", "--iw", "0",
                             "--mi-images", "8"]),
        chapter("cvae", ["--model", "m2", "--hidden", "8", "--latent", "2", "--labels", "10", "--baseline-steps", "2", "--iw-images", "4"]),
    ]
}

@Suite("Ctrl-C during training", .serialized)
struct InterruptTests {
    /// SIGINT to a real chapter process: it finishes the step, writes a whole checkpoint that records how
    /// far the epoch got, exits 130; `--resume` continues from exactly there and the run completes.
    @Test("SIGINT in the middle of training writes a checkpoint, exits 130, and --resume completes the run",
          arguments: InterruptCase.all)
    func sigint(_ chapter: InterruptCase) throws {
        let executable = try #require(builtExecutable(chapter.chapter), "the \(chapter.chapter) executable was not found beside the tests")
        let folder = try temporaryFolder("sigint-\(chapter.chapter)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeTinyMNIST(to: folder, train: 32, test: 16, side: 28)  // 8 steps per epoch
        let run = folder + "/run"
        let common = ["--data", folder, "--batch-size", "4", "--out", run, "--threads", "1"] + chapter.arguments
        func checkpoint() -> String? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: run)) ?? []
            return names.first { $0.hasPrefix("checkpoint") && $0.hasSuffix(".safetensors") }.map { run + "/" + $0 }
        }

        // Far more epochs than can finish: the only way out is the signal.
        let first = try ChapterProcess(executable, common + ["--epochs", "100000"], log: folder + "/first.log")
        let checkpointed = first.wait(seconds: 180) { checkpoint() != nil }
        #expect(checkpointed, "no checkpoint after the first epoch; output:\n\(first.output)")
        usleep(100_000)  // into a later epoch
        kill(first.process.processIdentifier, SIGINT)
        let status = first.finish(seconds: 60)
        #expect(status == 130, "exit status \(status); output:\n\(first.output)")
        let path = try #require(checkpoint())
        #expect(first.output.contains("interrupted: checkpoint written to \(path)"), "\(first.output)")

        // The checkpoint is whole (length and CRC are checked) and says where the run stopped.
        let info = try Checkpoint.info(of: path)
        let (epochsDone, stepsDone) = (info.epoch, info.step)
        let intoEpoch = try #require(chapter.stepsIntoEpoch(info.config), "no partial-epoch record in \(info.config)")
        #expect(epochsDone >= 1 && stepsDone == epochsDone * 8 + intoEpoch, "epoch \(epochsDone), step \(stepsDone), into epoch \(intoEpoch)")

        // Resume for one more epoch: it must start where the checkpoint left off and finish normally.
        let second = try ChapterProcess(executable, common + ["--epochs", "\(epochsDone + 1)", "--resume"],
                                        log: folder + "/second.log")
        #expect(second.finish(seconds: 300) == 0, "resume failed:\n\(second.output)")
        let line = chapter.resumed(path, epochsDone, stepsDone, intoEpoch)
        #expect(second.output.contains(line), "expected \"\(line)\" in:\n\(second.output)")
        #expect(FileManager.default.fileExists(atPath: run + "/summary.json"))
        #expect(try Checkpoint.info(of: path).step == (epochsDone + 1) * 8)

        // The same epochs without the interruption give the same curves, bit for bit — including the train
        // loss of the interrupted epoch, which must average the batches before the stop as well as those after it.
        let straightRun = folder + "/straight"
        let straight = try ChapterProcess(executable, common.map { $0 == run ? straightRun : $0 } + ["--epochs", "\(epochsDone + 1)"],
                                          log: folder + "/straight.log")
        #expect(straight.finish(seconds: 300) == 0, "uninterrupted run failed:\n\(straight.output)")
        let resumedCurves = try perEpochCurves(run + "/summary.json"), straightCurves = try perEpochCurves(straightRun + "/summary.json")
        #expect(!resumedCurves.isEmpty && Set(resumedCurves.keys) == Set(straightCurves.keys), "\(resumedCurves.keys)")
        for (name, values) in resumedCurves {
            let expected = straightCurves[name] ?? []
            #expect(values.count == epochsDone + 1 && values.count == expected.count, "\(name): \(values) vs \(expected)")
            #expect(values.map(\.bitPattern) == expected.map(\.bitPattern), "\(name): resumed \(values), uninterrupted \(expected)")
        }
    }
}

/// Every `…_per_epoch` number list in a summary.json, at any depth (timings left out), by its key path.
func perEpochCurves(_ path: String) throws -> [String: [Double]] {
    var curves: [String: [Double]] = [:]
    func visit(_ value: Any, _ key: String) {
        if let object = value as? [String: Any] {
            for (k, v) in object { visit(v, key.isEmpty ? k : key + "." + k) }
        } else if let array = value as? [Any] {
            if key.hasSuffix("_per_epoch"), !key.hasSuffix("seconds_per_epoch"), let numbers = array as? [Double] {
                curves[key] = numbers
            } else {
                for (i, v) in array.enumerated() { visit(v, key + "[\(i)]") }
            }
        }
    }
    visit(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))), "")
    return curves
}
