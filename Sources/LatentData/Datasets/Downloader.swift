// Why URLSession and not a hand-written HTTP/1.1 GET over a socket: every public MNIST mirror serves
// HTTPS (and redirects HTTP to it), and TLS is far outside what this project should write. On Linux,
// FoundationNetworking brings libcurl with TLS, redirects and proxies (`https_proxy`) for free, and
// it is part of every Swift toolchain, so no extra native library enters the package. The cost is a
// delegate class; it keeps its mutable state behind one `Mutex`, so it is Sendable without opt-outs.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// A failed download; the partial file has already been deleted.
public enum DownloadError: Error, CustomStringConvertible, Equatable {
    /// The server answered with an HTTP error status.
    case httpStatus(url: String, status: Int)
    /// The transfer failed (no network, refused, reset, timed out...).
    case transferFailed(url: String, reason: String)
    /// Fewer (or more) bytes arrived than announced.
    case truncated(url: String, path: String, expected: Int, found: Int)
    /// The file arrived whole but its MD5 is not the published one.
    case checksumMismatch(url: String, path: String, expected: String, found: String)
    /// The local file could not be written.
    case cannotWrite(path: String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .httpStatus(url, status): return "\(url): HTTP status \(status)"
        case let .transferFailed(url, reason): return "\(url): download failed: \(reason)"
        case let .truncated(url, path, expected, found):
            return "\(url): truncated download for \(path): expected \(expected) bytes, found \(found); deleted it"
        case let .checksumMismatch(url, path, expected, found):
            return "\(url): corrupt download for \(path): expected MD5 \(expected), found \(found); deleted it"
        case let .cannotWrite(path, reason): return "\(path): cannot write download: \(reason)"
        }
    }
}

/// Downloads one file over HTTP(S) into place: a temporary file in the target folder, size and MD5
/// checked, then renamed; on any failure the partial file is deleted.
public enum Downloader {
    /// Downloads `url` to `path`.
    ///
    /// - Parameters:
    ///   - expectedSize: the size the file must have (else the server's Content-Length is used).
    ///   - md5: the published MD5 (32 hex digits); nil skips the check.
    ///   - showProgress: draw a progress bar on stdout.
    ///   - timeout: seconds without data before giving up.
    public static func download(
        from url: String, to path: String, expectedSize: Int? = nil, md5: String? = nil,
        showProgress: Bool = true, timeout: Double = 30
    ) throws {
        guard let remote = URL(string: url) else { throw DownloadError.transferFailed(url: url, reason: "not a URL") }
        do { try FileIO.createFolder(FileIO.parentFolder(of: path)) } catch {
            throw DownloadError.cannotWrite(path: path, reason: "\(error)")
        }
        let tempPath = "\(path).part-\(getpid())"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DownloadError.cannotWrite(path: tempPath, reason: String(cString: strerror(errno))) }
        var keep = false
        defer {
            if !keep { unlink(tempPath) }
        }

        let receiver = Receiver(
            fd: fd, label: "download \(FileIO.fileName(of: path))", expectedSize: expectedSize, showProgress: showProgress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: URLRequest(url: remote)).resume()
        receiver.done.wait()
        session.finishTasksAndInvalidate()
        let outcome = receiver.finish()
        close(fd)

        if let status = outcome.status, !(200..<300).contains(status) {
            throw DownloadError.httpStatus(url: url, status: status)
        }
        if let writeError = outcome.writeError { throw DownloadError.cannotWrite(path: tempPath, reason: writeError) }
        if let error = outcome.transferError, outcome.received == 0 {
            throw DownloadError.transferFailed(url: url, reason: error)
        }
        let announced = expectedSize ?? outcome.contentLength
        if let announced, outcome.received != announced {
            throw DownloadError.truncated(url: url, path: path, expected: announced, found: outcome.received)
        }
        if let error = outcome.transferError {
            throw DownloadError.transferFailed(url: url, reason: error)
        }
        if let md5, outcome.md5 != md5.lowercased() {
            throw DownloadError.checksumMismatch(url: url, path: path, expected: md5.lowercased(), found: outcome.md5)
        }
        guard rename(tempPath, path) == 0 else {
            throw DownloadError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        keep = true
    }

    /// What a finished transfer left behind.
    struct Outcome {
        var status: Int?
        var contentLength: Int?
        var received = 0
        var md5 = ""
        var transferError: String?
        var writeError: String?
    }

    /// The URLSession delegate: appends each chunk to the file, hashes it and advances the bar.
    final class Receiver: NSObject, URLSessionDataDelegate, Sendable {
        struct State {
            var outcome = Outcome()
            var hasher = MD5()
            var bar: ProgressBar?
        }

        let fd: Int32
        let label: String
        let expectedSize: Int?
        let showProgress: Bool
        let state = Mutex(State())
        let done = DispatchSemaphore(value: 0)

        init(fd: Int32, label: String, expectedSize: Int?, showProgress: Bool) {
            self.fd = fd
            self.label = label
            self.expectedSize = expectedSize
            self.showProgress = showProgress
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
        ) {
            let status = (response as? HTTPURLResponse)?.statusCode
            let length = response.expectedContentLength >= 0 ? Int(response.expectedContentLength) : nil
            state.withLock { state in
                state.outcome.status = status
                state.outcome.contentLength = length
                if showProgress, let total = expectedSize ?? length {
                    state.bar = ProgressBar(total: total, label: label, unit: .bytes, plainEverySeconds: 5)
                }
            }
            completionHandler(status.map { (200..<300).contains($0) } ?? true ? .allow : .cancel)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            state.withLock { state in
                guard state.outcome.writeError == nil else { return }
                let failed = data.withUnsafeBytes { bytes -> Bool in
                    var offset = 0
                    while offset < bytes.count {
                        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            return true
                        }
                        offset += n
                    }
                    state.hasher.update(bytes.bindMemory(to: UInt8.self))
                    return false
                }
                if failed {
                    state.outcome.writeError = String(cString: strerror(errno))
                    dataTask.cancel()
                    return
                }
                state.outcome.received += data.count
                state.bar?.update(step: state.outcome.received)
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            state.withLock { state in
                if let error, state.outcome.writeError == nil,
                   state.outcome.status.map({ (200..<300).contains($0) }) ?? true {
                    state.outcome.transferError = error.localizedDescription
                }
                state.bar?.finish()
            }
            done.signal()
        }

        /// The outcome, with the MD5 of everything received.
        func finish() -> Outcome {
            state.withLock { state in
                var outcome = state.outcome
                outcome.md5 = state.hasher.hexDigest()
                return outcome
            }
        }
    }
}
