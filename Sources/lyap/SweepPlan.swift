import Foundation
import LyapCore
import LyapData
import LyapStudy
import LyapTraining

/// A checked `lyap sweep` command line: the grid, this shard's configurations, the shared settings
/// and the data (loaded once per variant; each configuration's noisy labels drawn from its seed).
struct SweepPlan {
    let grid: SweepGrid
    let shard: SweepShard?
    /// `var`: --resume of a sweep started before the order was recorded keeps the order it started with.
    var settings: SweepSettings
    let threads: Int
    let dir: SweepDirectory
    private let datasets: [SweepVariant: Dataset]

    init(_ c: SweepCommand) throws {
        if c.resume && c.force { throw ConfigError("--resume and --force exclude each other") }
        if c.model.hidden != nil { throw ConfigError("--hidden: a sweep sets the width with --widths") }
        let variants = try (c.variant.isEmpty ? ["trainable"] : c.variant.flatMap { $0.split(separator: ",").map(String.init) })
            .map { try SweepVariant(parsing: $0) }
        grid = SweepGrid(variants: variants,
                         labelNoise: try SweepCommand.list(c.labelNoise, "--label-noise") { Double($0) },
                         widths: try SweepCommand.list(c.widths, "--widths") { Int($0) },
                         seeds: try SweepCommand.list(c.seeds, "--seeds") { UInt64($0) })
        try grid.validate()
        shard = try c.shard.map { try SweepShard(parsing: $0) }
        threads = c.threads ?? min(ProcessInfo.processInfo.activeProcessorCount, 16)
        if let m = c.maxModels, m < 1 { throw ConfigError("--max-models \(m) must be at least 1") }
        if c.checkpointEvery < 0 { throw ConfigError("--checkpoint-every \(c.checkpointEvery) must be 0 (never) or more") }
        try c.compute.refuseProfiling("lyap sweep")
        let analysis = c.analyzeEvery.map {
            RunConfig.AnalysisSchedule(every: $0, reviews: c.analyzeReviews, exponents: c.analyzeExponents)
        }
        if c.analyzeEvery == nil && (c.analyzeReviews != 500 || c.analyzeExponents != 1) {
            throw ConfigError("--analyze-reviews and --analyze-exponents need --analyze-every K")
        }
        dir = SweepDirectory(c.out)
        var o = DataOptions()
        o.vocabSize = c.model.vocab ?? 10000
        o.seqLen = c.model.seqLen ?? 500
        o.testSize = c.dataOpts.testSize
        var sets: [SweepVariant: Dataset] = [:]
        var bySize: [Int?: Dataset] = [:]
        for v in variants {
            if let n = v.trainSize, let t = c.dataOpts.trainSize, n > t {
                throw ConfigError("--variant \(v): more reviews than --train-size \(t)")
            }
            o.trainSize = v.trainSize ?? c.dataOpts.trainSize
            if bySize[o.trainSize] == nil {
                let source: DataSource = c.dataOpts.data == "embedded" ? .embedded : .path(c.dataOpts.data)
                bySize[o.trainSize] = try DatasetLoader.load(source, options: o, progress: { info("\($0)") })
            }
            sets[v] = bySize[o.trainSize]!
        }
        datasets = sets
        let any = sets[variants[0]]!
        settings = SweepSettings(
            grid: grid, vocab: o.vocabSize, embed: c.model.embed ?? 32, seqLen: o.seqLen, batch: c.model.batch ?? 32,
            epochs: c.epochs, adam: c.optimizer.adam, initPreset: c.initPreset, initScale: c.initScale, shuffle: !c.noShuffle,
            precision: c.precision, analysis: analysis,
            data: .init(source: any.source, sha256: any.sourceSHA256, trainSize: c.dataOpts.trainSize, testSize: c.dataOpts.testSize,
                        trainCount: sets.values.map(\.train.count).max() ?? 0,
                        testCount: any.test.count))
        settings.sharedPadding = c.padSharing.shared(padding: any.train.padding)
        settings.order = c.noShuffle ? DataOrder.forNewRun(shuffle: false, seed: 0, data: any) : DataOrder(scheme: .shuffle)
        for w in grid.widths { try runConfig(grid.configurations.first { $0.width == w }!).validate() }
    }

    /// The configurations this invocation is responsible for.
    var configurations: [SweepConfiguration] { shard?.select(grid) ?? grid.configurations }

    /// What `lyap train` would record for this configuration (used for the analysis and validation).
    func runConfig(_ c: SweepConfiguration) -> RunConfig {
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
        r.order = s.order
        if r.order?.scheme == .shuffle { r.order?.seed = c.seed }
        return r
    }

    /// The variant's data with this configuration's noisy training labels (as `lyap train --label-noise p --seed s`).
    func data(_ c: SweepConfiguration) -> Dataset {
        var d = datasets[c.variant]!
        d.flippedTrainLabels = LabelNoise.apply(to: &d.train.labels, probability: c.labelNoise, seed: c.seed)
        return d
    }

    func initialParameters(_ c: SweepConfiguration) -> ParameterStore<Double> {
        settings.initPreset.initialize(ParameterLayout(runConfig(c).model), seed: c.seed, scale: settings.initScale)
    }
}
