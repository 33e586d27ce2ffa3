import Foundation
import Latent
import LatentData
import Testing

/// A fresh temporary folder, removed by the caller.
private func temporaryFolder(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("latent-celeba-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func fixtureJPEG(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: CelebATestPaths.fixtures("jpeg/\(name).jpg")))
}

/// A small CelebA-shaped folder: img_align_celeba/00000k.jpg from fixtures, partition and attributes.
private func makeDataset(at root: URL, fixtures: [String], partition: [Int], attributes: [[Int8]]) throws {
    let images = root.appendingPathComponent("img_align_celeba")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    var partitionText = ""
    var attributeText = "\(fixtures.count)\r\nSmiling Young Male\r\n"
    for (i, fixture) in fixtures.enumerated() {
        let name = String(format: "%06d.jpg", i + 1)
        try Data(try fixtureJPEG(fixture)).write(to: images.appendingPathComponent(name))
        partitionText += "\(name) \(partition[i])\r\n"
        attributeText += name + attributes[i].map { $0 == 1 ? "  1" : " -1" }.joined() + "\r\n"
    }
    try partitionText.write(to: root.appendingPathComponent("list_eval_partition.txt"), atomically: true, encoding: .utf8)
    try attributeText.write(to: root.appendingPathComponent("list_attr_celeba.txt"), atomically: true, encoding: .utf8)
}

@Suite("Resize and center crop")
struct ResizeCropTests {
    @Test("Resize(S) + CenterCrop(S) matches Pillow (torchvision on PIL) to ≤ 1 level", arguments: [
        ("celeba_like_420_178x218", 64), ("celeba_like_420_178x218", 32), ("q75_444_35x29", 16),
        ("q75_420_9x17", 12), ("gray_q90_64x48", 20),
    ])
    func matchesPillow(name: String, size: Int) throws {
        let image = try JPEGDecoder.decode(try fixtureJPEG(name))
        let transform = ResizeCenterCrop(width: image.width, height: image.height, size: size)
        let ours = transform.apply(image)
        let expected = try NetpbmImage(contentsOf: CelebATestPaths.fixtures("jpeg/\(name)_crop\(size).ppm"))
        try #require(expected.width == size && expected.height == size)
        let interleaved = (0..<(size * size)).flatMap { i in (0..<3).map { ours[$0 * size * size + i] } }
        let (mean, worst) = sampleDifference(interleaved, expected.samples)
        print("\(name) → \(size): mean |Δ| \(mean), max |Δ| \(worst)")
        #expect(worst <= 1, "max |Δ| \(worst)")
        #expect(mean <= 0.05, "mean |Δ| \(mean)")
    }

    @Test("CelebA's 178×218 becomes 64×78, cropped at rows 7..<71 (torchvision's arithmetic)")
    func celebaGeometry() {
        let t = ResizeCenterCrop(width: 178, height: 218, size: 64)
        #expect(t.resizedWidth == 64 && t.resizedHeight == 78 && t.left == 0 && t.top == 7)
        let wide = ResizeCenterCrop(width: 35, height: 29, size: 16)
        #expect(wide.resizedWidth == 19 && wide.resizedHeight == 16 && wide.left == 2 && wide.top == 0)
    }

    @Test("Resampling weights are non-negative, sum to one in fixed point, and cover the input",
          arguments: [(218, 78), (178, 64), (9, 12), (1, 5), (100, 100)])
    func weightsPartitionUnity(input: Int, output: Int) {
        let w = ResampleWeights(inputSize: input, outputSize: output)
        var covered = Set<Int>()
        for o in 0..<output {
            let taps = Int(w.taps[o])
            let row = (0..<taps).map { w.weights[o * w.maxTaps + $0] }
            #expect(row.allSatisfy { $0 >= 0 })
            #expect(abs(row.reduce(0, +) - (1 << 22)) <= taps, "output \(o)")
            for t in 0..<taps where row[t] > 0 { covered.insert(Int(w.first[o]) + t) }
        }
        #expect(covered == Set(0..<input))
    }

    @Test("A constant image stays constant")
    func constantStaysConstant() {
        let image = JPEGImage(width: 50, height: 70, channels: 3, pixels: [UInt8](repeating: 77, count: 3 * 50 * 70))
        #expect(ResizeCenterCrop(width: 50, height: 70, size: 16).apply(image).allSatisfy { $0 == 77 })
    }
}

@Suite("CelebA metadata lists")
struct CelebAListTests {
    @Test("The partition list maps names to train, valid and test (CRLF or LF)")
    func partitionParses() throws {
        let text = "000001.jpg 0\r\n000002.jpg 1\r\n000003.jpg 2\n000004.jpg 0"
        let parsed = try CelebALists.parsePartition(Array(text.utf8), file: "p.txt")
        #expect(parsed == ["000001.jpg": .train, "000002.jpg": .valid, "000003.jpg": .test, "000004.jpg": .train])
    }

    @Test("A malformed partition line is reported with file and line", arguments: [
        ("000001.jpg 0\n000002.jpg 3\n", 2, "partition \"3\""),
        ("000001.jpg 0\n000002.jpg\n", 2, "found 1 fields"),
        ("000001.jpg 0 1\n", 1, "found 3 fields"),
    ])
    func partitionErrors(text: String, line: Int, fragment: String) {
        #expect {
            try CelebALists.parsePartition(Array(text.utf8), file: "list_eval_partition.txt")
        } throws: { error in
            guard case .malformedList(let file, let at, let reason) = error as? CelebAError else { return false }
            return file == "list_eval_partition.txt" && at == line && reason.contains(fragment)
                && "\(error)".hasPrefix("list_eval_partition.txt:\(line): ")
        }
    }

    @Test("Attributes are read for the wanted images, in their order, with 0 for unknown images")
    func attributesParse() throws {
        let text = "3\r\nA B\r\n000001.jpg  1 -1\r\n000002.jpg -1 -1\r\n000003.jpg  1  1\r\n"
        let parsed = try CelebALists.parseAttributes(
            Array(text.utf8), file: "a.txt", wanted: ["000003.jpg", "000001.jpg", "000009.jpg"])
        #expect(parsed.names == ["A", "B"])
        #expect(parsed.values == [1, 1, 1, -1, 0, 0])
        #expect(parsed.matched == 2)
    }

    @Test("A malformed attribute list is reported with file and line", arguments: [
        ("2\nA B\n000001.jpg 1 -1\n000002.jpg 1 0\n", 4, "attribute B is \"0\""),
        ("2\nA B\n000001.jpg 1 -1\n000002.jpg 1\n", 4, "found 2 fields"),
        ("3\nA B\n000001.jpg 1 -1\n000002.jpg 1 1\n", 1, "declares 3 images but lists 2"),
        ("x\nA B\n", 1, "number of images"),
    ])
    func attributeErrors(text: String, line: Int, fragment: String) {
        #expect {
            try CelebALists.parseAttributes(Array(text.utf8), file: "list_attr_celeba.txt", wanted: [])
        } throws: { error in
            guard case .malformedList(let file, let at, let reason) = error as? CelebAError else { return false }
            return file == "list_attr_celeba.txt" && at == line && reason.contains(fragment)
        }
    }
}

