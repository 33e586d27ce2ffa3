import Foundation
import Latent

/// The images of one CelebA split as bytes [N, 3, S, S], with their file names and attributes.
/// Conforms to `ImageDataset`, so `DataLoader` batches it (Float N×3×S×S in [0,1] or [-1,1]).
public struct CelebAImages: ImageDataset {
    /// The images, read from the decoded cache file batch by batch (in memory only when no cache
    /// file could be written).
    public let images: ImageSet
    /// Number of images N.
    public var count: Int { images.count }
    /// Always 3 (RGB).
    public var channels: Int { images.channels }
    /// S.
    public var height: Int { images.height }
    /// S.
    public var width: Int { images.width }
    /// CelebA has no class labels: nil (see `attributes`).
    public var labels: [Int]? { nil }
    /// File name of each image, e.g. "000001.jpg".
    public let names: [String]
    /// The 40 attribute names (empty when `list_attr_celeba.txt` was not found).
    public let attributeNames: [String]
    /// [N, attributeNames.count] values: +1, -1, or 0 when the image is not in the list.
    public let attributes: [Int8]

    /// A split: `images` (3 channels) named `names`, with their attributes.
    public init(images: ImageSet, names: [String], attributeNames: [String], attributes: [Int8]) {
        precondition(images.count == names.count && images.channels == 3, "CelebAImages: \(names.count) names for \(images.count) images")
        precondition(attributes.count == names.count * attributeNames.count, "CelebAImages: attribute count mismatch")
        self.images = images
        self.names = names
        self.attributeNames = attributeNames
        self.attributes = attributes
    }

    public func copyPixels(of indices: [Int], into buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        try images.copyPixels(of: indices, into: buffer)
    }

    /// Attribute `name` (e.g. "Smiling") of image `index`: +1, -1, or nil if unknown.
    public func attribute(_ name: String, of index: Int) -> Int8? {
        guard let a = attributeNames.firstIndex(of: name) else { return nil }
        let value = attributes[index * attributeNames.count + a]
        return value == 0 ? nil : value
    }
}

/// Where CelebA's images are: the extracted folder or the zip.
public enum CelebASource: Sendable, Equatable, CustomStringConvertible {
    /// A folder of JPEGs (`.../img_align_celeba`).
    case folder(String)
    /// `img_align_celeba.zip`, read without extracting.
    case zip(String)

    /// The folder or zip path.
    public var path: String {
        switch self {
        case .folder(let path), .zip(let path): return path
        }
    }

    /// The folder holding the source, where the metadata lists are looked for.
    public var datasetFolder: String { FileIO.parentFolder(of: path) }

    public var description: String { path }
}

/// CelebA aligned faces (`img_align_celeba`), decoded once into a cache of S×S crops.
///
/// ```swift
/// let celeba = try CelebA.load(size: 64)           // finds the data, builds or reads the cache
/// var loader = DataLoader(celeba.train, batchSize: 128, range: .minusOneToOne, seed: 0)
/// ```
/// Images are resized (shorter side to S, antialiased bilinear) and center-cropped to S×S as
/// torchvision's `Resize(S)` + `CenterCrop(S)` do — 178×218 → 64×78 → 64×64 for S = 64. The first load
/// decodes every JPEG in parallel (with a progress bar) into a UInt8 cache file; later loads read
/// only that file, and rebuild it when the source's file list, S, or the format version changed.
public struct CelebA: Sendable {
    /// Where the JPEGs came from.
    public let source: CelebASource
    /// The cache file read (or written).
    public let cachePath: String
    /// Side S of the images.
    public let size: Int
    /// JPEG files found in the source.
    public let found: Int
    /// Images decoded into the cache (found minus unreadable files).
    public let decoded: Int
    /// Training images (partition 0; every image when `list_eval_partition.txt` is absent).
    public let train: CelebAImages
    /// Validation images (partition 1).
    public let valid: CelebAImages
    /// Test images (partition 2).
    public let test: CelebAImages
    /// What the loader did, in one line (also printed by `load`).
    public let summary: String

    /// The folders searched for `img_align_celeba/` or `img_align_celeba.zip`, in order (`DataFolders.search`).
    public static func searchFolders(explicitPath: String?, environment: [String: String]) -> [String] {
        DataFolders.search("celeba", explicit: explicitPath, environment: environment)
    }

    /// `$XDG_CACHE_HOME/latent/celeba` or `~/.cache/latent/celeba`: downloaded data and decoded caches.
    public static func defaultCacheFolder(environment: [String: String]) -> String {
        DataFolders.cache("celeba", environment: environment)
    }

