import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapData
import LyapIO
@testable import LyapTraining

/// An interrupted and resumed run ends bitwise equal to an uninterrupted one.
struct ResumeTests {
    static func config(epochs: Int, precision: RunConfig.Precision, data: Dataset) -> RunConfig {
        RunConfig(model: ModelShape(vocab: 40, embed: 4, hidden: 5), seqLen: 12, batch: 5, epochs: epochs,
                  adam: AdamConfig(lr: 1e-2), seed: 3, initPreset: .keras, initScale: 1, initFrom: nil,
                  initFromSHA256: nil, shuffle: true, checkpointEvery: 1, backend: "cpu", precision: precision,
                  threads: 2, data: RunConfig.DataRecord(source: data.source, sha256: data.sourceSHA256,
                  description: data.description, trainSize: nil, testSize: nil, labelNoise: 0,
                  flippedTrainLabels: 0, trainCount: data.train.count, testCount: data.test.count))
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test(arguments: [(RunConfig.Precision.float32, nil, nil), (.float64, nil, nil),
                      (.float32, BiasLayout.two, AdamForm.keras), (.float64, .two, .keras2), (.float32, .one, .keras2)])
    func interruptedRunResumesBitwise(_ precision: RunConfig.Precision, _ biases: BiasLayout?, _ form: AdamForm?) throws {
        let td = try TestData(vocab: 40, train: 23, test: 9, maxLen: 15, seed: 1)
        defer { td.remove() }
        let data = try td.load(vocab: 40, seqLen: 12)
        var cfg = Self.config(epochs: 4, precision: precision, data: data)
        cfg.lstmBiases = biases
        cfg.adamForm = form
        let initial = cfg.initPreset.initialize(cfg.layout, seed: cfg.seed)

        func trainer(_ dir: RunDirectory) -> Trainer<AnyCPUBackend> {
            Trainer(config: cfg, data: data, backend: AnyCPUBackend(precision, cfg), dir: dir)
        }
        let whole = RunDirectory(td.dir + "/whole")
        try trainer(whole).startNew(initial: initial, replacing: false)

        let cut = RunDirectory(td.dir + "/cut")
        let first = trainer(cut)
        first.shouldContinue = { $0 < 2 }
        try first.startNew(initial: initial, replacing: false)
        #expect(cut.completeCheckpoints() == [1, 2])
        // A torn temporary from a kill mid-write must not matter.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: cut.checkpointsPath + "/.epoch-0003.safetensors.tmp-1-x"))
        try trainer(cut).resume(initial: initial)

        #expect(try bytes(whole.modelPath(epoch: 4)) == bytes(cut.modelPath(epoch: 4)))
        #expect(try bytes(whole.statePath(epoch: 4)) == bytes(cut.statePath(epoch: 4)))
        let a = try CSVTable.read(path: whole.metricsPath), b = try CSVTable.read(path: cut.metricsPath)
        #expect(a.rows.count == 4 && b.rows.count == 4)
        // Every column but the wall time is identical.
        #expect(a.rows.map { $0.dropLast() } == b.rows.map { $0.dropLast() })
        #expect(!FileManager.default.fileExists(atPath: cut.checkpointsPath + "/.epoch-0003.safetensors.tmp-1-x"))
    }

    @Test func trainingLowersTheLoss() throws {
        let td = try TestData(vocab: 40, train: 60, test: 20, maxLen: 15, seed: 2)
        defer { td.remove() }
        let data = try td.load(vocab: 40, seqLen: 12)
        var cfg = Self.config(epochs: 15, precision: .float32, data: data)
        cfg.checkpointEvery = 15
        let dir = RunDirectory(td.dir + "/run")
        let t = Trainer(config: cfg, data: data, backend: AnyCPUBackend(.float32, cfg), dir: dir)
        var rows: [MetricsLog.Row] = []
        t.onEpoch = { rows.append($0) }
        try t.startNew(initial: cfg.initPreset.initialize(ParameterLayout(cfg.model), seed: 1), replacing: false)
        #expect(rows.count == 15)
        #expect(rows.last!.trainLoss < rows.first!.trainLoss * 0.8, "train loss \(rows.first!.trainLoss) -> \(rows.last!.trainLoss)")
        #expect(rows.last!.step == 15 * 12)
        #expect(dir.completeCheckpoints() == [15])
    }

    @Test func nonFiniteLossStopsWithAClearErrorAndKeepsTheCheckpoint() throws {
        let td = try TestData(vocab: 40, train: 20, test: 5, maxLen: 10, seed: 3)
        defer { td.remove() }
        let data = try td.load(vocab: 40, seqLen: 8)
        var cfg = Self.config(epochs: 5, precision: .float32, data: data)
        cfg.seqLen = 8
        cfg.adam.lr = 1e38
        let dir = RunDirectory(td.dir + "/run")
        let t = Trainer(config: cfg, data: data, backend: AnyCPUBackend(.float32, cfg), dir: dir)
        #expect {
            try t.startNew(initial: cfg.initPreset.initialize(ParameterLayout(cfg.model), seed: 1), replacing: false)
        } throws: { e in
            "\(e)".contains("loss is") && "\(e)".contains("--lr")
        }
    }
}

/// Lets one test body drive either precision.
final class AnyCPUBackend: LSTMBackend {
    typealias Scalar = Double
    private let f: CPUBackend<Float>?
    private let d: CPUBackend<Double>?
    let shape: ModelShape
    init(_ p: RunConfig.Precision, _ c: RunConfig) {
        shape = c.model
        f = p == .float32 ? CPUBackend<Float>(shape: c.model, threads: c.threads, biases: c.layout.biases) : nil
        d = p == .float64 ? CPUBackend<Double>(shape: c.model, threads: c.threads, biases: c.layout.biases) : nil
    }
    var name: String { f?.name ?? d!.name }
    func load(_ s: TrainingState<Double>) throws {
        if let f {
            try f.load(TrainingState(params: s.params.converted(to: Float.self), m: s.m.map { Float($0) },
                                     v: s.v.map { Float($0) }, step: s.step))
        } else { try d!.load(s) }
    }
    func state() throws -> TrainingState<Double> {
        if let f {
            let s = try f.state()
            return TrainingState(params: s.params.converted(to: Double.self), m: s.m.map { Double($0) },
                                 v: s.v.map { Double($0) }, step: s.step)
        }
        return try d!.state()
    }
    func trainStep(_ b: Batch, adam: AdamConfig) throws -> LossTotals { try f?.trainStep(b, adam: adam) ?? d!.trainStep(b, adam: adam) }
    func evaluate(_ b: Batch) throws -> (totals: LossTotals, logits: [Float]) { try f?.evaluate(b) ?? d!.evaluate(b) }
}
