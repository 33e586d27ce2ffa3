import Foundation
import Latent
import LatentData
import Testing

/// A folder of mixed pictures the tests build: JPEGs (baseline colour 178×218, gray 64×48, a
/// progressive one with an upper-case extension), PNGs (RGBA 40×30, gray 7×11, and `extra` tiny RGB
/// ones), one truncated JPEG, one text file named .png, a notes.txt and a hidden folder.
private struct MixedFolder {
    let root: String
    let cache: String

    static let rgba: (r: UInt8, g: UInt8, b: UInt8) = (200, 100, 50)

    init(extra: Int = 30) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("latent-images-\(UUID().uuidString)").path
        root = base + "/pictures"
        cache = base + "/cache"
        let face = try FileIO.readFile(CelebATestPaths.fixtures("jpeg/celeba_like_420_178x218.jpg").path)
        try write(face, "people/face.jpg")
        try write(try FileIO.readFile(CelebATestPaths.fixtures("jpeg/gray_q90_64x48.jpg").path), "people/old/gray.jpg")
        try write(try FileIO.readFile(CelebATestPaths.fixtures("jpeg/progressive/cjpeg_spectral_444_35x29.jpg").path), "PROG.JPG")
        // RGBA with alpha 0 everywhere: the colour must survive, the alpha must go.
        let (r, g, b) = Self.rgba
        try write(PNG.encode(PNGImage(width: 40, height: 30, channels: 4, pixels: Array(repeating: [r, g, b, 0], count: 1200).flatMap { $0 })), "rgba.png")
        try write(PNG.encode(PNGImage(width: 7, height: 11, channels: 1, pixels: (0..<77).map { UInt8($0 * 3) })), "gray.png")
        try addTiny(0..<extra)
        try write(Array(face.prefix(300)), "people/corrupt.jpg")        // cut short inside the scan
        try write(Array("hello, not a picture\n".utf8), "fake.png")     // a text file with a picture's name
        try write(Array("notes\n".utf8), "notes.txt")                    // not a picture: not read
        try write(PNG.encode(PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 0, 0, 0])), ".hidden/x.png")
    }

    func write(_ bytes: [UInt8], _ relative: String) throws {
        try FileIO.writeAtomically(bytes, to: root + "/" + relative)
    }

    /// Tiny RGB PNGs tiny/img-NNN.png, each a flat colour from its number.
    func addTiny(_ numbers: Range<Int>) throws {
        for i in numbers {
            let pixel = [UInt8(i % 256), UInt8((7 * i) % 256), 128]
            try write(PNG.encode(PNGImage(width: 5 + i % 3, height: 4, channels: 3, pixels: Array(repeating: pixel, count: (5 + i % 3) * 4).flatMap { $0 })),
                      String(format: "tiny/img-%03d.png", i))
        }
    }

    func load(size: Int = 16, channels: Int = 3, log: @escaping (String) -> Void = { _ in }) throws -> ImageFolder {
        try ImageFolder.load(from: root, size: size, channels: channels, cacheFolder: cache, showProgress: false, log: log)
    }

    func remove() { try? FileManager.default.removeItem(atPath: FileIO.parentFolder(of: root)) }
}

@Suite("Image folders (--dataset images)")
struct ImageFolderTests {
    @Test("Counts: every JPEG and PNG below the folder, hidden ones and other files left out, two bad files skipped")
    func counts() throws {
        let folder = try MixedFolder()
        defer { folder.remove() }
        var lines: [String] = []
        let data = try folder.load { lines.append($0) }
        #expect(data.found == 37)       // 3 JPEGs + 2 PNGs + 30 tiny + corrupt.jpg + fake.png
        #expect(data.otherFiles == 1)   // notes.txt (.hidden/ is not even listed)
        #expect(data.train.count + data.test.count == 35)
        #expect(data.skipped.map(\.name) == ["fake.png", "people/corrupt.jpg"])
        #expect(data.trainNames.allSatisfy { !$0.contains(".hidden") })
        #expect(data.train.channels == 3 && data.train.height == 16 && data.train.width == 16)
        // The report: how many, which, and why.
        let report = lines.joined(separator: "\n")
        #expect(report.contains("skipped 2 files that could not be decoded"))
        #expect(report.contains("fake.png: not a JPEG or PNG (starts with 68 65 6c 6c)"))
        #expect(report.contains("people/corrupt.jpg: JPEG"))
        #expect(report.contains("found 37 picture files") && report.contains("and 1 other file, not read"))
    }

    @Test("The split is the path hash's, about 1 in 10, and adding files moves no picture across")
    func splitStable() throws {
        let folder = try MixedFolder()
        defer { folder.remove() }
        let before = try folder.load()
        let all = before.trainNames + before.testNames
        #expect(before.testNames == all.sorted().filter(ImageFolder.isTest))
        #expect(!before.testNames.isEmpty && !before.trainNames.isEmpty)
        try folder.addTiny(30..<90)
        let after = try folder.load()
        #expect(after.decoded == 60, "only the new files are decoded")
        #expect(Set(before.testNames).isSubset(of: Set(after.testNames)))
        #expect(Set(before.trainNames).isSubset(of: Set(after.trainNames)))
        // About one in ten over many names (a negative control for a constant or index-based split).
        let names = (0..<4000).map { "holiday/IMG_\($0).jpg" }
        let share = Double(names.filter(ImageFolder.isTest).count) / Double(names.count)
        #expect(share > 0.085 && share < 0.115, "test share \(share)")
    }

