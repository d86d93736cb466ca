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
    @Option(help: "Adam epsilon (default 1e-8, PyTorch's).") var eps: Double?

    var adam: AdamConfig { AdamConfig(lr: lr ?? 5e-4, beta1: beta1 ?? 0.9, beta2: beta2 ?? 0.999, eps: eps ?? 1e-8) }
    /// The flags given, for --resume's "drop these" line.
    var given: [String] {
        [("--lr", lr), ("--beta1", beta1), ("--beta2", beta2), ("--eps", eps)].compactMap { $0.1 == nil ? nil : $0.0 }
    }
}

extension InitPreset: ExpressibleByArgument {}
extension RunConfig.Precision: ExpressibleByArgument {}

/// Where a command computes.
struct BackendOptions: ParsableArguments {
    @Option(help: "auto (a GPU when there is one, else the CPU), cpu, or vulkan (default auto).") var backend: String?
    @Option(help: "Vulkan device index from `lyap devices`.") var device: Int?
    @Flag(help: "Turn on VK_LAYER_KHRONOS_validation (also LYAP_VALIDATE=1); any message fails the command.") var validate = false
    @Flag(help: "Print GPU time per kernel (timestamp queries) at the end.") var profile = false
    @Option(help: "Bracket the GPU work for a capture tool: renderdoc (run lyap under RenderDoc).") var capture: String?
    @Option(name: .customLong("steps-per-submit"), help: "Vulkan: minibatches recorded into one GPU submission; the host reads their losses once per submission (default 16).")
    var stepsPerSubmitFlag: Int = 16

    var stepsPerSubmit: Int {
        get throws {
            guard stepsPerSubmitFlag >= 1 else { throw ConfigError("--steps-per-submit \(stepsPerSubmitFlag) must be at least 1") }
            return stepsPerSubmitFlag
        }
    }

    /// Starts the requested capture on a Vulkan context; the caller ends it.
    func startCapture(_ choice: BackendChoice) throws -> RenderDocCapture? {
        guard let tool = capture else { return nil }
        guard tool == "renderdoc" else { throw ConfigError("--capture \(tool): the supported tool is renderdoc") }
        guard case .vulkan(let ctx) = choice else { throw ConfigError("--capture renderdoc needs --backend vulkan") }
        let rd = try RenderDocCapture(context: ctx)
        try rd.startCapture()
        return rd
    }
}
