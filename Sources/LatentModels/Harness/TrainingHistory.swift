import Latent

/// The per-epoch numbers of a run: named series, one value per epoch, in the order they were first
/// recorded (`train_rec`, `train_kl`, `test_rec`, …), and the seconds of training at the end of each
/// epoch, cumulative across resumes. Curves, `summary.json` and checkpoints all read it.
public struct TrainingHistory: Sendable, Equatable {
    /// `(name, one value per epoch)`, in recording order.
    public private(set) var series: [(name: String, values: [Double])] = []
    /// Seconds of training at the end of each epoch, cumulative across resumes.
    public private(set) var seconds: [Double] = []

    /// An empty history (no epoch trained yet).
    public init() {}

    /// Epochs recorded.
    public var epochs: Int { seconds.count }

    /// The values of series `name` (empty if it was never recorded).
    public subscript(name: String) -> [Double] {
        series.first { $0.name == name }?.values ?? []
    }

    /// The last value of series `name`, or nil before the first epoch.
    public func last(_ name: String) -> Double? { self[name].last }

    /// Appends one epoch: each `(name, value)` to its series, and the cumulative seconds.
    public mutating func append(_ values: [(name: String, value: Double)], seconds epochSeconds: Double) {
        for (name, value) in values {
            if let index = series.firstIndex(where: { $0.name == name }) {
                series[index].values.append(value)
            } else {
                series.append((name, [value]))
            }
        }
        seconds.append((seconds.last ?? 0) + epochSeconds)
    }

    /// As JSON: `{"<name>": [...], …, "seconds": [...]}` in recording order (NaN written as null).
    public var json: JSONValue {
        .object(series.map { ($0.name, .numbers($0.values)) } + [("seconds", .numbers(seconds))])
    }

    /// The history stored as `json`; nil when it is not an object of number lists.
    public init?(json: JSONValue) {
        guard case let .object(pairs) = json else { return nil }
        for (name, value) in pairs {
            guard let values = value.doubles else { return nil }
            if name == "seconds" { seconds = values } else { series.append((name, values)) }
        }
        guard series.allSatisfy({ $0.values.count == seconds.count }) else { return nil }
    }

    public static func == (a: TrainingHistory, b: TrainingHistory) -> Bool {
        a.json == b.json
    }
}

extension TrainingHistory {
    /// The series as `summary.json` keys: `"<name>_per_epoch"` for each, and the cumulative training
    /// seconds at the end of each epoch as `"seconds_at_epoch_end"`.
    public var perEpoch: [(String, JSONValue)] {
        series.map { ($0.name + "_per_epoch", .numbers($0.values)) } + [("seconds_at_epoch_end", .numbers(seconds))]
    }
}
