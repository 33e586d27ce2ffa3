import Foundation
import Testing

// What the chapter tests share: the package root, the shared data, the built chapter executables,
// running a child process, scratch folders.

/// The package root, found from this file's location.
let tutorialPackageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The shared data folder: LATENT_DATA, else ../shared/data beside the package root.
let sharedData: String? = {
    if let env = ProcessInfo.processInfo.environment["LATENT_DATA"], FileManager.default.fileExists(atPath: env) { return env }
    let path = URL(fileURLWithPath: tutorialPackageRoot).deletingLastPathComponent().appendingPathComponent("shared/data").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

/// The built chapter executable `name` beside the test binary (`swift test` builds every product).
func builtExecutable(_ name: String) -> String? {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    var candidates = [testBinary.deletingLastPathComponent()]
    // The test bundle may be a folder (…/debug/LatentPackageTests.xctest/…); walk up to the build folder.
    var url = testBinary
    for _ in 0..<4 {
        url.deleteLastPathComponent()
        candidates.append(url)
    }
    candidates.append(URL(fileURLWithPath: tutorialPackageRoot + "/.build/debug"))
    for folder in candidates {
        let path = folder.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs `executable` with `arguments` to the end; returns its exit status and combined output.
/// A process still running after `timeLimit` seconds is terminated and reported as failed (status −2, the output says so):
/// a bad option that is wrongly accepted then fails its test in minutes instead of training on real data for hours.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                timeLimit: Double = 600) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    // The watchdog is a thread of its own: a Dispatch queue can be starved by the test threads blocked in reads.
    let timedOut = TimeLimitFlag()
    let finished = DispatchSemaphore(value: 0)
    let pid = process.processIdentifier
    let watchdog = Thread {
        if finished.wait(timeout: .now() + timeLimit) == .timedOut { timedOut.set(); kill(pid, SIGKILL) }
    }
    watchdog.start()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    finished.signal()
    let output = String(decoding: data, as: UTF8.self)
    if timedOut.isSet {
        return (-2, output + "\n[runProcess: \(executable) \(arguments.joined(separator: " ")) still ran after \(Int(timeLimit)) s and was terminated]")
    }
    return (process.terminationStatus, output)
}

/// Set once by the watchdog, read after the process ended.
private final class TimeLimitFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Runs `python3 arguments…`; returns the exit status and the combined output.
func runPython(_ arguments: [String]) -> (status: Int32, output: String) {
    runProcess("/usr/bin/env", ["python3"] + arguments)
}

/// A fresh empty folder under the system temporary directory.
func temporaryFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "latent-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
