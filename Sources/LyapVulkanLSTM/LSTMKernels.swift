import CLyapShared
import LyapCore
import LyapVulkan

/// The compiled kernel set for one model shape: one pipeline per Shaders/*.comp. Sizes are specialization
/// constants (the workgroup size is 0; H, which sizes the persistent kernels' shared memory and register
/// rows, is 1), so each kernel compiles to one SPIR-V for every width; the ROWREG define picks the
/// persistent kernels' code path.
final class LSTMKernels: @unchecked Sendable {
    let inputProjection, forward, headLoss, backward: ComputePipeline
    /// The split-K weight-gradient reductions (SplitK): pass 1 per reduction, and the shared pass 2.
    let gradRecurrentPart, gradInputPart, gradBiasPart, gradSumParts: ComputePipeline
    let gradHead, inputDelta, gradEmbedding, adam: ComputePipeline
    /// Invocations per workgroup of the 1-D kernels and of the persistent (per-sequence) kernels, and
    /// whether the persistent ones hold rows of Wh in registers: what the pipelines were built with.
    let config: KernelConfig.Resolved
    var flatSize: Int { config.flatWorkgroup }
    /// head_loss built with SIGMOID_BCE (`LossForm.sigmoidBCE`), compiled the first time a step asks for it.
    private var headLossSigmoidBCE: ComputePipeline?
    private let makeSigmoidBCE: () throws -> ComputePipeline

    init(_ ctx: VulkanContext, compiler: ShaderCompiler, hidden H: Int, config: KernelConfig.Resolved) throws {
        self.config = config
        let flat = config.flatWorkgroup
        let push = MemoryLayout<LyapPush>.size
        // Named by what they were built with (e.g. lstm_forward.H60.wg256.rowreg), so --profile tables tell
        // configurations apart.
        func make(_ kernel: String, _ bindings: Int, _ size: Int, persistent: Bool = false) throws -> ComputePipeline {
            let rowreg = persistent && config.rowsInRegisters
            let spirv = try compiler.compile(kernel + ".comp", defines: rowreg ? ["ROWREG": "1"] : [:])
            let name = "\(kernel).H\(H).wg\(size)" + (rowreg ? ".rowreg" : "")
            return try ComputePipeline(ctx, name: name, spirv: spirv, bindings: bindings, pushConstantBytes: push,
                                       specialization: persistent ? [UInt32(size), UInt32(H)] : [UInt32(size)])
        }
        inputProjection = try make("input_projection", 3, flat)
        forward = try make("lstm_forward", 5, config.persistentWorkgroup, persistent: true)
        headLoss = try make("head_loss", 6, flat)
        backward = try make("lstm_backward", 6, config.persistentWorkgroup, persistent: true)
        gradRecurrentPart = try make("grad_recurrent_part", 3, flat)
        gradInputPart = try make("grad_input_part", 4, flat)
        gradBiasPart = try make("grad_bias_part", 2, flat)
        gradSumParts = try make("grad_sum_parts", 2, flat)
        gradHead = try make("grad_head", 3, flat)
        inputDelta = try make("input_delta", 3, flat)
        gradEmbedding = try make("grad_embedding", 6, flat)
        adam = try make("adam", 6, flat)
        makeSigmoidBCE = {
            let spirv = try compiler.compile("head_loss.comp", defines: ["SIGMOID_BCE": "1"])
            return try ComputePipeline(ctx, name: "head_loss.H\(H).wg\(flat).sigmoid-bce", spirv: spirv, bindings: 6,
                                       pushConstantBytes: push, specialization: [UInt32(flat)])
        }
    }

    /// The head-and-loss kernel of `loss`.
    func headLoss(for loss: LossForm) throws -> ComputePipeline {
        guard loss == .sigmoidBCE else { return headLoss }
        if let p = headLossSigmoidBCE { return p }
        let p = try makeSigmoidBCE()
        headLossSigmoidBCE = p
        return p
    }

    /// Invocations of a persistent (per-sequence) workgroup: one per gate row up to 256.
    static func persistentSize(hidden H: Int, device: VulkanDeviceInfo) -> Int {
        min(256, max(32, (4 * H + 31) / 32 * 32), device.maxWorkgroupInvocations)
    }

    /// Shared memory of the larger persistent kernel: lstm_forward holds h, c and the 4H pre-activations
    /// (6H floats), lstm_backward eps_h, eps_c and the 4H deltas, plus 4H partial sums with ROWREG.
    static func sharedBytes(hidden H: Int, rowsInRegisters: Bool) -> Int { 4 * (rowsInRegisters ? 10 : 6) * H }

    /// Whether the persistent kernels keep each invocation's row of Wh in registers: one invocation per
    /// gate row, and a row short enough (H <= 64 floats) not to spill.
    static func rowsInRegisters(hidden H: Int, workgroup: Int) -> Bool { H <= 64 && 4 * H <= workgroup }

    var pipelines: [ComputePipeline] {
        [inputProjection, forward, headLoss, backward, gradRecurrentPart, gradInputPart, gradBiasPart, gradSumParts,
         gradHead, inputDelta, gradEmbedding, adam]
    }

    /// Workgroups for a grid-stride kernel over n items.
    func groups(_ n: Int) -> (Int, Int, Int) { (max(1, min((n + flatSize - 1) / flatSize, 65535)), 1, 1) }
}
