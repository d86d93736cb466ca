import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapData
import LyapIO
@testable import LyapTraining

/// A CPU float64 backend that remembers every training batch it was handed.
final class RecordingBackend: LSTMBackend {
    typealias Scalar = Double
    let inner: CPUBackend<Double>
    var batches: [Batch] = []
    init(_ shape: ModelShape) { inner = CPUBackend<Double>(shape: shape, threads: 1) }
    var name: String { inner.name }
    var shape: ModelShape { inner.shape }
    func load(_ s: TrainingState<Double>) throws { try inner.load(s) }
    func state() throws -> TrainingState<Double> { try inner.state() }
    func trainStep(_ b: Batch, adam: AdamConfig) throws -> LossTotals {
        batches.append(b)
        return try inner.trainStep(b, adam: adam)
    }
    func evaluate(_ b: Batch) throws -> (totals: LossTotals, logits: [Float]) { try inner.evaluate(b) }
}

/// --no-shuffle trains in the source's order; shuffled and old runs keep exactly the order they had.
struct DataOrderTests {
    /// Training line k holds the single token `firstToken + k` (so a row names its line) and a label
    /// from an irregular pattern with both classes interleaved.
    static let firstToken = 10
    static let trainLines = 29
    static func label(_ k: Int) -> Int { (k * 7 + k / 3) % 5 < 2 ? 1 : 0 }

    static func writeJSONL(_ dir: String) throws -> String {
        var lines: [String] = []
        for k in 0..<trainLines {
            lines.append("{\"tokens\":[\(firstToken + k)],\"label\":\(label(k)),\"split\":\"train\"}")
            if k % 4 == 0 { lines.append("{\"tokens\":[\(5 + k % 3), 4],\"label\":\(k % 8 == 0 ? 1 : 0),\"split\":\"test\"}") }
        }
        let path = dir + "/order.jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "lyap-order-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func load(_ path: String, trainSize: Int? = nil) throws -> Dataset {
        var o = DataOptions()
        o.vocabSize = 60
        o.seqLen = 3
        o.trainSize = trainSize
        return try DatasetLoader.load(.path(path), options: o)
    }

    static func config(_ data: Dataset, shuffle: Bool, order: DataOrder?, epochs: Int = 1) -> RunConfig {
        var c = RunConfig(model: ModelShape(vocab: 60, embed: 3, hidden: 4), seqLen: 3, batch: 4, epochs: epochs,
                          adam: AdamConfig(lr: 1e-2), seed: 5, initPreset: .keras, initScale: 1, initFrom: nil,
                          initFromSHA256: nil, shuffle: shuffle, checkpointEvery: 1, backend: "cpu", precision: .float64,
                          threads: 1, data: RunConfig.DataRecord(source: data.source, sha256: data.sourceSHA256,
                          description: data.description, trainSize: nil, testSize: nil, labelNoise: 0,
                          flippedTrainLabels: 0, trainCount: data.train.count, testCount: data.test.count))
        c.order = order
        return c
    }

    /// The training lines in the order the backend saw them, one array per epoch.
    static func linesSeen(_ b: RecordingBackend, perEpoch: Int) -> [[Int]] {
        let rows = b.batches.flatMap { batch in (0..<batch.count).map { Int(batch.tokens[$0 * batch.seqLen + batch.seqLen - 1]) - firstToken } }
        return stride(from: 0, to: rows.count, by: perEpoch).map { Array(rows[$0..<min($0 + perEpoch, rows.count)]) }
    }

    /// Trains `cfg` with a recording backend into a fresh directory; the backend and the final weights.
    static func run(_ cfg: RunConfig, _ data: Dataset, in dir: String) throws -> (RecordingBackend, [Double]) {
        let backend = RecordingBackend(cfg.model)
        let run = RunDirectory(dir + "/run-\(UUID().uuidString)")
        try Trainer(config: cfg, data: data, backend: backend, dir: run).startNew(initial: initial(cfg), replacing: false)
        return (backend, try backend.state().params.values)
    }

    static func initial(_ cfg: RunConfig) -> ParameterStore<Double> {
        cfg.initPreset.initialize(ParameterLayout(cfg.model), seed: cfg.seed)
    }

    @Test func jsonlNoShuffleTrainsInLineOrder() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Self.load(try Self.writeJSONL(dir))
        let order = DataOrder.forNewRun(shuffle: false, seed: 5, data: data)
        #expect(order == DataOrder(scheme: .file))
        let (backend, _) = try Self.run(Self.config(data, shuffle: false, order: order, epochs: 2), data, in: dir)
        #expect(Self.linesSeen(backend, perEpoch: Self.trainLines) == [Array(0..<Self.trainLines), Array(0..<Self.trainLines)])
        // The stored split is still class-sorted (the order is applied on top of it).
        #expect(data.train.labels == data.train.labels.sorted())
    }

