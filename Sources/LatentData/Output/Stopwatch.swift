/// Wall-clock time for the console and summaries: seconds since creation, and laps.
///
/// ```swift
/// var clock = Stopwatch()
/// let data = try loadDataset(.mnist, from: nil)
/// print("loaded in \(clock.lap()) s")       // seconds since creation, starts a new lap
/// …
/// print("total \(clock.seconds) s")          // seconds since creation
/// ```
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now
    private var lapStart = ContinuousClock.now

    /// A stopwatch started now.
    public init() {}

    /// Seconds since creation.
    public var seconds: Double { Stopwatch.seconds(from: start) }

    /// Seconds since the previous lap (or since creation), and starts a new lap.
    public mutating func lap() -> Double {
        let now = ContinuousClock.now
        defer { lapStart = now }
        return Stopwatch.seconds(from: lapStart, to: now)
    }

    private static func seconds(from begin: ContinuousClock.Instant, to end: ContinuousClock.Instant = .now) -> Double {
        let elapsed = (end - begin).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
}
