import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapData
import LyapIO
@testable import LyapTraining

/// --early-checkpoints: epoch 0 and points inside the first epochs, without changing the trajectory.
struct EarlyCheckpointTests {
    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func boundariesAndParsing() throws {
        let e = EarlyCheckpoints(perEpoch: 8, epochs: 3)
        #expect(e.innerBoundaries(batches: 782) == [97, 195, 293, 391, 488, 586, 684])
        // Fewer batches than points: no repeats, nothing at 0 or at the epoch's end.
        #expect(EarlyCheckpoints(perEpoch: 8, epochs: 1).innerBoundaries(batches: 3) == [1, 2])
        #expect(try EarlyCheckpoints.parse("8:3") == e)
        for bad in ["8", "x:3", "1:3", "8:0", "8:3:1"] {
            #expect(throws: ConfigError.self) { try EarlyCheckpoints.parse(bad) }
        }
    }

    @Test(arguments: [RunConfig.Precision.float32, .float64])
    func earlyPointsLeaveTheTrajectoryAloneAndResume(_ precision: RunConfig.Precision) throws {
        let td = try TestData(vocab: 40, train: 23, test: 9, maxLen: 15, seed: 1)
        defer { td.remove() }
        let data = try td.load(vocab: 40, seqLen: 12)
        let plain = ResumeTests.config(epochs: 4, precision: precision, data: data)
        var cfg = plain
        cfg.earlyCheckpoints = EarlyCheckpoints(perEpoch: 4, epochs: 2)
        let initial = cfg.initPreset.initialize(ParameterLayout(cfg.model), seed: cfg.seed)
        func trainer(_ c: RunConfig, _ dir: RunDirectory) -> Trainer<AnyCPUBackend> {
            Trainer(config: c, data: data, backend: AnyCPUBackend(precision, c), dir: dir)
        }
        let reference = RunDirectory(td.dir + "/plain")
        try trainer(plain, reference).startNew(initial: initial, replacing: false)
        let whole = RunDirectory(td.dir + "/whole")
        try trainer(cfg, whole).startNew(initial: initial, replacing: false)
        // The same steps: the final weights and optimizer state are bitwise those of the plain run.
        #expect(try bytes(whole.modelPath(epoch: 4)) == bytes(reference.modelPath(epoch: 4)))
        #expect(try bytes(whole.statePath(epoch: 4)) == bytes(reference.statePath(epoch: 4)))

        // 23 reviews in batches of 5: 5 batches, inner points after batches 1, 2 and 3 of epochs 1 and 2.
        let log = try CSVTable.read(path: whole.earlyPath)
        #expect(log.header == EarlyLog.header)
        #expect(log.rows.map { $0[0] } == ["0", "1", "2", "3", "6", "7", "8"])
        #expect(log.rows.map { $0[1] } == ["0", "0.2", "0.4", "0.6", "1.2", "1.4", "1.6"])
        // Step 0 holds the initial weights; every row's test loss is that of its weight file.
        let w0 = try ModelWeights.read(path: whole.earlyModelPath(step: 0), expected: cfg.model)
        #expect(w0.values == initial.values.map { precision == .float32 ? Double(Float($0)) : $0 })
        for row in log.rows {
            let w = try ModelWeights.read(path: whole.earlyModelPath(step: Int(row[0])!), expected: cfg.model)
            let b = AnyCPUBackend(precision, cfg)
            try b.load(TrainingState(params: w))
            let loss = try b.evaluate(data.test, batchSize: cfg.batch).meanLoss
            #expect(MetricsLog.Row.g(loss) == row[2], "step \(row[0])")
        }
        // The early epochs' ends are checkpointed even with --checkpoint-every larger than them.
        var sparse = cfg
        sparse.checkpointEvery = 4
        let s = RunDirectory(td.dir + "/sparse")
        try trainer(sparse, s).startNew(initial: initial, replacing: false)
        #expect(s.completeCheckpoints() == [1, 2, 4])

        // Interrupted after epoch 1 and resumed: the same log (points after the checkpoint are redone).
        let cut = RunDirectory(td.dir + "/cut")
        let first = trainer(cfg, cut)
        first.shouldContinue = { $0 < 1 }
        try first.startNew(initial: initial, replacing: false)
        #expect(try CSVTable.read(path: cut.earlyPath).rows.count == 4)
        try trainer(cfg, cut).resume(initial: initial)
        #expect(try CSVTable.read(path: cut.earlyPath).rows == log.rows)
        #expect(try bytes(cut.modelPath(epoch: 4)) == bytes(whole.modelPath(epoch: 4)))
    }
}
