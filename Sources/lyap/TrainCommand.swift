import ArgumentParser
import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapIO
import LyapTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the LSTM classifier, writing config.json, metrics.csv and checkpoints to a run directory.",
        discussion: """
            Defaults are the paper's model and optimizer (V=10000, E=32, H=60, L=500, B=32, Adam lr 5e-4) on the
            embedded IMDb subset. Examples:
              lyap train --out runs/demo --epochs 5
              lyap train --data ../shared/data/aclImdb_v1-labeled.tar.gz --out runs/full --epochs 100
              lyap train --out runs/demo --resume --epochs 20      (continue; only --epochs may change, and --data
                                                                    may name the same data at another path)
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOpts: DataOptionGroup

    @Option(help: "Run directory.") var out: String
    @Option(help: "Number of epochs (default 100).") var epochs: Int?
    @Option(help: "Write a checkpoint every K epochs (and always at the end; default 10).") var checkpointEvery: Int?
    @OptionGroup var optimizer: OptimizerOptions
    @OptionGroup var framework: FrameworkOptions
    @Option(help: "Run seed: initialisation, data order, label noise (default 0).") var seed: UInt64?
    @Option(help: "Initialisation preset: keras or torch (default keras).") var initPreset: InitPreset?
    @Option(help: "Multiply every initial tensor by this (small-initialisation studies; default 1).") var initScale: Double?
    @Option(help: "Start from these weights (safetensors with PyTorch names) instead of a preset.") var `init`: String?
    @Flag(help: "Train every epoch in the source's order: a .jsonl file's line order; for the archive, a folder or the embedded data one fixed class-mixed permutation (seed 0xDE5). No per-epoch shuffle.") var noShuffle = false
    @Option(help: "Arithmetic: float32 (fast path) or float64 (the reference; default float32).") var precision: RunConfig.Precision?
    @Option(help: "Threads the batch is split over (default: all cores). Fixes summation order, so it is part of the run.")
    var threads: Int?
    @OptionGroup var compute: BackendOptions
    @OptionGroup var conventionOpts: ConventionOptions
    @OptionGroup var padSharing: PadSharingOptions
    @Option(help: "Run the stability analysis every K epochs (and at the end); its columns go into metrics.csv.")
    var analyzeEvery: Int?
    @Option(help: "Test reviews the analysis drives with (default 500).") var analyzeReviews: Int?
    @Option(help: "Lyapunov exponents the analysis computes (default 1: lambda_1; 0: distance only).") var analyzeExponents: Int?
    @Option(help: "Checkpoints to keep: every:K, best, transitions, comma-separated (default: all). The newest is always kept.")
    var keep: String?
    @Flag(help: "Write the loss of every optimizer step to DIR/steps.csv (for lyap stages; rewritten each epoch).")
    var logSteps = false
    @Option(help: "N:E: also evaluate (and analyse, with --analyze-every) epoch 0 and N-1 points inside each of the first E epochs, into DIR/early.csv with their weights in DIR/checkpoints/early (e.g. 8:3).")
    var earlyCheckpoints: String?
    @Flag(help: "Continue the run in --out from its newest checkpoint, with its own settings.") var resume = false
    @Flag(help: "Replace a run already in --out.") var force = false

    func run() throws {
        try reportingErrors {
            let dir = RunDirectory(out)
            if resume && force { throw ConfigError("--resume and --force exclude each other") }
            let config = try resume ? resumedConfig(dir) : newConfig()
            try config.validate()
            if !resume { try dir.checkCanStartNew(force: force) }
            try MemoryPreflight.trainingWeights(config)
            let fallback = resume ? config.backendKind : (config.precision == .float64 ? "cpu" : "auto")
            let backend = try ComputeBackend.resolve(compute.backend ?? fallback, device: compute.device, validate: compute.validate)
            let memory = MemoryNeed.format(try MemoryPreflight.training(config, backend: backend, stepsPerSubmit: try compute.stepsPerSubmit))
            let data = try RunFiles.data(for: config)
            if resume, dataOpts.dataGiven, data.sourceSHA256 != config.data.sha256 {
                throw ConfigError("--data \(dataOpts.data): not the data this run was trained on (sha256 \(data.sourceSHA256.prefix(12))..., the run recorded \(config.data.sha256.prefix(12))...)")
            }
            if resume, data.sourceSHA256 != config.data.sha256 {
                throw ConfigError("--data \(config.data.source): content changed since the run started (sha256 \(data.sourceSHA256.prefix(12))..., recorded \(config.data.sha256.prefix(12))...)")
            }
            var cfg = config
            cfg.data = DataRecordBuilder.record(data, trainSize: config.data.trainSize, testSize: config.data.testSize,
                                                labelNoise: config.data.labelNoise)
            if !resume { cfg.order = DataOrder.forNewRun(shuffle: cfg.shuffle, seed: cfg.seed, data: data) }
            if data.splitSHA256 != nil { cfg.conventions?.splitSHA256 = data.splitSHA256 }
            let initial = try initialParameters(cfg)
            cfg.backend = backend.recordName
            if !resume {
                cfg.sharedPadding = padSharing.shared(padding: data.train.padding, backend: cfg.backend)
                cfg.sharedSlices = SharedSliceRule.forNewRun(shared: cfg.sharedPadding)
            }
            let peaks = try compute.profilePeaks(backend)
            let analysis = try TrainingAnalysis.make(cfg, data: data, backend: backend)
            try backend.check(precision: cfg.precision)
            if backend.onDevice {
                info("model \(cfg.model), L=\(cfg.seqLen), B=\(cfg.batch), float32 on \(cfg.backend), about \(memory) of host memory; \(resume ? "resuming" : "writing") \(out)")
            } else {
                let padding = cfg.sharedPadID == nil ? "every row through its pads" : "pad prefix shared"
                info("model \(cfg.model), L=\(cfg.seqLen), B=\(cfg.batch), \(cfg.precision.rawValue) on \(cfg.backend) with \(cfg.threads) threads (\(padding)), about \(memory) of memory; \(resume ? "resuming" : "writing") \(out)")
            }
            let trainer = try backend.training(cfg, stepsPerSubmit: try compute.stepsPerSubmit, profile: compute.profile)
            let capture = backend.onDevice ? try compute.startCapture(backend) : nil
            try execute(trainer, cfg, data, dir, initial, analysis: analysis)
            try capture?.endCapture()
            if compute.profile, let table = backend.profileTable(peaks: peaks) { say(table) }
            try backend.checkValidation()
        }
    }

    private func execute<B: LSTMBackend>(_ backend: B, _ cfg: RunConfig, _ data: Dataset, _ dir: RunDirectory,
                                         _ initial: ParameterStore<Double>,
                                         analysis: ((ParameterStore<Double>) throws -> [String])?) throws {
        let trainer = Trainer(config: cfg, data: data, backend: backend, dir: dir)
        trainer.analyze = analysis
        let progress = ProgressDisplay()
        trainer.onProgress = { progress.update($0) }
        trainer.onEpoch = { progress.epochDone($0, of: cfg.epochs) }
        if resume { try trainer.resume(initial: initial) } else { try trainer.startNew(initial: initial, replacing: force) }
        progress.finish()
        let peak = PeakMemory.bytes.map { ", peak resident memory \(MemoryNeed.format($0))" } ?? ""
        info("done; metrics in \(dir.metricsPath), checkpoints in \(dir.checkpointsPath)\(peak)")
    }

    private func newConfig() throws -> RunConfig {
        var c = try baseConfig()
        if let spec = keep { c.retention = try CheckpointRetention.parse(spec) }
        if logSteps { c.logSteps = true }
        if let spec = earlyCheckpoints { c.earlyCheckpoints = try EarlyCheckpoints.parse(spec) }
        if let every = analyzeEvery {
            c.analysis = .init(every: every, reviews: analyzeReviews ?? 500, exponents: analyzeExponents ?? 1)
        } else if analyzeReviews != nil || analyzeExponents != nil {
            throw ConfigError("--analyze-reviews and --analyze-exponents need --analyze-every K")
        }
        return c
    }

    private func baseConfig() throws -> RunConfig {
        let shape = ModelShape(vocab: model.vocab ?? 10000, embed: model.embed ?? 32, hidden: model.hidden ?? 60)
        var preset = initPreset
        let conventions = try conventionOpts.conventions(initPreset: &preset)
        // Recorded only when given (or implied by --protocol), so a default run's config.json stays as before.
        var lstmBiases = framework.lstmBiases, adamForm = framework.adamForm
        if conventions?.protocol == ReproductionProtocol.name {
            let f = try ReproductionProtocol.framework(lstmBiases: framework.lstmBiases, adamForm: framework.adamForm)
            lstmBiases = f.biases
            adamForm = f.adamForm
        }
        var c = RunConfig(
            model: shape, seqLen: model.seqLen ?? 500, batch: model.batch ?? 32, epochs: epochs ?? 100,
            adam: optimizer.adam(epsilonOf: adamForm ?? .torch),
            seed: seed ?? 0, initPreset: preset ?? .keras, initScale: initScale ?? 1,
            initFrom: `init`, initFromSHA256: nil, shuffle: !noShuffle, checkpointEvery: checkpointEvery ?? 10,
            backend: "cpu", precision: precision ?? .float32,
            threads: threads ?? min(ProcessInfo.processInfo.activeProcessorCount, 16),
            data: .init(source: dataOpts.data, sha256: "", description: "", trainSize: dataOpts.trainSize,
                        testSize: dataOpts.testSize, labelNoise: dataOpts.labelNoise ?? 0, flippedTrainLabels: 0,
                        trainCount: 0, testCount: 0))
        c.conventions = conventions
        c.lstmBiases = lstmBiases
        c.adamForm = adamForm
        return c
    }

    /// --resume takes every setting from config.json; only --epochs may extend the run.
    private func resumedConfig(_ dir: RunDirectory) throws -> RunConfig {
        var given: [String] = []
        if model.vocab != nil { given.append("--vocab") }
        if model.embed != nil { given.append("--embed") }
        if model.hidden != nil { given.append("--hidden") }
        if model.seqLen != nil { given.append("--seq-len") }
        if model.batch != nil { given.append("--batch") }
        if dataOpts.trainSize != nil { given.append("--train-size") }
        if dataOpts.testSize != nil { given.append("--test-size") }
        if dataOpts.labelNoise != nil { given.append("--label-noise") }
        given += optimizer.given + framework.given
        if initScale != nil { given.append("--init-scale") }
        if seed != nil { given.append("--seed") }
        if initPreset != nil { given.append("--init-preset") }
        if `init` != nil { given.append("--init") }
        if noShuffle { given.append("--no-shuffle") }
        if precision != nil { given.append("--precision") }
        if threads != nil { given.append("--threads") }
        if checkpointEvery != nil { given.append("--checkpoint-every") }
        if analyzeEvery != nil { given.append("--analyze-every") }
        if keep != nil { given.append("--keep") }
        if logSteps { given.append("--log-steps") }
        if earlyCheckpoints != nil { given.append("--early-checkpoints") }
        if analyzeReviews != nil { given.append("--analyze-reviews") }
        if analyzeExponents != nil { given.append("--analyze-exponents") }
        given += conventionOpts.given + padSharing.given
        if !given.isEmpty {
            throw ConfigError("--resume continues with the run's own settings; drop \(given.joined(separator: ", ")) (only --epochs may change, and --data to name the same data at another path)")
        }
        let record = try RunFiles.record(dir, flag: "--resume: --out")
        var c = record.config
        if let e = epochs { c.epochs = e }
        // The same data at another path (a run moved between machines): checked by sha256 once loaded.
        if dataOpts.dataGiven { c.data.source = dataOpts.data }
        return c
    }

    private func initialParameters(_ c: RunConfig) throws -> ParameterStore<Double> {
        let layout = ParameterLayout(c.model)
        guard let path = c.initFrom else {
            var p = c.initPreset.initialize(c.layout, seed: c.seed, scale: c.initScale)
            if c.padRow == .zero { for i in layout.embeddingRow(0) { p.values[i] = 0 } }  // as nn.Embedding(padding_idx=0)
            return p
        }
        guard FileManager.default.fileExists(atPath: path) else { throw ConfigError("--init \(path): no such file") }
        var p = try ModelWeights.read(path: path, expected: c.model, biases: c.layout.biases)
        if c.padRow == .zero, layout.embeddingRow(0).contains(where: { p.values[$0] != 0 }) {
            throw ConfigError("--init \(path): row 0 of embedding.weight is not zero, but --pad-row zero keeps the pad row at zero")
        }
        if c.initScale != 1 { for i in p.values.indices { p.values[i] *= c.initScale } }
        return p
    }
}

enum DataRecordBuilder {
    static func record(_ d: Dataset, trainSize: Int?, testSize: Int?, labelNoise: Double) -> RunConfig.DataRecord {
        RunConfig.DataRecord(source: d.source, sha256: d.sourceSHA256, description: d.description,
                             trainSize: trainSize, testSize: testSize, labelNoise: labelNoise,
                             flippedTrainLabels: d.flippedTrainLabels, trainCount: d.train.count, testCount: d.test.count)
    }
}
