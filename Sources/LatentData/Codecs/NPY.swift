import Foundation

// NumPy's `.npy` format (what `np.save` writes and what an `.npz` archive holds, one member per array):
//
//     "\x93NUMPY" major minor   header length (u16 for version 1, u32 for versions 2 and 3)
//     header: a Python dict literal, e.g. {'descr': '|u1', 'fortran_order': False, 'shape': (3, 64, 64), }
//     the data, C order, shape.product × itemsize bytes
//
// Only what a dataset needs is read: unsigned bytes ('|u1'), little-endian 64-bit integers ('<i8') and
// doubles ('<f8'), C order. Anything else (object arrays such as dSprites' pickled `metadata`, Fortran
// order, big-endian) is an error naming the file and member, never a trap.

/// What went wrong reading an `.npy` array.
public struct NPYError: Error, CustomStringConvertible, Equatable {
    /// The file (and member, `archive.npz:imgs.npy`).
    public let file: String
    /// What is wrong.
    public let reason: String
    public var description: String { "\(file): not a readable NumPy array: \(reason)" }
}

/// One array from an `.npy` file: its element type, shape and raw little-endian bytes.
public struct NPYArray: Sendable, Equatable {
    /// NumPy's type string: `|u1`, `<i8` or `<f8`.
    public let descr: String
    /// The shape, outermost first.
    public let shape: [Int]
    /// The data bytes, C order.
    public let data: [UInt8]

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Parses `bytes` (the whole `.npy`); `name` is used in errors.
    public init(bytes: [UInt8], name: String) throws {
        func fail(_ reason: String) -> NPYError { NPYError(file: name, reason: reason) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("no \\x93NUMPY magic at the start") }
        let major = Int(bytes[6])
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major).\(bytes[7]) (only 1, 2 and 3)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("header of \(headerLength) bytes runs past the end (\(bytes.count) bytes)")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = Self.value(of: "descr", in: header) else { throw fail("header has no 'descr': \(header)") }
        let type = descr.trimmingQuotes
        let itemSize: Int
        switch type {
        case "|u1", "<u1", "u1": itemSize = 1
        case "<i8": itemSize = 8
        case "<f8": itemSize = 8
        default: throw fail("element type \(type) (only |u1, <i8 and <f8 are read)")
        }
        guard let fortran = Self.value(of: "fortran_order", in: header) else { throw fail("header has no 'fortran_order'") }
        guard fortran == "False" else { throw fail("Fortran-ordered arrays are not read") }
        guard let shapeText = Self.value(of: "shape", in: header), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw fail("header has no 'shape' tuple: \(header)")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let text = part.filter { $0 != " " && $0 != "L" }
            if text.isEmpty { continue }
            guard let n = Int(text), n >= 0 else { throw fail("shape entry '\(part)' is not a size") }
            shape.append(n)
        }
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            count = product
        }
        let start = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, needed == bytes.count - start else {
            throw fail("shape \(shape) of \(type) needs \(count) × \(itemSize) bytes, the file has \(bytes.count - start) after the header")
        }
        self.descr = type
        self.shape = shape
        self.data = Array(bytes[start...])
    }

    /// The elements as Ints (`|u1` or `<i8`), nil for doubles.
    public func integers() -> [Int]? {
        switch descr {
        case "<i8":
            return (0..<count).map { i in
                var v: UInt64 = 0
                for b in 0..<8 { v |= UInt64(data[i * 8 + b]) << (8 * UInt64(b)) }
                return Int(Int64(bitPattern: v))
            }
        case "<f8": return nil
        default: return data.map { Int($0) }
        }
    }

    /// The text after `'key':` in a header dict, up to the next top-level comma or closing brace.
    static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var result = ""
        for ch in header[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if depth == 0 && (ch == "," || ch == "}") { break }
            result.append(ch)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        var s = self.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("'") || s.hasPrefix("\"") { s.removeFirst() }
        if s.hasSuffix("'") || s.hasSuffix("\"") { s.removeLast() }
        return s
    }
}
