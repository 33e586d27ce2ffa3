#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system failure, naming the path and the system's reason.
public enum FileIOError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened (missing, a folder, no permission...).
    case cannotOpen(path: String, reason: String)
    /// Reading failed after `offset` bytes.
    case readFailed(path: String, offset: Int, reason: String)
    /// Writing or renaming into place failed.
    case writeFailed(path: String, reason: String)
    /// A folder could not be created.
    case cannotCreateFolder(path: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .readFailed(path, offset, reason): return "\(path): read failed after \(offset) bytes: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        case let .cannotCreateFolder(path, reason): return "\(path): cannot create folder: \(reason)"
        }
    }
}

/// A simulated failure of `FileIO.writeAtomically`, for tests of what a failed write leaves behind (a
/// disk that fills up midway, a flush or rename the system refuses). Bound with `FileIO.withWriteFault`.
public struct WriteFault: Sendable, Equatable {
    /// Where the write fails.
    public enum Stage: Sendable, Equatable {
        /// After this many bytes of the temporary file have been written.
        case write(afterBytes: Int)
        /// When the temporary file is flushed to disk (fsync).
        case sync
        /// When the temporary file is renamed over the target.
        case rename
    }
    /// Where the write fails.
    public var stage: Stage
    /// The errno the failing call reports, e.g. `ENOSPC` (disk full) or `EIO`.
    public var errorNumber: Int32

    public init(_ stage: Stage, errorNumber: Int32) {
        self.stage = stage
        self.errorNumber = errorNumber
    }
}

/// Whole-file reads and atomic writes; every file Latent writes goes through `writeAtomically`.
public enum FileIO {
    /// The fault `writeAtomically` simulates in this task, if any (see `withWriteFault`).
    @TaskLocal static var writeFault: WriteFault?

    /// Runs `body` with every `writeAtomically` it makes (in this task only: other tasks and threads write
    /// normally) failing as `fault` says, after really doing the work before that point.
    public static func withWriteFault<Result>(_ fault: WriteFault, _ body: () throws -> Result) rethrows -> Result {
        try $writeFault.withValue(fault) { try body() }
    }

