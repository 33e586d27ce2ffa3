/// A safetensors file that cannot be read, naming the file, the byte offset and what is wrong.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file is shorter than its own header says (a torn write, a truncated copy).
    case truncated(file: String, expected: Int, found: Int)
    /// The file is longer than its header accounts for.
    case trailingBytes(file: String, expected: Int, found: Int)
    /// The declared header length is larger than the cap or the file.
    case headerTooLarge(file: String, declared: UInt64, limit: Int)
    /// The JSON header does not parse.
    case badHeader(file: String, offset: Int, reason: String)
    /// A tensor entry is malformed (unknown dtype, bad shape, offsets out of range, overlap...).
    case badTensor(file: String, name: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .truncated(file, expected, found):
            return "\(file): truncated safetensors file: header declares \(expected) bytes, file has \(found) (torn write or incomplete copy)"
        case let .trailingBytes(file, expected, found):
            return "\(file): header declares \(expected) bytes but file has \(found): unexpected trailing bytes from offset \(expected)"
        case let .headerTooLarge(file, declared, limit):
            return "\(file): byte 0: declared header length \(declared) exceeds the limit \(limit) (or the file size)"
        case let .badHeader(file, offset, reason):
            return "\(file): byte \(offset): malformed JSON header: \(reason)"
        case let .badTensor(file, name, reason):
            return "\(file): tensor \"\(name)\": \(reason)"
        }
    }
}

/// The element types Latent reads and writes in safetensors files.
public enum SafeTensorsDType: String, Sendable, Equatable, CaseIterable {
    /// 32-bit IEEE float, little-endian (parameters, buffers, optimizer moments).
    case f32 = "F32"
    /// 64-bit IEEE float, little-endian (a fixture made from float64 arrays).
    case f64 = "F64"
    /// 32-bit signed integer, little-endian.
    case i32 = "I32"
    /// 64-bit signed integer, little-endian (BatchNorm's `num_batches_tracked`, as PyTorch saves it).
    case i64 = "I64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        }
    }
}

/// One tensor as stored: element type, shape and its little-endian bytes.
public struct StoredTensor: Sendable, Equatable {
    /// Element type.
    public var dtype: SafeTensorsDType
    /// Shape ([] for a scalar).
    public var shape: [Int]
    /// Raw little-endian bytes, `shape.product × dtype.size` of them.
    public var bytes: [UInt8]

    /// A Float32 tensor's bytes.
    public init(_ tensor: Tensor) {
        dtype = .f32
        shape = tensor.shape
        bytes = tensor.scalars.withUnsafeBytes { Array($0) }  // x86-64 and arm64 are little-endian
    }

    /// A 64-bit integer tensor of the given shape.
    public init(int64 values: [Int64], shape: [Int]) {
        precondition(Tensor.count(of: shape) == values.count, "StoredTensor: \(values.count) values for shape \(shape)")
        dtype = .i64
        self.shape = shape
        bytes = values.withUnsafeBytes { Array($0) }
    }

    /// Raw bytes of a given type and shape (checked by the caller).
    init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The values as a Float tensor (F64, I32 and I64 values converted to the nearest Float).
    public var tensor: Tensor {
        let size = dtype.size
        let scalars = bytes.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { i -> Float in
                let offset = i * size
                switch dtype {
                case .f32: return raw.loadUnaligned(fromByteOffset: offset, as: Float.self)
                case .f64: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Double.self))
                case .i32: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                case .i64: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                }
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// The safetensors layout (Hugging Face): what `safetensors.torch.load_file` opens, and the one reader
/// and writer of it in Latent — `FixtureFile` (PyTorch parity fixtures) and LatentData's `Checkpoint`
/// are built on it.
///
///     bytes 0..<8        header length N, UInt64 little-endian
///     bytes 8..<8+N      JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
///                               "__metadata__": {"key": "string value", ...}}   (padded with spaces)
///     bytes 8+N...       the data section: each tensor's raw little-endian bytes at [begin, end)
///
/// The reader checks everything before returning anything: the header length against a cap and the
/// file size, the JSON, every dtype, shape and offset (in range, sized to the shape, no overlaps, no
/// gaps), and that the file ends exactly where the data section does.
public enum SafeTensors {
    /// The largest JSON header accepted (the header of a model with thousands of tensors is a few hundred KB).
    public static let headerLimit = 64 << 20

