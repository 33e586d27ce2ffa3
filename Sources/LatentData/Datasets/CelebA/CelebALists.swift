/// Why CelebA could not be loaded; messages name the file (and line or byte offset) involved.
public enum CelebAError: Error, CustomStringConvertible, Equatable {
    /// Neither `img_align_celeba/` nor `img_align_celeba.zip` was found in any searched folder.
    case notFound(searched: [String])
    /// A metadata list has a line that does not parse.
    case malformedList(file: String, line: Int, reason: String)
    /// The source holds no JPEG that could be decoded.
    case noImages(source: String, found: Int, failures: [String])

    public var description: String {
        switch self {
        case .notFound(let searched):
            return """
                CelebA not found. Put the aligned images (img_align_celeba/ with 000001.jpg..., or \
                img_align_celeba.zip) and optionally list_eval_partition.txt and list_attr_celeba.txt \
                in one of: \(searched.joined(separator: ", ")) — or pass the folder or zip explicitly \
                (--data) or set LATENT_DATA. Official source: \
                https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Google Drive "Align&Cropped Images").
                """
        case .malformedList(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .noImages(let source, let found, let failures):
            return "CelebA: none of the \(found) JPEG files in \(source) could be decoded; first errors:\n"
                + failures.prefix(5).joined(separator: "\n")
        }
    }
}

/// CelebA's standard split (`list_eval_partition.txt`: 0 train, 1 valid, 2 test).
public enum CelebASplit: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// 162,770 images in the full dataset.
    case train = 0
    /// 19,867 images in the full dataset.
    case valid = 1
    /// 19,962 images in the full dataset.
    case test = 2

    public var description: String {
        switch self {
        case .train: return "train"
        case .valid: return "valid"
        case .test: return "test"
        }
    }
}

/// Parsers of CelebA's metadata lists (`list_eval_partition.txt`, `list_attr_celeba.txt`).
public enum CelebALists {
    /// The lines of a text file as byte ranges, without the line terminator (LF or CRLF).
    static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            result.append(start..<(i > start && bytes[i - 1] == 0x0D ? i - 1 : i))
            start = i + 1
        }
        if start < bytes.count {
            let end = bytes.last == 0x0D ? bytes.count - 1 : bytes.count
            result.append(start..<end)
        }
        return result
    }

    /// The whitespace-separated fields of `range` in `bytes`.
    static func fields(_ bytes: [UInt8], _ range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            let start = i
            while i < range.upperBound && bytes[i] != 0x20 && bytes[i] != 0x09 { i += 1 }
            if i > start { result.append(start..<i) }
        }
        return result
    }

    static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// Parses `list_eval_partition.txt` ("000001.jpg 0" per line) into file name → split.
    /// - Parameter file: the path used in error messages.
    public static func parsePartition(_ bytes: [UInt8], file: String) throws -> [String: CelebASplit] {
        var result: [String: CelebASplit] = [:]
        for (index, line) in lines(bytes).enumerated() {
            let f = fields(bytes, line)
            if f.isEmpty { continue }
            guard f.count == 2 else {
                throw CelebAError.malformedList(
                    file: file, line: index + 1,
                    reason: "expected \"<image>.jpg <0|1|2>\", found \(f.count) fields: \"\(text(bytes, line))\"")
            }
            let value = text(bytes, f[1])
            guard let number = Int(value), let split = CelebASplit(rawValue: number) else {
                throw CelebAError.malformedList(
                    file: file, line: index + 1, reason: "partition \"\(value)\" (expected 0, 1 or 2)")
            }
            result[text(bytes, f[0])] = split
        }
        return result
    }

    /// Attributes of the images named in `wanted`, from `list_attr_celeba.txt`.
    public struct Attributes: Sendable, Equatable {
        /// The 40 attribute names of line 2 (`5_o_Clock_Shadow` ... `Young`).
        public var names: [String]
        /// Row-major [wanted.count, names.count] values, +1 or -1; 0 for an image absent from the list.
        public var values: [Int8]
        /// How many of the wanted images the list had.
        public var matched: Int
    }

    /// Parses `list_attr_celeba.txt` (line 1: image count; line 2: the attribute names; then
    /// "<image>.jpg v1 ... v40" with each v = ±1), keeping the rows of `wanted` (in that order).
    public static func parseAttributes(_ bytes: [UInt8], file: String, wanted: [String]) throws -> Attributes {
        let all = lines(bytes)
        guard all.count >= 2 else {
            throw CelebAError.malformedList(file: file, line: all.count + 1, reason: "expected the image count and the attribute names")
        }
        let declared = text(bytes, all[0]).trimmingSpaces
        guard let count = Int(declared), count >= 0 else {
            throw CelebAError.malformedList(file: file, line: 1, reason: "expected the number of images, found \"\(declared)\"")
        }
        let names = fields(bytes, all[1]).map { text(bytes, $0) }
        guard !names.isEmpty else { throw CelebAError.malformedList(file: file, line: 2, reason: "no attribute names") }
        var position: [String: Int] = [:]
        for (i, name) in wanted.enumerated() { position[name] = i }
        var values = [Int8](repeating: 0, count: wanted.count * names.count)
        var rows = 0
        var matched = 0
        try bytes.withUnsafeBufferPointer { b in
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
            for index in 2..<all.count {
                let line = all[index]
                var i = line.lowerBound
                let end = line.upperBound
                while i < end && isSpace(b[i]) { i += 1 }
                if i == end { continue }
                let nameStart = i
                while i < end && !isSpace(b[i]) { i += 1 }
                rows += 1
                let row = position[String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<i]), as: UTF8.self)]
                var a = 0
                var extra = false
                while true {
                    while i < end && isSpace(b[i]) { i += 1 }
                    if i == end { break }
                    let start = i
                    while i < end && !isSpace(b[i]) { i += 1 }
                    guard a < names.count else {
                        extra = true
                        break
                    }
                    let value: Int8
                    if i - start == 1 && b[start] == 0x31 {
                        value = 1
                    } else if i - start == 2 && b[start] == 0x2D && b[start + 1] == 0x31 {
                        value = -1
                    } else {
                        throw CelebAError.malformedList(
                            file: file, line: index + 1,
                            reason: "attribute \(names[a]) is \"\(text(bytes, start..<i))\" (expected 1 or -1)")
                    }
                    if let row { values[row * names.count + a] = value }
                    a += 1
                }
                if a != names.count || extra {
                    throw CelebAError.malformedList(
                        file: file, line: index + 1,
                        reason: "expected an image name and \(names.count) values, found \(fields(bytes, line).count) fields")
                }
                if row != nil { matched += 1 }
            }
        }
        guard rows == count else {
            throw CelebAError.malformedList(file: file, line: 1, reason: "declares \(count) images but lists \(rows)")
        }
        return Attributes(names: names, values: values, matched: matched)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
