import CLyapShared
import LyapCore
import LyapVulkan

/// Every kernel of the LSTM workloads, described once: its Shaders/ file, its storage-buffer bindings,
/// and whether it is persistent (one workgroup per sequence looping over time, the width H a
/// specialization constant, the ROWREG path). The pipelines (`LSTMKernels`, `VulkanStabilityAnalysis`),
/// the llvmpipe loop budget (`LoopBudget`) and the `--profile` work model (`stepWork`) all read this table.
public enum LSTMKernel: String, CaseIterable, Sendable {
    case inputProjection = "input_projection"
    case forward = "lstm_forward"
    case headLoss = "head_loss"
    case backward = "lstm_backward"
    case gradRecurrentPart = "grad_recurrent_part"
    case gradInputPart = "grad_input_part"
    case gradBiasPart = "grad_bias_part"
    case gradSumParts = "grad_sum_parts"
    case gradHead = "grad_head"
    case inputDelta = "input_delta"
    case gradEmbedding = "grad_embedding"
    case adam = "adam"
    /// The stability analysis's kernel (drive, twins, tangents); FTLE adds one binding.
    case tangent = "lstm_tangent"

    /// The name in pipeline labels and the --profile table, e.g. "lstm_forward".
    public var name: String { rawValue }
    /// The source under Shaders/.
    public var file: String { rawValue + ".comp" }

    public var bindings: Int {
        switch self {
        case .inputProjection, .gradRecurrentPart, .gradHead, .inputDelta: return 3
        case .gradInputPart: return 4
        case .forward: return 5
        case .headLoss, .backward, .gradEmbedding, .adam: return 6
        case .gradBiasPart, .gradSumParts: return 2
        case .tangent: return 9
        }
    }

    public var persistent: Bool { self == .forward || self == .backward || self == .tangent }

    /// The kernels of a training step (all but the analysis's).
    public static var training: [LSTMKernel] { allCases.filter { $0 != .tangent } }
}

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
        func make(_ kernel: LSTMKernel) throws -> ComputePipeline {
            let size = kernel.persistent ? config.persistentWorkgroup : flat
            let rowreg = kernel.persistent && config.rowsInRegisters
            let spirv = try compiler.compile(kernel.file, defines: rowreg ? ["ROWREG": "1"] : [:])
            let name = "\(kernel.name).H\(H).wg\(size)" + (rowreg ? ".rowreg" : "")
            return try ComputePipeline(ctx, name: name, spirv: spirv, bindings: kernel.bindings, pushConstantBytes: push,
                                       specialization: kernel.persistent ? [UInt32(size), UInt32(H)] : [UInt32(size)])
        }
        inputProjection = try make(.inputProjection)
        forward = try make(.forward)
        headLoss = try make(.headLoss)
        backward = try make(.backward)
        gradRecurrentPart = try make(.gradRecurrentPart)
        gradInputPart = try make(.gradInputPart)
        gradBiasPart = try make(.gradBiasPart)
        gradSumParts = try make(.gradSumParts)
        gradHead = try make(.gradHead)
        inputDelta = try make(.inputDelta)
        gradEmbedding = try make(.gradEmbedding)
        adam = try make(.adam)
        makeSigmoidBCE = {
            let spirv = try compiler.compile(LSTMKernel.headLoss.file, defines: ["SIGMOID_BCE": "1"])
            return try ComputePipeline(ctx, name: "\(LSTMKernel.headLoss.name).H\(H).wg\(flat).sigmoid-bce", spirv: spirv,
                                       bindings: LSTMKernel.headLoss.bindings,
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
