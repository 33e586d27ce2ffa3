#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting shared by the progress bar, charts and summaries (no Foundation, no locale).
public enum Format {
    /// `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let mm = (s / 60) % 60, ss = s % 60
        return "\(s / 3600):\(mm < 10 ? "0" : "")\(mm):\(ss < 10 ? "0" : "")\(ss)"
    }

    /// A metric with four significant digits, switching to exponent form for very small or large values.
    public static func metric(_ value: Float) -> String {
        let magnitude = abs(value)
        if value.isNaN || value.isInfinite { return "\(value)" }
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) {
            let exponent = Int(log10(Double(magnitude)).rounded(.down))
            let mantissa = Double(value) / pow(10, Double(exponent))
            return fixed(mantissa, 3) + "e" + String(exponent)
        }
        let decimals = magnitude >= 1000 ? 1 : magnitude >= 100 ? 2 : magnitude >= 10 ? 3 : 4
        return fixed(Double(value), decimals)
    }

    /// `value` with exactly `decimals` digits after the point.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        let scale = pow(10, Double(decimals))
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }
}
