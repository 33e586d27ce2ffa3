import Foundation
import Testing
@testable import LatentData

/// What a gated test does when the tool or dataset it needs is missing: skip (with a message) on a
/// developer's machine, but fail under `CI=true`, where CI is meant to have installed it — so a missing
/// dependency cannot turn the tests that need it into silent skips while CI stays green.
enum Requirement {
    /// Whether the environment says this is CI (`.ci/run` exports `CI=true`).
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether a test needing something should run: when it is available, and always under CI.
    static func runs(_ available: Bool) -> Bool { available || isCI }

    /// Fails the running test, naming `what`, when it is not available (reached only under CI).
    static func check(_ available: Bool, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(available, "CI=true but \(what) is missing: CI must provide it", sourceLocation: sourceLocation)
    }
}

/// Paths of the package, found from this file's location.
enum TestPaths {
    /// The package root (two folders above `Tests/LatentDataTests`).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Fixtures/<sub>` in the package.
    static func fixture(_ sub: String) -> String { packageRoot + "/Fixtures/" + sub }

    /// The shared data folder: `$LATENT_DATA` if set, else `../shared/data` next to the package.
    static let sharedData: String = {
        if let root = ProcessInfo.processInfo.environment["LATENT_DATA"], !root.isEmpty { return root }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    /// The real MNIST folder, or nil (with a message) when its four files are absent.
    static let realMNIST: String? = {
        let folder = sharedData + "/mnist"
        if MNIST.spec.locate(explicitPath: folder, environment: [:]) == folder { return folder }
        print("MNIST real-data tests skipped: the four MNIST files are not in \(folder) (set LATENT_DATA)")
        return nil
    }()

    /// The installed Fashion-MNIST folder, or nil (with a message).
    static let realFashionMNIST: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let folder = FashionMNIST.spec.locate(explicitPath: nil, environment: environment) { return folder }
        print("Fashion-MNIST real-data tests skipped: not found (apt-get install dataset-fashion-mnist, or set LATENT_DATA)")
        return nil
    }()
}
