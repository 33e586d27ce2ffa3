import ArgumentParser
import Latent
import LatentData
import LatentModels

// The options every chapter shares, with one meaning everywhere, and the small pieces of command-line
// plumbing the chapters would otherwise each repeat. Each chapter's `main.swift` adds its own options
// (model, latent size, β, …) beside these groups.

extension DatasetName: ExpressibleByArgument {}
extension VAELikelihood: ExpressibleByArgument {}

/// Where the data comes from and where the run goes: `--dataset`, `--data`, `--size`, `--channels`,
/// `--limit`, `--test-limit`, `--out`, `--seed`, `--threads`.
public struct DataOptions: ParsableArguments {
    @Option(help: "Dataset: mnist, fashion-mnist, celeba, or images (every JPEG and PNG under --data) (default: the chapter's).")
    public var dataset: DatasetName?
    @Option(help: "Folder holding the dataset's files; it must exist (default: LATENT_DATA, ../shared/data, the cache, the system folder, then download). With --dataset images: your folder of pictures.")
    public var data: String?
    @Option(parsing: .unconditional, help: "--dataset images: side S of the square crops, 4…1024 (default 64; 28 gives MNIST-sized inputs).")
    public var size: Int?
    @Option(parsing: .unconditional, help: "--dataset images: 1 (gray) or 3 (RGB) channels (default 3).")
    public var channels: Int?
    @Option(parsing: .unconditional, help: "Use only the first N training images.")
    public var limit: Int?
    @Option(name: .customLong("test-limit"), parsing: .unconditional, help: "Use only the first N test images.")
    public var testLimit: Int?
    @Option(help: "Run folder: everything the run writes goes here (default: runs/<chapter>-<dataset>).")
    public var out: String?
    @Option(parsing: .unconditional, help: "Seed of every random draw.")
    public var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Threads for the kernels, 1…256 (default: LATENT_THREADS or all cores).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let data, !FileIO.isFolder(data) && !FileIO.fileExists(data) {
            throw ValidationError("--data \(data): no such file or folder")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit must be at least 1, got \(testLimit)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1…256, got \(threads)") }
        if let out, out.isEmpty { throw ValidationError("--out must name a folder") }
        if dataset == .images {
            guard let data else { throw ValidationError("--dataset images needs --data FOLDER, the folder holding your pictures") }
            guard FileIO.isFolder(data) else { throw ValidationError("--data \(data): --dataset images needs a folder, not a file") }
        } else if size != nil || channels != nil {
            throw ValidationError("--size and --channels go with --dataset images (the other datasets have a fixed size)")
        }
        if let size, !(4...1024).contains(size) { throw ValidationError("--size must be in 4…1024, got \(size)") }
        if let channels, channels != 1 && channels != 3 { throw ValidationError("--channels must be 1 or 3, got \(channels)") }
    }

    /// The shape [C, H, W] of one image of `name`: 1×28×28 digits and clothes, 3×64×64 faces, and
    /// `--channels`×`--size`×`--size` for a folder of pictures.
    public func imageShape(_ name: DatasetName) -> [Int] {
        switch name {
        case .mnist, .fashionMNIST: return [1, 28, 28]
        case .celeba: return [3, 64, 64]
        case .images: return [channels ?? 3, size ?? 64, size ?? 64]
        }
    }

    /// Applies `--threads` to the kernels, and keeps the memory each training step frees for the next
    /// step (`FreedMemory.keep()`: almost no page faults after the first step, the same bits).
    public func prepareKernels() {
        if let threads { Parallel.threadCount = threads }
        FreedMemory.keep()
    }

    /// The training and test images of `name` (`--dataset` or the chapter's default), cut to
    /// `--limit` and `--test-limit`; prints one line saying what was loaded.
    public func load(_ name: DatasetName) throws -> (train: ImageSet, test: ImageSet) {
        let (train, test) = try loadDataset(name, from: data, size: size ?? 64, channels: channels ?? 3)
        return cut(train, test)
    }

