#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A terminal progress bar: label, bar, step/total, rate, ETA and live metrics.
///
/// On a terminal it redraws one line with `\r`:
/// ```
/// epoch 3/10 [██████████░░░░░░░░░░] 234/469  812.4 it/s  ETA 0:00:01  loss 0.1032  kl 12.41
/// ```
/// When stdout is not a terminal (CI logs, `| tee`), it prints one plain line every
/// `plainEverySteps` steps or `plainEverySeconds` seconds, whichever comes first, and at the end.
public final class ProgressBar {
    /// How a step count is shown.
    public enum Unit: Sendable {
        /// Plain counts ("234/469", "812.4 it/s").
        case items(String)
        /// Byte counts shown in MB ("3.2/9.9 MB", "1.4 MB/s").
        case bytes
    }

    /// The text before the bar, e.g. "epoch 3/10".
    public let label: String
    /// The step count at 100 %.
    public let total: Int
    /// How counts and rates are written.
    public let unit: Unit
    /// Whether the bar redraws in place (stdout is a terminal) or prints plain lines.
    public let isInteractive: Bool
    /// In plain mode, print at least every this many steps.
    public let plainEverySteps: Int
    /// In plain mode, print at least every this many seconds.
    public let plainEverySeconds: Double

    /// Time since the bar was made: elapsed time, rates and ETA.
    private let clock = Stopwatch()
    private var lastDraw: Double = -1
    private var lastPlainStep = 0
    private var lastPlainTime: Double
    private var step = 0
    private var metrics: [(String, Float)] = []
    private var finished = false
    private let write: (String) -> Void

    /// A bar for `total` steps.
    ///
    /// - Parameters:
    ///   - interactive: force redraw (true) or plain-line (false) mode; default: `isatty(stdout)`.
    ///   - output: where text goes (default: stdout, flushed); tests pass a collector.
    public init(
        total: Int, label: String = "", unit: Unit = .items("it"), interactive: Bool? = nil,
        plainEverySteps: Int? = nil, plainEverySeconds: Double = 10, output: ((String) -> Void)? = nil
    ) {
        self.total = max(total, 0)
        self.label = label
        self.unit = unit
        self.isInteractive = interactive ?? (isatty(STDOUT_FILENO) != 0)
        self.plainEverySteps = plainEverySteps ?? max(1, total / 10)
        self.plainEverySeconds = plainEverySeconds
        self.lastPlainTime = 0
        self.write = output ?? { text in
            print(text, terminator: "")
            fflush(nil)  // all C streams, so a redraw shows at once and stays in order with print()
        }
    }

    /// Records that `step` steps (of `total`) are done, with the latest metrics, and redraws if due.
    public func update(step: Int, metrics: [(String, Float)] = []) {
        self.step = min(max(step, 0), max(total, step))
        if !metrics.isEmpty { self.metrics = metrics }
        let time = clock.seconds
        if isInteractive {
            // At most ~20 redraws a second: drawing costs more than a training step on small models.
            if time - lastDraw >= 0.05 || step >= total {
                lastDraw = time
                write("\r" + line(at: time) + "\u{1B}[K")
            }
        } else if step - lastPlainStep >= plainEverySteps || time - lastPlainTime >= plainEverySeconds {
            lastPlainStep = step
            lastPlainTime = time
            write(line(at: time) + "\n")
        }
    }

    /// Draws the final state and ends the line. Calling it again does nothing.
    public func finish(metrics: [(String, Float)] = []) {
        guard !finished else { return }
        finished = true
        if !metrics.isEmpty { self.metrics = metrics }
        let text = line(at: clock.seconds, final: true)
        write(isInteractive ? "\r" + text + "\u{1B}[K\n" : text + "\n")
    }

    /// The text of the bar at `time` (seconds since the bar was made).
    func line(at time: Double, final: Bool = false) -> String {
        let elapsed = max(time, 1e-9)
        let rate = Double(step) / elapsed
        var parts: [String] = []
        if !label.isEmpty { parts.append(label) }
        if isInteractive {
            let width = 20
            let fraction = total > 0 ? min(Double(step) / Double(total), 1) : 1
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]")
        }
        parts.append(counts())
        parts.append(rateText(rate))
        if final {
            parts.append("in " + Format.clock(elapsed))
        } else if rate > 0 && step < total {
            parts.append("ETA " + Format.clock(Double(total - step) / rate))
        }
        for (name, value) in metrics { parts.append("\(name) \(Format.metric(value))") }
        return parts.joined(separator: "  ")
    }

    private func counts() -> String {
        switch unit {
        case .items: return "\(step)/\(total)"
        case .bytes: return "\(Format.fixed(Double(step) / 1e6, 1))/\(Format.fixed(Double(total) / 1e6, 1)) MB"
        }
    }

    private func rateText(_ rate: Double) -> String {
        switch unit {
        case let .items(name): return "\(Format.fixed(rate, 1)) \(name)/s"
        case .bytes: return "\(Format.fixed(rate / 1e6, 1)) MB/s"
        }
    }

}
