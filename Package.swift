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
        // Safetensors, atomic file writes, SHA-256: no model knowledge.
        .target(name: "LyapIO"),
        // Model shape, parameter layout, RNG, initialisation, Adam, the backend protocol.
        .target(name: "LyapCore"),
        // IMDb archive/folder/JSONL loaders, tokenizer, vocabulary, the embedded default subset.
        .target(
            name: "LyapData", dependencies: ["LyapCore", "LyapIO", "CZlib"],
            resources: [.copy("Resources/imdb-embedded.lyds")]),
        // CPU backend: Double oracle and multithreaded Float path over OpenBLAS.
        .target(name: "LyapCPU", dependencies: ["LyapCore", "COpenBLAS", "CLyapKernels"]),
        // Vulkan compute infrastructure only: run-time loader, device, buffers, shaderc compiler with SPIR-V
        // cache, pipelines, command sequences with timestamps, validation message counts, capture. Knows no
        // model, data or dynamics.
        .target(name: "LyapVulkan", dependencies: ["LyapIO", "CVulkan", "CShaderc"]),
        // The workloads on Vulkan: the LSTM ensembles (training, evaluation), their kernel table and work
        // model, and the GPU stability analysis (the CPU engine's seeded vectors, so both see the same ξ and frames).
        .target(name: "LyapVulkanLSTM", dependencies: ["LyapCore", "LyapVulkan", "LyapDynamics", "LyapCPUDynamics", "LyapTraining", "CLyapShared"]),
        // The push-constant block shared by Swift and every GLSL kernel (Shaders/include/lyap_push.h).
        .target(name: "CLyapShared"),
        // Prints the Vulkan devices (or why there are none); the subprocess the no-driver tests run.
        .executableTarget(name: "lyap-vk-probe", dependencies: ["LyapVulkan"]),
        // Training loop, run directories, checkpoints, resume.
        .target(name: "LyapTraining", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapCPU", "LyapDynamics"]),
        // LyapCPUDynamics kernels in C vector extensions (AVX-512, AVX2+FMA, baseline variants picked at run time).
        .target(name: "CLyapKernels"),
        // The mathematics of stability, backend-neutral: the analysis protocol and its results, review sets,
        // the analysis-backend protocol, Lyapunov spectra, the tanh map.
        .target(name: "LyapDynamics", dependencies: ["LyapCore"]),
        // The CPU stability engine beside the CPU backend: tangent propagation, Gram-Schmidt, shared drive, Benettin.
        .target(name: "LyapCPUDynamics", dependencies: ["LyapCore", "LyapDynamics", "LyapCPU", "COpenBLAS", "CLyapKernels"]),
        // Analysis for the studies: test-loss cycles, phase transitions and their alignment, loss stages, 1-D Wasserstein.
        .target(name: "LyapStudy", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapTraining", "LyapDynamics"]),
        // `lyap audit`'s domain: perturbations, twin runs from a checkpoint on any LSTMBackend, divergence measures,
        // audit.csv and audit.json.
        .target(name: "LyapAudit", dependencies: ["LyapCore", "LyapIO", "LyapData", "LyapTraining", "LyapDynamics", "LyapStudy"]),
        // Regenerates Sources/LyapData/Resources/imdb-embedded.lyds (tools/make-embedded-data.sh).
        .executableTarget(name: "lyap-make-embedded", dependencies: ["LyapData", "LyapIO"]),
        // The report: SVG charts (no dependencies) and the HTML page of a run (lyap report).
        .target(name: "LyapReport", dependencies: ["LyapCore", "LyapIO"]),
        .executableTarget(
            name: "lyap",
            dependencies: [
                "LyapCore", "LyapIO", "LyapData", "LyapCPU", "LyapTraining", "LyapVulkan", "LyapVulkanLSTM", "LyapDynamics",
                "LyapCPUDynamics", "LyapStudy", "LyapReport", "LyapAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (not tests): `swift run -c release lyap-bench train-step`.
        .executableTarget(
            name: "lyap-bench", dependencies: ["LyapCore", "LyapCPU", "LyapVulkan", "LyapVulkanLSTM", "LyapDynamics"], path: "tools/bench",
            exclude: ["torch_train_step.py"]),
        // `swift run -c release lyap-bench-real`: training steps on the archive's tokens, shared pad prefix vs not vs PyTorch.
        .executableTarget(
            name: "lyap-bench-real", dependencies: ["LyapCore", "LyapCPU", "LyapData", "LyapTraining"], path: "tools/bench-real",
            exclude: ["torch_real_steps.py"]),
        // `swift run -c release lyap-bench-dynamics`: stability analysis of one model against JAX/PyTorch.
        .executableTarget(
            name: "lyap-bench-dynamics", dependencies: ["LyapCore", "LyapDynamics", "LyapCPUDynamics", "LyapTraining", "LyapVulkan", "LyapVulkanLSTM"], path: "tools/bench-dynamics",
            exclude: ["jax_analyze.py", "torch_analyze.py"]),
        // What the test targets share: the `.vulkanDevice` trait and its one availability check, random models,
        // batches and reviews, tolerances, and a third compute kind (the float64 oracle under its own name) that
        // proves the backend seam.
        .target(name: "LyapTestSupport", dependencies: ["LyapCore", "LyapCPU", "LyapDynamics", "LyapCPUDynamics", "LyapTraining", "LyapVulkan"]),
        .testTarget(name: "LyapIOTests", dependencies: ["LyapIO"]),
        .testTarget(name: "LyapCoreTests", dependencies: ["LyapCore"]),
        .testTarget(name: "LyapDataTests", dependencies: ["LyapData", "LyapCore", "LyapIO"]),
        .testTarget(name: "LyapCPUTests", dependencies: ["LyapCPU", "LyapCore", "LyapTestSupport"]),
        .testTarget(name: "LyapTrainingTests", dependencies: ["LyapTraining", "LyapCPU", "LyapData", "LyapIO", "LyapCore"]),
        .testTarget(name: "LyapVulkanTests", dependencies: ["LyapVulkan", "LyapVulkanLSTM", "lyap-vk-probe", "LyapTestSupport"]),
        .testTarget(name: "LyapVulkanParityTests", dependencies: ["LyapVulkan", "LyapVulkanLSTM", "LyapCPU", "LyapCore", "LyapDynamics", "LyapCPUDynamics", "CLyapShared", "LyapTestSupport"]),
        .testTarget(name: "LyapDynamicsTests", dependencies: ["LyapDynamics", "LyapCPUDynamics", "LyapCPU", "LyapCore", "CLyapKernels", "LyapTestSupport"]),
        .testTarget(name: "LyapStudyTests", dependencies: ["LyapStudy", "LyapCore", "LyapDynamics", "LyapData", "LyapTraining"]),
        .testTarget(name: "LyapAuditTests", dependencies: ["LyapAudit", "LyapCore", "LyapDynamics", "LyapIO", "LyapData", "LyapTraining", "LyapCPU"]),
        .testTarget(name: "LyapReportTests", dependencies: ["LyapReport", "LyapIO"]),
        .testTarget(name: "LyapCLITests", dependencies: ["lyap", "LyapCore", "LyapIO", "LyapTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
