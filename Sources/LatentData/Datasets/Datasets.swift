import Foundation

/// The datasets the chapters train on, by the names `--dataset` takes.
///
/// A chapter makes it a command-line option with one line, `extension DatasetName: ExpressibleByArgument {}`
/// (ArgumentParser fills in the rest from the raw values).
public enum DatasetName: String, CaseIterable, Sendable {
    /// MNIST digits, 28×28 grayscale.
    case mnist
    /// Fashion-MNIST clothes, 28×28 grayscale.
    case fashionMNIST = "fashion-mnist"
    /// CelebA faces, cropped and resized to 64×64 RGB.
    case celeba

    /// The data roots of the course machine, relative to the working directory: the project's shared
    /// data folder beside the package (`../shared/data`), or inside it (`shared/data`).
    public static let sharedDataRoots = ["../shared/data", "shared/data"]

    /// The folder to load this dataset from.
    ///
    /// `explicit` (the `--data` option) when given. Otherwise, unless `LATENT_DATA` is set (the loaders
    /// search it themselves), `<root>/<raw value>` for the first of `sharedDataRoots` where that
    /// folder exists. Otherwise nil: the loader searches its default places (cache, system folders)
    /// and, for MNIST, downloads.
    public func folder(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit { return explicit }
        if let root = environment["LATENT_DATA"], !root.isEmpty { return nil }
        return DatasetName.sharedDataRoots.map { FileIO.join($0, rawValue) }.first(where: FileIO.isFolder)
    }
}

/// The training and test images of `name` as byte sets (pixels become Floats when batched): MNIST and
/// Fashion-MNIST with their labels, CelebA's training and test splits (64×64 crops) without.
///
/// The files are found as `DatasetName.folder(explicit:)` says; when that picks the shared data
/// folder, one line says so ("data: using ../shared/data/mnist").
public func loadDataset(_ name: DatasetName, from explicitPath: String?) throws -> (train: ImageSet, test: ImageSet) {
    let folder = name.folder(explicit: explicitPath)
    if explicitPath == nil, let folder { print("data: using \(folder)") }
    switch name {
    case .mnist:
        let data = try MNIST.load(from: folder)
        return (data.train, data.test)
    case .fashionMNIST:
        let data = try FashionMNIST.load(from: folder)
        return (data.train, data.test)
    case .celeba:
        let data = try CelebA.load(from: folder)
        return (ImageSet(data.train), ImageSet(data.test))
    }
}

extension ImageSet {
    /// The same images (bytes and labels) as a plain set, e.g. a CelebA split.
    public init(_ images: some ImageDataset) {
        self.init(count: images.count, channels: images.channels, height: images.height, width: images.width,
                  pixels: images.pixels, labels: images.labels)
    }
}
