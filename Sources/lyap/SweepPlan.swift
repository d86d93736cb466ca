import Foundation
import LyapCore
import LyapData
import LyapStudy
import LyapTraining

/// The plan of a `lyap sweep` command line: its flags checked, the data of every variant loaded.
extension SweepPlan {
    init(_ c: SweepCommand) throws {
        if c.resume && c.force { throw ConfigError("--resume and --force exclude each other") }
        if c.model.hidden != nil { throw ConfigError("--hidden: a sweep sets the width with --widths") }
        let variants = try (c.variant.isEmpty ? ["trainable"] : c.variant.flatMap { $0.split(separator: ",").map(String.init) })
            .map { try SweepVariant(parsing: $0) }
        let grid = SweepGrid(variants: variants,
                             labelNoise: try SweepCommand.list(c.labelNoise, "--label-noise") { Double($0) },
                             widths: try SweepCommand.list(c.widths, "--widths") { Int($0) },
                             seeds: try SweepCommand.list(c.seeds, "--seeds") { UInt64($0) })
        try grid.validate()
        let shard = try c.shard.map { try SweepShard(parsing: $0) }
        let threads = c.threads ?? min(ProcessInfo.processInfo.activeProcessorCount, 16)
        if let m = c.maxModels, m < 1 { throw ConfigError("--max-models \(m) must be at least 1") }
        if c.checkpointEvery < 0 { throw ConfigError("--checkpoint-every \(c.checkpointEvery) must be 0 (never) or more") }
        try c.compute.refuseProfiling("lyap sweep")
        let analysis = c.analyzeEvery.map {
            RunConfig.AnalysisSchedule(every: $0, reviews: c.analyzeReviews, exponents: c.analyzeExponents)
        }
        if c.analyzeEvery == nil && (c.analyzeReviews != 500 || c.analyzeExponents != 1) {
            throw ConfigError("--analyze-reviews and --analyze-exponents need --analyze-every K")
        }
        let dir = SweepDirectory(c.out)
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
        let any = sets[variants[0]]!
        var settings = SweepSettings(
            grid: grid, vocab: o.vocabSize, embed: c.model.embed ?? 32, seqLen: o.seqLen, batch: c.model.batch ?? 32,
            epochs: c.epochs, adam: c.optimizer.adam, initPreset: c.initPreset, initScale: c.initScale, shuffle: !c.noShuffle,
            precision: c.precision, analysis: analysis,
            data: .init(source: any.source, sha256: any.sourceSHA256, trainSize: c.dataOpts.trainSize, testSize: c.dataOpts.testSize,
                        trainCount: sets.values.map(\.train.count).max() ?? 0,
                        testCount: any.test.count))
        settings.sharedPadding = c.padSharing.shared(padding: any.train.padding)
        settings.sharedSlices = SharedSliceRule.forNewRun(shared: settings.sharedPadding)
        settings.order = c.noShuffle ? DataOrder.forNewRun(shuffle: false, seed: 0, data: any) : DataOrder(scheme: .shuffle)
        self.init(grid: grid, shard: shard, settings: settings, threads: threads, dir: dir, datasets: sets)
        for w in grid.widths { try runConfig(grid.configurations.first { $0.width == w }!).validate() }
    }
}
