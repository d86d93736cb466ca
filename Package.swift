// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lyap",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lyap", targets: ["lyap"]),
        .library(name: "LyapCore", targets: ["LyapCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // Safetensors, atomic file writes: no model knowledge.
        .target(name: "LyapIO"),
        // Model shape, parameter layout, RNG, initialisation, Adam, the backend protocol.
        .target(name: "LyapCore"),
        // IMDb archive/folder/JSONL loaders, tokenizer, vocabulary, the embedded default subset.
        .target(
            name: "LyapData", dependencies: ["LyapCore", "CZlib"],
            resources: [.copy("Resources/imdb-embedded.lyds")]),
        // CPU backend: Double oracle and multithreaded Float path over OpenBLAS.
        .target(name: "LyapCPU", dependencies: ["LyapCore", "COpenBLAS"]),
        // Training loop, run directories, checkpoints, resume.
        .target(name: "LyapTraining", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapCPU"]),
        // LyapDynamics kernels in C vector extensions (AVX-512, AVX2+FMA, baseline variants picked at run time).
        .target(name: "CLyapKernels"),
        // Tangent dynamics: Lyapunov exponents, the asymptotic-distance protocol, the tanh map (CPU).
        .target(name: "LyapDynamics", dependencies: ["LyapCore", "LyapCPU", "COpenBLAS", "CLyapKernels"]),
        // Regenerates Sources/LyapData/Resources/imdb-embedded.lyds (tools/make-embedded-data.sh).
        .executableTarget(name: "lyap-make-embedded", dependencies: ["LyapData"]),
        .executableTarget(
            name: "lyap",
            dependencies: [
                "LyapCore", "LyapIO", "LyapData", "LyapCPU", "LyapTraining", "LyapDynamics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (not tests): `swift run -c release lyap-bench train-step`.
        .executableTarget(
            name: "lyap-bench", dependencies: ["LyapCore", "LyapCPU"], path: "tools/bench",
            exclude: ["torch_train_step.py"]),
        // `swift run -c release lyap-bench-dynamics`: stability analysis of one model against JAX/PyTorch.
        .executableTarget(
            name: "lyap-bench-dynamics", dependencies: ["LyapCore", "LyapDynamics", "LyapTraining"], path: "tools/bench-dynamics",
            exclude: ["jax_analyze.py", "torch_analyze.py"]),
        .testTarget(name: "LyapIOTests", dependencies: ["LyapIO"]),
        .testTarget(name: "LyapCoreTests", dependencies: ["LyapCore"]),
        .testTarget(name: "LyapDataTests", dependencies: ["LyapData", "LyapCore"]),
        .testTarget(name: "LyapCPUTests", dependencies: ["LyapCPU", "LyapCore"]),
        .testTarget(name: "LyapTrainingTests", dependencies: ["LyapTraining", "LyapCPU", "LyapData", "LyapIO", "LyapCore"]),
        .testTarget(name: "LyapDynamicsTests", dependencies: ["LyapDynamics", "LyapCPU", "LyapCore", "CLyapKernels"]),
        .testTarget(name: "LyapCLITests", dependencies: ["lyap", "LyapCore", "LyapIO"]),
    ],
    swiftLanguageModes: [.v6]
)
