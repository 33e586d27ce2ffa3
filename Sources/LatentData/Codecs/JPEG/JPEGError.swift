/// Why a JPEG could not be decoded; every case names the byte offset where the problem was found.
public enum JPEGError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data ended before `expected` could be read.
    case truncated(offset: Int, expected: String)
    /// A marker (or a byte where a marker belongs) is not what the format allows here.
    case unexpectedMarker(offset: Int, found: UInt8, expected: String)
    /// A valid JPEG of a kind this decoder does not implement (arithmetic-coded, lossless, 12-bit, ...).
    case unsupported(offset: Int, kind: String)
    /// A segment whose contents break the format (bad length, undefined table, bad sampling factors).
    case malformed(offset: Int, reason: String)
    /// The entropy-coded data holds a bit pattern that no Huffman code of the table matches.
    case invalidHuffmanCode(offset: Int)
    /// The declared size is above the decoder's limit (checked before any allocation).
    case tooLarge(offset: Int, width: Int, height: Int, maxPixels: Int)

    /// The byte offset (from the start of the data) where the problem was found.
    public var offset: Int {
        switch self {
        case .truncated(let offset, _), .unexpectedMarker(let offset, _, _), .unsupported(let offset, _),
            .malformed(let offset, _), .invalidHuffmanCode(let offset), .tooLarge(let offset, _, _, _):
            return offset
        }
    }

    public var description: String {
        switch self {
        case .truncated(let offset, let expected):
            return "truncated JPEG: data ends at byte \(offset), expected \(expected)"
        case .unexpectedMarker(let offset, let found, let expected):
            let hex = String(found, radix: 16, uppercase: true)
            return "bad JPEG marker at byte \(offset): found 0xFF\(hex.count < 2 ? "0" : "")\(hex), expected \(expected)"
        case .unsupported(let offset, let kind):
            return "unsupported JPEG (\(kind)) at byte \(offset)"
        case .malformed(let offset, let reason):
            return "malformed JPEG at byte \(offset): \(reason)"
        case .invalidHuffmanCode(let offset):
            return "malformed JPEG at byte \(offset): invalid Huffman code in entropy-coded data"
        case .tooLarge(let offset, let width, let height, let maxPixels):
            return "JPEG too large at byte \(offset): \(width)×\(height) exceeds the limit of \(maxPixels) pixels"
        }
    }
}