    @Test func jsonlSubsetTrainsInLineOrder() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Self.load(try Self.writeJSONL(dir), trainSize: 12)
        let cfg = Self.config(data, shuffle: false, order: DataOrder.forNewRun(shuffle: false, seed: 5, data: data))
        let seen = Self.linesSeen(try Self.run(cfg, data, in: dir).0, perEpoch: 12)[0]
        #expect(seen.count == 12 && seen == seen.sorted() && Set(seen).count == 12)
        #expect(Set(seen.map(Self.label)) == [0, 1])
    }

    /// The weights after one epoch equal an epoch stepped by hand over the lines in file order, and differ
    /// from the class-sorted epoch (so the comparison can fail).
    @Test func lineOrderWeightsEqualAManuallyOrderedRun() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Self.load(try Self.writeJSONL(dir))
        let cfg = Self.config(data, shuffle: false, order: DataOrder(scheme: .file))
        let (_, trained) = try Self.run(cfg, data, in: dir)

        // Canonical index of line k: negatives in line order, then positives in line order.
        let negatives = (0..<Self.trainLines).filter { Self.label($0) == 0 }, positives = (0..<Self.trainLines).filter { Self.label($0) == 1 }
        let canonical = negatives + positives
        let byLine = (0..<Self.trainLines).map { k in canonical.firstIndex(of: k)! }
        func manual(_ order: [Int]) throws -> [Double] {
            let b = CPUBackend<Double>(shape: cfg.model, threads: 1)
            try b.load(TrainingState(params: Self.initial(cfg)))
            for start in stride(from: 0, to: order.count, by: cfg.batch) {
                _ = try b.trainStep(data.train.batch(order[start..<min(start + cfg.batch, order.count)]), adam: cfg.adam)
            }
            return try b.state().params.values
        }
        #expect(trained == (try manual(byLine)))
        #expect(trained != (try manual(Array(0..<Self.trainLines))))
    }

    /// Shuffled runs, with the order recorded or not, see exactly the permutations of the code before the
    /// order was recorded: `LabRNG(seed, "data-order")` shuffling the storage order each epoch.
    @Test(arguments: [true, false])
    func shuffledRunsAreUnchanged(recorded: Bool) throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Self.load(try Self.writeJSONL(dir))
        var cfg = Self.config(data, shuffle: true, order: recorded ? DataOrder.forNewRun(shuffle: true, seed: 5, data: data) : nil, epochs: 3)
        cfg.seed = 5
        let (backend, _) = try Self.run(cfg, data, in: dir)
        var rng = LabRNG(seed: cfg.seed, stream: "data-order")
        let expected = (0..<3).map { _ -> [Int] in
            var o = Array(0..<data.train.count)
            rng.shuffle(&o)
            return o
        }
        let canonicalLine = (0..<data.train.count).map { Int(data.train.row($0).last!) - Self.firstToken }
        #expect(Self.linesSeen(backend, perEpoch: Self.trainLines) == expected.map { $0.map { canonicalLine[$0] } })
    }

    /// A config.json written before "order" existed, with shuffle off, decodes without it and resumes
    /// in the class-sorted storage order it started with.
    @Test func oldNoShuffleConfigResumesClassSorted() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Self.load(try Self.writeJSONL(dir))
        var encoded = try JSONSerialization.jsonObject(
            with: JSONEncoder().encode(RunRecord(config: Self.config(data, shuffle: false, order: DataOrder(scheme: .file), epochs: 2),
                                                 createdAt: "then"))) as! [String: Any]
        var config = encoded["config"] as! [String: Any]
        config["order"] = nil
        encoded["config"] = config
        let old = try JSONDecoder().decode(RunRecord.self, from: JSONSerialization.data(withJSONObject: encoded)).config
        #expect(old.order == nil && old.dataOrder.scheme == .classSorted)

        let run = RunDirectory(dir + "/old")
        let first = Trainer(config: old, data: data, backend: RecordingBackend(old.model), dir: run)
        first.shouldContinue = { $0 < 1 }
        try first.startNew(initial: Self.initial(old), replacing: false)
        let resumed = RecordingBackend(old.model)
        try Trainer(config: old, data: data, backend: resumed, dir: run).resume(initial: Self.initial(old))
        let seen = Self.linesSeen(resumed, perEpoch: Self.trainLines)
        let classSorted = (0..<data.train.count).map { Int(data.train.row($0).last!) - Self.firstToken }
        #expect(seen == [classSorted])
        #expect(seen[0].map(Self.label) == seen[0].map(Self.label).sorted())
    }

    /// Sources without a line order: one class-mixed permutation, the same every time and for every run seed.
    @Test func fixedPermutationIsClassMixedAndDeterministic() throws {
        var o = DataOptions()
        o.seqLen = 5
        let data = try DatasetLoader.load(.embedded, options: o)
        #expect(data.trainFileOrder == nil)
        let order = DataOrder.forNewRun(shuffle: false, seed: 9, data: data)
        #expect(order == DataOrder(scheme: .fixedPermutation, seed: FixedOrder.seed))
        #expect(DataOrder.forNewRun(shuffle: false, seed: 1, data: data) == order)
        let p = try order.baseOrder(data)
        #expect(p == (try order.baseOrder(data)))
        #expect(p.sorted() == Array(0..<data.train.count) && p != Array(0..<data.train.count))
        let labels = p.map { Int(data.train.labels[$0]) }
        let switches = zip(labels, labels.dropFirst()).filter { $0 != $1 }.count
        // Independent draws switch class about half the time; the storage order switches once.
        #expect(Double(switches) > 0.4 * Double(labels.count) && Double(switches) < 0.6 * Double(labels.count), "\(switches) switches")
        let firstHalfPositives = labels.prefix(labels.count / 2).reduce(0, +)
        #expect(abs(Double(firstHalfPositives) / Double(labels.count / 2) - 0.5) < 0.05)
    }
}
