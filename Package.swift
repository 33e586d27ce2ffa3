// swift-tools-version: 6.0
import PackageDescription
import Foundation

// Code generation for the SIMD kernels.
//
// Swift's SIMD types only become vector instructions when the compiler may use the CPU's vector
// extensions. With the default x86-64 baseline (SSE2), `SIMD16<Float>.addingProduct` is lowered to
// sixteen calls of libm's scalar `fmaf` (measured: 0.7 GFLOP/s), and `a * b + c` is never fused. So on
// x86-64 we compile for the machine doing the build (`-target-cpu native`: AVX2/FMA, AVX-512 where
// present). Set LATENT_TARGET_CPU to pick another CPU (e.g. `x86-64-v3` for any AVX2+FMA machine), or
// LATENT_PORTABLE=1 for the plain baseline (slow, but runs anywhere). Arm64 needs nothing: NEON and
// FMA are part of its baseline.
let environment = ProcessInfo.processInfo.environment
var codegen: [SwiftSetting] = []
#if arch(x86_64)
if environment["LATENT_PORTABLE"] == nil {
    // swiftc's -target-cpu takes CPU names, not the x86-64 levels: a level becomes the first CPU with it.
    let levels = ["x86-64-v2": "nehalem", "x86-64-v3": "haswell", "x86-64-v4": "skylake-avx512"]
    let requested = environment["LATENT_TARGET_CPU"] ?? "native"
    let targetCPU = levels[requested] ?? requested
    codegen.append(.unsafeFlags(["-target-cpu", targetCPU]))
    if environment["LATENT_TARGET_CPU"] != nil { codegen.append(.define("LATENT_CUSTOM_TARGET_CPU")) }
    // GEMM's register tile depends on the vector registers: 32 × 512-bit with AVX-512 hold a 12 × 32
    // tile of floats; AVX2's 16 × 256-bit hold 6 × 16 (the wide tile would spill). Both give the same
    // bits (every element is one fused multiply-add chain in the same order).
    if usesAVX512(targetCPU) { codegen.append(.define("LATENT_AVX512")) }
} else {
    codegen.append(.define("LATENT_PORTABLE_BUILD"))  // latent-bench says what the kernels were built for
}
#endif
/// True when code built for `targetCPU` may use AVX-512 (`native`: when the building machine has it).
func usesAVX512(_ targetCPU: String) -> Bool {
    if targetCPU == "native" {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix("flags") }?
            .split(separator: " ").contains("avx512f") ?? false
    }
    let avx512CPUs: Set<String> = [
        "skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
        "icelake-server", "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids", "graniterapids",
        "graniterapids-d", "znver4", "znver5",
    ]
    return avx512CPUs.contains(targetCPU)
}
// Let Float.squareRoot() (which goes through a C shim) become one instruction: with C's default
// math-errno, every lane of SIMD16.squareRoot() turns into a compare and a possible call to sqrtf, so
// nothing using it vectorizes (measured: Adam's update 2x slower).
codegen.append(.unsafeFlags(["-Xcc", "-fno-math-errno"]))
// In release builds, skip the run-time exclusivity checks in hot loops (the kernels use unsafe
// pointers and never overlap accesses).
codegen.append(.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)))

// The chapters: one executable each, `Tutorials/NN-Name/main.swift`, with the chapter text (README.md)
// and, for some, the pictures it shows (figures/) beside it.
let chapters: [(product: String, folder: String, exclude: [String])] = [
    ("pca", "01-PCA", ["README.md", "APPENDIX.md", "figures"]),
    ("autoencoder", "02-Autoencoder", ["README.md", "APPENDIX.md", "figures"]),
    ("vae", "03-VAE", ["README.md", "APPENDIX.md", "figures", "iwae-table.sh", "make_encode_photos.py"]),
    ("beta-vae", "04-BetaVAE", ["README.md", "APPENDIX.md", "figures"]),
    ("collapse", "05-Collapse", ["README.md", "APPENDIX.md", "figures", "table.sh", "table.py"]),
    ("disentangle", "06-Disentanglement", ["README.md", "APPENDIX.md", "figures", "table.sh", "table.py", "crosscheck.py"]),
    ("cvae", "07-Conditional", ["README.md", "APPENDIX.md", "figures", "m2-curve.py"]),
]
let package = Package(
    name: "Latent",
    products: [
        .library(name: "Latent", targets: ["Latent"]),
        .library(name: "LatentData", targets: ["LatentData"]),
        .library(name: "LatentModels", targets: ["LatentModels"]),
        .executable(name: "latent-bench", targets: ["latent-bench"]),
        .executable(name: "latent-demo", targets: ["latent-demo"]),
    ] + chapters.map { .executable(name: $0.product, targets: [$0.product]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Latent` (DocC); not linked into any target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // zlib, the one native library: gzip for MNIST, raw deflate for ZIP, deflate + CRC for PNG.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The core: tensors, kernels, layers, losses, optimizers, gradient checking. No dependencies.
        .target(name: "Latent", swiftSettings: codegen),
        // Files and datasets: gzip, IDX, MNIST, CelebA (JPEG, ZIP), PNG, SVG, checkpoints, progress.
        .target(name: "LatentData", dependencies: ["Latent", "CZlib"], swiftSettings: codegen),
        // Models that more than one chapter (or the benchmark) uses, written out once, and their
        // checkpoints (through LatentData's).
        .target(name: "LatentModels", dependencies: ["Latent", "LatentData"], swiftSettings: codegen),
        // The chapters' shared command-line options and plumbing (ArgumentParser lives here and in the
        // executables, never in the libraries above).
        .target(
            name: "LatentCommands",
            dependencies: ["Latent", "LatentData", "LatentModels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: codegen
        ),
        .executableTarget(
            name: "latent-bench",
            dependencies: [
                "Latent", "LatentData", "LatentModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/latent-bench",
            swiftSettings: codegen
        ),
        // The data and output layer on real MNIST: a digit grid PNG and SVG charts in runs/demo/.
        .executableTarget(
            name: "latent-demo",
            dependencies: ["Latent", "LatentData", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Demo/latent-demo",
            swiftSettings: codegen
        ),
        .testTarget(name: "LatentTests", dependencies: ["Latent", "LatentModels"], swiftSettings: codegen),
        .testTarget(name: "LatentDataTests", dependencies: ["LatentData"], swiftSettings: codegen),
        // The chapters on tiny data: their executables run as child processes, and the steps and the
        // harness they call (LatentModels) run in-process.
        .testTarget(
            name: "TutorialTests",
            dependencies: ["Latent", "LatentData", "LatentModels"]
                + chapters.map { .target(name: $0.product) },  // built first, so the tests find the executables
            swiftSettings: codegen
        ),
    ] + chapters.map { chapter in
        .executableTarget(
            name: chapter.product,
            dependencies: [
                "Latent", "LatentData", "LatentModels", "LatentCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tutorials/\(chapter.folder)",
            exclude: chapter.exclude,
            swiftSettings: codegen
        )
    }
)
