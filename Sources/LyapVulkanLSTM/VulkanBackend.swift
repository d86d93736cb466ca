import LyapCore
import LyapVulkan

/// One model on a Vulkan device, behind the same protocol as the CPU backend (the ensemble with M=1).
public final class VulkanBackend: LSTMBackend, @unchecked Sendable {
    public typealias Scalar = Float
    public let ensemble: VulkanLSTMEnsemble

    public init(context: VulkanContext, compiler: ShaderCompiler, shape: ModelShape, biases: BiasLayout = .one, batch: Int, seqLen: Int,
                stepsPerSubmit: Int = 16, profile: Bool = false, kernelConfig: KernelConfig = KernelConfig()) throws {
        ensemble = try VulkanLSTMEnsemble(context: context, compiler: compiler, shape: shape, biases: biases, models: 1, batch: batch,
                                          seqLen: seqLen, stepsPerSubmit: stepsPerSubmit, profile: profile, kernelConfig: kernelConfig)
    }

    public var shape: ModelShape { ensemble.shape }
    public var name: String { "vulkan float32, \(ensemble.context.info.name)" }

    public func load(_ state: TrainingState<Float>) throws { try ensemble.load([state]) }
    public func state() throws -> TrainingState<Float> { try ensemble.states()[0] }

    /// Applied to the gradient between backward and Adam (`lyap audit`'s learning-signal perturbations);
    /// while set, each step reads the gradient back to the host and writes it again, one step per
    /// submission. nil (the default) keeps everything on the device.
    public var gradientTransform: ((inout [Float]) -> Void)?

    public func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals {
        guard let transform = gradientTransform else { return try ensemble.trainStep([batch], adam: [adam])[0] }
        let totals = try ensemble.gradients([batch])[0]
        var g = try ensemble.gradientValues()[0]
        transform(&g)
        try ensemble.setGradientValues([g])
        try ensemble.adamStep(adam: [adam])
        return totals
    }

    public func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float]) {
        try ensemble.evaluate([batch])[0]
    }

    public var stepsPerCall: Int { gradientTransform == nil ? ensemble.stepsPerSubmit : 1 }

    public func trainSteps(_ batches: [Batch], adam: AdamConfig) throws -> [LossTotals] {
        if gradientTransform != nil { return try batches.map { try trainStep($0, adam: adam) } }
        return try ensemble.trainSteps(batches.map { [$0] }, adam: [adam]).map { $0[0] }
    }

    public func evaluate(batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        try ensemble.evaluate(steps: batches.map { [$0] }).map { $0[0] }
    }
}
