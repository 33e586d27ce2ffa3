import Foundation
import Latent

/// Why a folder of pictures gave no data.
public enum ImageFolderError: Error, CustomStringConvertible, Equatable {
    /// `--data` is not a folder.
    case notAFolder(String)
    /// The folder holds no file ending in .jpg, .jpeg or .png.
    case noImageFiles(folder: String, otherFiles: Int)
    /// Every picture file failed to decode.
    case noUsableImages(folder: String, found: Int, failures: [String])
    /// One file could not be prepared (`vae --encode`).
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case .notAFolder(let path):
            return "--dataset images: \(path) is not a folder (give --data the folder holding your pictures)"
        case .noImageFiles(let folder, let other):
            return "--dataset images: no picture in \(folder): looked for files ending in .jpg, .jpeg or .png "
                + "(any case) in it and every folder below it, hidden ones excepted; found \(other) other file\(other == 1 ? "" : "s")"
        case .noUsableImages(let folder, let found, let failures):
            return "--dataset images: none of the \(found) picture files in \(folder) could be decoded; first errors:\n  "
                + failures.prefix(5).joined(separator: "\n  ")
        case .unreadable(let file, let reason):
            return "\(file): \(reason)"
        }
    }
}

/// Any folder of pictures as a dataset: every JPEG (baseline or progressive) and PNG below the folder,
/// gray, RGB or RGBA, of any size, prepared as `ImagePreparation` does (shorter side to S, centre
/// S×S crop, 1 or 3 channels), and split into train and test by a hash of each file's path.
///
/// ```swift
/// let photos = try ImageFolder.load(from: "~/Pictures/cats", size: 64, channels: 3)
/// var loader = DataLoader(photos.train, batchSize: 32, range: .minusOneToOne, seed: 0)
/// ```
/// The split puts a file in test when `testHash(path) % 10 == 0` (about 1 in 10): it depends on the
/// file's own relative path only, so adding or removing other files never moves a picture from one
/// side to the other. The first load decodes every file in parallel (with a progress bar) into a
/// cache file (`$XDG_CACHE_HOME/latent/images/`); later loads decode only new or changed files (by
/// size and modification time). Files that cannot be decoded are skipped and reported.
public struct ImageFolder: Sendable {
    /// One skipped file: its path relative to the folder and why.
    public struct Skipped: Sendable, Equatable {
        public let name: String
        public let reason: String
    }

    /// The folder, as given.
    public let root: String
    /// Side S and channels C of every image.
    public let size: Int
    public let channels: Int
    /// The cache file read or written.
    public let cachePath: String
    /// Training images (about 9 in 10), in path order; no labels.
    public let train: ImageSet
    /// Test images (about 1 in 10), in path order.
    public let test: ImageSet
    /// The relative paths of the training and test images.
    public let trainNames: [String]
    public let testNames: [String]
    /// Files ending in .jpg, .jpeg or .png found.
    public let found: Int
    /// Other files found (not read).
    public let otherFiles: Int
    /// Picture files that could not be used.
    public let skipped: [Skipped]
    /// Files decoded by this load (0 when the cache held them all).
    public let decoded: Int
    /// What the loader did (also logged).
    public let summary: String

    /// The file extensions read (compared lower-cased).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The split's hash of a relative path: FNV-1a of its UTF-8 bytes, then SplitMix64's finalizer
    /// (so that paths differing in one digit land in different tenths).
    public static func splitHash(_ relativePath: String) -> UInt64 {
        var z = CelebACache.fnv1a(Array(relativePath.utf8))
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Whether the picture at `relativePath` belongs to the test split (1 in 10).
    public static func isTest(_ relativePath: String) -> Bool { splitHash(relativePath) % 10 == 0 }

    /// `$XDG_CACHE_HOME/latent/images` or `~/.cache/latent/images`.
    public static func defaultCacheFolder(environment: [String: String]) -> String {
        DataFolders.cache("images", environment: environment)
    }

    /// The cache file of `root` at `size` and `channels` in `folder`: named after the folder and a
    /// hash of its absolute path.
    public static func cachePath(root: String, size: Int, channels: Int, in folder: String) -> String {
        let absolute = absolutePath(root)
        let tag = String(CelebACache.fnv1a(Array(absolute.utf8)), radix: 16)
        var name = FileIO.fileName(of: absolute)
        if name.isEmpty || name == "/" { name = "root" }
        return FileIO.join(folder, "\(name)-\(size)px-\(channels)ch-\(tag).u8")
    }

    static func absolutePath(_ path: String) -> String {
        var absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        while absolute.count > 1 && absolute.hasSuffix("/") { absolute.removeLast() }
        return absolute
    }

    /// The picture files below `root` (relative paths, sorted, with size and modification time) and
    /// the number of other files. Hidden files and folders (names starting with ".") are left out.
    public static func list(_ root: String) throws -> (files: [ImageFolderCache.Entry], otherFiles: Int) {
        guard FileIO.isFolder(root) else { throw ImageFolderError.notAFolder(root) }
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw ImageFolderError.notAFolder(root) }
        var files: [ImageFolderCache.Entry] = []
        var other = 0
        while let relative = walker.nextObject() as? String {
            let full = FileIO.join(root, relative)
            if FileIO.fileName(of: relative).hasPrefix(".") {
                if FileIO.isFolder(full) { walker.skipDescendants() }
                continue
            }
            var info = stat()
            guard stat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let name = FileIO.fileName(of: relative)
            let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
            guard extensions.contains(ext) else { other += 1; continue }
            let modified = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
            files.append(.init(name: relative, fileSize: Int64(info.st_size), modified: modified, failure: nil))
        }
        files.sort { $0.name < $1.name }
        return (files, other)
    }

