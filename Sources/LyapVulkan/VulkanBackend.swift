import LyapCore

/// One model on a Vulkan device, behind the same protocol as the CPU backend (the ensemble with M=1).
public final class VulkanBackend: LSTMBackend, @unchecked Sendable {
    public typealias Scalar = Float
    public let ensemble: VulkanLSTMEnsemble

    public init(context: VulkanContext, compiler: ShaderCompiler, shape: ModelShape, batch: Int, seqLen: Int,
                stepsPerSubmit: Int = 16, profile: Bool = false) throws {
        ensemble = try VulkanLSTMEnsemble(context: context, compiler: compiler, shape: shape, models: 1, batch: batch,
                                          seqLen: seqLen, stepsPerSubmit: stepsPerSubmit, profile: profile)
    }

    public var shape: ModelShape { ensemble.shape }
    public var name: String { "vulkan float32, \(ensemble.context.info.name)" }

    public func load(_ state: TrainingState<Float>) throws { try ensemble.load([state]) }
    public func state() throws -> TrainingState<Float> { try ensemble.states()[0] }

    public func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals {
        try ensemble.trainStep([batch], adam: [adam])[0]
    }

    public func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float]) {
        try ensemble.evaluate([batch])[0]
    }

    public var stepsPerCall: Int { ensemble.stepsPerSubmit }

    public func trainSteps(_ batches: [Batch], adam: AdamConfig) throws -> [LossTotals] {
        try ensemble.trainSteps(batches.map { [$0] }, adam: [adam]).map { $0[0] }
    }

    public func evaluate(batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        try ensemble.evaluate(steps: batches.map { [$0] }).map { $0[0] }
    }
}