    /// The images' source: `path` itself if it is the image folder or a zip, else the first searched
    /// folder holding `img_align_celeba/` (preferred) or `img_align_celeba.zip`.
    public static func locate(explicitPath: String?, environment: [String: String]) -> CelebASource? {
        if let path = explicitPath {
            if path.hasSuffix(".zip") && FileIO.fileExists(path) { return .zip(path) }
            if FileIO.fileName(of: path) == "img_align_celeba" && FileIO.isFolder(path) { return .folder(path) }
        }
        for folder in searchFolders(explicitPath: explicitPath, environment: environment) {
            let images = FileIO.join(folder, "img_align_celeba")
            if FileIO.isFolder(images) { return .folder(images) }
            let zip = FileIO.join(folder, "img_align_celeba.zip")
            if FileIO.fileExists(zip) { return .zip(zip) }
        }
        return nil
    }

    /// Finds CelebA, reads (or builds) the decoded cache, and splits it.
    ///
    /// - Parameters:
    ///   - path: the dataset folder, the `img_align_celeba` folder, or the zip (`--data`); nil to search.
    ///   - size: side S of the square crops (64 as in the seeds).
    ///   - cacheFolder: where the decoded cache lives (default: `defaultCacheFolder`).
    ///   - showProgress: a progress bar while decoding.
    ///   - environment: the variables consulted (`LATENT_DATA`, `XDG_CACHE_HOME`, `HOME`).
    ///   - log: receives the summary lines (default: printed).
    public static func load(
        from path: String? = nil, size: Int = 64, cacheFolder: String? = nil, showProgress: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: (String) -> Void = { print($0) }
    ) throws -> CelebA {
        precondition(size > 0 && size <= 4096, "CelebA: size must be 1...4096, got \(size)")
        guard let source = locate(explicitPath: path, environment: environment) else {
            throw CelebAError.notFound(searched: searchFolders(explicitPath: path, environment: environment))
        }
        let listing = try CelebASourceListing(source)
        let folder = cacheFolder ?? defaultCacheFolder(environment: environment)
        let sourceTag = String(CelebACache.fnv1a(Array(source.path.utf8)), radix: 16)
        let cachePath = FileIO.join(folder, "img_align_celeba-\(size)px-\(sourceTag).u8")
        // The splits read their images from the cache file, batch by batch: the full 202,599 faces at
        // 64×64 are 2.5 GB, which stay on disk (and in the system's file cache), not in the process.
        func splits(from file: OpenFile, header: CelebACache.Header) throws -> CelebA {
            try split(names: header.names, size: size, source: source, cachePath: cachePath, found: listing.names.count,
                      log: log) { rows in
                try ImageSet(file: file, offset: header.pixelOffset, rows: rows, channels: 3, height: size, width: size, labels: nil)
            }
        }
        if FileIO.fileExists(cachePath) {
            var current: (OpenFile, CelebACache.Header)?
            do {
                let file = try OpenFile(cachePath)
                let header = try CelebACache.readHeader(file)
                if header.size == size && header.source == source.path && header.fingerprint == listing.fingerprint {
                    current = (file, header)
                } else {
                    log("CelebA: cache \(cachePath) is stale (source files changed); rebuilding")
                }
            } catch {
                log("CelebA: \(error); rebuilding")
            }
            if let (file, header) = current { return try splits(from: file, header: header) }
        }
        do {
            try writeCache(listing: listing, size: size, to: cachePath, showProgress: showProgress)
        } catch let error as FileIOError {
            log("CelebA: could not write the decoded cache (\(error)); decoding into memory instead")
            let cache = try buildCache(listing: listing, size: size, showProgress: showProgress).cache
            let all = ImageSet(count: cache.names.count, channels: 3, height: size, width: size, pixels: cache.pixels, labels: nil)
            return try split(names: cache.names, size: size, source: source, cachePath: cachePath, found: listing.names.count, log: log) { rows in
                all.subset(rows)
            }
        }
        let file = try OpenFile(cachePath)
        return try splits(from: file, header: try CelebACache.readHeader(file))
    }

    /// Decodes, resizes and crops every listed image in parallel into a cache in memory (what `load`
    /// uses when no cache file can be written).
    public static func buildCache(
        listing: CelebASourceListing, size: Int, showProgress: Bool = true
    ) throws -> (cache: CelebACache, failures: [String]) {
        var names: [String] = [], pixels: [UInt8] = [], failures: [String] = []
        try decode(listing: listing, size: size, showProgress: showProgress) { index, image in
            names.append(listing.names[index])
            pixels += image
        } failed: { failures.append($0) }
        let cache = CelebACache(size: size, source: listing.source.path, fingerprint: listing.fingerprint, names: names, pixels: pixels)
        return (cache, failures)
    }