    /// Lists `root`, reads (or builds, or tops up) the decoded cache, and splits it.
    ///
    /// - Parameters:
    ///   - root: the folder of pictures (`--data`).
    ///   - size: side S of the square crops; `channels`: 1 (gray) or 3 (RGB).
    ///   - cacheFolder: where the cache lives (default: `defaultCacheFolder`).
    ///   - showProgress: a progress bar while decoding.
    ///   - log: receives the summary lines (default: printed).
    public static func load(
        from root: String, size: Int = 64, channels: Int = 3, cacheFolder: String? = nil, showProgress: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: (String) -> Void = { print($0) }
    ) throws -> ImageFolder {
        precondition((1...4096).contains(size), "ImageFolder: size must be 1...4096, got \(size)")
        precondition(channels == 1 || channels == 3, "ImageFolder: channels must be 1 or 3, got \(channels)")
        let (files, otherFiles) = try list(root)
        guard !files.isEmpty else { throw ImageFolderError.noImageFiles(folder: root, otherFiles: otherFiles) }
        let folder = cacheFolder ?? defaultCacheFolder(environment: environment)
        let cachePath = cachePath(root: root, size: size, channels: channels, in: folder)
        let source = absolutePath(root)

        // The previous cache, if it is one of this folder at this size.
        var old: ImageFolderCache?
        if FileIO.fileExists(cachePath) {
            do {
                let candidate = try ImageFolderCache(decoding: try FileIO.readFile(cachePath), path: cachePath)
                if candidate.size == size && candidate.channels == channels && candidate.source == source { old = candidate }
            } catch {
                log("images: \(error); rebuilding")
            }
        }
        let cache: ImageFolderCache
        let decodedNow: Int
        if let old, old.entries.count == files.count, zip(old.entries, files).allSatisfy({ a, b in
            a.name == b.name && a.fileSize == b.fileSize && a.modified == b.modified
        }) {
            cache = old
            decodedNow = 0
        } else {
            (cache, decodedNow) = build(files: files, root: root, source: source, size: size, channels: channels,
                                        reusing: old, showProgress: showProgress)
            do {
                try FileIO.writeAtomically(cache.encoded(), to: cachePath)
            } catch {
                log("images: could not write the decoded cache (\(error)); using the decoded images without one")
            }
        }
        let skipped = cache.entries.compactMap { e in e.failure.map { Skipped(name: e.name, reason: $0) } }
        guard skipped.count < cache.entries.count else {
            throw ImageFolderError.noUsableImages(folder: root, found: files.count, failures: skipped.map { "\($0.name): \($0.reason)" })
        }
        return split(cache, root: root, cachePath: cachePath, found: files.count, otherFiles: otherFiles, skipped: skipped,
                     decoded: decodedNow, log: log)
    }

