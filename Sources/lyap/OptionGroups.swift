import ArgumentParser
import LyapCore
import LyapTraining
import LyapVulkan

/// Model and batch sizes; nil means "the default" (or, with --resume, "the run's own value").
struct ModelOptions: ParsableArguments {
    @Option(help: "Vocabulary size V, ids 0 pad, 1 start, 2 out-of-vocabulary (default 10000).") var vocab: Int?
    @Option(help: "Embedding width E (default 32).") var embed: Int?
    @Option(help: "LSTM width H (default 60).") var hidden: Int?
    @Option(help: "Sequence length L: reviews are pre-padded and pre-truncated to it (default 500).") var seqLen: Int?
    @Option(help: "Minibatch size B (default 32).") var batch: Int?
}

/// Where the reviews come from and which of them are used (shared by train and sweep).
struct DataSourceOptions: ParsableArguments {
    @Option(help: "embedded (default), an IMDb .tar.gz, an extracted aclImdb folder, or a .jsonl file.")
    var data: String = "embedded"
    @Option(help: "Use a deterministic class-balanced subset of this many training reviews.") var trainSize: Int?
    @Option(help: "Use a deterministic class-balanced subset of this many test reviews.") var testSize: Int?

    var dataGiven: Bool { data != "embedded" }
}

struct DataOptionGroup: ParsableArguments {
    @OptionGroup var source: DataSourceOptions
    @Option(help: "Flip each training label with this probability (seeded by --seed; default 0).") var labelNoise: Double?

    var data: String { source.data }
    var trainSize: Int? { source.trainSize }
    var testSize: Int? { source.testSize }
    var dataGiven: Bool { source.dataGiven }
}

/// Adam's hyper-parameters; nil means the default (or, with --resume, the run's own value).
struct OptimizerOptions: ParsableArguments {
    @Option(help: "Adam learning rate (default 5e-4).") var lr: Double?
    @Option(help: "Adam beta1 (default 0.9).") var beta1: Double?
    @Option(help: "Adam beta2 (default 0.999).") var beta2: Double?
    @Option(help: "Adam epsilon (default 1e-8, PyTorch's; 1e-7, Keras', with --adam-form keras or keras2).") var eps: Double?

    var adam: AdamConfig { adam(epsilonOf: .torch) }
    /// The settings with `form`'s default epsilon unless --eps is given (the form itself is recorded
    /// beside them, RunConfig.adamForm).
    func adam(epsilonOf form: AdamForm) -> AdamConfig {
        AdamConfig(lr: lr ?? 5e-4, beta1: beta1 ?? 0.9, beta2: beta2 ?? 0.999, eps: eps ?? form.defaultEpsilon)
    }
    /// The flags given, for --resume's "drop these" line.
    var given: [String] {
        [("--lr", lr), ("--beta1", beta1), ("--beta2", beta2), ("--eps", eps)].compactMap { $0.1 == nil ? nil : $0.0 }
    }
}

/// Which framework's training conventions the run follows (`lyap train` only; README "Framework conventions").
struct FrameworkOptions: ParsableArguments {
    @Option(name: .customLong("lstm-biases"),
            help: "Gate biases trained: one (Keras' LSTM; default) or two (nn.LSTM's bias_ih and bias_hh, each with its own Adam moments).")
    var lstmBiases: BiasLayout?
    @Option(name: .customLong("adam-form"),
            help: "Adam's form: torch (torch.optim.Adam; default), keras (Keras 3, TensorFlow backend: per-occurrence embedding slices, v sums their squares) or keras2 (tf-keras 2.x). keras and keras2 default --eps to 1e-7.")
    var adamForm: AdamForm?

    var given: [String] {
        [("--lstm-biases", lstmBiases != nil), ("--adam-form", adamForm != nil)].filter(\.1).map(\.0)
    }
}

extension BiasLayout: ExpressibleByArgument {}
extension AdamForm: ExpressibleByArgument {}
extension InitPreset: ExpressibleByArgument {}
extension RunConfig.Precision: ExpressibleByArgument {}

/// Where a command computes.
struct BackendOptions: ParsableArguments {
    @Option(help: "auto (a GPU when there is one, else the CPU), cpu, or vulkan (default auto).") var backend: String?
    @Option(help: "Vulkan device index from `lyap devices`.") var device: Int?
    @Flag(help: "Turn on VK_LAYER_KHRONOS_validation (also LYAP_VALIDATE=1); any message fails the command.") var validate = false
    @Flag(help: "Vulkan: print GPU time per kernel (timestamp queries) at the end, with achieved GFLOP/s and GB/s and, given the device's peaks, each kernel's floor.") var profile = false
    @Option(name: .customLong("peak-gflops"), help: "With --profile: the device's peak float32 GFLOP/s for the floors (default: the datasheet value of known GPUs).")
    var peakGflops: Double?
    @Option(name: .customLong("peak-gbps"), help: "With --profile: the device's peak memory bandwidth in GB/s for the floors (give both or neither).")
    var peakGbps: Double?
    @Option(help: "Bracket the GPU work for a capture tool: renderdoc (run lyap under RenderDoc).") var capture: String?
    @Option(name: .customLong("steps-per-submit"), help: "Vulkan: minibatches recorded into one GPU submission; the host reads their losses once per submission (default 16).")
    var stepsPerSubmitFlag: Int = 16

    var stepsPerSubmit: Int {
        get throws {
            guard stepsPerSubmitFlag >= 1 else { throw ConfigError("--steps-per-submit \(stepsPerSubmitFlag) must be at least 1") }
            return stepsPerSubmitFlag
        }
    }

    /// For commands that neither profile nor capture: one line if any of those flags was given.
    func refuseProfiling(_ command: String) throws {
        let given = [("--profile", profile), ("--capture", capture != nil), ("--peak-gflops", peakGflops != nil), ("--peak-gbps", peakGbps != nil)]
        if let flag = given.first(where: \.1)?.0 {
            throw ConfigError("\(flag) applies to lyap train, eval and analyze, not \(command)")
        }
    }

    /// The peak rates for the --profile floors: both flags, else the datasheet of a known device, else nil.
    /// Checked before any work starts.
    func profilePeaks(_ backend: ComputeBackend) throws -> DevicePeaks? {
        if !profile, let flag = peakGflops != nil ? "--peak-gflops" : (peakGbps != nil ? "--peak-gbps" : nil) {
            throw ConfigError("\(flag) only applies with --profile")
        }
        if profile, !backend.onDevice {
            throw ConfigError("--profile times GPU kernels and needs the Vulkan backend (this run is on the CPU)")
        }
        switch (peakGflops, peakGbps) {
        case let (f?, b?):
            guard f > 0, f.isFinite else { throw ConfigError("--peak-gflops \(f) must be a positive number") }
            guard b > 0, b.isFinite else { throw ConfigError("--peak-gbps \(b) must be a positive number") }
            return DevicePeaks(gflops: f, gigabytesPerSecond: b, source: "--peak-gflops and --peak-gbps")
        case (_?, nil): throw ConfigError("--peak-gflops needs --peak-gbps too (the floors take both)")
        case (nil, _?): throw ConfigError("--peak-gbps needs --peak-gflops too (the floors take both)")
        case (nil, nil):
            return backend.datasheetPeaks
        }
    }

    /// Starts the requested capture on a Vulkan context; the caller ends it.
    func startCapture(_ backend: ComputeBackend) throws -> RenderDocCapture? {
        guard let tool = capture else { return nil }
        guard tool == "renderdoc" else { throw ConfigError("--capture \(tool): the supported tool is renderdoc") }
        return try backend.startCapture()
    }
}
