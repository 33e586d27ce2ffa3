import Foundation

/// One file of a dataset, with its published size and MD5 (checked on download).
public struct DatasetFile: Sendable, Equatable {
    /// The file name, e.g. `train-images-idx3-ubyte.gz`.
    public var name: String
    /// The size in bytes, when known; a download of any other size is rejected.
    public var size: Int?
    /// The published MD5 (32 lowercase hex digits); a download with another MD5 is rejected.
    public var md5: String?

    /// A file entry.
    public init(name: String, size: Int?, md5: String?) {
        self.name = name
        self.size = size
        self.md5 = md5
    }
}

/// A dataset's files could not be found, loaded or downloaded.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// Files missing everywhere and not downloadable: what to fetch, from where, and where to put it.
    case unavailable(dataset: String, folder: String, files: [String], urls: [String], searched: [String], errors: [String])
    /// Images and labels disagree in count.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label outside the dataset's classes.
    case badLabel(file: String, index: Int, value: Int, classes: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .unavailable(dataset, folder, files, urls, searched, errors):
            var lines = ["\(dataset) not found, and it could not be downloaded."]
            lines.append("Put these files in \(folder) (or set LATENT_DATA to a folder holding them, or pass the data path):")
            lines += files.map { "  \($0)" }
            lines.append("They are published at:")
            lines += urls.map { "  \($0)" }
            if !searched.isEmpty { lines.append("Searched: " + searched.joined(separator: ", ")) }
            if !errors.isEmpty {
                lines.append("Download errors:")
                lines += errors.map { "  \($0)" }
            }
            return lines.joined(separator: "\n")
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels; expected the same count"
        case let .badLabel(file, index, value, classes):
            return "\(file): label \(index) is \(value), expected 0..<\(classes)"
        }
    }
}

/// Train and test splits of an MNIST-style dataset, and the folder they came from.
public struct MNISTStyleData: Sendable {
    /// The training images (N×1×28×28 bytes) and labels.
    public let train: ImageSet
    /// The test images and labels.
    public let test: ImageSet
    /// The folder the files were read from.
    public let folder: String
}

/// Where an MNIST-style dataset lives and how to get it: the four IDX files, mirrors, folders.
///
/// Files are looked for in the folders `DataFolders.search` lists (the explicit path alone when one
/// is given).
/// Each file may be gzipped (`name.gz`) or not (`name`). If some are missing and `download` is on,
/// they are downloaded into the explicit path, else `$LATENT_DATA/<folderName>`, else the cache folder.
public struct MNISTStyleSpec: Sendable {
    /// The dataset's name in messages, e.g. "MNIST".
    public var name: String
    /// The folder name under `LATENT_DATA` and the cache, e.g. "mnist".
    public var folderName: String
    /// Training images, training labels, test images, test labels (in that order).
    public var files: [DatasetFile]
    /// Base URLs tried in order; a file's URL is base + name.
    public var mirrors: [String]
    /// Read-only folders a system package may provide.
    public var systemFolders: [String]
    /// Number of classes (labels are checked to be below it).
    public var classes: Int

    /// A spec; `files` must list train images, train labels, test images, test labels.
    public init(name: String, folderName: String, files: [DatasetFile], mirrors: [String], systemFolders: [String], classes: Int = 10) {
        precondition(files.count == 4, "MNISTStyleSpec: expected 4 files, got \(files.count)")
        self.name = name
        self.folderName = folderName
        self.files = files
        self.mirrors = mirrors
        self.systemFolders = systemFolders
        self.classes = classes
    }

    /// The folders searched, in order, for `explicitPath` and `environment` (`DataFolders.search`).
    public func searchFolders(explicitPath: String?, environment: [String: String]) -> [String] {
        DataFolders.search(folderName, explicit: explicitPath, system: systemFolders, environment: environment)
    }

    /// The default cache folder: `$XDG_CACHE_HOME/latent/<folderName>` or `~/.cache/latent/<folderName>`.
    public func cacheFolder(environment: [String: String]) -> String {
        DataFolders.cache(folderName, environment: environment)
    }

    /// Where missing files are downloaded to.
    public func downloadFolder(explicitPath: String?, environment: [String: String]) -> String {
        if let explicitPath { return explicitPath }
        if let root = environment["LATENT_DATA"], !root.isEmpty { return FileIO.join(root, folderName) }
        return cacheFolder(environment: environment)
    }

    /// The path of `file` in `folder` if present there, gzipped or not.
    public func existingPath(of file: DatasetFile, in folder: String) -> String? {
        let gz = FileIO.join(folder, file.name)
        if FileIO.fileExists(gz) { return gz }
        if file.name.hasSuffix(".gz") {
            let plain = String(gz.dropLast(3))
            if FileIO.fileExists(plain) { return plain }
        }
        return nil
    }

    /// The first searched folder holding all four files, or nil.
    public func locate(explicitPath: String?, environment: [String: String]) -> String? {
        searchFolders(explicitPath: explicitPath, environment: environment).first { folder in
            files.allSatisfy { existingPath(of: $0, in: folder) != nil }
        }
    }