@Suite("CelebA decoded cache and dataset", .serialized)
struct CelebADatasetTests {
    @Test("The cache file round-trips, and a damaged one is rejected with an offset")
    func cacheRoundTrip() throws {
        let cache = CelebACache(size: 2, source: "/data/x", fingerprint: 0xDEAD_BEEF, names: ["a.jpg", "bb.jpg"],
                                pixels: (0..<24).map { UInt8($0) })
        let bytes = cache.encoded()
        #expect(try CelebACache(decoding: bytes, path: "c") == cache)
        for cut in [0, 7, 12, 30, bytes.count - 1] {
            #expect(throws: CelebACache.ReadError.self) { try CelebACache(decoding: Array(bytes[..<cut]), path: "c") }
        }
        var wrongVersion = bytes
        wrongVersion[8] = 9
        #expect(throws: CelebACache.ReadError.invalid(path: "c", offset: 12, reason: "version 9, expected 1")) {
            try CelebACache(decoding: wrongVersion, path: "c")
        }
    }

    @Test("A folder dataset loads with splits, attributes and crops equal to decode+resize")
    func folderLoads() throws {
        let root = try temporaryFolder("folder")
        defer { try? FileManager.default.removeItem(at: root) }
        let fixtures = ["celeba_like_420_178x218", "q75_420_35x29", "q95_444_35x29", "gray_q90_64x48", "q75_422_17x9"]
        try makeDataset(at: root, fixtures: fixtures, partition: [0, 0, 1, 2, 0],
                        attributes: [[1, 1, -1], [-1, 1, 1], [1, -1, -1], [-1, -1, 1], [1, 1, 1]])
        var lines: [String] = []
        let celeba = try CelebA.load(from: root.path, size: 16, cacheFolder: root.appendingPathComponent("cache").path,
                                     showProgress: false, environment: [:]) { lines.append($0) }
        #expect(celeba.found == 5 && celeba.decoded == 5)
        #expect(celeba.train.names == ["000001.jpg", "000002.jpg", "000005.jpg"])
        #expect(celeba.valid.names == ["000003.jpg"] && celeba.test.names == ["000004.jpg"])
        #expect(celeba.train.attributeNames == ["Smiling", "Young", "Male"])
        #expect(celeba.train.attribute("Male", of: 1) == 1 && celeba.valid.attribute("Young", of: 0) == -1)
        #expect(lines.contains { $0.contains("found 5 images") && $0.contains("3 train, 1 valid, 1 test") })
        for (i, fixture) in ["celeba_like_420_178x218", "q75_420_35x29", "q75_422_17x9"].enumerated() {
            let image = try JPEGDecoder.decode(try fixtureJPEG(fixture))
            let expected = ResizeCenterCrop(width: image.width, height: image.height, size: 16).apply(image)
            #expect(try Array(celeba.train.pixels[(i * 768)..<((i + 1) * 768)]) == expected, "\(fixture)")
        }
        // Batches as the loader gives them: [N, 3, S, S] in [-1, 1].
        let batch = try celeba.train.tensor(indices: [0, 2], range: .minusOneToOne)
        #expect(batch.shape == [2, 3, 16, 16])
        #expect(batch.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(try batch.scalars[0] == PixelRange.minusOneToOne.value(celeba.train.pixels[0]))
        // DataLoader batches a split like any ImageDataset: every image once per epoch.
        var loader = DataLoader(celeba.train, batchSize: 2, range: .zeroToOne, seed: 1)
        var seen: [Int] = []
        var batches = loader.epoch()
        while let b = try batches.next() {
            #expect(b.images.shape == [b.count, 3, 16, 16])
            seen += b.indices
        }
        #expect(seen.sorted() == [0, 1, 2])
    }

    @Test("A folder or a broken link in place of a list is an error naming it, not a missing list",
          arguments: ["list_eval_partition.txt", "list_attr_celeba.txt"])
    func listThatIsNotAFile(list: String) throws {
        let root = try temporaryFolder("list-folder")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29"], partition: [0], attributes: [[1, 1, 1]])
        let path = root.appendingPathComponent(list).path
        let replacements: [() throws -> Void] = [{ try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) },
                                                 { try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + "-gone") }]
        for makeIt in replacements {
            try FileManager.default.removeItem(atPath: path)
            try makeIt()
            #expect {
                try CelebA.load(from: root.path, size: 8, cacheFolder: root.appendingPathComponent("cache").path,
                                showProgress: false, environment: [:]) { _ in }
            } throws: { "\($0)".contains(path) }
        }
    }

    @Test("An unwritable cache folder only costs the cache: the images still load")
    func unwritableCacheFolder() throws {
        let root = try temporaryFolder("readonly")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29"], partition: [0], attributes: [[1, 1, 1]])
        let blocker = root.appendingPathComponent("file-not-folder")
        try Data([1]).write(to: blocker)
        var log: [String] = []
        let celeba = try CelebA.load(from: root.path, size: 8, cacheFolder: blocker.appendingPathComponent("cache").path,
                                     showProgress: false, environment: [:]) { log.append($0) }
        #expect(celeba.train.count == 1)
        #expect(log.contains { $0.contains("could not write the decoded cache") })
    }

    @Test("A cache write that fails midway (disk full) leaves no file behind; the same images load from memory",
          arguments: [0, 300])
    func cacheWriteFailsMidway(afterBytes: Int) throws {
        let root = try temporaryFolder("full")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29", "q50_420_35x29", "q95_420_35x29"], partition: [0, 2, 0],
                        attributes: [[1, 1, 1], [1, 1, 1], [-1, 1, 1]])
        let cacheFolder = root.appendingPathComponent("cache").path
        var log: [String] = []
        let inMemory = try FileIO.withWriteFault(WriteFault(.write(afterBytes: afterBytes), errorNumber: ENOSPC)) {
            try CelebA.load(from: root.path, size: 8, cacheFolder: cacheFolder, showProgress: false, environment: [:]) { log.append($0) }
        }
        #expect(inMemory.train.images.file == nil && inMemory.train.count == 2 && inMemory.test.count == 1)
        #expect(log.contains { $0.contains("could not write the decoded cache") && $0.contains(String(cString: strerror(ENOSPC))) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheFolder).isEmpty)
        let fromFile = try CelebA.load(from: root.path, size: 8, cacheFolder: cacheFolder, showProgress: false, environment: [:]) { _ in }
        #expect(fromFile.train.images.file != nil)
        #expect(try inMemory.train.pixels == fromFile.train.pixels && inMemory.test.pixels == fromFile.test.pixels)
    }

    @Test("A second load reads the cache; a changed file list makes it stale and rebuilds it")
    func cacheReuseAndStaleness() throws {
        let root = try temporaryFolder("stale")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29", "q50_420_35x29"], partition: [0, 0],
                        attributes: [[1, 1, 1], [1, 1, 1]])
        let cacheFolder = root.appendingPathComponent("cache").path
        let first = try CelebA.load(from: root.path, size: 8, cacheFolder: cacheFolder, showProgress: false,
                                    environment: [:]) { _ in }
        // Overwrite the cache's pixels with a marker: a load that reuses the cache must return it.
        var cache = try CelebACache(decoding: try FileIO.readFile(first.cachePath), path: first.cachePath)
        cache.pixels[0] = cache.pixels[0] &+ 1
        try cache.write(to: first.cachePath)
        let second = try CelebA.load(from: root.path, size: 8, cacheFolder: cacheFolder, showProgress: false,
                                     environment: [:]) { _ in }
        #expect(try second.train.pixels[0] == first.train.pixels[0] &+ 1)
        // A new image changes the fingerprint: rebuilt from the JPEGs (marker gone, 3 images).
        try Data(try fixtureJPEG("q95_420_35x29")).write(to: root.appendingPathComponent("img_align_celeba/000003.jpg"))
        var log: [String] = []
        let third = try CelebA.load(from: root.path, size: 8, cacheFolder: cacheFolder, showProgress: false,
                                    environment: [:]) { log.append($0) }
        #expect(try third.found == 3 && third.train.pixels[0] == first.train.pixels[0])
        #expect(log.contains { $0.contains("stale") })
        #expect(log.contains { $0.contains("1 images not in list_eval_partition.txt are left out") })
        // Only the cache is in its folder: no temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheFolder) == [FileIO.fileName(of: third.cachePath)])
    }

    @Test("The splits read their images from the cache file: a cache cut short after loading is an error naming it")
    func splitsReadTheCacheFile() throws {
        let root = try temporaryFolder("lazy")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29", "q50_420_35x29", "q95_420_35x29"], partition: [0, 2, 0],
                        attributes: [[1, 1, 1], [1, 1, 1], [-1, 1, 1]])
        let celeba = try CelebA.load(from: root.path, size: 8, cacheFolder: root.appendingPathComponent("cache").path,
                                     showProgress: false, environment: [:]) { _ in }
        #expect(celeba.train.images.file?.path == celeba.cachePath && celeba.test.images.file?.path == celeba.cachePath)
        let cache = try CelebACache(decoding: try FileIO.readFile(celeba.cachePath), path: celeba.cachePath)
        #expect(try celeba.train.pixels == Array(cache.pixels[0..<192] + cache.pixels[384..<576]))
        #expect(try celeba.test.pixels == Array(cache.pixels[192..<384]))
        // The last image (training image 1) loses its end: reading it fails and says where.
        #expect(truncate(celeba.cachePath, off_t(FileIO.fileSize(celeba.cachePath)! - 1)) == 0)
        #expect(try celeba.train.tensor(indices: [0]).count == 192)
        #expect { _ = try celeba.train.tensor(indices: [1]) } throws: { error in
            (error as? FileIOError).map { "\($0)".contains(celeba.cachePath) && "\($0)".contains("ends") } ?? false
        }
    }

    @Test("Unreadable JPEGs are skipped and counted; the rest are used")
    func brokenFilesAreSkipped() throws {
        let root = try temporaryFolder("broken")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeDataset(at: root, fixtures: ["q75_420_35x29", "q50_420_35x29"], partition: [0, 0],
                        attributes: [[1, 1, 1], [1, 1, 1]])
        // A file cut short in its entropy-coded data cannot be decoded.
        try Data(try fixtureJPEG("q50_420_35x29").prefix(700)).write(to: root.appendingPathComponent("img_align_celeba/000002.jpg"))
        let celeba = try CelebA.load(from: root.path, size: 8, cacheFolder: root.appendingPathComponent("c").path,
                                     showProgress: false, environment: [:]) { _ in }
        #expect(celeba.found == 2 && celeba.decoded == 1 && celeba.train.names == ["000001.jpg"])
    }

    @Test("The zip source gives the same crops as the extracted files")
    func zipMatchesFolder() throws {
        let root = try temporaryFolder("zip")
        defer { try? FileManager.default.removeItem(at: root) }
        let zipPath = root.appendingPathComponent("img_align_celeba.zip").path
        try FileManager.default.copyItem(atPath: CelebATestPaths.fixtures("zip/zip64.zip").path, toPath: zipPath)
        let celeba = try CelebA.load(from: zipPath, size: 8, cacheFolder: root.appendingPathComponent("c").path,
                                     showProgress: false, environment: [:]) { _ in }
        #expect(celeba.train.names == ["000001.jpg", "000002.jpg"])
        for (i, fixture) in ["q75_420_17x9", "q75_444_35x29"].enumerated() {
            let image = try JPEGDecoder.decode(try fixtureJPEG(fixture))
            let expected = ResizeCenterCrop(width: image.width, height: image.height, size: 8).apply(image)
            #expect(try Array(celeba.train.pixels[(i * 192)..<((i + 1) * 192)]) == expected)
        }
    }

    @Test("Missing data gives one message naming the searched folders")
    func notFound() {
        #expect {
            try CelebA.load(from: "/nonexistent/celeba", showProgress: false, environment: ["HOME": "/nonexistent/home"]) { _ in }
        } throws: { error in
            let text = "\(error)"
            return text.contains("/nonexistent/celeba") && text.contains("img_align_celeba.zip")
        }
    }
}

