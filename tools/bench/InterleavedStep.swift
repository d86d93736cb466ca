// `lyap-bench train-step --backend vulkan --interleave`: one training step of every width's ensemble
// together, recorded phase by phase into one command buffer (VulkanEnsembleSet, as `lyap sweep
// --interleave-widths` trains), against the same widths one after another (lyap's per-width rows of the
// same run) and PyTorch training every model one after another.
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// Median wall milliseconds of one step of all widths' ensembles (`o.models` models each) together.
func interleavedStepMs(_ o: Options, _ vulkan: (VulkanContext, ShaderCompiler)) throws -> (ms: Double, profile: String?) {
    let problems = o.widths.map { BenchProblem(hidden: $0, o) }
    let set = try VulkanEnsembleSet(context: vulkan.0, compiler: vulkan.1, shapes: problems.map(\.shape),
                                    models: [Int](repeating: o.models, count: problems.count), batch: o.batch, seqLen: o.seqLen,
                                    stepsPerSubmit: o.stepsPerSubmit, profile: o.profile)
    try set.load(problems.flatMap { p in [TrainingState<Float>](repeating: TrainingState(params: p.params), count: o.models) })
    let n = set.models
    let steps = [[Batch]](repeating: [Batch](repeating: problems[0].batch, count: n), count: o.stepsPerSubmit)
    let adam = [AdamConfig](repeating: AdamConfig(), count: n)
    let ms = try medianMs(hidden: o.widths.max()!, stepsPerCall: o.stepsPerSubmit) { _ = try set.trainSteps(steps, adam: adam) }
    return (ms, o.profile ? set.kernelProfile.table(peaks: DevicePeaks.datasheet(deviceName: vulkan.0.info.name)) : nil)
}

/// The summary lines: interleaved against lyap's widths in turn and against PyTorch's models in turn.
func interleavedSummary(ms: Double, perWidth: [Int: Double], torch: [Int: Double]?, _ o: Options) -> String {
    let sequential = o.widths.reduce(0) { $0 + perWidth[$1]! }
    let peer = torch.flatMap { t in o.widths.allSatisfy { t[$0] != nil } ? o.widths.reduce(0) { $0 + t[$1]! * Double(o.models) } : nil }
    var lines = ["", "All \(o.widths.count) widths x \(o.models) model(s) in one step, recorded side by side (--interleave):",
                 "| job | ms/step | vs interleaved |", "|---|---:|---:|",
                 String(format: "| lyap vulkan, widths interleaved | %.1f | 1.00x |", ms),
                 String(format: "| lyap vulkan, one width after another (sum of the rows above) | %.1f | %.2fx |", sequential, sequential / ms)]
    if let peer {
        lines.append(String(format: "| PyTorch, %d models one after another | %.1f | %.2fx |", o.widths.count * o.models, peer, peer / ms))
    }
    return lines.joined(separator: "\n")
}
