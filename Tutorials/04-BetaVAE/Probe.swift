// Chapter 4's downstream test: how much of the digit's label can a classifier read from each code
// when only a few labels exist? `--probe` fits a linear probe (softmax regression) and k-NN (k = 1, 5)
// on the codes of every trained β (μ), of PCA with the same k, and of the chapter-2 autoencoder and
// chapter-3 VAE given by --ae and --vae, with 100, 1,000 and all 60,000 training labels; it writes
// probe.json and prints the table. Benchmarks/probe_seeds.sh runs it over seeds.
import Latent
import LatentData
import LatentModels

/// One encoder's codes probed: its name and the results per label count.
struct ProbeRow {
    var name: String
    var latent: Int
    var results: [CodeProbeResult]
    var json: JSONValue { ["encoder": .string(name), "latent": .number(Double(latent)), "results": .array(results.map(\.json))] }
}

/// Probes the codes `encode` gives for the training and test images.
func probeEncoder(_ name: String, train: ImageSet, test: ImageSet, seed: UInt64, encode: (Tensor) throws -> Tensor) throws -> ProbeRow {
    guard let trainLabels = train.labels, let testLabels = test.labels else { preconditionFailure("--probe needs labelled data") }
    let clock = Stopwatch()
    let (trainCodes, testCodes) = (try encode(train.tensor(first: train.count)), try encode(test.tensor(first: test.count)))
    let counts: [Int?] = [100, 1000].filter { $0 < train.count } + [nil]
    let results = probeCodes(train: trainCodes, trainLabels: trainLabels, test: testCodes, testLabels: testLabels,
                             labelCounts: counts, seed: seed)
    print("probe \(name) (z = \(trainCodes.shape[1])): " + results.map {
        "\($0.labels) labels: linear \(Format.fixed(100 * $0.probe, 1))%, 1-NN \(Format.fixed(100 * $0.knn1, 1))%, 5-NN \(Format.fixed(100 * $0.knn5, 1))%"
    }.joined(separator: " | ") + "   (\(Format.fixed(clock.seconds, 1)) s)")
    return ProbeRow(name: name, latent: trainCodes.shape[1], results: results)
}

/// The probes of PCA (k = `latent`) and of the --ae / --vae checkpoints, after the β rows; writes
/// probe.json and prints the table.
func finishProbes(_ rows: [ProbeRow], latent: Int, ae: String?, vae: String?, train: ImageSet, test: ImageSet, seed: UInt64,
                  run: RunFolder) throws {
    var rows = rows
    let flat = { (x: Tensor) in x.reshaped([x.shape[0], x.count / x.shape[0]]) }
    let pca = try PCA(fitting: flat(train.tensor(first: train.count)), components: latent)
    rows.insert(try probeEncoder("PCA", train: train, test: test, seed: seed) { pca.encode(flat($0), components: latent) }, at: 0)
    if let ae {
        let model = try loadAutoencoder(ae)
        rows.append(try probeEncoder("AE (\(FileIO.fileName(of: ae)))", train: train, test: test, seed: seed) { model.encodeAll($0) })
    }
    if let vae {
        let model = try loadVAE(vae)
        rows.append(try probeEncoder("VAE μ (\(FileIO.fileName(of: vae)))", train: train, test: test, seed: seed) { model.encodeAll($0).mu })
    }
    let json: JSONValue = ["seed": .number(Double(seed)), "knn_distance": "euclidean on raw codes",
                       "linear_probe": "softmax regression on standardized codes, Adam lr 1e-2, 2000 steps of 256, weight decay 1e-3",
                       "encoders": .array(rows.map(\.json))]
    _ = try run.write(json.serialized() + "\n", as: "probe.json")
    print("\n| encoder | z | labels | linear probe | 1-NN | 5-NN |\n|---|---|---|---|---|---|")
    for row in rows {
        for r in row.results {
            print("| \(row.name) | \(row.latent) | \(r.labels) | \(Format.fixed(100 * r.probe, 1)) | \(Format.fixed(100 * r.knn1, 1)) | \(Format.fixed(100 * r.knn5, 1)) |")
        }
    }
}

/// A chapter-3 MNIST VAE rebuilt from its checkpoint (its config says the model, latent size and likelihood).
func loadVAE(_ file: String) throws -> VAE {
    let info = try Checkpoint.info(of: file)
    let latent = Int(info.config["latent"] ?? "") ?? 20
    let likelihood = VAELikelihood(rawValue: info.config["likelihood"] ?? "") ?? .bce
    var generator = SeededGenerator(seed: 0)
    let vae: VAE
    switch info.config["model"] {
    case "dense": vae = .dense(latent: latent, likelihood: likelihood, using: &generator)
    case "conv": vae = .conv(latent: latent, likelihood: likelihood, using: &generator)
    default:
        throw CheckpointError.mismatch(file: file, differences: ["config.model is \(info.config["model"] ?? "missing"); --vae takes a chapter-3 MNIST VAE (dense or conv)"])
    }
    try Checkpoint.load(from: file, into: vae)
    return vae
}
