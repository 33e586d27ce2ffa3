import Foundation
import Latent
import LatentData

// Small pieces chapters 3 and 4 both use (Tutorials/04-BetaVAE/Shared.swift is a link to this file).

/// `--data` if given; else nil when LATENT_DATA is set (the loaders search it); else
/// `../shared/data/<name>` or `shared/data/<name>` when present (the course machine's layout).
func dataFolder(_ explicit: String?, _ name: String) -> String? {
    if let explicit { return explicit }
    if ProcessInfo.processInfo.environment["LATENT_DATA"] != nil { return nil }
    for root in ["../shared/data", "shared/data"] where FileManager.default.fileExists(atPath: "\(root)/\(name)") {
        return "\(root)/\(name)"
    }
    return nil
}

/// Per-epoch numbers, per image: what the curves and summary.json show.
struct History {
    var trainRec: [Double] = [], trainKL: [Double] = [], testRec: [Double] = [], testKL: [Double] = []
    var testPixelMSE: [Double] = [], seconds: [Double] = []
    var epochs: Int { trainRec.count }
}

/// A JSON text of a dictionary of numbers, strings and arrays (keys sorted); NaN and ±Inf become null
/// (JSON has no such numbers — e.g. the metrics of a run with 0 epochs).
func jsonText(_ object: [String: Any]) throws -> String {
    func clean(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let f as Float: return f.isFinite ? Double(f) : NSNull()
        case let array as [Any]: return array.map(clean)
        case let dictionary as [String: Any]: return dictionary.mapValues(clean)
        default: return value
        }
    }
    let data = try JSONSerialization.data(withJSONObject: clean(object), options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
}

extension ImageSet {
    /// CelebA's split as a plain image set (same bytes, no labels).
    init(_ faces: CelebAImages) {
        self.init(count: faces.count, channels: faces.channels, height: faces.height, width: faces.width, pixels: faces.pixels, labels: nil)
    }
}
