import Foundation
import LyapCore
import LyapData
import LyapIO

/// A failure during training that leaves the run directory consistent (last checkpoint intact).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where training stands, for progress display.
public struct TrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var batch: Int, batches: Int
    public var runningLoss: Double
    /// Seconds since this process started training, and epochs already done before it (on resume).
    public var elapsed: Double
    public var firstEpoch: Int
}

/// Runs epochs of minibatch Adam on one backend, writing metrics and checkpoints into a run directory.
public final class Trainer<Backend: LSTMBackend> {
    public let config: RunConfig
    public let data: Dataset
    public let backend: Backend
    public let dir: RunDirectory
    public var onProgress: ((TrainingProgress) -> Void)?
    public var onEpoch: ((MetricsLog.Row) -> Void)?
    /// Asked after each finished epoch (after its checkpoint); returning false stops the run there.
    public var shouldContinue: (Int) -> Bool = { _ in true }
    /// The stability analysis run every `config.analysis.every` epochs on the current parameters; returns
    /// the values of `MetricsLog.analysisHeader` (set by the command, which knows the analysis backend).
    public var analyze: ((ParameterStore<Double>) throws -> [String])?

    public init(config: RunConfig, data: Dataset, backend: Backend, dir: RunDirectory) {
        self.config = config
        self.data = data
        self.backend = backend
        self.dir = dir
    }

    /// Starts a new run from `initial` parameters; the directory must have been checked beforehand.
    public func startNew(initial: ParameterStore<Double>, replacing: Bool) throws {
        try dir.create(replacing: replacing)
        try JSONFile.write(RunRecord(config: config, createdAt: ISO8601DateFormatter().string(from: Date())), to: dir.configPath)
        try backend.load(TrainingState(params: initial.converted(to: Backend.Scalar.self)))
        try startEarlyLog()
        try train(from: 0, dataOrder: LabRNG(seed: config.seed, stream: "data-order"), metrics: MetricsLog(withAnalysis: config.analysis != nil))
    }

    /// Continues from the newest complete checkpoint (or from the start when there is none).
    public func resume(initial: ParameterStore<Double>) throws {
        dir.removeStaleTemporaries()
        try JSONFile.write(RunRecord(config: config, createdAt: ISO8601DateFormatter().string(from: Date())), to: dir.configPath)
        guard let last = dir.completeCheckpoints().last else {
            try backend.load(TrainingState(params: initial.converted(to: Backend.Scalar.self)))
            try startEarlyLog()
            try train(from: 0, dataOrder: LabRNG(seed: config.seed, stream: "data-order"), metrics: MetricsLog(withAnalysis: config.analysis != nil))
            return
        }
        let params = try ModelWeights.read(path: dir.modelPath(epoch: last), expected: config.model, biases: config.layout.biases)
        let saved = try TrainingStateFile.read(path: dir.statePath(epoch: last), params: params.converted(to: Backend.Scalar.self))
        guard saved.epoch == last else {
            throw TrainingError("\(dir.statePath(epoch: last)): records epoch \(saved.epoch), expected \(last)")
        }
        try backend.load(saved.state)
        if config.earlyCheckpoints != nil {
            earlyLog = FileManager.default.fileExists(atPath: dir.earlyPath)
                ? try EarlyLog(path: dir.earlyPath, upToStep: saved.state.step, withAnalysis: config.analysis != nil)
                : EarlyLog(withAnalysis: config.analysis != nil)
        }
        let metrics = FileManager.default.fileExists(atPath: dir.metricsPath)
            ? try MetricsLog(path: dir.metricsPath, upTo: last, withAnalysis: config.analysis != nil)
            : MetricsLog(withAnalysis: config.analysis != nil)
        try train(from: last, dataOrder: saved.dataOrder, metrics: metrics)
    }