    /// Decodes the files `files` that `old` does not already hold (same name, size and modification
    /// time), in parallel with a progress bar; returns the new cache and how many files were decoded.
    static func build(files: [ImageFolderCache.Entry], root: String, source: String, size: Int, channels: Int,
                      reusing old: ImageFolderCache?, showProgress: Bool) -> (ImageFolderCache, Int) {
        let imageBytes = channels * size * size
        // Where each old usable entry's pixels start.
        var known: [String: (entry: ImageFolderCache.Entry, offset: Int?)] = [:]
        if let old {
            var offset = 0
            for entry in old.entries {
                known[entry.name] = (entry, entry.failure == nil ? offset : nil)
                if entry.failure == nil { offset += imageBytes }
            }
        }
        let n = files.count
        var pixels = [UInt8](repeating: 0, count: n * imageBytes)
        var failures = [String?](repeating: nil, count: n)
        var toDecode: [Int] = []
        for (i, file) in files.enumerated() {
            if let hit = known[file.name], hit.entry.fileSize == file.fileSize, hit.entry.modified == file.modified, let old {
                if let offset = hit.offset {
                    pixels.replaceSubrange((i * imageBytes)..<((i + 1) * imageBytes), with: old.pixels[offset..<(offset + imageBytes)])
                } else {
                    failures[i] = hit.entry.failure
                }
            } else {
                toDecode.append(i)
            }
        }
        let bar = showProgress && !toDecode.isEmpty
            ? ProgressBar(total: toDecode.count, label: "decoding pictures to \(channels)×\(size)×\(size)", unit: .items("img")) : nil
        pixels.withUnsafeMutableBufferPointer { pixelBuffer in
            failures.withUnsafeMutableBufferPointer { failureBuffer in
                guard let out = pixelBuffer.baseAddress, let failureOut = failureBuffer.baseAddress else { return }
                let batch = 256
                var start = 0
                while start < toDecode.count {
                    let end = min(toDecode.count, start + batch)
                    let first = start
                    toDecode.withUnsafeBufferPointer { indices in
                        parallelFor(end - first, grain: 2) { range in
                            for k in range {
                                let index = indices[first + k]
                                do {
                                    let prepared = try ImagePreparation.prepare(
                                        try FileIO.readFile(FileIO.join(root, files[index].name)), size: size, channels: channels)
                                    prepared.withUnsafeBufferPointer { p in
                                        (out + index * imageBytes).update(from: p.baseAddress!, count: imageBytes)
                                    }
                                } catch let failure as ImagePreparation.Failure {
                                    failureOut[index] = failure.description
                                } catch {
                                    failureOut[index] = "\(error)"
                                }
                            }
                        }
                    }
                    start = end
                    bar?.update(step: end)
                }
            }
        }
        bar?.finish()
        var entries = files
        for i in 0..<n { entries[i].failure = failures[i] }
        if failures.contains(where: { $0 != nil }) {
            var compact = [UInt8]()
            compact.reserveCapacity((n - failures.filter { $0 != nil }.count) * imageBytes)
            for i in 0..<n where failures[i] == nil { compact += pixels[(i * imageBytes)..<((i + 1) * imageBytes)] }
            pixels = compact
        }
        return (ImageFolderCache(size: size, channels: channels, source: source, entries: entries, pixels: pixels), toDecode.count)
    }

    /// Splits the usable images of `cache` by `isTest`.
    static func split(_ cache: ImageFolderCache, root: String, cachePath: String, found: Int, otherFiles: Int,
                      skipped: [Skipped], decoded: Int, log: (String) -> Void) -> ImageFolder {
        let usable = cache.entries.filter { $0.failure == nil }.map(\.name)
        var isTest = usable.map { Self.isTest($0) }
        var notes: [String] = []
        if !isTest.contains(true) && usable.count >= 2 {
            // Too few pictures for 1 in 10 to hit: the one with the smallest hash is held out.
            let first = usable.indices.min { splitHash(usable[$0]) < splitHash(usable[$1]) }!
            isTest[first] = true
            notes.append("no file fell in the test tenth: \(usable[first]) is held out as the test set")
        }
        let imageBytes = cache.channels * cache.size * cache.size
        func images(_ test: Bool) -> (ImageSet, [String]) {
            let indices = usable.indices.filter { isTest[$0] == test }
            var pixels = [UInt8]()
            pixels.reserveCapacity(indices.count * imageBytes)
            for i in indices { pixels += cache.pixels[(i * imageBytes)..<((i + 1) * imageBytes)] }
            return (ImageSet(count: indices.count, channels: cache.channels, height: cache.size, width: cache.size,
                             pixels: pixels, labels: nil), indices.map { usable[$0] })
        }
        let (train, trainNames) = images(false)
        let (test, testNames) = images(true)
        var summary = "images: found \(found) picture file\(found == 1 ? "" : "s") in \(root)"
        if otherFiles > 0 { summary += " (and \(otherFiles) other file\(otherFiles == 1 ? "" : "s"), not read)" }
        summary += ", using \(usable.count) (\(train.count) train, \(test.count) test) at \(cache.channels)×\(cache.size)×\(cache.size)"
        summary += "; decoded \(decoded) now, \(usable.count + skipped.count - decoded) from the cache \(cachePath)"
        if !notes.isEmpty { summary += "; " + notes.joined(separator: "; ") }
        if !skipped.isEmpty {
            summary += "\nimages: skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s") that could not be decoded"
                + (skipped.count > 5 ? ", the first 5:" : ":")
            for s in skipped.prefix(5) { summary += "\n  \(s.name): \(s.reason)" }
        }
        log(summary)
        return ImageFolder(root: root, size: cache.size, channels: cache.channels, cachePath: cachePath, train: train, test: test,
                           trainNames: trainNames, testNames: testNames, found: found, otherFiles: otherFiles, skipped: skipped,
                           decoded: decoded, summary: summary)
    }
}
