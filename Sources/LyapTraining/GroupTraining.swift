import Foundation
import LyapCore
import LyapData

/// M models of one shape that take their optimizer steps together, one batch per model per step
/// (all batches of a step the same size). The CPU path wraps backends one by one; the Vulkan
/// path is one ensemble dispatch stream.
public protocol ModelGroup: AnyObject {
    var models: Int { get }
    /// Steps to hand over at once (a GPU group records them into one submission).
    var stepsPerCall: Int { get }
    func load(_ initial: [ParameterStore<Double>]) throws
    /// Training steps in order, `steps[s][model]`; every step's totals per model.
    func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]]
    /// Forward passes, `steps[s][model]`.
    func evaluate(steps: [[Batch]]) throws -> [[LossTotals]]
    func parameters() throws -> [ParameterStore<Double>]
    /// Parameters and Adam state of every model (for checkpoints), and their restoration.
    func states() throws -> [TrainingState<Double>]
    func load(states: [TrainingState<Double>]) throws
}

/// Backends stepped one after another (on the CPU a group of one: configurations run in turn).
public final class BackendGroup<B: LSTMBackend>: ModelGroup {
    public let backends: [B]
    public init(_ backends: [B]) { self.backends = backends }
    public var models: Int { backends.count }
    public var stepsPerCall: Int { backends.map(\.stepsPerCall).max() ?? 1 }

    public func load(_ initial: [ParameterStore<Double>]) throws {
        for (b, p) in zip(backends, initial) { try b.load(TrainingState(params: p.converted(to: B.Scalar.self))) }
    }
    public func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        let perModel = try backends.indices.map { k in try backends[k].trainSteps(steps.map { $0[k] }, adam: adam) }
        return steps.indices.map { s in backends.indices.map { perModel[$0][s] } }
    }
    public func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] {
        let perModel = try backends.indices.map { k in try backends[k].evaluate(batches: steps.map { $0[k] }) }
        return steps.indices.map { s in backends.indices.map { perModel[$0][s].totals } }
    }
    public func parameters() throws -> [ParameterStore<Double>] {
        try backends.map { try $0.state().params.converted(to: Double.self) }
    }
    public func states() throws -> [TrainingState<Double>] { try backends.map { try $0.state().converted(to: Double.self) } }
    public func load(states: [TrainingState<Double>]) throws {
        for (b, s) in zip(backends, states) { try b.load(s.converted(to: B.Scalar.self)) }
    }
}

/// One model of a group: its training split (its own noisy labels), its data-order seed and the order
/// an epoch starts from before any shuffle (`DataOrder.baseOrder`; nil: storage order).
public struct GroupMember {
    public var train: SequenceSet
    public var seed: UInt64
    public var baseOrder: [Int]?
    /// The stability analysis of `lyap train --analyze-every` for this model, if any.
    public var analyze: ((ParameterStore<Double>) throws -> [String])?
    public init(train: SequenceSet, seed: UInt64, baseOrder: [Int]? = nil,
                analyze: ((ParameterStore<Double>) throws -> [String])? = nil) {
        self.train = train
        self.seed = seed
        self.baseOrder = baseOrder
        self.analyze = analyze
    }
}

/// What one model did in one epoch.
public struct GroupEpoch: Sendable {
    public var train: LossTotals
    public var test: LossTotals
    public var analysis: [String]?
}

/// The epoch loop of `Trainer` (same data order: a `LabRNG(seed, "data-order")` shuffle per epoch;
/// same batching and test evaluation) for a group of models, without checkpoints: a model's result
/// is its per-epoch rows.
public struct GroupTraining {
    public var epochs: Int
    public var batch: Int
    public var shuffle: Bool
    public var adam: AdamConfig
    /// Analyse every K epochs and at the last one (members with an `analyze` closure).
    public var analyzeEvery: Int?
    public var onProgress: ((TrainingProgress) -> Void)?

    public init(epochs: Int, batch: Int, shuffle: Bool, adam: AdamConfig, analyzeEvery: Int?) {
        self.epochs = epochs
        self.batch = batch
        self.shuffle = shuffle
        self.adam = adam
        self.analyzeEvery = analyzeEvery
    }

    /// Trains `group` (already loaded) for `epochs` epochs; `onEpoch(epoch, perModel, dataOrders)` after
    /// each, with every model's data-order stream as it stands then (what a checkpoint needs). To continue
    /// from a checkpoint, load its states into the group and pass its epoch and streams.
    public func run(_ group: ModelGroup, members: [GroupMember], test testSet: SequenceSet,
                    from start: (epoch: Int, dataOrders: [LabRNG])? = nil,
                    onEpoch: (Int, [GroupEpoch], [LabRNG]) throws -> Void) throws {
        precondition(members.count == group.models && !members.isEmpty)
        let n = members[0].train.count
        guard members.allSatisfy({ $0.train.count == n }) else {
            throw TrainingError("models trained together need training sets of one size")
        }
        var rngs = start?.dataOrders ?? members.map { LabRNG(seed: $0.seed, stream: "data-order") }
        precondition(rngs.count == members.count)
        let batches = (n + batch - 1) / batch
        let t0 = Date(), first = start?.epoch ?? 0
        guard first < epochs else { return }
        for epoch in (first + 1)...epochs {
            var orders = members.map { $0.baseOrder ?? Array(0..<n) }
            if shuffle { for k in orders.indices { rngs[k].shuffle(&orders[k]) } }
            var train = [LossTotals](repeating: LossTotals(), count: members.count)
            let per = max(group.stepsPerCall, 1)
            for first in stride(from: 0, to: batches, by: per) {
                let stepBatches = (first..<min(first + per, batches)).map { b in
                    let range = (b * batch)..<min((b + 1) * batch, n)
                    return members.indices.map { members[$0].train.batch(orders[$0][range]) }
                }
                for (i, step) in try group.trainSteps(stepBatches, adam: adam).enumerated() {
                    let b = first + i
                    for k in step.indices {
                        guard step[k].lossSum.isFinite else {
                            throw TrainingError("model \(k + 1), epoch \(epoch), batch \(b + 1): training loss is \(step[k].lossSum); try a smaller --lr")
                        }
                        train[k] += step[k]
                    }
                    let running = train.reduce(LossTotals()) { var t = $0; t += $1; return t }
                    onProgress?(TrainingProgress(epoch: epoch, epochs: epochs, batch: b + 1, batches: batches,
                                                 runningLoss: running.meanLoss, elapsed: Date().timeIntervalSince(t0), firstEpoch: first))
                }
            }
            var test = [LossTotals](repeating: LossTotals(), count: members.count)
            let testParts = stride(from: 0, to: testSet.count, by: batch).map { testSet.batch($0..<min($0 + batch, testSet.count)) }
            for first in stride(from: 0, to: testParts.count, by: per) {
                let steps = testParts[first..<min(first + per, testParts.count)].map { [Batch](repeating: $0, count: members.count) }
                for r in try group.evaluate(steps: steps) {
                    for k in r.indices { test[k] += r[k] }
                }
            }
            for k in test.indices where !test[k].lossSum.isFinite {
                throw TrainingError("model \(k + 1), epoch \(epoch): test loss is \(test[k].lossSum)")
            }
            var analysis = [[String]?](repeating: nil, count: members.count)
            if let every = analyzeEvery, epoch % every == 0 || epoch == epochs {
                let params = try group.parameters()
                for k in members.indices { analysis[k] = try members[k].analyze?(params[k]) }
            }
            try onEpoch(epoch, members.indices.map { GroupEpoch(train: train[$0], test: test[$0], analysis: analysis[$0]) }, rngs)
        }
    }
}