@Suite("CelebA on the real files", .enabled(if: CelebATestPaths.hasRealCelebA), .serialized)
struct CelebARealDataTests {
    /// A subset of the real images, linked into a temporary dataset folder with the real lists.
    static func realSubset(_ count: Int, at root: URL) throws -> [String] {
        let real = try #require(CelebATestPaths.realCelebA)
        let folder = real.appendingPathComponent("img_align_celeba")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted()
        let step = max(1, names.count / count)
        let chosen = stride(from: 0, to: names.count, by: step).prefix(count).map { names[$0] }
        let images = root.appendingPathComponent("img_align_celeba")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in chosen {
            try FileManager.default.createSymbolicLink(
                at: images.appendingPathComponent(name), withDestinationURL: folder.appendingPathComponent(name))
        }
        for list in ["list_eval_partition.txt", "list_attr_celeba.txt"] {
            try FileManager.default.createSymbolicLink(
                at: root.appendingPathComponent(list), withDestinationURL: real.appendingPathComponent(list))
        }
        return chosen
    }

    @Test("A subset of real files loads with the official splits and 40 attributes, crops match Pillow")
    func realSubsetLoads() throws {
        let root = try temporaryFolder("real")
        defer { try? FileManager.default.removeItem(at: root) }
        let chosen = try Self.realSubset(150, at: root)
        let celeba = try CelebA.load(from: root.path, size: 64, cacheFolder: root.appendingPathComponent("c").path,
                                     showProgress: false, environment: [:]) { print($0) }
        #expect(celeba.found == chosen.count && celeba.decoded == chosen.count)
        #expect(celeba.train.count + celeba.valid.count + celeba.test.count == chosen.count)
        #expect(celeba.valid.count > 0 && celeba.test.count > 0)
        #expect(celeba.train.attributeNames.count == 40 && celeba.train.attributeNames.first == "5_o_Clock_Shadow")
        #expect(!celeba.train.attributes.contains(0))
        guard CelebATestPaths.hasPillow else {
            if Requirement.isCI { try Requirement.check(false, "python3 with Pillow (pip: pillow)") }
            return
        }
        let out = root.appendingPathComponent("pillow")
        let sample = Array(celeba.train.names.prefix(12))
        let status = try CelebATestPaths.run(
            ["python3", CelebATestPaths.fixtures("jpeg/decode_with_pillow.py").path, "--crop", "64", out.path]
                + sample.map { root.appendingPathComponent("img_align_celeba/\($0)").path })
        try #require(status == 0)
        for (i, name) in sample.enumerated() {
            let expected = try NetpbmImage(contentsOf: out.appendingPathComponent(name.replacingOccurrences(of: ".jpg", with: ".ppm")))
            let ours = Array(try celeba.train.pixels[(i * 12288)..<((i + 1) * 12288)])
            let interleaved = (0..<4096).flatMap { p in (0..<3).map { ours[$0 * 4096 + p] } }
            let (mean, worst) = sampleDifference(interleaved, expected.samples)
            #expect(worst <= 1 && mean <= 0.05, "\(name): mean |Δ| \(mean), max |Δ| \(worst)")
        }
    }
}