    /// CelebA's training and test faces, cut like `load`, and for each attribute in `names` (e.g.
    /// "Smiling") its value for every training face kept: +1, −1, or 0 where the list has none.
    /// The faces stay in the decoded cache file, read batch by batch.
    public func loadCelebA(attributes names: [String]) throws -> (train: ImageSet, test: ImageSet, attributes: [String: [Int8]]) {
        let celeba = try CelebA.load(from: data)
        let (train, test) = cut(celeba.train.images, celeba.test.images)
        var attributes: [String: [Int8]] = [:]
        for name in names { attributes[name] = (0..<train.count).map { celeba.train.attribute(name, of: $0) ?? 0 } }
        return (train, test, attributes)
    }

    /// The sets cut to `--limit` and `--test-limit`, with one line saying what is used.
    func cut(_ train: ImageSet, _ test: ImageSet) -> (train: ImageSet, test: ImageSet) {
        var (train, test) = (train, test)
        if let limit, limit < train.count { train = train.subset(Array(0..<limit)) }
        if let testLimit, testLimit < test.count { test = test.subset(Array(0..<testLimit)) }
        print("data: \(train.count) training and \(test.count) test images \(train.channels)×\(train.height)×\(train.width)")
        return (train, test)
    }

    /// The run folder: `--out`, else `runs/<name>`.
    public func runFolder(default name: String) throws -> RunFolder {
        try RunFolder(path: out ?? FileIO.join("runs", name))
    }
}

/// How a model trains: `--epochs`, `--batch-size`, `--lr`, `--resume`.
public struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Training epochs, at least 1 (default: the chapter's).")
    public var epochs: Int?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per batch, at least 2 (default: the model's).")
    public var batchSize: Int?
    @Option(parsing: .unconditional, help: "Adam learning rate, a positive number (default: the model's).")
    public var lr: Float?
    @Flag(help: "Continue from the checkpoint in the run folder (same options, seed and --threads give the same run, bit for bit).")
    public var resume = false

    public init() {}

    public func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 2 {
            throw ValidationError("--batch-size must be at least 2 (BatchNorm needs two images to normalize), got \(batchSize)")
        }
        if let lr, !(lr.isFinite && lr > 0) { throw ValidationError("--lr must be a positive number, got \(lr)") }
    }
}

/// Runs a chapter's training, turning the harness's stops into what a command-line user expects:
/// Ctrl-C (checkpoint written) exits with 130, a NaN/Inf stop prints where and exits with 1.
public func runTraining(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let stop as TrainingInterrupted {
        print("\n\(stop)")
        throw ExitCode(130)
    } catch let error as NonFiniteError {
        print("\n\(error)")
        throw ExitCode.failure
    }
}

/// A data loader whose batches all hold at least two images: a last batch of one image is dropped
/// (BatchNorm cannot normalize a single image in training mode, as PyTorch also refuses), and the
/// console says so.
public func trainingLoader(_ train: ImageSet, batchSize: Int, range: PixelRange = .zeroToOne, noise: Float = 0,
                           seed: UInt64) throws -> DataLoader<ImageSet> {
    guard train.count >= 2 else { throw ValidationError("training needs at least 2 images, the data has \(train.count)") }
    let single = train.count % batchSize == 1
    if single { print("note: the last batch of each epoch would hold a single image; it is dropped") }
    return DataLoader(train, batchSize: batchSize, lastBatch: single ? .drop : .keep, range: range, noiseStd: noise, seed: seed)
}

/// The command line that started this process, as a shell would take it back (arguments with
/// spaces or quotes are single-quoted): what `summary.json` records as `command`.
public func commandLine() -> String {
    CommandLine.arguments.enumerated().map { index, argument in
        let text = index == 0 ? FileIO.fileName(of: argument) : argument
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
}
