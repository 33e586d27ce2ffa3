#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named Float tensors in one file, in the safetensors layout — the format of the PyTorch parity
/// fixtures. A Float view of `SafeTensors`, which reads and checks the layout.
///
/// Layout (all little-endian):
///
///     bytes 0..<8      UInt64 n: the length of the JSON header
///     bytes 8..<8+n    JSON: {"__metadata__": {"key": "value", …},
///                             "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
///     bytes 8+n…       the data; each tensor's raw row-major elements at [begin, end) of this part
///
/// Metadata values are strings (a fixture keeps its configuration there: `"kernel_size": "3"`).
/// Reading accepts F32, F64, I32 and I64 elements and converts them to Float; writing uses F32.
public struct FixtureFile: Sendable {
    /// The tensors by name.
    public var tensors: [String: Tensor]
    /// The free-form string metadata (`__metadata__`).
    public var metadata: [String: String]
    /// Where the file was read from (for error messages), or a description of its origin.
    public let source: String

    /// Tensor names in the order of their data in the file (sorted by name for a file made in memory).
    public var names: [String] { orderedNames.isEmpty ? tensors.keys.sorted() : orderedNames }
    private var orderedNames: [String] = []

    /// An empty file to fill and `write`.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        self.source = "<memory>"
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(FixtureFileError) {
        try self.init(bytes: try readFile(path), source: path)
    }

    /// Parses the bytes of a file; `source` names it in error messages.
    public init(bytes: [UInt8], source: String) throws(FixtureFileError) {
        self.source = source
        let decoded: (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String])
        do {
            decoded = try SafeTensors.decode(bytes, file: source)
        } catch {
            throw FixtureFileError(error)
        }
        tensors = Dictionary(uniqueKeysWithValues: decoded.tensors.map { ($0.name, $0.tensor.tensor) })
        metadata = decoded.metadata
        orderedNames = decoded.tensors.map(\.name)
    }

    /// The tensor called `name`, or an error naming the file and the tensors it does have.
    public func tensor(_ name: String) throws(FixtureFileError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw .missingTensor(file: source, tensor: name, available: names)
        }
        return tensor
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? { tensors[name] }

    /// The file's bytes: header length, JSON header (names sorted), F32 data in the same order.
    public func encoded() -> [UInt8] {
        SafeTensors.encode(tensors.keys.sorted().map { ($0, StoredTensor(tensors[$0]!)) }, metadata: metadata)
    }

    /// Writes `encoded()` to `path`, replacing any file there.
    public func write(to path: String) throws(FixtureFileError) {
        guard let file = fopen(path, "wb") else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        let bytes = encoded()
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw .truncated(file: path, offset: written, expected: "\(bytes.count) bytes written", found: "\(written)")
        }
    }
}

/// What went wrong reading or writing a `FixtureFile`; each message names the file.
public enum FixtureFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened.
    case cannotOpen(file: String, reason: String)
    /// The file ends before the header or a tensor's data does.
    case truncated(file: String, offset: Int, expected: String, found: String)
    /// The JSON header is malformed, lacks a field, or describes tensors the data does not match.
    case badHeader(file: String, offset: Int, message: String)
    /// A tensor the caller asked for is not in the file.
    case missingTensor(file: String, tensor: String, available: [String])

    /// A message saying where and what.
    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .truncated(let file, let offset, let expected, let found):
            return "\(file): truncated at byte \(offset): expected \(expected), found \(found)"
        case .badHeader(let file, let offset, let message):
            return "\(file): bad header at byte \(offset): \(message)"
        case .missingTensor(let file, let tensor, let available):
            return "\(file): no tensor named \(tensor); the file has \(available.joined(separator: ", "))"
        }
    }

    /// The layout error `SafeTensors` found, said in this type's terms.
    init(_ error: SafeTensorsError) {
        switch error {
        case let .truncated(file, expected, found):
            self = .truncated(file: file, offset: found, expected: "\(expected) bytes", found: "the end of the file")
        case let .trailingBytes(file, expected, found):
            self = .badHeader(file: file, offset: expected, message: "\(found - expected) bytes after the data the header describes")
        case let .headerTooLarge(file, declared, limit):
            self = .badHeader(file: file, offset: 0, message: "declared header length \(declared) exceeds the limit \(limit)")
        case let .badHeader(file, offset, reason):
            self = .badHeader(file: file, offset: offset, message: reason)
        case let .badTensor(file, name, reason):
            self = .badHeader(file: file, offset: 8, message: "tensor \(name): \(reason)")
        }
    }
}

/// All bytes of the file at `path`.
private func readFile(_ path: String) throws(FixtureFileError) -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if read == 0 { break }
        bytes += chunk[0..<read]
    }
    return bytes
}