    /// The file bytes for `tensors` (written in the given order) and string `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:]) -> [UInt8] {
        var json = "{"
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { "\(JSONValue.quote($0)):\(JSONValue.quote(metadata[$0]!))" }.joined(separator: ",")
            json += "},"
        }
        var offset = 0
        var entries: [String] = []
        for (name, tensor) in tensors {
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONValue.quote(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += entries.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }  // align the data section to 8 bytes
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for (_, tensor) in tensors { bytes.append(contentsOf: tensor.bytes) }
        return bytes
    }

    /// The tensors (by name, in the order of their data) and metadata of a safetensors file's bytes;
    /// `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(SafeTensorsError)
        -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw .truncated(file: file, expected: 8, found: bytes.count) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(headerLimit) else {
            throw .headerTooLarge(file: file, declared: declared, limit: headerLimit)
        }
        let headerLength = Int(declared)
        guard bytes.count >= 8 + headerLength else {
            throw .truncated(file: file, expected: 8 + headerLength, found: bytes.count)
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes, in: 8..<(8 + headerLength))
        } catch {
            throw .badHeader(file: file, offset: error.offset, reason: error.reason)
        }
        guard case let .object(members) = root else {
            throw .badHeader(file: file, offset: 8, reason: "expected a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)] = []
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else {
                throw .badTensor(file: file, name: name, reason: "appears twice in the header")
            }
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw .badTensor(file: file, name: name, reason: "must be an object of strings")
                }
                for (key, item) in pairs {
                    guard case let .string(text) = item else {
                        throw .badTensor(file: file, name: name, reason: "value of \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try tensorEntry(name: name, value: value, file: file))
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        // The data section must be covered exactly: sorted by offset, each tensor starts where the last ended.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expectedBegin = 0
        for entry in entries {
            guard entry.begin == expectedBegin else {
                throw .badTensor(file: file, name: entry.name,
                                 reason: "data_offsets begin at \(entry.begin), expected \(expectedBegin) (overlap or gap)")
            }
            expectedBegin = entry.end
        }
        if expectedBegin > dataLength {
            throw .truncated(file: file, expected: dataStart + expectedBegin, found: bytes.count)
        }
        if expectedBegin < dataLength {
            throw .trailingBytes(file: file, expected: dataStart + expectedBegin, found: bytes.count)
        }
        let tensors = entries.map { entry in
            (entry.name, StoredTensor(dtype: entry.dtype, shape: entry.shape,
                                      bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])))
        }
        return (tensors, metadata)
    }

    /// Validates one `{"dtype", "shape", "data_offsets"}` entry; sizes are checked without overflow.
    private static func tensorEntry(name: String, value: JSONValue, file: String) throws(SafeTensorsError)
        -> (name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int) {
        func fail(_ reason: String) -> SafeTensorsError { .badTensor(file: file, name: name, reason: reason) }
        /// A JSON number that is a whole number in 0...limit (checked as a Double: Int(1e300) would trap).
        func whole(_ value: JSONValue, limit: Double) -> Int? {
            guard case let .number(x) = value, x >= 0, x <= limit, x == x.rounded() else { return nil }
            return Int(x)
        }
        guard case let .object(fields) = value else { throw fail("entry is not an object") }
        var dtypeText: String?
        var shapeValues: [JSONValue]?
        var offsetValues: [JSONValue]?
        for (key, item) in fields {
            switch (key, item) {
            case ("dtype", .string(let text)): dtypeText = text
            case ("shape", .array(let items)): shapeValues = items
            case ("data_offsets", .array(let items)): offsetValues = items
            default: throw fail("unexpected field \"\(key)\" or wrong type")
            }
        }
        guard let dtypeText else { throw fail("missing dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw fail("dtype \(dtypeText) is not supported (\(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues, shapeValues.count <= 16 else { throw fail("missing shape or more than 16 dimensions") }
        var shape: [Int] = []
        var count = 1
        for item in shapeValues {
            guard let dim = whole(item, limit: Double(Int32.max)) else { throw fail("shape entry is not a size in 0...\(Int32.max)") }
            shape.append(dim)
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) else { throw fail("shape \(shape)… holds too many elements") }
            count = product
        }
        guard let offsetValues, offsetValues.count == 2,
              let begin = whole(offsetValues[0], limit: 0x1p52), let end = whole(offsetValues[1], limit: 0x1p52),
              end >= begin else { throw fail("data_offsets must be [begin, end] with 0 ≤ begin ≤ end ≤ 2⁵²") }
        guard end - begin == count * dtype.size else {
            throw fail("data_offsets span \(end - begin) bytes, shape \(shape) of \(dtype.rawValue) needs \(count * dtype.size)")
        }
        return (name, dtype, shape, begin, end)
    }
}
