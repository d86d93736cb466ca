import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// The Vulkan backend's gradient hook (gradients read back between backward and Adam, for the audit's
/// learning-signal perturbations) against the plain device step and the CPU Double reference.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct GradientHookTests {
    let c = ParityTests.Case(hidden: 9, batch: 4, seqLen: 11, embed: 5, models: 1)

    func backend(_ p: ParityTests.Problem) throws -> VulkanBackend {
        let b = try VulkanBackend(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler, shape: p.shape,
                                  batch: c.batch, seqLen: c.seqLen)
        try b.load(TrainingState(params: p.params[0].converted(to: Float.self)))
        return b
    }

    @Test func anIdentityHookChangesNothingBitwise() throws {
        let p = ParityTests.problem(c, seed: 21)
        let plain = try backend(p), hooked = try backend(p)
        hooked.gradientTransform = { _ in }
        #expect(hooked.stepsPerCall == 1)
        let batches = [Batch](repeating: p.batches[0], count: 4)
        let a = try plain.trainSteps(batches, adam: AdamConfig(lr: 1e-2))
        let b = try hooked.trainSteps(batches, adam: AdamConfig(lr: 1e-2))
        #expect(a == b)
        let x = try plain.state(), y = try hooked.state()
        #expect(x.params.values == y.params.values && x.m == y.m && x.v == y.v && x.step == y.step)
    }

    @Test func aScalingHookMatchesTheReferenceWithTheSameHook() throws {
        let p = ParityTests.problem(c, seed: 22)
        let gpu = try backend(p)
        gpu.gradientTransform = { g in for i in g.indices { g[i] *= 0.3 } }
        let ref = CPUBackend<Double>(shape: p.shape, threads: 1)
        try ref.load(TrainingState(params: p.params[0]))
        ref.gradientTransform = { g in for i in g.indices { g[i] *= 0.3 } }
        // A non-uniform hook as well, so a hook that is ignored cannot pass (Adam is scale-invariant).
        for step in 0..<5 {
            if step == 2 {
                gpu.gradientTransform = { g in for i in g.indices { g[i] += Float(i % 7) * 1e-3 } }
                ref.gradientTransform = { g in for i in g.indices { g[i] += Double(Float(i % 7) * 1e-3) } }
            }
            _ = try gpu.trainStep(p.batches[0], adam: AdamConfig(lr: 1e-3))
            _ = try ref.trainStep(p.batches[0], adam: AdamConfig(lr: 1e-3))
        }
        let report = Compare(layout: ParameterLayout(p.shape), model: 0)
        // atol 1e-4 as in ParityTests' Adam test (why is explained there).
        report.checkParameters("weights after 5 hooked Adam steps", try gpu.state().params.values.map(Double.init),
                               try ref.state().params.values, atol: 1e-4, rtol: 1e-4)
        let unhooked = try backend(p)
        for _ in 0..<5 { _ = try unhooked.trainStep(p.batches[0], adam: AdamConfig(lr: 1e-3)) }
        #expect(try unhooked.state().params.values != gpu.state().params.values)
    }
}
