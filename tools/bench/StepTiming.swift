// The timing shared by the plain benchmark and the kernel lab.
import Foundation
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// The benchmark's model at width H (Keras initialisation, rounded to float) and one random batch.
struct BenchProblem {
    let shape: ModelShape
    let params: ParameterStore<Float>
    let batch: Batch

    init(hidden: Int, _ o: Options) {
        shape = ModelShape(vocab: o.vocab, embed: o.embed, hidden: hidden)
        params = InitPreset.keras.initialize(ParameterLayout(shape), seed: 1).converted(to: Float.self)
        var rng = LabRNG(seed: 2)
        batch = Batch(tokens: (0..<(o.batch * o.seqLen)).map { _ in Int32(rng.below(o.vocab)) },
                      labels: (0..<o.batch).map { _ in UInt8(rng.below(2)) }, seqLen: o.seqLen)
    }
}

/// An ensemble of `o.models` copies of the problem's model.
func benchEnsemble(_ p: BenchProblem, _ o: Options,
                   _ vulkan: (VulkanContext, ShaderCompiler), kernels: KernelConfig = KernelConfig()) throws -> VulkanLSTMEnsemble {
    let e = try VulkanLSTMEnsemble(context: vulkan.0, compiler: vulkan.1, shape: p.shape, models: o.models, batch: o.batch,
                                   seqLen: o.seqLen, stepsPerSubmit: o.stepsPerSubmit, profile: o.profile, kernelConfig: kernels)
    try e.load([TrainingState<Float>](repeating: TrainingState(params: p.params), count: o.models))
    return e
}

/// Median wall milliseconds of one training step of all the ensemble's models together on `batch`.
func vulkanStepMs(_ e: VulkanLSTMEnsemble, _ batch: Batch, _ o: Options) throws -> Double {
    let batches = [Batch](repeating: batch, count: o.models), adam = [AdamConfig](repeating: AdamConfig(), count: o.models)
    let steps = [[Batch]](repeating: batches, count: o.stepsPerSubmit)
    return try medianMs(hidden: e.shape.hidden, stepsPerCall: o.stepsPerSubmit) { _ = try e.trainSteps(steps, adam: adam) }
}

/// Median wall milliseconds per step of `step` (which runs `stepsPerCall` steps): 2 warm-up calls, then
/// 20 timed (5 for H >= 256).
func medianMs(hidden: Int, stepsPerCall: Int, _ step: () throws -> Void) rethrows -> Double {
    let reps = hidden >= 256 ? 5 : 20
    for _ in 0..<2 { try step() }
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try step()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(stepsPerCall))
    }
    return median(times)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
