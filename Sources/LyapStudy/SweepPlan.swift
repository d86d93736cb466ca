import LyapCore
import LyapData
import LyapTraining

/// A checked sweep: the grid, this shard's configurations, the shared settings and the data (loaded once
/// per variant; each configuration's noisy labels drawn from its seed).
public struct SweepPlan {
    public let grid: SweepGrid
    public let shard: SweepShard?
    /// `var`: --resume of a sweep started before the order was recorded keeps the order it started with.
    public var settings: SweepSettings
    public let threads: Int
    public let dir: SweepDirectory
    private let datasets: [SweepVariant: Dataset]

    /// `datasets`: the clean data of every variant of the grid.
    public init(grid: SweepGrid, shard: SweepShard?, settings: SweepSettings, threads: Int, dir: SweepDirectory,
                datasets: [SweepVariant: Dataset]) {
        precondition(grid.variants.allSatisfy { datasets[$0] != nil }, "every variant needs its data")
        self.grid = grid
        self.shard = shard
        self.settings = settings
        self.threads = threads
        self.dir = dir
        self.datasets = datasets
    }

    /// The configurations this invocation is responsible for.
    public var configurations: [SweepConfiguration] { shard?.select(grid) ?? grid.configurations }

    /// What `lyap train` would record for this configuration (used for the analysis and validation).
    public func runConfig(_ c: SweepConfiguration) -> RunConfig {
        let s = settings
        var r = RunConfig(model: ModelShape(vocab: s.vocab, embed: s.embed, hidden: c.width), seqLen: s.seqLen, batch: s.batch,
                          epochs: s.epochs, adam: s.adam, seed: c.seed, initPreset: s.initPreset, initScale: s.initScale,
                          initFrom: nil, initFromSHA256: nil, shuffle: s.shuffle, checkpointEvery: s.epochs, backend: "cpu",
                          precision: s.precision, threads: threads,
                          data: .init(source: s.data.source, sha256: s.data.sha256, description: "",
                                      trainSize: c.variant.trainSize ?? s.data.trainSize, testSize: s.data.testSize,
                                      labelNoise: c.labelNoise, flippedTrainLabels: 0, trainCount: 0, testCount: 0))
        r.analysis = s.analysis
        r.sharedPadding = s.sharedPadding
        r.sharedSlices = s.sharedSlices
        r.order = s.order
        if r.order?.scheme == .shuffle { r.order?.seed = c.seed }
        return r
    }

    /// The variant's data with this configuration's noisy training labels (as `lyap train --label-noise p --seed s`).
    public func data(_ c: SweepConfiguration) -> Dataset {
        var d = datasets[c.variant]!
        d.flippedTrainLabels = LabelNoise.apply(to: &d.train.labels, probability: c.labelNoise, seed: c.seed)
        return d
    }

    public func initialParameters(_ c: SweepConfiguration) -> ParameterStore<Double> {
        settings.initPreset.initialize(ParameterLayout(runConfig(c).model), seed: c.seed, scale: settings.initScale)
    }
}