    /// Finds (or downloads) and loads both splits.
    ///
    /// - Parameters:
    ///   - path: an explicit folder holding the files (the `--data` option); nil to search.
    ///   - download: whether missing files may be downloaded.
    ///   - showProgress: progress bars for downloads.
    ///   - environment: the variables consulted (`LATENT_DATA`, `XDG_CACHE_HOME`, `HOME`).
    public func load(
        from path: String? = nil, download: Bool = true, showProgress: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MNISTStyleData {
        let folder = try locate(explicitPath: path, environment: environment)
            ?? fetch(explicitPath: path, download: download, showProgress: showProgress, environment: environment)
        let paths = files.map { existingPath(of: $0, in: folder)! }
        let train = try loadSplit(images: paths[0], labels: paths[1])
        let test = try loadSplit(images: paths[2], labels: paths[3])
        return MNISTStyleData(train: train, test: test, folder: folder)
    }

    /// Downloads the files missing from the download folder; returns that folder.
    func fetch(explicitPath: String?, download: Bool, showProgress: Bool, environment: [String: String]) throws -> String {
        let folder = downloadFolder(explicitPath: explicitPath, environment: environment)
        let missing = files.filter { existingPath(of: $0, in: folder) == nil }
        var errors: [String] = []
        if download {
            for file in missing {
                var fetched = false
                for mirror in mirrors where !fetched {
                    let url = mirror.hasSuffix("/") ? mirror + file.name : mirror + "/" + file.name
                    do {
                        try Downloader.download(
                            from: url, to: FileIO.join(folder, file.name), expectedSize: file.size, md5: file.md5,
                            showProgress: showProgress)
                        fetched = true
                    } catch {
                        errors.append("\(error)")
                    }
                }
                if !fetched { break }
            }
        }
        let stillMissing = files.filter { existingPath(of: $0, in: folder) == nil }
        guard stillMissing.isEmpty else {
            throw DatasetError.unavailable(
                dataset: name, folder: folder, files: stillMissing.map(\.name),
                urls: stillMissing.flatMap { file in mirrors.map { FileIO.join($0, file.name) } },
                searched: searchFolders(explicitPath: explicitPath, environment: environment), errors: errors)
        }
        return folder
    }

    /// Reads one split: an idx3 image file [N, H, W] and an idx1 label file [N].
    func loadSplit(images imagePath: String, labels labelPath: String) throws -> ImageSet {
        let images = try IDXFile(contentsOf: imagePath)
        try images.expectShape([nil, nil, nil], file: imagePath)
        let labels = try IDXFile(contentsOf: labelPath)
        try labels.expectShape([nil], file: labelPath)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.countMismatch(
                images: imagePath, imageCount: images.dimensions[0], labels: labelPath, labelCount: labels.dimensions[0])
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classes }) {
            throw DatasetError.badLabel(file: labelPath, index: bad, value: Int(labels.bytes[bad]), classes: classes)
        }
        return ImageSet(
            count: images.dimensions[0], channels: 1, height: images.dimensions[1], width: images.dimensions[2],
            pixels: images.bytes, labels: labels.bytes.map { Int($0) })
    }
}

/// MNIST handwritten digits: 60 000 training and 10 000 test images, 28×28 grayscale, labels 0–9.
public enum MNIST {
    /// Files, official checksums and mirrors (torchvision's S3 copy first, then Google's, then LeCun's).
    public static let spec = MNISTStyleSpec(
        name: "MNIST", folderName: "mnist",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz", size: 9_912_422, md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            DatasetFile(name: "train-labels-idx1-ubyte.gz", size: 28_881, md5: "d53e105ee54ea40749a09fcbcd1e9432"),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz", size: 1_648_877, md5: "9fb629c4189551a2d022fa330f9573f3"),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz", size: 4_542, md5: "ec29112dd5afa0611ce80d1b7f02629c"),
        ],
        mirrors: [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ],
        systemFolders: ["/usr/share/datasets/mnist"])

    /// Finds (or downloads) and loads MNIST; see `MNISTStyleSpec` for the search order.
    public static func load(from path: String? = nil, download: Bool = true, showProgress: Bool = true) throws -> MNISTStyleData {
        try spec.load(from: path, download: download, showProgress: showProgress)
    }
}

/// Fashion-MNIST (Zalando): MNIST's format and sizes with ten clothing classes.
///
/// Debian's `dataset-fashion-mnist` package installs the four files in
/// `/usr/share/datasets/fashion-mnist`. Its `.gz` files are recompressed, so their MD5s differ from
/// the published ones; MD5s are only checked on download, local files are checked by their IDX headers.
public enum FashionMNIST {
    /// The ten class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Files, official checksums, the Zalando mirror and Debian's folder.
    public static let spec = MNISTStyleSpec(
        name: "Fashion-MNIST", folderName: "fashion-mnist",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz", size: nil, md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            DatasetFile(name: "train-labels-idx1-ubyte.gz", size: nil, md5: "25c81989df183df01b3e8a0aad5dffbe"),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz", size: nil, md5: "bef4ecab320f06d8554ea6380940ec79"),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz", size: nil, md5: "bb300cfdad3c16e7a12a480ee83cd310"),
        ],
        mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        systemFolders: ["/usr/share/datasets/fashion-mnist"])

    /// Finds (or downloads) and loads Fashion-MNIST; see `MNISTStyleSpec` for the search order.
    public static func load(from path: String? = nil, download: Bool = true, showProgress: Bool = true) throws -> MNISTStyleData {
        try spec.load(from: path, download: download, showProgress: showProgress)
    }
}
