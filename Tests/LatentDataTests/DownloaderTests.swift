import Foundation
import Testing
@testable import LatentData

/// A local HTTP server on 127.0.0.1 (Python's http.server, as a subprocess) that serves the files
/// of one folder three ways: `/good/<name>` whole, `/corrupt/<name>` with one byte changed (same
/// length), `/truncated/<name>` announcing the full length but closing after half the bytes.
final class LocalFileServer {
    let process = Process()
    let input = Pipe()
    let port: Int

    static let script = #"""
import http.server, os, signal, sys, threading
root = sys.argv[1]
# The parent may block SIGTERM; unblock it, and also exit when the parent closes our stdin.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        parts = self.path.strip("/").split("/")
        path = os.path.join(root, parts[-1])
        if len(parts) != 2 or parts[0] not in ("good", "corrupt", "truncated") or not os.path.isfile(path):
            self.send_error(404)
            return
        data = bytearray(open(path, "rb").read())
        if parts[0] == "corrupt":
            data[len(data) // 2] ^= 0xFF
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if parts[0] == "truncated":
            data = data[: len(data) // 2]
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

    /// Starts the server on a free port serving `folder`.
    init(serving folder: String) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", LocalFileServer.script, folder]
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        port = try #require(Int(text), "local HTTP server did not report a port: '\(text)'")
    }

    /// `http://127.0.0.1:<port>/<mode>/`.
    func base(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)/" }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }
}

/// python3 is on the PATH (the downloader tests need it for the local server).
let hasPython: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "pass"]
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    if process.terminationStatus != 0 { print("downloader tests skipped: python3 not found") }
    return process.terminationStatus == 0
}()

@Suite("downloader against a local HTTP server", .serialized, .enabled(if: Requirement.runs(hasPython), "python3 not found"))
struct DownloaderTests {
    let payload = sampleBytes(200_000, seed: 42)

    func serve() throws -> (LocalFileServer, String) {
        try Requirement.check(hasPython, "python3")
        let served = try makeScratchFolder("served")
        try FileIO.writeAtomically(payload, to: served + "/data.bin")
        return (try LocalFileServer(serving: served), served)
    }

    @Test("a good file arrives whole, checked, under its final name")
    func good() throws {
        let (server, _) = try serve()
        let target = try makeScratchFolder("dl") + "/sub/data.bin"
        try Downloader.download(from: server.base("good") + "data.bin", to: target, expectedSize: payload.count,
                                md5: MD5.hex(payload), showProgress: false)
        #expect(try FileIO.readFile(target) == payload)
        #expect(try leftovers(in: FileIO.parentFolder(of: target)) == ["data.bin"])
    }

    @Test("a corrupt file fails the MD5 check and is deleted")
    func corrupt() throws {
        let (server, _) = try serve()
        let folder = try makeScratchFolder("dl")
        let error = try #require(throws: DownloadError.self) {
            try Downloader.download(from: server.base("corrupt") + "data.bin", to: folder + "/data.bin",
                                    expectedSize: payload.count, md5: MD5.hex(payload), showProgress: false)
        }
        guard case let .checksumMismatch(_, _, expected, found) = error else {
            Issue.record("expected a checksum mismatch, got \(error)")
            return
        }
        #expect(expected == MD5.hex(payload) && found != expected)
        #expect(try leftovers(in: folder).isEmpty)
    }

    @Test("a truncated transfer is reported with expected and received sizes, and deleted")
    func truncated() throws {
        let (server, _) = try serve()
        let folder = try makeScratchFolder("dl")
        let error = try #require(throws: DownloadError.self) {
            try Downloader.download(from: server.base("truncated") + "data.bin", to: folder + "/data.bin",
                                    expectedSize: nil, md5: MD5.hex(payload), showProgress: false)
        }
        #expect(error == .truncated(url: server.base("truncated") + "data.bin", path: folder + "/data.bin",
                                    expected: payload.count, found: payload.count / 2))
        #expect(try leftovers(in: folder).isEmpty)
    }

    @Test("an HTTP error status is reported")
    func notFound() throws {
        let (server, _) = try serve()
        let folder = try makeScratchFolder("dl")
        #expect(throws: DownloadError.httpStatus(url: server.base("good") + "nope.bin", status: 404)) {
            try Downloader.download(from: server.base("good") + "nope.bin", to: folder + "/nope.bin", showProgress: false)
        }
        #expect(try leftovers(in: folder).isEmpty)
    }

    @Test("a dataset falls back from a bad mirror to a good one and then loads")
    func datasetDownload() throws {
        let served = try makeScratchFolder("mirror")
        var spec = MNIST.spec
        try writeFakeMNIST(into: served, spec: spec)
        spec.files = try spec.files.map { file in
            let bytes = try FileIO.readFile(FileIO.join(served, file.name))
            return DatasetFile(name: file.name, size: bytes.count, md5: MD5.hex(bytes))
        }
        spec.folderName = "mnist-download-test"  // not a folder of the shared data, so nothing is found before the download
        let server = try LocalFileServer(serving: served)
        spec.mirrors = [server.base("corrupt"), server.base("good")]
        let target = try makeScratchFolder("cache")
        let data = try spec.load(download: true, showProgress: false, environment: ["XDG_CACHE_HOME": target])
        #expect(data.folder == target + "/latent/mnist-download-test")
        #expect(data.train.count == 5 && data.test.count == 3)
        #expect(try leftovers(in: data.folder).sorted() == spec.files.map(\.name).sorted())
    }

    @Test("when every mirror fails, the error lists files, URLs, folder and each failure")
    func datasetUnavailable() throws {
        let served = try makeScratchFolder("mirror")
        var spec = MNIST.spec
        try writeFakeMNIST(into: served, spec: spec)
        let server = try LocalFileServer(serving: served)
        spec.mirrors = [server.base("truncated")]
        spec.files = spec.files.map { DatasetFile(name: $0.name, size: nil, md5: nil) }
        let target = try makeScratchFolder("cache")
        let error = try #require(throws: DatasetError.self) {
            try spec.load(from: target, download: true, showProgress: false, environment: [:])
        }
        let text = error.description
        #expect(text.contains("Put these files in \(target)"))
        #expect(text.contains(server.base("truncated") + spec.files[0].name))
        #expect(text.contains("truncated download"))
        #expect(try leftovers(in: target).isEmpty)
    }

    @Test("a refused connection (offline) is reported as a transfer failure, leaving nothing behind")
    func refused() throws {
        // Port 1 on the loopback address: nothing listens there, so the connection is refused at once.
        let folder = try makeScratchFolder("dl")
        let error = try #require(throws: DownloadError.self) {
            try Downloader.download(from: "http://127.0.0.1:1/x.gz", to: folder + "/x.gz", expectedSize: 100, showProgress: false)
        }
        guard case .transferFailed(let url, _) = error else {
            Issue.record("expected a transfer failure, got \(error)")
            return
        }
        #expect(url == "http://127.0.0.1:1/x.gz")
        #expect(try leftovers(in: folder).isEmpty)
    }

    /// The names in `folder`, to check nothing partial was left behind.
    func leftovers(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder)
    }
}
