/// A malformed or unsupported PNG file.
public enum PNGError: Error, CustomStringConvertible, Equatable {
    /// The 8-byte PNG signature is missing.
    case notPNG(file: String)
    /// A chunk runs past the end of the file.
    case truncated(file: String, offset: Int)
    /// A chunk's CRC does not match its contents.
    case badCRC(file: String, chunk: String, offset: Int, expected: UInt32, found: UInt32)
    /// IHDR is missing, malformed or describes a format this reader does not handle.
    case unsupported(file: String, reason: String)
    /// The image data inflates to the wrong size or uses an unknown row filter.
    case badData(file: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .notPNG(file): return "\(file): not a PNG file (no PNG signature at offset 0)"
        case let .truncated(file, offset): return "\(file): PNG chunk at byte \(offset) runs past the end of the file"
        case let .badCRC(file, chunk, offset, expected, found):
            return "\(file): \(chunk) chunk at byte \(offset): CRC expected \(hex(expected)), found \(hex(found))"
        case let .unsupported(file, reason): return "\(file): unsupported PNG: \(reason)"
        case let .badData(file, reason): return "\(file): bad PNG image data: \(reason)"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

/// An 8-bit image in memory: rows top to bottom, pixels left to right, channels interleaved (HWC).
public struct PNGImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// height × width × channels bytes.
    public var pixels: [UInt8]

    /// An image from interleaved bytes (`pixels.count == height · width · channels`).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition([1, 2, 3, 4].contains(channels), "PNGImage: channels must be 1...4, got \(channels)")
        precondition(width > 0 && height > 0, "PNGImage: empty image \(width)×\(height)")
        precondition(pixels.count == width * height * channels,
                     "PNGImage: \(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// PNG encoding and decoding of 8-bit, non-interlaced images (the only kind Latent writes).
public enum PNG {
    /// How the encoder picks each row's filter.
    public enum FilterChoice: Sendable, Equatable {
        /// Per row, the filter with the smallest sum of absolute (signed) residuals — libpng's heuristic.
        case adaptive
        /// The same filter for every row: 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth.
        case fixed(UInt8)
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file for `image`.
    public static func encode(_ image: PNGImage, filter: FilterChoice = .adaptive, level: Int = 6) -> [UInt8] {
        let colorType: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][image.channels]!
        var header = [UInt8]()
        appendUInt32(&header, UInt32(image.width))
        appendUInt32(&header, UInt32(image.height))
        header += [8, colorType, 0, 0, 0]  // bit depth, colour type, deflate, adaptive filtering, no interlace

        let stride = image.width * image.channels
        let bpp = image.channels
        var filtered = [UInt8](repeating: 0, count: image.height * (stride + 1))
        var candidate = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<image.height {
                let row = pixels.baseAddress! + y * stride
                let prior: UnsafePointer<UInt8>? = y > 0 ? row - stride : nil
                let types: [UInt8]
                switch filter {
                case .adaptive: types = [0, 1, 2, 3, 4]
                case let .fixed(type):
                    precondition(type <= 4, "PNG filter type must be 0...4, got \(type)")
                    types = [type]
                }
                var bestCost = Int.max
                for type in types {
                    var cost = 0
                    for x in 0..<stride {
                        let a = x >= bpp ? row[x - bpp] : 0
                        let b = prior?[x] ?? 0
                        let c = x >= bpp ? (prior?[x - bpp] ?? 0) : 0
                        let value = row[x] &- predictor(type, a: a, b: b, c: c)
                        candidate[x] = value
                        cost += abs(Int(Int8(bitPattern: value)))
                    }
                    if cost < bestCost {
                        bestCost = cost
                        let start = y * (stride + 1)
                        filtered[start] = type
                        filtered.replaceSubrange((start + 1)...(start + stride), with: candidate)
                    }
                }
            }
        }
        var file = signature
        appendChunk(&file, "IHDR", header)
        appendChunk(&file, "IDAT", Zlib.deflate(filtered, level: level))
        appendChunk(&file, "IEND", [])
        return file
    }

    /// The largest image `decode` accepts, in pixels.
    public static let maxPixels = 1 << 26

    /// Decodes a PNG file: 8-bit grayscale, gray + alpha, RGB or RGBA, not interlaced. Checks every CRC.
    public static func decode(_ data: [UInt8], file: String) throws -> PNGImage {
        guard data.count >= 8, Array(data[0..<8]) == signature else { throw PNGError.notPNG(file: file) }
        var offset = 8
        var header: [UInt8]?
        var headerOffset = 8
        var compressed = [UInt8]()
        var sawEnd = false
        while offset < data.count && !sawEnd {
            guard offset + 12 <= data.count else { throw PNGError.truncated(file: file, offset: offset) }
            let length = Int(readUInt32(data, offset))
            guard length <= data.count - offset - 12 else { throw PNGError.truncated(file: file, offset: offset) }
            let typeBytes = data[(offset + 4)..<(offset + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            let body = data[(offset + 8)..<(offset + 8 + length)]
            let expected = readUInt32(data, offset + 8 + length)
            let found = Zlib.crc32(data[(offset + 4)..<(offset + 8 + length)])
            guard expected == found else {
                throw PNGError.badCRC(file: file, chunk: type, offset: offset, expected: expected, found: found)
            }
            switch type {
            case "IHDR": header = Array(body); headerOffset = offset
            case "IDAT": compressed += body
            case "IEND": sawEnd = true
            case "PLTE": throw PNGError.unsupported(file: file, reason: "palette images")
            default: break  // ancillary chunks (gAMA, pHYs, tEXt...) are ignored
            }
            offset += 12 + length
        }
        guard let header, header.count == 13 else { throw PNGError.unsupported(file: file, reason: "missing or short IHDR") }
        guard sawEnd else { throw PNGError.truncated(file: file, offset: data.count) }
        let width = Int(readUInt32(header, 0)), height = Int(readUInt32(header, 4))
        let depth = header[8], colorType = header[9], interlace = header[12]
        let at = "in the IHDR chunk at byte \(headerOffset)"
        guard depth == 8 else { throw PNGError.unsupported(file: file, reason: "bit depth \(depth) \(at), expected 8") }
        guard interlace == 0 else { throw PNGError.unsupported(file: file, reason: "interlaced image \(at)") }
        guard let channels = [0: 1, 4: 2, 2: 3, 6: 4][colorType] else {
            throw PNGError.unsupported(file: file, reason: "colour type \(colorType) \(at)")
        }
        // The declared size bounds the inflated data, so it is capped before inflating: each side at most
        // 65536 and 2²⁶ pixels in all (256 MB of RGBA), far above any image this project writes.
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, width * height <= maxPixels else {
            throw PNGError.unsupported(file: file, reason: "size \(width)×\(height) \(at) (at most 65536 a side, \(maxPixels) pixels)")
        }
        let stride = width * channels
        let expectedSize = height * (stride + 1)
        let raw = try Zlib.inflateZlib(compressed, file: file, limit: expectedSize)
        guard raw.count == expectedSize else {
            throw PNGError.badData(file: file, reason: "expected \(expectedSize) bytes after inflate, found \(raw.count)")
        }
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let type = raw[y * (stride + 1)]
            guard type <= 4 else { throw PNGError.badData(file: file, reason: "row \(y) has filter type \(type), expected 0...4") }
            for x in 0..<stride {
                let a = x >= channels ? pixels[y * stride + x - channels] : 0
                let b = y > 0 ? pixels[(y - 1) * stride + x] : 0
                let c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0
                pixels[y * stride + x] = raw[y * (stride + 1) + 1 + x] &+ predictor(type, a: a, b: b, c: c)
            }
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Writes `image` as a PNG file at `path` (atomically).
    public static func write(_ image: PNGImage, to path: String) throws {
        try FileIO.writeAtomically(encode(image), to: path)
    }

    /// Reads and decodes the PNG file at `path`.
    public static func read(_ path: String) throws -> PNGImage {
        try decode(FileIO.readFile(path), file: path)
    }

    /// The PNG predictor for filter `type` from left `a`, up `b` and upper-left `c` (PNG spec §9.2).
    @inline(__always)
    static func predictor(_ type: UInt8, a: UInt8, b: UInt8, c: UInt8) -> UInt8 {
        switch type {
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        case 4:
            let p = Int(a) + Int(b) - Int(c)
            let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
            if pa <= pb && pa <= pc { return a }
            return pb <= pc ? b : c
        default: return 0
        }
    }

    private static func appendChunk(_ file: inout [UInt8], _ type: String, _ body: [UInt8]) {
        appendUInt32(&file, UInt32(body.count))
        let typeAndBody = Array(type.utf8) + body
        file += typeAndBody
        appendUInt32(&file, Zlib.crc32(typeAndBody))
    }

    private static func appendUInt32(_ bytes: inout [UInt8], _ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                  UInt8(truncatingIfNeeded: value)]
    }

    private static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