    /// Decodes every listed image into the cache file at `path` (written atomically), as `buildCache`
    /// does but straight to disk, so that memory holds a chunk of 512 images, not the 2.5 GB of the full
    /// 202,599 faces. The pixels go to a temporary file first: the names come before them in the cache,
    /// and which images fail is known only at the end. Returns the failures.
    @discardableResult
    public static func writeCache(listing: CelebASourceListing, size: Int, to path: String, showProgress: Bool = true) throws -> [String] {
        let pixelsPath = path + ".pixels-\(getpid())"  // two runs building at once do not share it
        defer { FileIO.removeFile(pixelsPath) }
        var names: [String] = [], failures: [String] = []
        try FileIO.writeAtomically(to: pixelsPath) { file in
            try decode(listing: listing, size: size, showProgress: showProgress) { index, image in
                names.append(listing.names[index])
                try file.append(image)
            } failed: { failures.append($0) }
        }
        let pixels = try OpenFile(pixelsPath)
        let header = CelebACache.header(size: size, source: listing.source.path, fingerprint: listing.fingerprint, names: names)
        try FileIO.writeAtomically(to: path) { file in
            try file.append(header)
            var chunk = [UInt8](repeating: 0, count: 1 << 24)
            var offset = 0
            while offset < pixels.size {
                let n = min(chunk.count, pixels.size - offset)
                try chunk.withUnsafeMutableBufferPointer { buffer in
                    try pixels.read(offset: offset, into: UnsafeMutableBufferPointer(rebasing: buffer[..<n]))
                    try file.append(UnsafeBufferPointer(rebasing: buffer[..<n]))
                }
                offset += n
            }
        }
        return failures
    }

    /// Decodes, resizes and crops the listed images in parallel, 512 at a time, then hands each one in
    /// list order to `decoded(index, pixels)` (3 × S × S bytes) or, when its file does not decode, its
    /// message to `failed`. Throws `CelebAError.noImages` when none decodes.
    static func decode(
        listing: CelebASourceListing, size: Int, showProgress: Bool,
        _ decoded: (Int, UnsafeBufferPointer<UInt8>) throws -> Void, failed: (String) -> Void
    ) throws {
        let n = listing.names.count
        let imageBytes = 3 * size * size
        let batch = 512
        var pixels = [UInt8](repeating: 0, count: batch * imageBytes)
        var errors = [String?](repeating: nil, count: batch)
        var (good, firstFailures) = (0, [String]())
        let bar = showProgress ? ProgressBar(total: n, label: "decoding CelebA to \(size)×\(size)", unit: .items("img")) : nil
        var start = 0
        while start < n {
            let end = min(n, start + batch)
            let first = start
            pixels.withUnsafeMutableBufferPointer { pixelBuffer in
                errors.withUnsafeMutableBufferPointer { errorBuffer in
                    let (out, errorOut) = (pixelBuffer.baseAddress!, errorBuffer.baseAddress!)
                    parallelFor(end - start, grain: 4) { range in
                        let decoder = JPEGDecoder()
                        var transforms: [Int: ResizeCenterCrop] = [:]
                        var scratch: [UInt8] = []
                        for i in range {
                            let index = first + i
                            errorOut[i] = nil
                            do {
                                let image = try decoder.decode(try listing.read(index))
                                let key = image.width << 32 | image.height
                                let transform = transforms[key] ?? ResizeCenterCrop(width: image.width, height: image.height, size: size)
                                transforms[key] = transform
                                if scratch.count < image.height * size {
                                    scratch = [UInt8](repeating: 0, count: image.height * size)
                                }
                                image.pixels.withUnsafeBufferPointer { src in
                                    scratch.withUnsafeMutableBufferPointer { tmp in
                                        for c in 0..<3 {
                                            let channel = min(c, image.channels - 1)
                                            transform.apply(
                                                plane: src.baseAddress! + channel * image.width * image.height,
                                                into: out + i * imageBytes + c * size * size,
                                                scratch: tmp.baseAddress!)
                                        }
                                    }
                                }
                            } catch {
                                errorOut[i] = "\(listing.names[index]): \(error)"
                            }
                        }
                    }
                }
            }
            try pixels.withUnsafeBufferPointer { chunk in
                for i in 0..<(end - start) {
                    if let error = errors[i] {
                        if firstFailures.count < 5 { firstFailures.append(error) }
                        failed(error)
                    } else {
                        good += 1
                        try decoded(start + i, UnsafeBufferPointer(rebasing: chunk[(i * imageBytes)..<((i + 1) * imageBytes)]))
                    }
                }
            }
            start = end
            bar?.update(step: end)
        }
        bar?.finish()
        guard good > 0 else {
            throw CelebAError.noImages(source: listing.source.path, found: n, failures: firstFailures)
        }
    }

