import Foundation
import Latent
import Testing
@testable import LatentData

/// python3 with Pillow is available (for decoding our PNGs with an independent decoder).
let hasPillow: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import PIL"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    if process.terminationStatus != 0 { print("Pillow cross-checks skipped: python3 with Pillow not found") }
    return process.terminationStatus == 0
}()

/// Decodes `path` with Pillow and returns (width, height, channels, pixels).
func decodeWithPillow(_ path: String) throws -> (Int, Int, Int, [UInt8]) {
    let script = """
    import sys
    from PIL import Image
    im = Image.open(sys.argv[1]); im.load()
    sys.stdout.write("%d %d %d\\n" % (im.width, im.height, len(im.getbands())))
    sys.stdout.flush()
    sys.stdout.buffer.write(im.tobytes())
    """
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path]
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "Pillow could not decode \(path)")
    let newline = try #require(data.firstIndex(of: UInt8(ascii: "\n")))
    let header = String(decoding: data[..<newline], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
    return (header[0], header[1], header[2], Array(data[(newline + 1)...]))
}

/// A test image with gradients and noise.
func testImage(width: Int, height: Int, channels: Int, seed: UInt64) -> PNGImage {
    let noise = sampleBytes(width * height * channels, seed: seed)
    let pixels = (0..<(width * height * channels)).map { i -> UInt8 in
        let x = (i / channels) % width, y = i / (channels * width)
        return y < height / 2 ? UInt8((x * 11 + y * 3 + i % channels * 60) % 256) : noise[i]
    }
    return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
}

@Suite("PNG")
struct PNGTests {
    @Test("our reader decodes Pillow's fixtures to Pillow's pixels",
          arguments: [("gray-13x7", 13, 7, 1), ("rgb-9x5", 9, 5, 3), ("gray-64x48", 64, 48, 1), ("rgb-40x30", 40, 30, 3)])
    func readsPillowFixtures(name: String, width: Int, height: Int, channels: Int) throws {
        let image = try PNG.read(TestPaths.fixture("png/\(name).png"))
        #expect(image.width == width && image.height == height && image.channels == channels)
        #expect(image.pixels == (try FileIO.readFile(TestPaths.fixture("png/\(name).raw"))))
    }

    @Test("our writer's output decodes to the same pixels with our reader, for every filter choice",
          arguments: [PNG.FilterChoice.adaptive, .fixed(0), .fixed(1), .fixed(2), .fixed(3), .fixed(4)])
    func roundTrip(filter: PNG.FilterChoice) throws {
        for channels in [1, 2, 3, 4] {
            let image = testImage(width: 23, height: 11, channels: channels, seed: UInt64(channels))
            #expect(try PNG.decode(PNG.encode(image, filter: filter), file: "mem") == image)
        }
    }

    @Test("our writer re-encodes Pillow's fixture pixels into a PNG with the same pixels", arguments: ["gray-64x48", "rgb-40x30"])
    func reencodesFixture(name: String) throws {
        let reference = try PNG.read(TestPaths.fixture("png/\(name).png"))
        let path = try makeScratchFolder("png") + "/\(name).png"
        try PNG.write(reference, to: path)
        let decoded = try PNG.read(path)
        #expect(decoded.pixels == (try FileIO.readFile(TestPaths.fixture("png/\(name).raw"))))
    }

    @Test("Pillow decodes what our writer wrote to the same pixels, for every filter choice",
          .enabled(if: Requirement.runs(hasPillow), "python3 with Pillow not found"),
          arguments: [PNG.FilterChoice.adaptive, .fixed(0), .fixed(1), .fixed(2), .fixed(3), .fixed(4)])
    func pillowDecodesOurs(filter: PNG.FilterChoice) throws {
        try Requirement.check(hasPillow, "python3 with Pillow (pip: pillow)")
        let folder = try makeScratchFolder("pillow")
        for channels in [1, 3] {
            let image = testImage(width: 31, height: 17, channels: channels, seed: 9)
            let path = folder + "/c\(channels).png"
            try FileIO.writeAtomically(PNG.encode(image, filter: filter), to: path)
            let (width, height, bands, pixels) = try decodeWithPillow(path)
            #expect(width == 31 && height == 17 && bands == channels)
            #expect(pixels == image.pixels)
        }
    }