    /// Reads the whole file at `path`.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError.cannotOpen(path: path, reason: lastError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIOError.cannotOpen(path: path, reason: lastError()) }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw FileIOError.cannotOpen(path: path, reason: "is a folder, expected a file")
        }
        // One read into a buffer sized from fstat, then chunks until end-of-file (a file that grows
        // meanwhile, or a pipe whose size fstat does not know).
        var readError: Int32 = 0
        var atEnd = false
        func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
            var filled = 0
            while filled < buffer.count {
                let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    break
                }
                if n == 0 { atEnd = true; break }
                filled += n
            }
            return filled
        }
        var bytes = [UInt8](unsafeUninitializedCapacity: max(Int(info.st_size), 0)) { buffer, count in
            count = fill(buffer)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while readError == 0 && !atEnd {
            let n = chunk.withUnsafeMutableBufferPointer { fill($0) }
            bytes.append(contentsOf: chunk[..<n])
        }
        if readError != 0 {
            throw FileIOError.readFailed(path: path, offset: bytes.count, reason: String(cString: strerror(readError)))
        }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed, then renamed
    /// over `path`, so readers see the old file or the new one, never half of one. Creates missing
    /// parent folders.
    public static func writeAtomically<Bytes: Collection>(_ bytes: Bytes, to path: String) throws
    where Bytes.Element == UInt8 {
        try writeAtomically(path) { fd, limit in try writeAll(fd: fd, bytes: bytes.prefix(limit), path: path) }
    }

    /// Writes the concatenation of `parts` to `path` atomically (as `writeAtomically(_:to:)`), each part
    /// straight from its own storage: a large file is never assembled in memory first.
    public static func writeAtomically(parts: [[UInt8]], to path: String) throws {
        try writeAtomically(to: path) { file in
            for part in parts { try file.append(part) }
        }
    }

    /// Writes `path` atomically (as `writeAtomically(_:to:)`) from what `body` appends, piece by piece:
    /// a file larger than memory (CelebA's decoded cache) is written as it is made.
    public static func writeAtomically(to path: String, appending body: (inout FileAppender) throws -> Void) throws {
        try writeAtomically(path) { fd, limit in
            var file = FileAppender(fd: fd, path: path, remaining: limit)
            try body(&file)
        }
    }

    /// The temporary file, flush and rename around `write(fd, limit)`, which writes the file's bytes
    /// (no more than `limit`: a simulated `.write(afterBytes:)` fault stops there and then fails).
    private static func writeAtomically(_ path: String, _ write: (Int32, Int) throws -> Void) throws {
        let folder = parentFolder(of: path)
        try createFolder(folder)
        var template = Array("\(folder)/.\(fileName(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileIOError.writeFailed(path: path, reason: lastError()) }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        let fault = writeFault
        do {
            if case .write(let afterBytes)? = fault?.stage {
                try write(fd, max(0, afterBytes))
                throw FileIOError.writeFailed(path: path, reason: String(cString: strerror(fault!.errorNumber)))
            }
            try write(fd, Int.max)
            guard fault?.stage != .sync && fsync(fd) == 0 else {
                throw FileIOError.writeFailed(path: path, reason: fault.map { String(cString: strerror($0.errorNumber)) } ?? lastError())
            }
            guard fchmod(fd, 0o644) == 0 else { throw FileIOError.writeFailed(path: path, reason: lastError()) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw FileIOError.writeFailed(path: path, reason: lastError()) }
        guard fault?.stage != .rename && rename(tempPath, path) == 0 else {
            throw FileIOError.writeFailed(path: path, reason: fault.map { String(cString: strerror($0.errorNumber)) } ?? lastError())
        }
        ok = true
    }

    /// Writes a UTF-8 string atomically (see `writeAtomically(_:to:)`).
    public static func writeAtomically(_ text: String, to path: String) throws {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// Creates `path` and any missing parents (like `mkdir -p`).
    public static func createFolder(_ path: String) throws {
        if path.isEmpty || isFolder(path) { return }
        let parent = parentFolder(of: path)
        if parent != path && !parent.isEmpty { try createFolder(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw FileIOError.cannotCreateFolder(path: path, reason: lastError())
        }
    }

    /// Whether a regular file (or a link to one) exists at `path`.
    public static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether anything is at `path`: a file, a folder, a link (even one to nothing). For an optional
    /// input: something there that is not a readable file should be an error naming it, not "absent".
    public static func pathExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether a folder exists at `path`.
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size in bytes of the file at `path`, or nil when there is none.
    public static func fileSize(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Deletes the file at `path` if there is one.
    public static func removeFile(_ path: String) {
        unlink(path)
    }

    /// `path` joined to `component` with one slash.
    public static func join(_ path: String, _ component: String) -> String {
        if path.isEmpty { return component }
        return path.hasSuffix("/") ? path + component : path + "/" + component
    }

    /// The folder part of `path` (`"."` for a bare file name).
    public static func parentFolder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The last component of `path`.
    public static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    fileprivate static func writeAll<Bytes: Collection>(fd: Int32, bytes: Bytes, path: String) throws
    where Bytes.Element == UInt8 {
        func write(_ buffer: UnsafeBufferPointer<UInt8>) throws {
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileIOError.writeFailed(path: path, reason: lastError())
                }
                offset += n
            }
        }
        if bytes.isEmpty { return }
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in Result { try write(buffer) } }) {
            try result.get()
        } else {
            try Array(bytes).withUnsafeBufferPointer { try write($0) }
        }
    }

    fileprivate static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A file held open for reads at any offset: where a dataset too large for memory (the full CelebA
/// cache, 2.5 GB) reads each batch's images from, so memory holds a batch and not the file.
///
/// Reads go to the file that was opened, even after its path is replaced (another run renaming a
/// rebuilt cache over it): the bytes cannot change under a run. A file cut short while open makes a
/// read fail with an error naming it, where a memory map would crash with SIGBUS.
public final class OpenFile: Sendable {
    /// The path it was opened at.
    public let path: String
    /// Its size in bytes when opened.
    public let size: Int
    private let fd: Int32

    /// Opens the regular file at `path` for reading.
    public init(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError.cannotOpen(path: path, reason: FileIO.lastError()) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileIOError.cannotOpen(path: path, reason: "not a regular file")
        }
        self.path = path
        self.size = Int(info.st_size)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Fills `buffer` with the bytes from `offset` on; fails naming the file if it ends first.
    public func read(offset: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        var filled = 0
        while filled < buffer.count {
            let n = pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset + filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError.readFailed(path: path, offset: offset + filled, reason: FileIO.lastError())
            }
            if n == 0 {
                throw FileIOError.readFailed(path: path, offset: offset + filled, reason: "the file ends there, \(buffer.count - filled) bytes short")
            }
            filled += n
        }
    }
}

/// The file being written by `FileIO.writeAtomically(to:appending:)`: each `append` adds bytes at its end.
public struct FileAppender {
    fileprivate let fd: Int32
    fileprivate let path: String
    /// Bytes still to write before a simulated fault (`FileIO.withWriteFault`) stops the writing.
    fileprivate var remaining: Int

    /// Appends `bytes`.
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let n = min(bytes.count, remaining)
        remaining -= n
        try FileIO.writeAll(fd: fd, bytes: UnsafeBufferPointer(rebasing: bytes[..<n]), path: path)
    }

    /// Appends `bytes`.
    public mutating func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try append($0) }
    }
}
