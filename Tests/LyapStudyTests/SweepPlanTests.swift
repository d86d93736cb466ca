import LyapCore
import LyapData
import LyapStudy
import LyapTraining
import Testing

/// A sweep plan's per-configuration run settings, noisy labels and initial parameters, on a hand-made grid.
struct SweepPlanTests {
    static func plan(shard: SweepShard? = nil, threads: Int = 3) throws -> SweepPlan {
        let grid = SweepGrid(variants: [.trainable, try SweepVariant(parsing: "subset:6")], labelNoise: [0, 0.5],
                             widths: [2, 3], seeds: [0, 1])
        let train = SequenceSet(seqLen: 4, tokens: (0..<48).map { Int32($0 % 19) }, labels: (0..<12).map { UInt8($0 % 2) })
        let test = SequenceSet(seqLen: 4, tokens: (0..<16).map { Int32($0 % 7) }, labels: [0, 1, 1, 0])
        let data = Dataset(train: train, test: test, vocabSize: 20, source: "hand-made", sourceSHA256: "abc")
        var settings = SweepSettings(
            grid: grid, vocab: 20, embed: 3, seqLen: 4, batch: 4, epochs: 5, adam: AdamConfig(lr: 1e-3), initPreset: .keras,
            initScale: 0.5, shuffle: true, precision: .float32, analysis: nil,
            data: .init(source: "hand-made", sha256: "abc", trainSize: nil, testSize: nil, trainCount: 12, testCount: 4))
        settings.order = DataOrder(scheme: .shuffle)
        var small = data
        small.train = SequenceSet(seqLen: 4, tokens: Array(train.tokens.prefix(24)), labels: Array(train.labels.prefix(6)))
        return SweepPlan(grid: grid, shard: shard, settings: settings, threads: threads, dir: SweepDirectory("/nonexistent"),
                         datasets: [grid.variants[0]: data, grid.variants[1]: small])
    }

    @Test func aShardRunsEveryNthConfiguration() throws {
        #expect(try Self.plan().configurations.count == 16)
        #expect(try Self.plan(shard: SweepShard(index: 1, count: 3)).configurations.map(\.index) == [1, 4, 7, 10, 13])
    }

    @Test func runConfigIsWhatLyapTrainWouldRecord() throws {
        let plan = try Self.plan()
        let c = try #require(plan.configurations.first { $0.variant.trainSize == 6 && $0.labelNoise == 0.5 && $0.width == 3 && $0.seed == 1 })
        let r = plan.runConfig(c)
        #expect(r.model == ModelShape(vocab: 20, embed: 3, hidden: 3))
        #expect(r.seed == 1 && r.seqLen == 4 && r.batch == 4 && r.epochs == 5 && r.checkpointEvery == 5 && r.threads == 3)
        #expect(r.adam.lr == 1e-3 && r.initScale == 0.5 && r.shuffle && r.backend == "cpu")
        #expect(r.data.labelNoise == 0.5 && r.data.trainSize == 6 && r.data.source == "hand-made" && r.data.sha256 == "abc")
        // A shuffled sweep records each configuration's own data-order seed.
        #expect(r.order == DataOrder(scheme: .shuffle, seed: 1))
        #expect(plan.runConfig(plan.configurations[0]).order == DataOrder(scheme: .shuffle, seed: 0))
    }

    @Test func eachConfigurationFlipsItsOwnLabels() throws {
        let plan = try Self.plan()
        let clean = plan.configurations.first { $0.variant == .trainable && $0.labelNoise == 0 }!
        let noisy = plan.configurations.filter { $0.variant == .trainable && $0.labelNoise == 0.5 && $0.width == 2 }
        #expect(plan.data(clean).train.labels == (0..<12).map { UInt8($0 % 2) } && plan.data(clean).flippedTrainLabels == 0)
        let flips = noisy.map { c in
            zip(plan.data(c).train.labels, (0..<12).map { UInt8($0 % 2) }).map { $0 != $1 }
        }
        for (c, f) in zip(noisy, flips) {
            #expect(plan.data(c).flippedTrainLabels == f.filter { $0 }.count && f.contains(true), "\(c)")
            #expect(plan.data(c).test.labels == [0, 1, 1, 0], "the test set stays clean")
        }
        #expect(flips[0] != flips[1], "seeds 0 and 1 flip different labels")
        // Widths share the seed's flips: configurations differing only in width train on the same labels.
        let wide = plan.configurations.first { $0.variant == .trainable && $0.labelNoise == 0.5 && $0.width == 3 && $0.seed == noisy[0].seed }!
        #expect(plan.data(wide).train.labels == plan.data(noisy[0]).train.labels)
        let subset = plan.configurations.first { $0.variant.trainSize == 6 }!
        #expect(plan.data(subset).train.count == 6)
    }

    @Test func initialParametersFollowWidthAndSeed() throws {
        let plan = try Self.plan()
        let a = plan.configurations.first { $0.width == 2 && $0.seed == 0 }!
        let b = plan.configurations.first { $0.width == 2 && $0.seed == 1 }!
        let w = plan.configurations.first { $0.width == 3 && $0.seed == 0 }!
        #expect(plan.initialParameters(a).layout == ParameterLayout(ModelShape(vocab: 20, embed: 3, hidden: 2)))
        #expect(plan.initialParameters(w).layout == ParameterLayout(ModelShape(vocab: 20, embed: 3, hidden: 3)))
        #expect(plan.initialParameters(a).values == plan.initialParameters(a).values)
        #expect(plan.initialParameters(a).values != plan.initialParameters(b).values)
    }
}