    @Test("a flipped byte is caught by the chunk CRC")
    func badCRC() throws {
        var file = PNG.encode(testImage(width: 8, height: 8, channels: 1, seed: 1))
        file[45] ^= 0x10  // inside the IDAT body (signature 8 + IHDR 25 + IDAT length and type 8)
        let error = try #require(throws: PNGError.self) { try PNG.decode(file, file: "x.png") }
        guard case let .badCRC(name, chunk, _, _, _) = error else {
            Issue.record("expected a CRC error, got \(error)")
            return
        }
        #expect(name == "x.png" && chunk == "IDAT")
    }

    @Test("a truncated file and a non-PNG are reported")
    func truncatedAndForeign() {
        let file = PNG.encode(testImage(width: 8, height: 8, channels: 3, seed: 2))
        #expect(throws: PNGError.self) { try PNG.decode(Array(file.prefix(file.count - 20)), file: "t.png") }
        #expect(throws: PNGError.notPNG(file: "j.jpg")) { try PNG.decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0], file: "j.jpg") }
    }
}

@Suite("image grids")
struct ImageGridTests {
    @Test("grid size follows make_grid: cols = min(nrow, N), rows = ⌈N / cols⌉", arguments: [
        (64, 8, 2, [1, 242, 242]), (10, 8, 2, [1, 62, 242]), (3, 8, 0, [1, 28, 84]), (5, 2, 1, [1, 88, 59]),
    ])
    func gridShape(n: Int, nrow: Int, padding: Int, shape: [Int]) {
        let images = Tensor(shape: [n, 1, 28, 28], repeating: 0.5)
        #expect(makeGrid(images, nrow: nrow, padding: padding).shape == shape)
    }

    @Test("each image lands in its cell and padding holds padValue")
    func placement() {
        // Image i is filled with (i + 1) / 10; 2 channels, 3×4 pixels.
        let n = 5, c = 2, h = 3, w = 4
        let images = Tensor(shape: [n, c, h, w], scalars: (0..<n).flatMap { i in [Float](repeating: Float(i + 1) / 10, count: c * h * w) })
        let grid = makeGrid(images, nrow: 3, padding: 1, padValue: -1)
        #expect(grid.shape == [2, 2 * (h + 1) + 1, 3 * (w + 1) + 1])
        for i in 0..<n {
            let top = (i / 3) * (h + 1) + 1, left = (i % 3) * (w + 1) + 1
            #expect(grid[1, top, left] == Float(i + 1) / 10)
            #expect(grid[0, top + h - 1, left + w - 1] == Float(i + 1) / 10)
            #expect(grid[0, top - 1, left] == -1 && grid[1, top, left - 1] == -1)
        }
        #expect(grid[0, h + 1 + 1, 2 * (w + 1) + 1] == -1)  // the empty sixth cell
    }

    @Test("normalize maps valueRange (or the batch's min/max) to [0, 1], clamping")
    func normalization() {
        let images = Tensor(shape: [2, 1, 1, 2], scalars: [-1, 0, 0.5, 3])
        #expect(makeGrid(images, padding: 0, normalize: true, valueRange: (-1, 1)).scalars == [0, 0.5, 0.75, 1])
        #expect(makeGrid(images, padding: 0, normalize: true).scalars == [0, 0.25, 0.375, 1])
        #expect(makeGrid(images, padding: 0, normalize: true, scaleEach: true).scalars == [0, 1, 0, 1])
    }

    @Test("saveImage writes grayscale for one channel and RGB for three, rounding x·255")
    func saving() throws {
        let folder = try makeScratchFolder("grid")
        let gray = Tensor(shape: [4, 1, 2, 2], scalars: (0..<16).map { Float($0) / 15 })
        let grayImage = try PNG.read(try saveImage(gray, to: folder + "/g.png", nrow: 2, padding: 1))
        #expect(grayImage.channels == 1 && grayImage.width == 7 && grayImage.height == 7)
        #expect(grayImage.pixels[1 * 7 + 1] == 0 && grayImage.pixels[5 * 7 + 5] == 255)
        #expect(grayImage.pixels[1 * 7 + 2] == UInt8((Float(1) / 15 * 255 + 0.5).rounded(.down)))
        let rgb = Tensor(shape: [3, 2, 2], scalars: [1, 1, 1, 1, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5])
        let rgbImage = try PNG.read(try saveImage(rgb, to: folder + "/c.png"))
        #expect(rgbImage.channels == 3 && rgbImage.width == 2)
        #expect(Array(rgbImage.pixels.prefix(3)) == [255, 0, 128])
        #expect(PNGImage(chw: rgbImage.tensor()) == rgbImage)
    }
}
