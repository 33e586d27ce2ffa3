// `beta-vae --encode FILE…`: your own pictures through the trained β-VAE of a run folder. No
// training: each β's checkpoint (`--beta`, or every β of `--betas` with `--sweep`) is loaded, each
// picture is prepared as the training images were, and drawn with what the model makes of it —
// and, since this chapter is about what single coordinates mean, traversals of the dimensions
// this picture's code uses most.
import ArgumentParser
import Latent
import LatentCommands
import LatentData
import LatentModels

extension BetaVAEChapter {
    /// The values a traversed coordinate takes, as in the chapter's `traversals-beta….png`.
    static let encodeValues = LatentCodes.linspace(-3, 3, count: 7)

    /// Writes `encoded-<name>-beta<β>.png` for every `--encode` file and every β asked for.
    func encodePictures() throws {
        let dataset = data.dataset ?? .mnist
        let run = try data.runFolder(default: "beta-vae-\(dataset.rawValue)")
        for beta in try betaList() {
            let checkpoint = run.file("checkpoint-beta\(formatBeta(beta)).safetensors")
            guard FileIO.fileExists(checkpoint) else {
                throw ValidationError("--encode: no checkpoint for β = \(formatBeta(beta)) at \(checkpoint): train it first "
                                      + "(same --out and --beta), or pick a trained β with --beta")
            }
            let vae = try trainedVAE(checkpoint)
            let range = EncodedPicture.pixelRange(of: vae)
            print("β = \(formatBeta(beta)): \(vae.kind) VAE, z = \(vae.latentDimension), images "
                  + "\(vae.imageShape.map(String.init).joined(separator: "×")), from \(checkpoint)")
            let columns = Self.encodeValues.count
            for (index, file) in encode.enumerated() {
                let x = try EncodedPicture.prepare(file: file, for: vae)
                // Row 1: the picture, its decoding at μ, samples of q(z|x) — the same row as chapter 3's.
                var random = SeededGenerator(seed: data.seed &+ UInt64(index))
                let picture = EncodedPicture(vae, picture: x, columns: columns, using: &random)
                // Then one row per dimension that carries the most KL for *this* picture: that coordinate
                // set to −3 … 3, every other one left at the picture's μ.
                let dims = largestIndices(picture.klPerDimension.map { Float($0) }, count: min(traverse, vae.latentDimension))
                let codes = LatentCodes.traversal(base: LatentCodes.row(picture.mu, 0), dimensions: dims, values: Self.encodeValues)
                let written = try run.writeGrid(concatBatch([picture.firstRow, vae.decodeAll(codes)]), columns: columns, range: range,
                                                as: "encoded-\(EncodedPicture.stem(of: file))-beta\(formatBeta(beta)).png")
                let busiest = dims.map { "\($0) (\(Format.fixed(picture.klPerDimension[$0], 2)))" }.joined(separator: ", ")
                print("\(file) → \(written): KL(q(z|x) ‖ p(z)) = \(Format.fixed(picture.kl, 1)) nats; row 1: picture, reconstruction, "
                      + "\(columns - 2) samples of q(z|x); then dimensions \(busiest) nats, each from −3 to 3")
            }
        }
    }

    /// The VAE of a chapter-4 checkpoint, rebuilt from the settings it records (model, latent size,
    /// image shape, CelebA width and decoder); options fill in what an older checkpoint does not
    /// record. Loading refuses, naming each difference, weights that do not fit.
    func trainedVAE(_ checkpoint: String) throws -> VAE {
        let (_, metadata) = try SafeTensors.decode(try FileIO.readFile(checkpoint), file: checkpoint)
        func setting(_ key: String) -> String? { metadata["config." + key] }
        guard let kind = setting("model"), ["conv", "dense", "celeba"].contains(kind) else {
            throw ValidationError("--encode: \(checkpoint) is not a chapter-4 β-VAE checkpoint (config.model is \(setting("model") ?? "missing"))")
        }
        let isFaces = kind == "celeba"
        let zDim = setting("latent").flatMap(Int.init) ?? latent ?? (isFaces ? 128 : kind == "dense" ? 20 : 64)
        let shape = setting("image_shape").map { $0.split(separator: "x").compactMap { Int($0) } }
            ?? (isFaces ? [3, 64, 64] : data.imageShape(data.dataset ?? .mnist))
        let width = setting("filters").flatMap(Int.init) ?? filters
        let seedDecoder = (setting("decoder").flatMap(CelebADecoder.init(rawValue:)) ?? decoder) == .seed
        var generator = SeededGenerator(seed: 0)  // initial weights, all replaced by the checkpoint's
        let vae: VAE = isFaces ? .celeba(filters: width, latent: zDim, seedDecoder: seedDecoder, using: &generator)
            : kind == "dense" ? .dense(inputs: shape, latent: zDim, likelihood: .mse, using: &generator)
            : .conv(latent: zDim, likelihood: .mse, using: &generator)
        try Checkpoint.load(from: checkpoint, into: vae)
        return vae
    }
}
