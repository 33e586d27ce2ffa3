#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a legend entry is drawn.
enum LegendMark { case line, dashedLine, dot }

/// A linear or log₁₀ axis: its data range (widened to round ticks) and tick positions.
struct ChartAxis {
    /// Lower and upper ends, in data units (log axes: in log₁₀ units).
    var low: Double
    var high: Double
    var log: Bool
    /// Tick values in data units.
    var ticks: [Double]
    /// Number of categories for a bar chart's x axis (0 for numeric axes).
    var categories = 0
    /// A log axis too narrow for 1…9 × 10^k ticks gets evenly spaced ones; this is their spacing.
    var evenStep: Double? = nil

    /// An axis covering `values`, widened by `padFraction` of the range, with about five "nice" ticks;
    /// with `wholeNumbers` (e.g. epochs) linear ticks fall on whole numbers only.
    init(values: [Double], log: Bool, padFraction: Double, includeZero: Bool = false, wholeNumbers: Bool = false) {
        self.log = log
        let mapped = values.map { log ? log10($0) : $0 }
        var lo = mapped.min() ?? 0, hi = mapped.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 {
            // One value (or none): a unit-wide window around it.
            let half = log ? 0.5 : max(abs(lo) * 0.1, 0.5)
            lo -= half
            hi += half
        }
        let pad = (hi - lo) * padFraction
        low = includeZero && lo >= 0 ? lo : lo - pad
        high = hi + pad
        if log {
            // Ticks at 1, 2, 5 × 10^k when the range is under two decades, else at powers of ten; at
            // every 1…9 × 10^k when that leaves fewer than three (a range inside one decade).
            let (first, last) = (low, high)
            func logTicks(_ multipliers: [Double]) -> [Double] {
                var result: [Double] = []
                var k = Int(first.rounded(.down))
                while Double(k) <= last.rounded(.up) {
                    for m in multipliers {
                        let t = m * pow(10, Double(k))
                        if log10(t) >= first - 1e-9 && log10(t) <= last + 1e-9 { result.append(t) }
                    }
                    k += 1
                }
                return result
            }
            let coarse = logTicks(last - first < 2 ? [1, 2, 5] : [1])
            ticks = coarse.count >= 3 ? coarse : logTicks([1, 2, 3, 4, 5, 6, 7, 8, 9])
            if ticks.count < 3 {
                // Narrower still (say 0.0086 to 0.0095): evenly spaced round values, as on a linear axis.
                let (a, b) = (pow(10, first), pow(10, last))
                let step = ChartAxis.niceStep((b - a) / 5)
                ticks = ChartAxis.multiples(of: step, from: a, to: b)
                evenStep = step
            }
        } else {
            ticks = ChartAxis.multiples(of: max(ChartAxis.niceStep((high - low) / 5), wholeNumbers ? 1 : 0), from: low, to: high)
        }
    }

    /// A categorical axis with `count` slots (bar charts); no numeric ticks.
    init(categories count: Int) {
        low = 0
        high = Double(count)
        log = false
        ticks = []
        categories = count
    }

    /// Where `value` sits along the axis, 0 at `low` and 1 at `high`.
    func position(_ value: Double) -> Double {
        let v = log ? log10(value) : value
        return (v - low) / (high - low)
    }

    /// The tick label for `value`, with as many decimals as the tick spacing needs.
    func label(_ value: Double) -> String {
        if log, let evenStep { return Format.fixed(value, ChartAxis.decimals(step: evenStep)) }
        if log {
            let exponent = log10(value)
            if exponent >= 5 || exponent < -3.5 { return Format.metric(Float(value)) }
            return Format.fixed(value, max(0, Int((-exponent - 1e-9).rounded(.up))))
        }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        if abs(value) >= 1e5 || (step < 1e-3 && value != 0) { return Format.metric(Float(value)) }
        return Format.fixed(value, ChartAxis.decimals(step: step))
    }

    /// Decimals that tell ticks `step` apart: step 1 → "3", step 0.5 → "2.5", step 0.0002 → "0.0088".
    static func decimals(step: Double) -> Int { max(0, Int((-log10(step) - 1e-9).rounded(.up))) }

    /// The multiples of `step` from `low` to `high` (a value within rounding of 0 is exactly 0).
    static func multiples(of step: Double, from low: Double, to high: Double) -> [Double] {
        var t = (low / step).rounded(.up) * step
        var result: [Double] = []
        while t <= high + step * 1e-9 {
            result.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return result
    }

    /// 1, 2 or 5 × 10^k, the smallest at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 && raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }
}
