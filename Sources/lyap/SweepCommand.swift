import ArgumentParser
import Foundation
import LyapCore
import LyapStudy
import LyapTraining

/// `lyap sweep`: model-wise double descent (methods.md §6.2), a grid of training runs over width,
/// label noise, seed and variant, each logged per epoch into one long-format table.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train a grid of widths x label noise x seeds (x variants), logging train/test loss and error per epoch.",
        discussion: """
            Configurations are the cartesian product variant x label noise x width x seed in that order (seed varies
            fastest), numbered from 0. --shard i/n runs the configurations whose number is i modulo n, so n machines
            share a sweep; lyap merge OUT SHARD_DIR... joins their directories. Output: DIR/sweep.csv (one row per
            configuration and epoch: variant, label_noise, width, seed, epoch, train_loss, train_error on the noisy
            labels, test_loss, test_error on the clean test set, and with --analyze-every the analysis columns of
            lyap train), DIR/sweep.json (settings, shard, H*(p) = smallest width ending with train error 0, null if
            none) and DIR/configs/ID.csv (one per finished configuration; --resume skips those and continues
            the others from DIR/partial, saved every --checkpoint-every epochs). On Vulkan the configurations of
            one variant and width train together as one ensemble; --interleave-widths trains all widths of a
            variant at once (one ensemble per width, recorded side by side), --pad-widths as one ensemble
            zero-padded to the widest. Example (a few minutes on 2 cores):
              lyap sweep --out runs/sweep --widths 1,2,4,8 --seeds 0,1 --label-noise 0,0.2 --epochs 20 \\
                --seq-len 100 --train-size 500 --test-size 500
            """)

    @Option(help: "Sweep directory.") var out: String
    @Option(help: "LSTM widths H, comma-separated (e.g. 1,2,4,8).") var widths: String
    @Option(help: "Seeds (initialisation, data order, label noise), comma-separated (default 0).") var seeds: String = "0"
    @Option(help: "Training-label noise levels p in [0, 1), comma-separated (default 0).") var labelNoise: String = "0"
    @Option(help: "trainable (default), frozen-embedding or subset:N (N training reviews); repeat or comma-separate for several.")
    var variant: [String] = []
    @Option(help: "Run only configuration numbers congruent to i modulo n (0 <= i < n), e.g. 0/4.") var shard: String?
    @Option(help: "Epochs per configuration (default 100).") var epochs: Int = 100
    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOpts: DataSourceOptions
    @OptionGroup var optimizer: OptimizerOptions
    @Option(help: "Initialisation preset: keras or torch (default keras).") var initPreset: InitPreset = .keras
    @Option(help: "Multiply every initial tensor by this (default 1).") var initScale: Double = 1
    @Flag(help: "Train every epoch in the source's order (as lyap train --no-shuffle).") var noShuffle = false
    @Option(help: "Arithmetic: float32 or float64 (CPU only; default float32).") var precision: RunConfig.Precision = .float32
    @Option(help: "CPU threads per configuration (default: all cores).") var threads: Int?
    @Option(help: "Run the stability analysis every K epochs (and at the end); its columns go into sweep.csv.")
    var analyzeEvery: Int?
    @Option(help: "Test reviews the analysis drives with (default 500).") var analyzeReviews: Int = 500
    @Option(help: "Lyapunov exponents the analysis computes (default 1).") var analyzeExponents: Int = 1
    @OptionGroup var compute: BackendOptions
    @OptionGroup var padSharing: PadSharingOptions
    @Option(help: "Vulkan: at most this many configurations in one ensemble (default: all of a variant and width).")
    var maxModels: Int?
    @Flag(help: "Vulkan: train all widths of a variant in one ensemble, each model zero-padded to the widest (exact up to rounding; more work per model, far fewer sequential passes on a GPU).")
    var padWidths = false
    @Flag(help: "Vulkan: train all widths of a variant together, each width its own ensemble, their kernels recorded side by side in one command buffer so a GPU runs the widths at once (bitwise the results of training them apart).")
    var interleaveWidths = false
    @Option(help: "Save each training group's state every K epochs (DIR/partial), so --resume continues inside it (default 10; 0: never).")
    var checkpointEvery: Int = 10
    @Flag(help: "Continue the sweep in --out: skip finished configurations, continue a group from its last checkpoint.") var resume = false
    @Flag(help: "Replace a sweep already in --out.") var force = false

    func run() throws {
        try reportingErrors {
            _ = try compute.stepsPerSubmit  // checked before anything is written
            if padWidths && interleaveWidths {
                throw ConfigError("--pad-widths and --interleave-widths are two ways to train widths together; give one")
            }
            let plan = try SweepPlan(self)
            var runner = SweepRunner(plan: plan, command: self)
            try runner.run()
        }
    }

    /// Comma-separated values; `flag` names the option in the error line.
    static func list<T>(_ text: String, _ flag: String, _ parse: (String) -> T?) throws -> [T] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map {
            let s = $0.trimmingCharacters(in: .whitespaces)
            guard let v = parse(s) else { throw ConfigError("\(flag) \(text): '\(s)' is not a valid value") }
            return v
        }
    }
}
