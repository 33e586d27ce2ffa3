import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LatentData

/// A fresh empty folder under /tmp for one test.
func makeScratchFolder(_ name: String) throws -> String {
    var template = Array("/tmp/latent-test-\(name)-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    try #require(made != nil, "mkdtemp failed")
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

@Suite("file IO")
struct FileIOTests {
    @Test("writeAtomically then readFile gives the bytes back", arguments: [0, 1, 4096, 300_001])
    func roundTrip(count: Int) throws {
        let folder = try makeScratchFolder("io")
        let path = folder + "/deep/er/file.bin"
        let data = sampleBytes(count, seed: 7)
        try FileIO.writeAtomically(data, to: path)
        #expect(try FileIO.readFile(path) == data)
        #expect(FileIO.fileSize(path) == count)
        // Overwrite in place with other content.
        try FileIO.writeAtomically([9, 8, 7], to: path)
        #expect(try FileIO.readFile(path) == [9, 8, 7])
    }

    @Test("writeAtomically leaves no temporary file behind")
    func noTempLeft() throws {
        let folder = try makeScratchFolder("tmp")
        try FileIO.writeAtomically("hello", to: folder + "/a.txt")
        var names: [String] = []
        let dir = try #require(opendir(folder))
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        #expect(names == ["a.txt"])
    }

    @Test("reading a missing file names the path")
    func missing() throws {
        let error = try #require(throws: FileIOError.self) { try FileIO.readFile("/nonexistent/latent/x.gz") }
        #expect(error.description.hasPrefix("/nonexistent/latent/x.gz: cannot open"))
    }

    @Test("path helpers split folders and names", arguments: [
        ("a/b/c.png", "a/b", "c.png"), ("c.png", ".", "c.png"), ("/c.png", "/", "c.png"), ("a/b/", "a", ""),
    ])
    func pathHelpers(path: String, folder: String, name: String) {
        #expect(FileIO.parentFolder(of: path) == folder)
        #expect(FileIO.fileName(of: path) == name)
    }
}
