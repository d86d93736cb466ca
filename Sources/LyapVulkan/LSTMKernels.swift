import CLyapShared
import LyapCore

/// The compiled kernel set for one model shape: one pipeline per Shaders/*.comp, with H baked in as
/// a define (it sizes shared memory) and the workgroup size as specialization constant 0.
final class LSTMKernels: @unchecked Sendable {
    let inputProjection, forward, headLoss, backward: ComputePipeline
    /// The split-K weight-gradient reductions (SplitK): pass 1 per reduction, and the shared pass 2.
    let gradRecurrentPart, gradInputPart, gradBiasPart, gradSumParts: ComputePipeline
    let gradHead, inputDelta, gradEmbedding, adam: ComputePipeline
    /// Invocations per workgroup of the 1-D kernels and of the persistent (per-sequence) kernels.
    let flatSize: Int, persistentSize: Int

    init(_ ctx: VulkanContext, compiler: ShaderCompiler, hidden H: Int) throws {
        flatSize = 64
        persistentSize = Self.persistentSize(hidden: H, device: ctx.info)
        var defines = ["HID": "\(H)"]
        if Self.rowsInRegisters(hidden: H, workgroup: persistentSize) { defines["ROWREG"] = "1" }
        let push = MemoryLayout<LyapPush>.size
        func make(_ kernel: String, _ bindings: Int, _ size: Int) throws -> ComputePipeline {
            let spirv = try compiler.compile(kernel + ".comp", defines: defines)
            return try ComputePipeline(ctx, name: "\(kernel).H\(H).wg\(size)", spirv: spirv, bindings: bindings,
                                       pushConstantBytes: push, specialization: [UInt32(size)])
        }
        inputProjection = try make("input_projection", 3, flatSize)
        forward = try make("lstm_forward", 5, persistentSize)
        headLoss = try make("head_loss", 6, flatSize)
        backward = try make("lstm_backward", 6, persistentSize)
        gradRecurrentPart = try make("grad_recurrent_part", 3, flatSize)
        gradInputPart = try make("grad_input_part", 4, flatSize)
        gradBiasPart = try make("grad_bias_part", 2, flatSize)
        gradSumParts = try make("grad_sum_parts", 2, flatSize)
        gradHead = try make("grad_head", 3, flatSize)
        inputDelta = try make("input_delta", 3, flatSize)
        gradEmbedding = try make("grad_embedding", 5, flatSize)
        adam = try make("adam", 5, flatSize)
    }

    /// Invocations of a persistent (per-sequence) workgroup: one per gate row up to 256.
    static func persistentSize(hidden H: Int, device: VulkanDeviceInfo) -> Int {
        min(256, max(32, (4 * H + 31) / 32 * 32), device.maxWorkgroupInvocations)
    }

    /// Whether the persistent kernels keep each invocation's row of Wh in registers: one invocation per
    /// gate row, and a row short enough (H <= 64 floats) not to spill.
    static func rowsInRegisters(hidden H: Int, workgroup: Int) -> Bool { H <= 64 && 4 * H <= workgroup }

    /// Workgroups for a grid-stride kernel over n items.
    func groups(_ n: Int) -> (Int, Int, Int) { (max(1, min((n + flatSize - 1) / flatSize, 65535)), 1, 1) }
}
