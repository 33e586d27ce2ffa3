import Foundation
import Latent
import LatentData
import Testing

/// Images read from a file batch by batch (how CelebA's decoded cache is used): the same batches as
/// the bytes in memory, and an error naming the file, never a crash or other data, when it changes.
@Suite("Images read from a file")
struct ImageFileTests {
    /// A file of `count` 2×3×3 images after a 5-byte header: image i holds bytes 7·i + 0, 1, 2, …
    func imageFile(count: Int) throws -> (path: String, bytes: [UInt8]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latent-images-\(UUID().uuidString)").path
        let bytes = (0..<(count * 18)).map { UInt8(truncatingIfNeeded: ($0 / 18) * 7 + $0 % 18) }
        try FileIO.writeAtomically([1, 2, 3, 4, 5] + bytes, to: path)
        return (path, bytes)
    }

    @Test("a loader over a file gives the same batches as over the bytes in memory, rows and subsets included")
    func sameBatches() throws {
        let (path, bytes) = try imageFile(count: 40)
        defer { FileIO.removeFile(path) }
        // The set is images 39, 38, …, 10 of the file (a split is some of the cache's images, in its order).
        let rows = Array((10..<40).reversed())
        let inFile = try ImageSet(file: OpenFile(path), offset: 5, rows: rows, channels: 2, height: 3, width: 3, labels: rows)
        let inMemory = ImageSet(count: rows.count, channels: 2, height: 3, width: 3,
                                pixels: rows.flatMap { bytes[($0 * 18)..<(($0 + 1) * 18)] }, labels: rows)
        #expect(try inFile.pixels == inMemory.pixels)
        for (a, b) in [(inFile, inMemory), (inFile.subset([3, 4, 5, 29, 0]), inMemory.subset([3, 4, 5, 29, 0]))] {
            var fromFile = DataLoader(a, batchSize: 4, noiseStd: 0.1, seed: 9)
            var fromMemory = DataLoader(b, batchSize: 4, noiseStd: 0.1, seed: 9)
            for _ in 0..<2 {
                let x = try fromFile.epoch().remaining(), y = try fromMemory.epoch().remaining()
                #expect(x == y && !x.isEmpty)
            }
        }
        #expect(inFile.subset([1, 2]).file === inFile.file)
    }

    @Test("a file cut short after loading makes the read fail, naming the file")
    func truncatedFile() throws {
        let (path, _) = try imageFile(count: 8)
        defer { FileIO.removeFile(path) }
        let set = try ImageSet(file: OpenFile(path), offset: 5, rows: Array(0..<8), channels: 2, height: 3, width: 3, labels: nil)
        #expect(try set.tensor(indices: [7]).count == 18)
        #expect(truncate(path, off_t(5 + 6 * 18 + 4)) == 0)
        #expect(try set.tensor(indices: [5, 0]).count == 36)  // still inside the file
        var loader = DataLoader(set, batchSize: 8, seed: 1)
        var batches = loader.epoch()
        #expect { _ = try batches.next() } throws: { error in
            guard case .readFailed(let failed, _, let reason)? = error as? FileIOError else { return false }
            return failed == path && reason.contains("ends")
        }
        // A set whose rows reach past the end of the file is refused when made.
        #expect(throws: FileIOError.self) {
            try ImageSet(file: OpenFile(path), offset: 5, rows: [6], channels: 2, height: 3, width: 3, labels: nil)
        }
        #expect(throws: FileIOError.self) { try OpenFile(path + "-missing") }
    }

    @Test("a file replaced after loading (a cache rebuilt by another run) does not change the set's images")
    func replacedFile() throws {
        let (path, bytes) = try imageFile(count: 4)
        defer { FileIO.removeFile(path) }
        let set = try ImageSet(file: OpenFile(path), offset: 5, rows: Array(0..<4), channels: 2, height: 3, width: 3, labels: nil)
        try FileIO.writeAtomically([UInt8](repeating: 0, count: 5 + 4 * 18), to: path)
        #expect(try set.pixels == bytes)
    }
}
