import Foundation
import Testing
import Latent
import LatentData
import LatentModels

/// The folder holding the four MNIST files: `$LATENT_DATA/mnist`, else `../shared/data/mnist` next to the package.
private let mnistFolder: String? = {
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    var candidates = [package.appendingPathComponent("../shared/data/mnist").standardized.path]
    if let root = ProcessInfo.processInfo.environment["LATENT_DATA"] { candidates.insert(root + "/mnist", at: 0) }
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/train-images-idx3-ubyte.gz") }
}()

/// The numbers Fixtures/numpy/pca_reference.py computed from the real MNIST files (float64 NumPy).
private struct Reference: Decodable {
    struct Fit: Decodable {
        let train_images: Int
        let test_images: Int
        let total_variance: Double
        let eigenvalues: [Double]
        let test_mse: [String: Double]
    }
    let full: Fit
    let subset: Fit
}

private func loadReference() throws -> Reference {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/numpy/pca_mnist_reference.json")
    return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: path))
}

@Suite("PCA against float64 NumPy on MNIST", .serialized)
struct PCAReferenceTests {
    @Test("the committed reference is well-formed: descending eigenvalues, MSE falling with k")
    func referenceFile() throws {
        let reference = try loadReference()
        for fit in [reference.full, reference.subset] {
            #expect(fit.eigenvalues.count == 128)
            for (a, b) in zip(fit.eigenvalues, fit.eigenvalues.dropFirst()) { #expect(b <= a) }
            let mse = [2, 8, 16, 32, 64, 128].map { fit.test_mse[String($0)]! }
            for (a, b) in zip(mse, mse.dropFirst()) { #expect(b < a) }
        }
    }

    @Test("eigenvalues, total variance and test MSE per k agree with NumPy to 1e-3 relative (1,000 / 500 images)",
          .enabled(if: mnistFolder != nil, "MNIST not found in LATENT_DATA or ../shared/data: skipped"))
    func matchesNumPy() throws {
        let reference = try loadReference().subset
        let data = try MNIST.load(from: mnistFolder, download: false, showProgress: false)
        let train = try data.train.tensor(first: reference.train_images).reshaped([-1, 784])
        let test = try data.test.tensor(first: reference.test_images).reshaped([-1, 784])
        let pca = try PCA(fitting: train, components: 128, solver: .dense)
        func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }
        #expect(relative(pca.totalVariance, reference.total_variance) < 1e-3)
        for (i, expected) in reference.eigenvalues.enumerated() {
            #expect(relative(pca.explainedVariance[i], expected) < 1e-3, "λ\(i): \(pca.explainedVariance[i]) vs \(expected)")
        }
        for (k, expected) in reference.test_mse {
            let mse = pca.reconstructionMSE(test, components: Int(k)!)
            #expect(relative(mse, expected) < 1e-3, "test MSE k = \(k): \(mse) vs NumPy \(expected)")
        }
    }
}
