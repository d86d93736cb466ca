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
        // Vulkan declarations only (VK_NO_PROTOTYPES, no link line): LyapVulkan loads libvulkan.so.1 with
        // dlopen, so lyap starts and trains on the CPU where no Vulkan loader is installed.
        .systemLibrary(name: "CVulkan", providers: [.apt(["libvulkan-dev"])]),
        // shaderc linked statically (module map link lines; see docs in the module map).
        .systemLibrary(
            name: "CShaderc",
            providers: [.apt(["libshaderc-dev", "glslang-dev", "spirv-tools"])]),
        // Safetensors, atomic file writes: no model knowledge.
        .target(name: "LyapIO"),
        // Model shape, parameter layout, RNG, initialisation, Adam, the backend protocol.
        .target(name: "LyapCore"),
        // IMDb archive/folder/JSONL loaders, tokenizer, vocabulary, the embedded default subset.
        .target(
            name: "LyapData", dependencies: ["LyapCore", "LyapIO", "CZlib"],
            resources: [.copy("Resources/imdb-embedded.lyds")]),
        // CPU backend: Double oracle and multithreaded Float path over OpenBLAS.
        .target(name: "LyapCPU", dependencies: ["LyapCore", "COpenBLAS", "CLyapKernels"]),
        // Vulkan compute infrastructure: run-time loader, device, buffers, shaderc compiler with SPIR-V
        // cache, pipelines, command sequences with timestamps and validation message counts; the GPU side
        // of the stability analysis (depends on LyapDynamics for its protocol types and seeded vectors).
        .target(name: "LyapVulkan", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapDynamics", "CVulkan", "CShaderc", "CLyapShared"]),
        // The push-constant block shared by Swift and every GLSL kernel (Shaders/include/lyap_push.h).
        .target(name: "CLyapShared"),
        // Prints the Vulkan devices (or why there are none); the subprocess the no-driver tests run.
        .executableTarget(name: "lyap-vk-probe", dependencies: ["LyapVulkan"]),
        // Training loop, run directories, checkpoints, resume.
        .target(name: "LyapTraining", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapCPU"]),
        // LyapDynamics kernels in C vector extensions (AVX-512, AVX2+FMA, baseline variants picked at run time).
        .target(name: "CLyapKernels"),
        // Tangent dynamics: Lyapunov exponents, the asymptotic-distance protocol, the tanh map (CPU).
        .target(name: "LyapDynamics", dependencies: ["LyapCore", "LyapCPU", "COpenBLAS", "CLyapKernels"]),
        // Analysis for the studies: test-loss cycles, phase transitions and their alignment, loss stages, 1-D Wasserstein.
        .target(name: "LyapStudy", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapTraining", "LyapDynamics"]),
        // `lyap audit`'s domain: perturbations, twin runs from a checkpoint on any LSTMBackend, divergence measures,
        // audit.csv and audit.json.
        .target(name: "LyapAudit", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapTraining", "LyapDynamics", "LyapStudy"]),
        // Regenerates Sources/LyapData/Resources/imdb-embedded.lyds (tools/make-embedded-data.sh).
        .executableTarget(name: "lyap-make-embedded", dependencies: ["LyapData"]),
        // The report: SVG charts (no dependencies) and the HTML page of a run (lyap report).
        .target(name: "LyapReport", dependencies: ["LyapCore", "LyapIO"]),
        .executableTarget(
            name: "lyap",
            dependencies: [
                "LyapCore", "LyapIO", "LyapData", "LyapCPU", "LyapTraining", "LyapVulkan", "LyapDynamics", "LyapStudy",
                "LyapReport", "LyapAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (not tests): `swift run -c release lyap-bench train-step`.
        .executableTarget(
            name: "lyap-bench", dependencies: ["LyapCore", "LyapCPU", "LyapVulkan"], path: "tools/bench",
            exclude: ["torch_train_step.py"]),
        // `swift run -c release lyap-bench-real`: training steps on the archive's tokens, shared pad prefix vs not vs PyTorch.
        .executableTarget(
            name: "lyap-bench-real", dependencies: ["LyapCore", "LyapCPU", "LyapData", "LyapTraining"], path: "tools/bench-real",
            exclude: ["torch_real_steps.py"]),
        // `swift run -c release lyap-bench-dynamics`: stability analysis of one model against JAX/PyTorch.
        .executableTarget(
            name: "lyap-bench-dynamics", dependencies: ["LyapCore", "LyapDynamics", "LyapTraining", "LyapVulkan"], path: "tools/bench-dynamics",
            exclude: ["jax_analyze.py", "torch_analyze.py"]),
        // What the test targets share: the `.vulkanDevice` trait and its one availability check, random models,
        // batches and reviews, tolerances.
        .target(name: "LyapTestSupport", dependencies: ["LyapCore", "LyapDynamics", "LyapVulkan"]),
        .testTarget(name: "LyapIOTests", dependencies: ["LyapIO"]),
        .testTarget(name: "LyapCoreTests", dependencies: ["LyapCore"]),
        .testTarget(name: "LyapDataTests", dependencies: ["LyapData", "LyapCore"]),
        .testTarget(name: "LyapCPUTests", dependencies: ["LyapCPU", "LyapCore", "LyapTestSupport"]),
        .testTarget(name: "LyapTrainingTests", dependencies: ["LyapTraining", "LyapCPU", "LyapData", "LyapIO", "LyapCore"]),
        .testTarget(name: "LyapVulkanTests", dependencies: ["LyapVulkan", "lyap-vk-probe", "LyapTestSupport"]),
        .testTarget(name: "LyapVulkanParityTests", dependencies: ["LyapVulkan", "LyapCPU", "LyapCore", "LyapDynamics", "CLyapShared", "LyapTestSupport"]),
        .testTarget(name: "LyapDynamicsTests", dependencies: ["LyapDynamics", "LyapCPU", "LyapCore", "CLyapKernels", "LyapTestSupport"]),
        .testTarget(name: "LyapStudyTests", dependencies: ["LyapStudy", "LyapCore", "LyapDynamics", "LyapData", "LyapTraining"]),
        .testTarget(name: "LyapAuditTests", dependencies: ["LyapAudit", "LyapCore", "LyapDynamics", "LyapIO", "LyapData", "LyapTraining", "LyapCPU"]),
        .testTarget(name: "LyapReportTests", dependencies: ["LyapReport", "LyapIO"]),
        .testTarget(name: "LyapCLITests", dependencies: ["lyap", "LyapCore", "LyapIO", "LyapTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
