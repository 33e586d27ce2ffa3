import Foundation
import Testing
import Latent
import LatentData
import LatentModels

/// A folder of 24 small gray PNG patterns (stripes at different periods and phases, 20×24 to 27×24)
/// and one broken file.
private func patternFolder(_ root: String) throws {
    for i in 0..<24 {
        let (w, h) = (20 + i % 8, 24)
        let pixels = (0..<(w * h)).map { p -> UInt8 in ((p % w + i) / (2 + i % 3)) % 2 == 0 ? 230 : UInt8(20 + 3 * i) }
        try FileIO.writeAtomically(PNG.encode(PNGImage(width: w, height: h, channels: 1, pixels: pixels)),
                                   to: root + String(format: "/p%02d.png", i))
    }
    try FileIO.writeAtomically(Array("broken".utf8), to: root + "/broken.jpg")
}

/// Tile (row, column) of a grid PNG written by `writeGrid` (2-px gaps), as bytes [side, side] of channel 0.
private func tile(_ image: PNGImage, row: Int, column: Int, side: Int) -> [UInt8] {
    let (top, left) = (2 + row * (side + 2), 2 + column * (side + 2))
    return (0..<(side * side)).map { p in image.pixels[((top + p / side) * image.width + left + p % side) * image.channels] }
}