    /// Splits the cached images `names` by `list_eval_partition.txt` and attaches `list_attr_celeba.txt`,
    /// when present; `images(rows)` gives the images at those cache positions, in order.
    static func split(
        names: [String], size: Int, source: CelebASource, cachePath: String, found: Int, log: (String) -> Void,
        images imagesAt: ([Int]) throws -> ImageSet
    ) throws -> CelebA {
        let folder = source.datasetFolder
        let partitionPath = FileIO.join(folder, "list_eval_partition.txt")
        let attributePath = FileIO.join(folder, "list_attr_celeba.txt")
        let n = names.count
        var splitOf = [CelebASplit?](repeating: .train, count: n)
        var notes: [String] = []
        if FileIO.pathExists(partitionPath) {  // a folder or broken link there is an error naming it
            let partition = try CelebALists.parsePartition(try FileIO.readFile(partitionPath), file: partitionPath)
            splitOf = names.map { partition[$0] }
            let missing = splitOf.filter { $0 == nil }.count
            if missing > 0 { notes.append("\(missing) images not in list_eval_partition.txt are left out") }
        } else {
            notes.append("no list_eval_partition.txt in \(folder): every image is in train")
        }
        var attributes = CelebALists.Attributes(names: [], values: [], matched: 0)
        if FileIO.pathExists(attributePath) {
            attributes = try CelebALists.parseAttributes(
                try FileIO.readFile(attributePath), file: attributePath, wanted: names)
            if attributes.matched < n { notes.append("\(n - attributes.matched) images have no attributes") }
        } else {
            notes.append("no list_attr_celeba.txt in \(folder): no attributes")
        }
        let a = attributes.names.count
        func images(_ split: CelebASplit) throws -> CelebAImages {
            let indices = (0..<n).filter { splitOf[$0] == split }
            var values = [Int8]()
            values.reserveCapacity(indices.count * a)
            for i in indices { values += attributes.values[(i * a)..<((i + 1) * a)] }
            return CelebAImages(
                images: try imagesAt(indices), names: indices.map { names[$0] },
                attributeNames: attributes.names, attributes: values)
        }
        let train = try images(.train)
        let valid = try images(.valid)
        let test = try images(.test)
        var summary = "CelebA: found \(found) images in \(source.path), using \(n)"
        summary += " (\(train.count) train, \(valid.count) valid, \(test.count) test) at \(size)×\(size)"
        summary += "; cache \(cachePath)"
        if !notes.isEmpty { summary += "; " + notes.joined(separator: "; ") }
        log(summary)
        return CelebA(
            source: source, cachePath: cachePath, size: size, found: found, decoded: n, train: train, valid: valid,
            test: test, summary: summary)
    }
}

/// The JPEG files of a CelebA source, in name order, with a fingerprint of the list and a reader.
public struct CelebASourceListing {
    /// The folder or zip.
    public let source: CelebASource
    /// File names ("000001.jpg"), sorted.
    public let names: [String]
    /// FNV-1a of every name with its size (folder) or size and CRC-32 (zip): changes when files do.
    public let fingerprint: UInt64
    private let folderPath: String?
    private let archive: ZIPArchive?
    private let entries: [ZIPEntry]

    /// Lists `source`: the `*.jpg` files of the folder, or the `img_align_celeba/*.jpg` members of the zip.
    public init(_ source: CelebASource) throws {
        self.source = source
        var hash = CelebACache.fnv1a([])
        switch source {
        case .folder(let folder):
            let all = try FileManager.default.contentsOfDirectory(atPath: folder)
            names = all.filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
            for name in names {
                hash = CelebACache.fnv1a(Array(name.utf8), hash: hash)
                let bytes = FileIO.fileSize(FileIO.join(folder, name)) ?? -1
                hash = CelebACache.fnv1a(withUnsafeBytes(of: Int64(bytes).littleEndian) { Array($0) }, hash: hash)
            }
            folderPath = folder
            archive = nil
            entries = []
        case .zip(let path):
            let zip = try ZIPArchive(path: path)
            let members = zip.entries.filter {
                !$0.isFolder && $0.name.lowercased().hasSuffix(".jpg")
                    && ($0.name.hasPrefix("img_align_celeba/") || $0.name.contains("/img_align_celeba/"))
            }.sorted { FileIO.fileName(of: $0.name) < FileIO.fileName(of: $1.name) }
            names = members.map { FileIO.fileName(of: $0.name) }
            for entry in members {
                hash = CelebACache.fnv1a(Array(entry.name.utf8), hash: hash)
                let info = [Int64(entry.uncompressedSize), Int64(entry.crc32)]
                hash = CelebACache.fnv1a(info.withUnsafeBytes { Array($0) }, hash: hash)
            }
            folderPath = nil
            archive = zip
            entries = members
        }
        fingerprint = hash
    }

    /// The bytes of file `index`.
    public func read(_ index: Int) throws -> [UInt8] {
        if let archive { return try archive.data(for: entries[index]) }
        return try FileIO.readFile(FileIO.join(folderPath ?? "", names[index]))
    }
}