    @Test("The cache: a second load decodes nothing and gives the same bytes; a changed file is decoded again")
    func cacheReuse() throws {
        let folder = try MixedFolder()
        defer { folder.remove() }
        let first = try folder.load()
        #expect(first.decoded == 37)
        #expect(FileIO.fileExists(first.cachePath))
        let second = try folder.load()
        #expect(second.decoded == 0)
        #expect(second.train == first.train && second.test == first.test && second.skipped == first.skipped)
        // Replace one picture (another size, so the file's size changes): that one file is decoded again.
        try folder.write(PNG.encode(PNGImage(width: 3, height: 3, channels: 1, pixels: Array(repeating: 255, count: 9))), "gray.png")
        let third = try folder.load()
        #expect(third.decoded == 1)
        let index = try #require((third.trainNames + third.testNames).firstIndex(of: "gray.png"))
        let set = index < third.trainNames.count ? third.train : third.test
        let row = index < third.trainNames.count ? index : index - third.trainNames.count
        #expect(try set.pixels[(row * set.imageSize)..<((row + 1) * set.imageSize)].allSatisfy { $0 == 255 })
        // Another size is another cache (a negative control for "decoded nothing").
        #expect(try folder.load(size: 8).decoded == 37)
    }

    @Test("Pixels: a JPEG as Pillow's Resize + CenterCrop makes it (≤ 1 level), RGBA keeps its colour, gray is ITU-R 601 luma")
    func pixels() throws {
        let folder = try MixedFolder(extra: 0)
        defer { folder.remove() }
        func image(_ data: ImageFolder, _ name: String) throws -> [UInt8] {
            let names = data.trainNames + data.testNames
            let i = try #require(names.firstIndex(of: name), "\(name) not loaded")
            let set = i < data.trainNames.count ? data.train : data.test
            let row = i < data.trainNames.count ? i : i - data.trainNames.count
            return Array(try set.pixels[(row * set.imageSize)..<((row + 1) * set.imageSize)])
        }
        let rgb = try folder.load(size: 32)
        let face = try image(rgb, "people/face.jpg")
        let expected = try NetpbmImage(contentsOf: CelebATestPaths.fixtures("jpeg/celeba_like_420_178x218_crop32.ppm"))
        let interleaved = (0..<(32 * 32)).flatMap { i in (0..<3).map { face[$0 * 32 * 32 + i] } }
        let (_, worst) = sampleDifference(interleaved, expected.samples)
        #expect(worst <= 1, "max |Δ| \(worst) against Pillow")
        let (r, g, b) = MixedFolder.rgba
        let rgba = try image(rgb, "rgba.png")
        #expect(rgba[0..<1024].allSatisfy { $0 == r } && rgba[1024..<2048].allSatisfy { $0 == g } && rgba[2048...].allSatisfy { $0 == b })
        let gray = try folder.load(size: 32, channels: 1)
        #expect(try image(gray, "rgba.png").allSatisfy { $0 == 124 })   // (299·200 + 587·100 + 114·50) / 1000 = 124.2
        // A gray picture read as RGB: the same plane three times.
        let g3 = try image(rgb, "people/old/gray.jpg")
        #expect(g3[0..<1024] == g3[1024..<2048] && g3[0..<1024] == g3[2048...])
    }

    @Test("No usable picture is an error saying what was looked for; so is a folder of bad files")
    func errors() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("latent-images-empty-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileIO.writeAtomically(Array("x".utf8), to: base + "/docs/readme.md")
        #expect {
            try ImageFolder.load(from: base, cacheFolder: base + "/cache", showProgress: false, log: { _ in })
        } throws: { error in
            let text = "\(error)"
            return text.contains("no picture in \(base)") && text.contains(".jpg, .jpeg or .png") && text.contains("found 1 other file")
        }
        try FileIO.writeAtomically(Array("not a png".utf8), to: base + "/bad.png")
        #expect {
            try ImageFolder.load(from: base, cacheFolder: base + "/cache", showProgress: false, log: { _ in })
        } throws: { error in
            "\(error)".contains("none of the 1 picture files") && "\(error)".contains("bad.png: not a JPEG or PNG")
        }
        #expect(throws: ImageFolderError.notAFolder(base + "/bad.png")) {
            try ImageFolder.load(from: base + "/bad.png", cacheFolder: base + "/cache", showProgress: false, log: { _ in })
        }
    }

    @Test("The cache file round-trips, and a damaged one is refused (and rebuilt by the loader)")
    func cacheFile() throws {
        let folder = try MixedFolder(extra: 2)
        defer { folder.remove() }
        let data = try folder.load()
        let bytes = try FileIO.readFile(data.cachePath)
        let cache = try ImageFolderCache(decoding: bytes, path: data.cachePath)
        #expect(cache.encoded() == bytes)
        #expect(throws: ImageFolderCache.ReadError.self) { try ImageFolderCache(decoding: Array(bytes.dropLast()), path: "x") }
        try FileIO.writeAtomically(Array(bytes.prefix(40)), to: data.cachePath)
        var lines: [String] = []
        let rebuilt = try folder.load { lines.append($0) }
        #expect(rebuilt.decoded == 9 && rebuilt.train == data.train)
        #expect(lines.first?.contains("rebuilding") == true)
    }
}
