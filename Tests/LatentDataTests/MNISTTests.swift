import Testing
@testable import LatentData

/// Writes a fake MNIST-style dataset (gzipped IDX files, `n` images per split) into `folder`.
func writeFakeMNIST(into folder: String, spec: MNISTStyleSpec, trainCount: Int = 5, testCount: Int = 3) throws {
    func images(_ n: Int) -> IDXFile { IDXFile(dimensions: [n, 28, 28], bytes: sampleBytes(n * 784, seed: UInt64(n))) }
    func labels(_ n: Int) -> IDXFile { IDXFile(dimensions: [n], bytes: (0..<n).map { UInt8(($0 * 3 + 1) % 10) }) }
    let contents = [images(trainCount), labels(trainCount), images(testCount), labels(testCount)]
    for (file, idx) in zip(spec.files, contents) {
        try FileIO.writeAtomically(Zlib.gzip(idx.encoded()), to: FileIO.join(folder, file.name))
    }
}

@Suite("MNIST file resolution and loading")
struct MNISTTests {
    @Test("an explicit folder is used and its splits load with the right counts")
    func explicitFolder() throws {
        let folder = try makeScratchFolder("explicit")
        try writeFakeMNIST(into: folder, spec: MNIST.spec)
        let data = try MNIST.spec.load(from: folder, download: false, environment: [:])
        #expect(data.folder == folder)
        #expect(data.train.count == 5 && data.test.count == 3)
        #expect(data.train.labels == (0..<5).map { ($0 * 3 + 1) % 10 })
        #expect(try Array(data.train.pixels.prefix(784)) == Array(sampleBytes(5 * 784, seed: 5).prefix(784)))
    }

    @Test("LATENT_DATA may hold a mnist/ folder or the files directly", arguments: [true, false])
    func latentDataVariable(nested: Bool) throws {
        let root = try makeScratchFolder("env")
        let folder = nested ? root + "/mnist" : root
        try writeFakeMNIST(into: folder, spec: MNIST.spec)
        let environment = ["LATENT_DATA": root, "HOME": "/nonexistent-home"]
        #expect(MNIST.spec.locate(explicitPath: nil, environment: environment) == folder)
    }

    @Test("the search order: an explicit path alone; else LATENT_DATA, the shared data, the cache, the system folder")
    func searchOrder() {
        let environment = ["LATENT_DATA": "/d", "HOME": "/h"]
        #expect(FashionMNIST.spec.searchFolders(explicitPath: "/x", environment: environment) == ["/x"])
        #expect(FashionMNIST.spec.searchFolders(explicitPath: nil, environment: environment)
            == ["/d/fashion-mnist", "/d", "../shared/data/fashion-mnist", "shared/data/fashion-mnist",
                "/h/.cache/latent/fashion-mnist", "/usr/share/datasets/fashion-mnist"])
        #expect(MNIST.spec.cacheFolder(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == "/c/latent/mnist")
    }

    @Test("uncompressed files are found too")
    func plainFiles() throws {
        let folder = try makeScratchFolder("plain")
        try writeFakeMNIST(into: folder, spec: MNIST.spec)
        for file in MNIST.spec.files {
            let gz = FileIO.join(folder, file.name)
            try FileIO.writeAtomically(Zlib.gunzip(FileIO.readFile(gz), file: gz), to: String(gz.dropLast(3)))
            FileIO.removeFile(gz)
        }
        let data = try MNIST.spec.load(from: folder, download: false, environment: [:])
        #expect(data.train.count == 5)
    }

    @Test("missing files offline give one message with the files, URLs and folder")
    func offlineMessage() throws {
        let folder = try makeScratchFolder("missing")
        let error = try #require(throws: DatasetError.self) {
            try MNIST.spec.load(from: folder, download: false, environment: ["HOME": "/nonexistent-home"])
        }
        let text = error.description
        for file in MNIST.spec.files {
            #expect(text.contains(file.name))
            #expect(text.contains("https://ossci-datasets.s3.amazonaws.com/mnist/" + file.name))
        }
        #expect(text.contains("Put these files in \(folder)"))
    }

    @Test("images and labels with different counts are rejected")
    func countMismatch() throws {
        let folder = try makeScratchFolder("count")
        try writeFakeMNIST(into: folder, spec: MNIST.spec)
        let labels = FileIO.join(folder, MNIST.spec.files[1].name)
        try FileIO.writeAtomically(Zlib.gzip(IDXFile(dimensions: [4], bytes: [1, 2, 3, 4]).encoded()), to: labels)
        #expect(throws: DatasetError.countMismatch(
            images: FileIO.join(folder, MNIST.spec.files[0].name), imageCount: 5, labels: labels, labelCount: 4)) {
            try MNIST.spec.load(from: folder, download: false, environment: [:])
        }
    }

    @Test("real MNIST: 60000/10000 images of 28×28, first training label 5",
          .enabled(if: TestPaths.realMNIST != nil, "MNIST files not found in ../shared/data/mnist"))
    func realMNIST() throws {
        let data = try MNIST.load(from: TestPaths.realMNIST, download: false, showProgress: false)
        #expect(data.train.count == 60_000 && data.test.count == 10_000)
        #expect(data.train.channels == 1 && data.train.height == 28 && data.train.width == 28)
        #expect(try data.train.pixels.count == 60_000 * 784)
        #expect(data.train.labels?.first == 5)
        #expect(data.test.labels?.first == 7)
        // Every class occurs; pixel values use the whole byte range (checked on the first 1000 images).
        #expect(Set(data.train.labels ?? []) == Set(0..<10))
        let head = try data.train.pixels[..<(1000 * 784)]
        #expect(head.max() == 255 && head.min() == 0)
    }

    @Test("real Fashion-MNIST: 60000/10000 images of 28×28, first training label 9 (ankle boot)",
          .enabled(if: Requirement.runs(TestPaths.realFashionMNIST != nil), "Fashion-MNIST not installed"))
    func realFashionMNIST() throws {
        try Requirement.check(TestPaths.realFashionMNIST != nil, "Fashion-MNIST (apt: dataset-fashion-mnist)")
        let data = try FashionMNIST.spec.load(from: TestPaths.realFashionMNIST, download: false, environment: [:])
        #expect(data.train.count == 60_000 && data.test.count == 10_000)
        #expect(data.train.height == 28 && data.train.width == 28)
        #expect(data.train.labels?.first == 9)
        #expect(Set(data.test.labels ?? []) == Set(0..<10))
    }
}