@Suite("CelebA from a zip of real files",
       .enabled(if: CelebATestPaths.hasRealCelebA && Requirement.runs(CelebATestPaths.hasPillow)), .serialized)
struct CelebARealZipTests {
    @Test("A zip of real files (made by Python's zipfile) gives the same crops as the folder")
    func zipOfRealFilesMatchesFolder() throws {
        try Requirement.check(CelebATestPaths.hasPillow, "python3 with Pillow (pip: pillow)")
        let root = try temporaryFolder("realzip")
        defer { try? FileManager.default.removeItem(at: root) }
        let folderRoot = root.appendingPathComponent("folder")
        let chosen = try CelebARealDataTests.realSubset(60, at: folderRoot)
        let zipRoot = root.appendingPathComponent("zip")
        try FileManager.default.createDirectory(at: zipRoot, withIntermediateDirectories: true)
        for list in ["list_eval_partition.txt", "list_attr_celeba.txt"] {
            try FileManager.default.createSymbolicLink(
                at: zipRoot.appendingPathComponent(list), withDestinationURL: folderRoot.appendingPathComponent(list))
        }
        let zipPath = zipRoot.appendingPathComponent("img_align_celeba.zip").path
        let script = """
            import sys, zipfile, os
            out, folder = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for name in sorted(os.listdir(folder)):
                    z.write(os.path.join(folder, name), "img_align_celeba/" + name)
            """
        let status = try CelebATestPaths.run(
            ["python3", "-c", script, zipPath, folderRoot.appendingPathComponent("img_align_celeba").path])
        try #require(status == 0)
        let fromFolder = try CelebA.load(from: folderRoot.path, size: 32, cacheFolder: root.appendingPathComponent("c1").path,
                                         showProgress: false, environment: [:]) { _ in }
        let fromZip = try CelebA.load(from: zipPath, size: 32, cacheFolder: root.appendingPathComponent("c2").path,
                                      showProgress: false, environment: [:]) { _ in }
        #expect(fromZip.found == chosen.count)
        #expect(fromZip.train.names == fromFolder.train.names && fromZip.test.names == fromFolder.test.names)
        let samePixels = try fromZip.train.pixels == fromFolder.train.pixels && fromZip.test.pixels == fromFolder.test.pixels
        #expect(samePixels)
        let sameAttributes = fromZip.train.attributes == fromFolder.train.attributes
        #expect(sameAttributes && fromZip.train.attributeNames.count == 40)
    }
}
