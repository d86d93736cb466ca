import LyapCore

/// Everything that defines a training run; written to DIR/config.json and read back by --resume.
public struct RunConfig: Codable, Sendable, Equatable {
    public var model: ModelShape
    public var seqLen: Int
    public var batch: Int
    public var epochs: Int
    public var adam: AdamConfig
    public var seed: UInt64
    public var initPreset: InitPreset
    public var initScale: Double
    /// Weights the run started from instead of a preset (`--init`), with the file's sha256.
    public var initFrom: String?
    public var initFromSHA256: String?
    public var shuffle: Bool
    public var checkpointEvery: Int
    public var backend: String
    public var precision: Precision
    /// Threads the batch is split over; part of the run's identity because it fixes summation order.
    public var threads: Int
    public var data: DataRecord
    /// `--analyze-every K`: the stability analysis every K epochs, its columns in metrics.csv.
    public var analysis: AnalysisSchedule?
    /// `--keep`: checkpoint retention (nil keeps every checkpoint).
    public var retention: CheckpointRetention?
    /// `--log-steps`: the loss of every optimizer step in DIR/steps.csv (for `lyap stages`).
    public var logSteps: Bool?
    /// `--early-checkpoints N:E`: epoch 0 and N − 1 points inside each of the first E epochs (nil: none).
    public var earlyCheckpoints: EarlyCheckpoints?
    /// `--lstm-biases`: nil = one (runs written before the flag).
    public var lstmBiases: BiasLayout?
    /// `--adam-form`: nil = torch (runs written before the flag). `adam.eps` holds the effective epsilon.
    public var adamForm: AdamForm?
    /// The order each epoch trains in (see `DataOrder`); nil in runs written before it was recorded.
    public var order: DataOrder?
    /// Tokenizer, padding, split, vocabulary scope, pad row and loss (`RunConventions`); nil = today's.
    public var conventions: RunConventions?
    /// The CPU backend computes each batch's leading pad runs once (`SharedPadding`); nil = false (runs
    /// written before it), so they resume with the computation they started with.
    public var sharedPadding: Bool?
    /// How a shared-prefix batch is cut into the threads' slices; nil = batch order (runs written before the
    /// balanced cut), so they resume with the summation order they started with.
    public var sharedSlices: SharedSliceRule?

    /// The per-epoch analysis of a training run (methods.md §5.2 with the run's own review length as drive).
    public struct AnalysisSchedule: Codable, Sendable, Equatable {
        public var every: Int
        public var reviews: Int
        public var exponents: Int
        /// Zero-input steps after the drive (1100: the paper's T = 1599 for a 500-step drive).
        public var autonomousSteps: Int
        public var epsilon: Double
        public init(every: Int, reviews: Int = 500, exponents: Int = 1, autonomousSteps: Int = 1100, epsilon: Double = 1e-3) {
            self.every = every
            self.reviews = reviews
            self.exponents = exponents
            self.autonomousSteps = autonomousSteps
            self.epsilon = epsilon
        }
    }

    public enum Precision: String, Codable, Sendable, CaseIterable {
        case float32, float64
    }

    public struct DataRecord: Codable, Sendable, Equatable {
        public var source: String
        public var sha256: String
        public var description: String
        public var trainSize: Int?
        public var testSize: Int?
        public var labelNoise: Double
        public var flippedTrainLabels: Int
        public var trainCount: Int
        public var testCount: Int

        public init(source: String, sha256: String, description: String, trainSize: Int?, testSize: Int?,
                    labelNoise: Double, flippedTrainLabels: Int, trainCount: Int, testCount: Int) {
            self.source = source
            self.sha256 = sha256
            self.description = description
            self.trainSize = trainSize
            self.testSize = testSize
            self.labelNoise = labelNoise
            self.flippedTrainLabels = flippedTrainLabels
            self.trainCount = trainCount
            self.testCount = testCount
        }
    }

    public init(model: ModelShape, seqLen: Int, batch: Int, epochs: Int, adam: AdamConfig, seed: UInt64,
                initPreset: InitPreset, initScale: Double, initFrom: String?, initFromSHA256: String?, shuffle: Bool,
                checkpointEvery: Int, backend: String, precision: Precision, threads: Int, data: DataRecord) {
        self.model = model
        self.seqLen = seqLen
        self.batch = batch
        self.epochs = epochs
        self.adam = adam
        self.seed = seed
        self.initPreset = initPreset
        self.initScale = initScale
        self.initFrom = initFrom
        self.initFromSHA256 = initFromSHA256
        self.shuffle = shuffle
        self.checkpointEvery = checkpointEvery
        self.backend = backend
        self.precision = precision
        self.threads = threads
        self.data = data
    }

    /// The parameter layout of the run's model (its shape and bias layout).
    public var layout: ParameterLayout { ParameterLayout(model, biases: lstmBiases ?? .one) }

    /// Adam's hyper-parameters with the run's form.
    public var optimizer: AdamConfig {
        var a = adam
        a.form = adamForm ?? .torch
        return a
    }

    /// "cpu" or "vulkan", from the recorded backend description.
    public var backendKind: String { backend.hasPrefix("vulkan") ? "vulkan" : "cpu" }

    /// Each check names the flag it is about.
    public func validate() throws(ConfigError) {
        try model.validate()
        try adam.validate()
        if seqLen < 1 { throw ConfigError("--seq-len \(seqLen) must be at least 1") }
        if batch < 1 { throw ConfigError("--batch \(batch) must be at least 1") }
        if epochs < 1 { throw ConfigError("--epochs \(epochs) must be at least 1") }
        if checkpointEvery < 1 { throw ConfigError("--checkpoint-every \(checkpointEvery) must be at least 1") }
        if !(initScale > 0 && initScale.isFinite) { throw ConfigError("--init-scale \(initScale) must be a positive number") }
        if threads < 1 { throw ConfigError("--threads \(threads) must be at least 1") }
        if let o = order, (o.scheme == .shuffle) != shuffle {
            throw ConfigError("order \"\(o.scheme.rawValue)\" contradicts shuffle \(shuffle)")
        }
        if let r = retention, r.transitions, analysis == nil {
            throw ConfigError("--keep transitions needs --analyze-every K (the phases come from the analysis)")
        }
        try earlyCheckpoints?.validate()
        if let a = analysis {
            if a.every < 1 { throw ConfigError("--analyze-every \(a.every) must be at least 1") }
            if a.reviews < 1 { throw ConfigError("--analyze-reviews \(a.reviews) must be at least 1") }
            if a.exponents < 0 || a.exponents > 2 * model.hidden {
                throw ConfigError("--analyze-exponents \(a.exponents) must be in 0...2H = 0...\(2 * model.hidden)")
            }
        }
    }
}

/// config.json: the run's settings plus where and with what it was made.
public struct RunRecord: Codable, Sendable {
    public var config: RunConfig
    public var versions: BuildInfo
    public var createdAt: String
    /// The command line of the invocation that wrote this file (the start, or the latest --resume).
    public var command: [String]?

    public init(config: RunConfig, versions: BuildInfo = .current, createdAt: String, command: [String]? = CommandLine.arguments) {
        self.config = config
        self.versions = versions
        self.createdAt = createdAt
        self.command = command
    }
}
