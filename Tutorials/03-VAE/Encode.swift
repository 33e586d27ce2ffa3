// `vae --encode FILE…`: your own pictures through a trained VAE. No training: the run folder's
// checkpoint is loaded, each picture is prepared as the training images were (decode, shorter side
// to S, centre S×S crop, 1 or 3 channels — for CelebA the same crop the CelebA loader makes of its
// aligned 178×218 faces), encoded to q(z|x) = N(μ, σ²), and drawn beside what the model makes of it.
import ArgumentParser
import Foundation
import Latent
import LatentCommands
import LatentData
import LatentModels

extension VAEChapter {
    /// The steps t of `μ + t·v` drawn for each attribute vector v.
    static let encodeSteps: [Float] = [-1, -0.5, 0, 0.5, 1, 1.5, 2]

    /// Loads the run's checkpoint and writes `encoded-<name>.png` for every `--encode` file.
    func encodePictures() throws {
        let run = try data.runFolder(default: "vae-\(dataset.rawValue)")
        let checkpoint = run.file("checkpoint.safetensors")
        guard FileIO.fileExists(checkpoint) else {
            throw ValidationError("--encode: no checkpoint at \(checkpoint): train a model first, or point --out at the run folder that holds one")
        }
        let vae = try trainedVAE(checkpoint)
        let range = EncodedPicture.pixelRange(of: vae)
        print("model: \(vae.kind) VAE, z = \(vae.latentDimension), images \(vae.imageShape.map(String.init).joined(separator: "×")), from \(checkpoint)")
        let attributes = try attributeVectors(vae, run: run)
        let columns = Self.encodeSteps.count
        for (index, file) in encode.enumerated() {
            // The picture as training saw its images: bytes C×S×S, then floats in the model's range.
            let x = try EncodedPicture.prepare(file: file, for: vae)
            // Row 1: the picture, its reconstruction from z = μ, then decodings of z = μ + σ·ε, ε ~ N(0, I).
            var random = SeededGenerator(seed: data.seed &+ UInt64(index))
            let picture = EncodedPicture(vae, picture: x, columns: columns, using: &random)
            var rows = [picture.firstRow]
            // One row per attribute vector: z = μ + t·v for t in encodeSteps (t = 0 is the reconstruction).
            for (_, direction) in attributes {
                rows.append(vae.decodeAll(LatentCodes.along(direction, from: LatentCodes.row(picture.mu, 0), steps: Self.encodeSteps)))
            }
            let written = try run.writeGrid(concatBatch(rows), columns: columns, range: range,
                                            as: "encoded-\(EncodedPicture.stem(of: file)).png")
            let kl = picture.kl
            print("\(file) → \(written): KL(q(z|x) ‖ p(z)) = \(Format.fixed(kl, 1)) nats; row 1: picture, reconstruction, "
                  + "\(columns - 2) samples of q(z|x)"
                  + attributes.map { "; \($0.name) at t = \(Self.encodeSteps.map { Format.fixed(Double($0), 1) }.joined(separator: ", "))" }.joined())
        }
    }

    /// The VAE of a chapter-3 checkpoint, rebuilt from the settings the checkpoint records (model,
    /// latent size, likelihood, image shape, width, decoder); options fill in what an older
    /// checkpoint does not record. Refused, listing every difference, when the weights do not fit.
    func trainedVAE(_ checkpoint: String) throws -> VAE {
        let (_, metadata) = try SafeTensors.decode(try FileIO.readFile(checkpoint), file: checkpoint)
        func setting(_ key: String) -> String? { metadata["config." + key] }
        guard let kind = setting("model"), let chosen = VAEModel(rawValue: kind) else {
            throw ValidationError("--encode: \(checkpoint) is not a chapter-3 VAE checkpoint (config.model is \(setting("model") ?? "missing"))")
        }
        let zDim = setting("latent").flatMap(Int.init) ?? latent ?? chosen.latent
        let lik = setting("likelihood").flatMap(VAELikelihood.init(rawValue:)) ?? likelihood ?? (chosen == .celeba ? .mse : .bce)
        let shape = setting("image_shape").map { $0.split(separator: "x").compactMap { Int($0) } } ?? data.imageShape(dataset)
        let width = setting("filters").flatMap(Int.init) ?? filters
        let seedDecoder = (setting("decoder").flatMap(CelebADecoder.init(rawValue:)) ?? decoder) == .seed
        var generator = SeededGenerator(seed: 0)  // initial weights, all replaced by the checkpoint's
        let vae: VAE = switch chosen {
        case .dense: .dense(inputs: shape, latent: zDim, likelihood: lik, using: &generator)
        case .burda: .burda(latent: zDim, using: &generator)
        case .conv: .conv(latent: zDim, likelihood: lik, using: &generator)
        case .celeba: .celeba(filters: width, latent: zDim, seedDecoder: seedDecoder, using: &generator)
        }
        try Checkpoint.load(from: checkpoint, into: vae)
        return vae
    }

    /// The attribute vectors of a CelebA model: from the run's attribute-vectors.json (written when
    /// it trained on CelebA), else none (a model trained on other pictures has no attribute labels).
    func attributeVectors(_ vae: VAE, run: RunFolder) throws -> [(name: String, direction: Tensor)] {
        let file = run.file("attribute-vectors.json")
        guard vae.kind == "celeba", FileIO.pathExists(file) else {  // a folder there is an error naming it
            if vae.kind == "celeba" { print("no \(file) (written when the model trains on --dataset celeba): no attribute rows") }
            return []
        }
        let text = String(decoding: try FileIO.readFile(file), as: UTF8.self)
        guard case let .object(pairs)? = try? JSONValue(parsing: text) else {
            throw ValidationError("\(file): not a JSON object of attribute vectors")
        }
        return try pairs.map { name, value in
            guard let numbers = value.doubles, numbers.count == vae.latentDimension else {
                throw ValidationError("\(file): \(name) is not a list of \(vae.latentDimension) numbers (the model's latent size)")
            }
            return (name, Tensor(shape: [numbers.count], scalars: numbers.map { Float($0) }))
        }
    }
}
