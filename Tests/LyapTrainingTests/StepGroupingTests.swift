import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapData
import LyapTraining

/// A CPU backend that asks for several steps per call (as the Vulkan backend does) and records the
/// calls it gets.
final class GroupingBackend: LSTMBackend {
    typealias Scalar = Float
    let inner: CPUBackend<Float>
    let stepsPerCall: Int
    var trainCalls: [Int] = [], evalCalls: [Int] = []

    init(shape: ModelShape, stepsPerCall: Int) {
        inner = CPUBackend<Float>(shape: shape, threads: 1)
        self.stepsPerCall = stepsPerCall
    }

    var name: String { "grouping" }
    var shape: ModelShape { inner.shape }
    func load(_ state: TrainingState<Float>) throws { try inner.load(state) }
    func state() throws -> TrainingState<Float> { try inner.state() }
    func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals { try inner.trainStep(batch, adam: adam) }
    func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float]) { try inner.evaluate(batch) }

    func trainSteps(_ batches: [Batch], adam: AdamConfig) throws -> [LossTotals] {
        trainCalls.append(batches.count)
        return try batches.map { try inner.trainStep($0, adam: adam) }
    }

    func evaluate(batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        evalCalls.append(batches.count)
        return try batches.map { try inner.evaluate($0) }
    }
}

@Suite struct StepGroupingTests {
    @Test func anEpochIsHandedToTheBackendInGroupsOfItsStepsPerCall() throws {
        let data = try TestData(vocab: 30, train: 37, test: 23, maxLen: 9, seed: 4)
        defer { data.remove() }
        let set = try data.load(vocab: 30, seqLen: 9)
        let shape = ModelShape(vocab: 30, embed: 3, hidden: 4)
        let initial = TrainingState(params: InitPreset.keras.initialize(ParameterLayout(shape), seed: 1).converted(to: Float.self))
        let plain = CPUBackend<Float>(shape: shape, threads: 1)
        let grouped = GroupingBackend(shape: shape, stepsPerCall: 3)
        try plain.load(initial)
        try grouped.load(initial)
        let order = Array((0..<set.train.count).reversed())

        var plainSteps: [LossTotals] = []
        let a = try plain.trainEpoch(set.train, order: order, batchSize: 4, adam: AdamConfig()) { _, t in plainSteps.append(t) }
        var seen: [Int] = [], groupedSteps: [LossTotals] = []
        let b = try grouped.trainEpoch(set.train, order: order, batchSize: 4, adam: AdamConfig()) { i, t in
            seen.append(i)
            groupedSteps.append(t)
        }
        #expect(grouped.trainCalls == [3, 3, 3, 1])  // 37 reviews in batches of 4: 10 steps
        #expect(seen == Array(0..<10))
        #expect(groupedSteps == plainSteps)
        #expect(a == b)
        #expect(try grouped.state().params.values == plain.state().params.values)

        let e1 = try plain.evaluateWithLogits(set.test, batchSize: 4)
        let e2 = try grouped.evaluateWithLogits(set.test, batchSize: 4)
        #expect(grouped.evalCalls == [3, 3])  // 23 reviews: 6 batches
        #expect(e1.totals == e2.totals && e1.logits == e2.logits)
    }
}
