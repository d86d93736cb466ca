import Testing
import LyapCore
import LyapIO
import LyapStudy

/// The sweep grid, shards, H*(p) and the merge rules (pure; the CLI tests run real sweeps).
struct SweepTests {
    static let grid = SweepGrid(variants: [.trainable, .frozenEmbedding, .subset(100)], labelNoise: [0, 0.1, 0.2],
                                widths: [1, 2, 4, 8], seeds: [0, 1])

    @Test func gridOrderIsVariantNoiseWidthSeed() {
        let c = Self.grid.configurations
        #expect(c.count == 72 && Self.grid.count == 72)
        #expect(c.map(\.index) == Array(0..<72))
        #expect(c[0].id == "trainable_p0_h1_s0" && c[1].id == "trainable_p0_h1_s1" && c[2].id == "trainable_p0_h2_s0")
        #expect(c[8].id == "trainable_p0.1_h1_s0" && c[24].id == "frozen-embedding_p0_h1_s0" && c[71].id == "subset-100_p0.2_h8_s1")
        #expect(Set(c.map(\.id)).count == 72)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 72, 100])
    func shardsCoverEveryConfigurationOnce(n: Int) throws {
        var seen: [Int] = []
        for i in 0..<n { seen += try SweepShard(parsing: "\(i)/\(n)").select(Self.grid).map(\.index) }
        #expect(seen.sorted() == Array(0..<72))
    }

    @Test func parsing() throws {
        #expect(try SweepVariant(parsing: "subset:4000") == .subset(4000))
        #expect(SweepVariant.subset(4000).description == "subset:4000" && SweepVariant.subset(4000).fileTag == "subset-4000")
        for bad in ["", "frozen", "subset:", "subset:-1", "subset:x"] { #expect(throws: ConfigError.self) { try SweepVariant(parsing: bad) } }
        for bad in ["1", "2/2", "-1/2", "0/0", "a/b", "1/2/3"] { #expect(throws: ConfigError.self) { try SweepShard(parsing: bad) } }
        #expect(throws: ConfigError.self) { try SweepGrid(variants: [.trainable], labelNoise: [0, 0], widths: [1], seeds: [0]).validate() }
        #expect(throws: ConfigError.self) { try SweepGrid(variants: [.trainable], labelNoise: [1], widths: [1], seeds: [0]).validate() }
        #expect(throws: ConfigError.self) { try SweepGrid(variants: [.trainable], labelNoise: [0], widths: [0], seeds: [0]).validate() }
    }

    @Test func interpolationThreshold() {
        #expect(InterpolationThreshold.threshold([]) == nil)
        #expect(InterpolationThreshold.threshold([(8, 0), (1, 0.3), (4, 0), (2, 0.1)]) == 4)
        // Every seed of a width must interpolate.
        #expect(InterpolationThreshold.threshold([(4, 0), (4, 0.01), (8, 0), (8, 0)]) == 8)
        #expect(InterpolationThreshold.threshold([(1, 0.2), (2, 0.1)]) == nil)
    }

    @Test func thresholdsFromATableUseEachConfigurationsLastEpoch() {
        let g = SweepGrid(variants: [.trainable], labelNoise: [0, 0.2], widths: [2, 4], seeds: [0])
        let rows = [["trainable", "0", "2", "0", "1", "0.6", "0", "0.6", "0.4"], ["trainable", "0", "2", "0", "2", "0.5", "0.1", "0.6", "0.4"],
                    ["trainable", "0", "4", "0", "1", "0.6", "0.2", "0.6", "0.4"], ["trainable", "0", "4", "0", "2", "0.4", "0", "0.6", "0.4"],
                    ["trainable", "0.2", "2", "0", "2", "0.6", "0.3", "0.6", "0.4"], ["trainable", "0.2", "4", "0", "2", "0.6", "0.2", "0.6", "0.4"]]
        let t = InterpolationThreshold.all(grid: g, table: CSVTable(header: SweepTable.columns, rows: rows))
        #expect(t == [InterpolationThreshold(variant: "trainable", labelNoise: "0", width: 4),
                      InterpolationThreshold(variant: "trainable", labelNoise: "0.2", width: nil)])
    }

    static func settings(epochs: Int = 2) -> SweepSettings {
        SweepSettings(grid: SweepGrid(variants: [.trainable], labelNoise: [0], widths: [1, 2, 3], seeds: [0]), vocab: 10, embed: 2,
                      seqLen: 4, batch: 2, epochs: epochs, adam: AdamConfig(), initPreset: .keras, initScale: 1, shuffle: true,
                      precision: .float32, analysis: nil,
                      data: .init(source: "embedded", sha256: "x", trainSize: nil, testSize: nil, trainCount: 8, testCount: 8))
    }

    static func shard(_ path: String, _ indices: [Int], _ s: SweepSettings = settings(), backend: String = "cpu") -> SweepMerge.Shard {
        let m = SweepManifest(settings: s, shard: nil, configurations: indices.count, complete: indices.count, backends: [backend],
                              interpolationThresholds: [])
        return SweepMerge.Shard(path: path, manifest: m, records: Dictionary(uniqueKeysWithValues: indices.map { ($0, [["row \($0)"]]) }))
    }

    @Test func mergeIsOrderIndependentAndChecksShards() throws {
        let a = Self.shard("a", [0, 2], backend: "vulkan: x"), b = Self.shard("b", [1])
        let ab = try SweepMerge.combine([a, b]), ba = try SweepMerge.combine([b, a])
        #expect(ab.records == ba.records && ab.backends == ba.backends && ab.backends == ["cpu", "vulkan: x"])
        #expect(ab.records.keys.sorted() == [0, 1, 2])
        do {
            _ = try SweepMerge.combine([a])
            Issue.record("a missing shard was accepted")
        } catch {
            #expect(error.message.contains("1 of 3 configurations missing: trainable_p0_h2_s0"), "\(error)")
        }
        #expect(throws: ConfigError.self) { try SweepMerge.combine([a, b, Self.shard("c", [2])]) }
        do {
            _ = try SweepMerge.combine([a, Self.shard("b", [1], Self.settings(epochs: 3))])
            Issue.record("different settings were accepted")
        } catch {
            #expect(error.message.contains("epochs differs"), "\(error)")
        }
    }
}