@Suite("vae --encode: your pictures through a trained model", .serialized)
struct EncodeTests {
    @Test("A folder of pictures trains chapter 3; --encode draws the picture and the checkpoint's reconstruction of it",
          .enabled(if: builtExecutable("vae") != nil))
    func encodeImagesRun() throws {
        let exe = try #require(builtExecutable("vae"))
        let base = try temporaryFolder("encode")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try patternFolder(base + "/pictures")
        let env = ["XDG_CACHE_HOME": base + "/cache"]
        let data = ["--dataset", "images", "--data", base + "/pictures", "--size", "16", "--channels", "1", "--out", base + "/run"]
        let train = runProcess(exe, data + ["--epochs", "2", "--batch-size", "8", "--latent", "4", "--iw", "0"], environment: env)
        #expect(train.status == 0, "\(train.output)")
        #expect(train.output.contains("skipped 1 file that could not be decoded:\n  broken.jpg: not a JPEG or PNG"), "\(train.output)")
        let photo = base + "/pictures/p05.png"
        let encode = runProcess(exe, data + ["--encode", photo], environment: env)
        #expect(encode.status == 0, "\(encode.output)")
        #expect(!encode.output.contains("epoch"), "--encode trains nothing")
        let grid = try PNG.read(base + "/run/encoded-p05.png")
        // One row of 7 tiles (16×16 enlarged ×4): picture, reconstruction, 5 samples; no attribute rows.
        #expect(grid.width == 7 * 66 + 2 && grid.height == 66 + 2, "\(grid.width)×\(grid.height)")

        // The same checkpoint loaded here: the tiles must be the prepared picture and its decoding at μ.
        var generator = SeededGenerator(seed: 1)  // initial weights, replaced by the checkpoint's
        let vae = VAE.dense(inputs: [1, 16, 16], latent: 4, likelihood: .mse, using: &generator)
        try Checkpoint.load(from: base + "/run/checkpoint.safetensors", into: vae)
        let bytes = try ImagePreparation.prepare(file: photo, size: 16, channels: 1)
        let x = try ImageSet(count: 1, channels: 1, height: 16, width: 16, pixels: bytes, labels: nil).tensor(first: 1)
        let expected = [x, vae.reconstruct(x)].map { t in
            enlarged(t).scalars.map { UInt8(min(max($0 * 255 + 0.5, 0), 255)) }
        }
        let first = tile(grid, row: 0, column: 0, side: 64) == expected[0]
        #expect(first, "tile 1 is the picture as training prepares it")
        let drawn = tile(grid, row: 0, column: 1, side: 64)
        let worst = zip(drawn, expected[1]).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= 1, "tile 2 is the checkpoint's reconstruction (max |Δ| \(worst))")
        // Negative control: the reconstruction is not the picture, and the samples of q(z|x) differ from it.
        #expect(expected[1] != expected[0])
        let sampled = tile(grid, row: 0, column: 2, side: 64) != drawn
        #expect(sampled, "a sample of q(z|x) is not the decoding of μ")
    }

    @Test("beta-vae --encode draws the picture, its reconstruction and traversals of the dimensions its code uses most",
          .enabled(if: builtExecutable("beta-vae") != nil))
    func encodeBetaVAERun() throws {
        let exe = try #require(builtExecutable("beta-vae"))
        let base = try temporaryFolder("encode-beta")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try patternFolder(base + "/pictures")
        let env = ["XDG_CACHE_HOME": base + "/cache"]
        let data = ["--dataset", "images", "--data", base + "/pictures", "--size", "16", "--channels", "1", "--out", base + "/run",
                    "--model", "dense", "--beta", "0.001"]
        let train = runProcess(exe, data + ["--epochs", "2", "--batch-size", "8", "--latent", "4"], environment: env)
        #expect(train.status == 0, "\(train.output)")
        // A β that was not trained is refused, naming the checkpoint it looked for.
        let photo = base + "/pictures/p07.png"
        let missing = runProcess(exe, data.dropLast(2) + ["--beta", "4", "--encode", photo], environment: env)
        #expect(missing.status != 0 && missing.output.contains("no checkpoint for β = 4 at \(base)/run/checkpoint-beta4.safetensors"),
                "\(missing.output)")
        let encode = runProcess(exe, data + ["--encode", photo, "--traverse", "2"], environment: env)
        #expect(encode.status == 0, "\(encode.output)")
        #expect(!encode.output.contains("epoch"), "--encode trains nothing")
        let grid = try PNG.read(base + "/run/encoded-p07-beta0.001.png")
        // Rows of 7 tiles (16×16 enlarged ×4): picture, reconstruction, 5 samples; then 2 traversal rows.
        #expect(grid.width == 7 * 66 + 2 && grid.height == 3 * 66 + 2, "\(grid.width)×\(grid.height)")

        // The checkpoint loaded here: the picture, its decoding at μ, and the busiest dimension set to 3.
        var generator = SeededGenerator(seed: 1)
        let vae = VAE.dense(inputs: [1, 16, 16], latent: 4, likelihood: .mse, using: &generator)
        try Checkpoint.load(from: base + "/run/checkpoint-beta0.001.safetensors", into: vae)
        let bytes = try ImagePreparation.prepare(file: photo, size: 16, channels: 1)
        let x = try ImageSet(count: 1, channels: 1, height: 16, width: 16, pixels: bytes, labels: nil).tensor(first: 1)
        let (mu, logVar) = vae.encodeAll(x)
        let kl = (0..<4).map { j in mu.scalars[j] * mu.scalars[j] + exp(logVar.scalars[j]) - 1 - logVar.scalars[j] }
        let busiest = kl.indices.max { kl[$0] < kl[$1] }!
        var moved = mu.scalars
        moved[busiest] = 3
        let expected = [x, vae.reconstruct(x), vae.decodeAll(Tensor(shape: [1, 4], scalars: moved))].map { t in
            enlarged(t).scalars.map { UInt8(min(max($0 * 255 + 0.5, 0), 255)) }
        }
        #expect(tile(grid, row: 0, column: 0, side: 64) == expected[0], "tile 1 is the picture as training prepares it")
        for (row, column, index) in [(0, 1, 1), (1, 6, 2)] {
            let worst = zip(tile(grid, row: row, column: column, side: 64), expected[index]).map { abs(Int($0) - Int($1)) }.max() ?? 255
            #expect(worst <= 1, "row \(row + 1), column \(column + 1): max |Δ| \(worst)")
        }
        // Negative control: the traversal's ends differ (the coordinate moves the picture).
        let ends = tile(grid, row: 1, column: 0, side: 64) != tile(grid, row: 1, column: 6, side: 64)
        #expect(ends, "z_\(busiest) = −3 and 3 decode to different pictures")
    }

    @Test("--dataset images without --data, or with a folder holding no picture, stops with what was looked for",
          .enabled(if: builtExecutable("vae") != nil))
    func imagesNeedAFolder() throws {
        let exe = try #require(builtExecutable("vae"))
        let base = try temporaryFolder("encode-empty")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let none = runProcess(exe, ["--dataset", "images", "--out", base + "/run"])
        #expect(none.status != 0 && none.output.contains("--dataset images needs --data FOLDER"), "\(none.output)")
        try FileIO.writeAtomically(Array("text".utf8), to: base + "/empty/readme.txt")
        let empty = runProcess(exe, ["--dataset", "images", "--data", base + "/empty", "--out", base + "/run"],
                               environment: ["XDG_CACHE_HOME": base + "/cache"])
        #expect(empty.status != 0 && empty.output.contains("no picture in \(base)/empty: looked for files ending in .jpg, .jpeg or .png"),
                "\(empty.output)")
        #expect(!empty.output.contains("Fatal error"))
    }

    @Test("The CelebA model: --encode adds the Smiling and Eyeglasses rows from the run's attribute vectors",
          .enabled(if: builtExecutable("vae") != nil))
    func encodeCelebARun() throws {
        let exe = try #require(builtExecutable("vae"))
        let base = try temporaryFolder("encode-celeba")
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A CelebA-shaped folder: 12 different JPEG fixtures, 8 train and 4 test, attributes alternating.
        let fixtures = ["celeba_like_420_178x218", "q75_444_35x29", "q25_420_35x29", "q95_422_35x29", "restart1_420_61x45",
                        "optimized_exif_comment_444_50x40", "q50_444_35x29", "q100_420_35x29", "restart1_444_61x45",
                        "q75_420_35x29", "q25_444_35x29", "q50_422_35x29"]
        var partition = "", attributes = "12\r\nSmiling Eyeglasses\r\n"
        for i in 1...12 {
            let name = String(format: "%06d.jpg", i)
            try FileIO.writeAtomically(try FileIO.readFile(tutorialPackageRoot + "/Fixtures/jpeg/\(fixtures[i - 1]).jpg"),
                                       to: base + "/celeba/img_align_celeba/" + name)
            partition += "\(name) \(i <= 8 ? 0 : 2)\r\n"
            attributes += name + (i % 2 == 0 ? "  1 -1" : " -1  1") + "\r\n"
        }
        try FileIO.writeAtomically(Array(partition.utf8), to: base + "/celeba/list_eval_partition.txt")
        try FileIO.writeAtomically(Array(attributes.utf8), to: base + "/celeba/list_attr_celeba.txt")
        let env = ["XDG_CACHE_HOME": base + "/cache"]
        let common = ["--dataset", "celeba", "--data", base + "/celeba", "--out", base + "/run"]
        let train = runProcess(exe, common + ["--epochs", "1", "--batch-size", "4", "--filters", "2", "--latent", "4", "--iw", "0"], environment: env)
        #expect(train.status == 0, "\(train.output)")
        let vectors = try String(contentsOfFile: base + "/run/attribute-vectors.json", encoding: .utf8)
        #expect(vectors.contains("\"Smiling\"") && vectors.contains("\"Eyeglasses\""))
        let encode = runProcess(exe, common + ["--encode", base + "/celeba/img_align_celeba/000009.jpg"], environment: env)
        #expect(encode.status == 0, "\(encode.output)")
        let grid = try PNG.read(base + "/run/encoded-000009.png")
        // Three rows of 7 faces (64×64): picture + reconstruction + samples, Smiling, Eyeglasses.
        #expect(grid.width == 7 * 66 + 2 && grid.height == 3 * 66 + 2, "\(grid.width)×\(grid.height)")
        // The t = 0 column of each attribute row is the reconstruction (column 1 of row 0).
        let zero = zip(tile(grid, row: 1, column: 2, side: 64), tile(grid, row: 0, column: 1, side: 64)).map { abs(Int($0) - Int($1)) }
        #expect(zero.max() ?? 255 <= 1, "t = 0 decodes μ, as the reconstruction does")
        let moved = tile(grid, row: 1, column: 6, side: 64) != tile(grid, row: 0, column: 1, side: 64)
        #expect(moved, "t = 2 along Smiling differs from the reconstruction")
        // Without the vectors (a model trained on a plain folder has no attributes), no attribute rows.
        try FileManager.default.removeItem(atPath: base + "/run/attribute-vectors.json")
        let plain = runProcess(exe, common + ["--encode", base + "/celeba/img_align_celeba/000009.jpg"], environment: env)
        #expect(plain.status == 0 && plain.output.contains("no attribute rows"), "\(plain.output)")
        #expect(try PNG.read(base + "/run/encoded-000009.png").height == 66 + 2)
        // A folder where the vectors go is an error naming it, not "no vectors".
        try FileManager.default.createDirectory(atPath: base + "/run/attribute-vectors.json", withIntermediateDirectories: false)
        let folder = runProcess(exe, common + ["--encode", base + "/celeba/img_align_celeba/000009.jpg"], environment: env)
        #expect(folder.status != 0 && folder.output.contains(base + "/run/attribute-vectors.json: cannot open"), "\(folder.output)")
    }
}