    private func train(from start: Int, dataOrder: LabRNG, metrics: MetricsLog) throws {
        guard data.train.seqLen == config.seqLen, data.test.seqLen == config.seqLen else {
            throw TrainingError("data was prepared for L=\(data.train.seqLen), the run uses --seq-len \(config.seqLen)")
        }
        var rng = dataOrder, log = metrics
        let train = data.train, B = config.batch
        let base = try config.dataOrder.baseOrder(data)
        let batches = (train.count + B - 1) / B
        let t0 = Date()
        guard start < config.epochs else { return }
        let logSteps = config.logSteps ?? false
        var step = logSteps ? try backend.state().step : 0
        var stepRows = logSteps ? try previousSteps(upTo: step) : []
        for epoch in (start + 1)...config.epochs {
            let epochStart = Date()
            var order = base
            if config.shuffle { rng.shuffle(&order) }
            var running = LossTotals(), totals = LossTotals()
            // With --early-checkpoints the first epochs run in pieces, each followed by an early point; the
            // steps themselves are the same.
            let inner = config.earlyCheckpoints.map { epoch <= $0.epochs ? $0.innerBoundaries(batches: batches) : [] } ?? []
            var done = 0
            for end in inner + [batches] {
                let offset = done
                totals += try backend.trainEpoch(train, order: Array(order[(offset * B)..<min(end * B, order.count)]), batchSize: B,
                                                 adam: config.optimizer) { i, stepTotals in
                    let b = offset + i
                    guard stepTotals.lossSum.isFinite else {
                        throw TrainingError("epoch \(epoch), batch \(b + 1): training loss is \(stepTotals.lossSum); stopped (the last checkpoint is intact; try a smaller --lr)")
                    }
                    if logSteps {
                        step += 1
                        stepRows.append([String(step), String(format: "%.9g", stepTotals.meanLoss)])
                    }
                    running += stepTotals
                    onProgress?(TrainingProgress(epoch: epoch, epochs: config.epochs, batch: b + 1, batches: batches,
                                                 runningLoss: running.meanLoss, elapsed: Date().timeIntervalSince(t0), firstEpoch: start))
                }
                if end < batches { try recordEarlyPoint(epoch: Double(epoch - 1) + Double(end) / Double(batches)) }
                done = end
            }
            let test = try evaluate(data.test)
            guard test.lossSum.isFinite else {
                throw TrainingError("epoch \(epoch): test loss is \(test.lossSum); stopped (the last checkpoint is intact)")
            }
            let state = try backend.state()
            var row = MetricsLog.Row(epoch: epoch, step: state.step, trainLoss: totals.meanLoss, trainAcc: totals.accuracy,
                                     testLoss: test.meanLoss, testAcc: test.accuracy,
                                     seconds: Date().timeIntervalSince(epochStart))
            // The ends of the --early-checkpoints epochs are analysed and checkpointed like their inner points.
            let early = epoch <= (config.earlyCheckpoints?.epochs ?? 0)
            if let a = config.analysis, epoch % a.every == 0 || epoch == config.epochs || early, let analyze {
                row.analysis = try analyze(state.params.converted(to: Double.self))
            }
            if epoch % config.checkpointEvery == 0 || epoch == config.epochs || early {
                try writeCheckpoint(state, dataOrder: rng, epoch: epoch)
            }
            log.append(row)
            try log.write(path: dir.metricsPath)
            if logSteps { try CSVTable(header: ["step", "loss"], rows: stepRows).write(path: dir.stepsPath) }
            if let keep = config.retention { try prune(keep, rows: log.rows) }
            onEpoch?(row)
            if !shouldContinue(epoch) { return }
        }
    }

    private var earlyLog: EarlyLog?

    /// A new run with --early-checkpoints: the log, and its epoch-0 point.
    private func startEarlyLog() throws {
        guard config.earlyCheckpoints != nil else { return }
        earlyLog = EarlyLog(withAnalysis: config.analysis != nil)
        try recordEarlyPoint(epoch: 0)
    }

    /// Test loss, analysis (when the run analyses) and weights of the current parameters, as an early point.
    private func recordEarlyPoint(epoch: Double) throws {
        guard var log = earlyLog else { return }
        let state = try backend.state()
        let test = try evaluate(data.test)
        let analysis = config.analysis != nil ? try analyze?(state.params.converted(to: Double.self)) : nil
        let path = dir.earlyModelPath(step: state.step)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("\(path): cannot create its directory (\(error.localizedDescription))")
        }
        try ModelWeights.file(state.params, precision: config.precision,
                              metadata: ["step": "\(state.step)", "epoch": String(format: "%.6g", epoch)]).write(path: path)
        log.append(step: state.step, epoch: epoch, test: test, analysis: analysis)
        try log.write(path: dir.earlyPath)
        earlyLog = log
    }

    /// Loss and accuracy of the current parameters over a whole split.
    public func evaluate(_ split: SequenceSet) throws -> LossTotals {
        try backend.evaluate(split, batchSize: config.batch)
    }

    /// The step log up to the checkpoint being resumed from (steps after it are redone).
    private func previousSteps(upTo step: Int) throws -> [[String]] {
        guard step > 0, FileManager.default.fileExists(atPath: dir.stepsPath) else { return [] }
        return try CSVTable.read(path: dir.stepsPath).rows.filter { Int($0.first ?? "").map { $0 <= step } ?? false }
    }

    /// Deletes the checkpoints `--keep` does not retain (model file last, so a pair is never half there
    /// as seen by `completeCheckpoints`, which needs both).
    private func prune(_ keep: CheckpointRetention, rows: [[String]]) throws {
        let all = dir.completeCheckpoints()
        let kept = keep.kept(checkpoints: all, rows: rows)
        for e in all where !kept.contains(e) {
            do {
                try FileManager.default.removeItem(atPath: dir.statePath(epoch: e))
                try FileManager.default.removeItem(atPath: dir.modelPath(epoch: e))
            } catch {
                throw TrainingError("--keep: cannot remove checkpoint \(e) in \(dir.checkpointsPath) (\(error.localizedDescription))")
            }
        }
    }

    private func writeCheckpoint(_ s: TrainingState<Backend.Scalar>, dataOrder: LabRNG, epoch: Int) throws {
        let meta = ["epoch": "\(epoch)", "step": "\(s.step)"]
        try TrainingStateFile.file(s, dataOrder: dataOrder, epoch: epoch, precision: config.precision).write(path: dir.statePath(epoch: epoch))
        try ModelWeights.file(s.params, precision: config.precision, metadata: meta).write(path: dir.modelPath(epoch: epoch))
    }

}
