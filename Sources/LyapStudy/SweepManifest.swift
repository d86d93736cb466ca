import LyapCore
import LyapTraining

/// Everything that must agree between the shards of one sweep: the grid, model sizes, optimizer,
/// initialisation, data and analysis. (Where a shard ran, and how many threads, may differ.)
public struct SweepSettings: Codable, Equatable, Sendable {
    public var grid: SweepGrid
    public var vocab: Int, embed: Int, seqLen: Int, batch: Int, epochs: Int
    public var adam: AdamConfig
    public var initPreset: InitPreset
    public var initScale: Double
    public var shuffle: Bool
    /// The order scheme (nil in sweeps started before it was recorded: shuffled, or class-sorted).
    public var order: DataOrder?
    public var precision: RunConfig.Precision
    public var analysis: RunConfig.AnalysisSchedule?
    public var data: DataSettings
    /// The CPU backend shares the pad prefix (`--no-shared-padding`: false; nil in sweeps started before it:
    /// not shared). The setting itself, not where it ran: Vulkan shards never share.
    public var sharedPadding: Bool?
    /// How shared-prefix batches are cut into slices (nil: batch order, sweeps started before it was recorded).
    public var sharedSlices: SharedSliceRule?

    public struct DataSettings: Codable, Equatable, Sendable {
        public var source: String
        public var sha256: String
        /// --train-size / --test-size (subset:N variants use N training reviews instead).
        public var trainSize: Int?
        public var testSize: Int?
        public var trainCount: Int
        public var testCount: Int
        public init(source: String, sha256: String, trainSize: Int?, testSize: Int?, trainCount: Int, testCount: Int) {
            self.source = source; self.sha256 = sha256; self.trainSize = trainSize; self.testSize = testSize
            self.trainCount = trainCount; self.testCount = testCount
        }
    }

    public init(grid: SweepGrid, vocab: Int, embed: Int, seqLen: Int, batch: Int, epochs: Int, adam: AdamConfig,
                initPreset: InitPreset, initScale: Double, shuffle: Bool, precision: RunConfig.Precision,
                analysis: RunConfig.AnalysisSchedule?, data: DataSettings) {
        self.grid = grid; self.vocab = vocab; self.embed = embed; self.seqLen = seqLen; self.batch = batch
        self.epochs = epochs; self.adam = adam; self.initPreset = initPreset; self.initScale = initScale
        self.shuffle = shuffle; self.precision = precision; self.analysis = analysis; self.data = data
    }

    public var columns: [String] { SweepTable.columns(analysis: analysis != nil) }

    /// The recorded order, or what a sweep without one did (each configuration shuffles with its own seed).
    public var dataOrder: DataOrder { order ?? DataOrder(scheme: shuffle ? .shuffle : .classSorted) }

    /// The first setting that differs from `other`, named for an error line (nil when equal).
    public func firstDifference(from other: SweepSettings) -> String? {
        if grid != other.grid { return "grid" }
        if data != other.data { return "data" }
        if (vocab, embed, seqLen, batch) != (other.vocab, other.embed, other.seqLen, other.batch) { return "model or batch sizes" }
        if epochs != other.epochs { return "epochs" }
        if adam != other.adam { return "optimizer" }
        if initPreset != other.initPreset || initScale != other.initScale { return "initialisation" }
        if shuffle != other.shuffle || precision != other.precision { return "shuffle or precision" }
        if dataOrder != other.dataOrder { return "data order" }
        if analysis != other.analysis { return "analysis schedule" }
        if (sharedPadding ?? false) != (other.sharedPadding ?? false) { return "pad sharing (--no-shared-padding)" }
        if sharedPadding == true && sharedSlices != other.sharedSlices { return "slice rule of the shared pad prefix" }
        return nil
    }
}

/// DIR/sweep.json: the settings, which part of the grid the directory holds, where it ran, and the
/// interpolation thresholds H*(p) over the configurations it holds.
public struct SweepManifest: Codable, Equatable, Sendable {
    public var settings: SweepSettings
    public var order: String
    public var columns: [String]
    /// nil: the whole grid (an unsharded or merged sweep).
    public var shard: SweepShard?
    /// Configurations this directory is responsible for, and how many of them are finished.
    public var configurations: Int
    public var complete: Int
    /// Backends that computed it (sorted; several after a merge).
    public var backends: [String]
    public var interpolationThresholds: [InterpolationThreshold]

    public init(settings: SweepSettings, shard: SweepShard?, configurations: Int, complete: Int, backends: [String],
                interpolationThresholds: [InterpolationThreshold]) {
        self.settings = settings
        order = SweepGrid.orderDescription
        columns = settings.columns
        self.shard = shard
        self.configurations = configurations
        self.complete = complete
        self.backends = backends
        self.interpolationThresholds = interpolationThresholds
    }

    enum CodingKeys: String, CodingKey {
        case settings, order, columns, shard, configurations, complete, backends
        case interpolationThresholds = "interpolation_thresholds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(settings, forKey: .settings)
        try c.encode(order, forKey: .order)
        try c.encode(columns, forKey: .columns)
        try c.encode(shard, forKey: .shard)  // null for the whole grid
        try c.encode(configurations, forKey: .configurations)
        try c.encode(complete, forKey: .complete)
        try c.encode(backends, forKey: .backends)
        try c.encode(interpolationThresholds, forKey: .interpolationThresholds)
    }
}
