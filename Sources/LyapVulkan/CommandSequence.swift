import CVulkan

/// One primary command buffer holding a whole step: dispatches, barriers, copies, labels. Recording
/// starts at creation and after `reset()`; `submitAndWait()` ends the recording, submits it once with
/// a fence and waits. Submitting again without `reset()` replays the same commands.
///
/// Descriptor sets come from pools owned by the sequence: one set per dispatch, all returned by
/// `reset()`. Pools (and timestamp query pools) are created only when a recording needs more than
/// any earlier one did, so a steady-state loop of reset/record/submit creates no Vulkan objects; it
/// allocates and writes one descriptor set per dispatch. Buffers and pipelines used are retained until
/// `reset()`, so nothing recorded can be destroyed while the GPU may use it.
///
/// Not thread-safe: record from one thread at a time (different sequences may record concurrently).
public final class CommandSequence: @unchecked Sendable {
    public let context: VulkanContext
    public let profile: Bool

    private enum State { case recording, executable }
    private var state: State = .recording
    private let pool: VkCommandPool
    private let commands: VkCommandBuffer
    private let fence: VkFence

    private struct DescriptorPool {
        let pool: VkDescriptorPool
        let sets: Int
        let descriptors: Int
        var setsUsed = 0
        var descriptorsUsed = 0
    }
    private var descriptorPools: [DescriptorPool] = []
    private var currentPool = 0

    /// Timestamp queries: pool k holds dispatches k*dispatchesPerQueryPool ..< (k+1)*...
    private static let dispatchesPerQueryPool = 128
    private var queryPools: [VkQueryPool] = []

    private var dispatchNames: [String] = []
    private var dispatchWork: [KernelWork] = []
    private var retainedBuffers: [DeviceBuffer] = []
    private var retainedPipelines: [ObjectIdentifier: ComputePipeline] = [:]
    private var openLabels: [String] = []
    /// The most recent labels and pipeline recorded, for device-lost reports.
    private var lastLabel: String?
    /// A recording mistake in a non-throwing call (barrier, labels); thrown by the next throwing call.
    private var deferredError: VulkanError?
    private var lastTimings: [DispatchTiming] = []

    /// One entry per dispatch of the last submit (profile mode; empty otherwise), in dispatch order.
    public var timings: [DispatchTiming] { lastTimings }
    /// Descriptor pools created so far (tests check that steady-state loops create none).
    var descriptorPoolCount: Int { descriptorPools.count }
    /// Dispatches recorded since the last reset.
    public var dispatchCount: Int { dispatchNames.count }
    /// Barriers recorded since the last reset.
    public private(set) var barrierCount = 0
    /// The pipeline name of every dispatch recorded since the last reset, in order.
    public var dispatchedPipelines: [String] { dispatchNames }

    public init(_ ctx: VulkanContext, profile: Bool = false) throws(VulkanError) {
        context = ctx
        self.profile = profile
        let d = ctx.device, calls = ctx.calls
        if profile && (ctx.info.timestampValidBits == 0 || ctx.info.timestampPeriodNs <= 0) {
            throw VulkanError.usage("vkCmdWriteTimestamp", "profiling needs timestamps, which \(ctx.info.name)'s compute queue does not support")
        }
        let pool = try calls.createCommandPool(d, family: ctx.queueFamily, "creating a command sequence's pool")
        do {
            commands = try calls.allocateCommandBuffer(d, pool, "allocating a command sequence's buffer")
            fence = try calls.createFence(d)
            try calls.beginCommandBuffer(commands, oneTime: false)
        } catch {
            calls.destroyCommandPool(d, pool)  // frees the command buffer with it
            throw error
        }
        self.pool = pool
    }

    deinit {
        let d = context.device, calls = context.calls
        calls.destroyFence(d, fence)
        calls.destroyCommandPool(d, pool)
        for p in descriptorPools { calls.destroyDescriptorPool(d, p.pool) }
        for q in queryPools { calls.destroyQueryPool(d, q) }
    }

    /// Starts a new recording: forgets the previous commands, returns all descriptor sets, releases
    /// the retained buffers and pipelines.
    public func reset() throws(VulkanError) {
        let d = context.device, calls = context.calls
        try calls.resetCommandBuffer(commands)
        for i in descriptorPools.indices {
            try calls.resetDescriptorPool(d, descriptorPools[i].pool)
            descriptorPools[i].setsUsed = 0
            descriptorPools[i].descriptorsUsed = 0
        }
        currentPool = 0
        dispatchNames.removeAll(keepingCapacity: true)
        dispatchWork.removeAll(keepingCapacity: true)
        barrierCount = 0
        retainedBuffers.removeAll(keepingCapacity: true)
        retainedPipelines.removeAll(keepingCapacity: true)
        openLabels.removeAll()
        deferredError = nil
        try calls.beginCommandBuffer(commands, oneTime: false)
        state = .recording
    }

    private func requireRecording(_ call: String) throws(VulkanError) {
        if let e = deferredError { throw e }
        guard state == .recording else {
            throw VulkanError.usage(call, "the command sequence was submitted; call reset() before recording again")
        }
    }

    /// Records one dispatch: binds `p`, a descriptor set with `buffers` at bindings 0..<n, the push
    /// constants, and dispatches `groups` workgroups. Checks the counts against the pipeline and the
    /// device limits first. `work` is what the dispatch must compute and move at least (for the floors
    /// in profile tables).
    public func dispatch(_ p: ComputePipeline, buffers: [DeviceBuffer], push: [UInt8] = [], groups: (Int, Int, Int),
                         work: KernelWork = .none) throws(VulkanError) {
        try dispatch(p, slices: buffers.map(\.whole), push: push, groups: groups, work: work)
    }

    /// `dispatch` with byte ranges of buffers at the bindings (a step's slot in a buffer that holds
    /// several steps' inputs or outputs); offsets must be multiples of minStorageBufferOffsetAlignment.
    public func dispatch(_ p: ComputePipeline, slices: [BufferSlice], push: [UInt8] = [], groups: (Int, Int, Int),
                         work: KernelWork = .none) throws(VulkanError) {
        try requireRecording("vkCmdDispatch")
        let what = "dispatch of '\(p.name)'"
        guard p.context === context else { throw VulkanError.usage("vkCmdBindPipeline", "\(what): the pipeline belongs to another Vulkan context") }
        guard slices.count == p.bindings else {
            throw VulkanError.usage("vkUpdateDescriptorSets", "\(what): \(slices.count) buffers given, the pipeline has \(p.bindings) bindings")
        }
        guard push.count == p.pushConstantBytes else {
            throw VulkanError.usage("vkCmdPushConstants", "\(what): \(push.count) push-constant bytes given, the pipeline takes \(p.pushConstantBytes)")
        }
        let limit = context.info.maxWorkgroupCount
        guard groups.0 >= 0, groups.1 >= 0, groups.2 >= 0,
              groups.0 <= limit.x, groups.1 <= limit.y, groups.2 <= limit.z else {
            throw VulkanError.usage("vkCmdDispatch", "\(what): \(groups) workgroups; the device allows at most (\(limit.x), \(limit.y), \(limit.z))")
        }
        let align = max(context.info.minStorageBufferOffsetAlignment, 1)
        for s in slices {
            let b = s.buffer
            guard b.context === context else { throw VulkanError.usage("vkUpdateDescriptorSets", "\(what): buffer '\(b.name)' belongs to another Vulkan context") }
            guard UInt64(s.bytes) <= context.info.maxStorageBufferRange else {
                throw VulkanError.usage("vkUpdateDescriptorSets",
                                        "\(what): buffer '\(b.name)' (\(formatBytes(s.bytes))) exceeds the device's maxStorageBufferRange (\(formatBytes(context.info.maxStorageBufferRange)))")
            }
            guard s.offset % align == 0 else {
                throw VulkanError.usage("vkUpdateDescriptorSets",
                                        "\(what): slice of '\(b.name)' at byte \(s.offset) is not a multiple of minStorageBufferOffsetAlignment (\(align))")
            }
        }
        let buffers = slices.map(\.buffer)

        let d = context.device, calls = context.calls
        let set = try allocateSet(p, what)
        if p.bindings > 0 {
            var infos = slices.map { VkDescriptorBufferInfo(buffer: $0.buffer.handle, offset: VkDeviceSize($0.offset), range: $0.range) }
            infos.withUnsafeMutableBufferPointer { ip in
                let base = UnsafePointer(ip.baseAddress)
                let writes = (0..<ip.count).map { i in
                    var w = VkWriteDescriptorSet()
                    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                    w.dstSet = set
                    w.dstBinding = UInt32(i)
                    w.descriptorCount = 1
                    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                    w.pBufferInfo = base.map { $0 + i }
                    return w
                }
                writes.withUnsafeBufferPointer { calls.updateDescriptorSets(d, $0) }
            }
        }

        let index = dispatchNames.count
        var queryPool: VkQueryPool?
        if profile {
            let k = index / CommandSequence.dispatchesPerQueryPool
            if k == queryPools.count {
                queryPools.append(try calls.createTimestampPool(d, count: UInt32(2 * CommandSequence.dispatchesPerQueryPool)))
            }
            queryPool = queryPools[k]
            if index % CommandSequence.dispatchesPerQueryPool == 0, let q = queryPool {
                calls.cmdResetQueryPool(commands, q, count: UInt32(2 * CommandSequence.dispatchesPerQueryPool))
            }
        }
        let slot = UInt32(2 * (index % CommandSequence.dispatchesPerQueryPool))
        let computeStage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue
        // Written once all earlier compute work has finished, and once this dispatch has.
        if let q = queryPool { calls.cmdWriteTimestamp(commands, stage: computeStage, q, slot) }
        calls.cmdBindComputePipeline(commands, p.pipeline)
        calls.cmdBindDescriptorSet(commands, p.layout, set)
        push.withUnsafeBytes { calls.cmdPushConstants(commands, p.layout, $0) }
        calls.cmdDispatch(commands, UInt32(groups.0), UInt32(groups.1), UInt32(groups.2))
        if let q = queryPool { calls.cmdWriteTimestamp(commands, stage: computeStage, q, slot + 1) }

        dispatchNames.append(p.name)
        context.dispatchLog?.record(labels: openLabels, pipeline: p.name)
        dispatchWork.append(work)
        retainedBuffers += buffers
        retainedPipelines[ObjectIdentifier(p)] = p
    }

    /// `dispatch` with a push-constant value (declare the struct in a C header shared with the GLSL so
    /// its layout is fixed; the size must equal the pipeline's push-constant size).
    public func dispatch<P: BitwiseCopyable>(_ p: ComputePipeline, buffers: [DeviceBuffer], push: P, groups: (Int, Int, Int),
                                             work: KernelWork = .none) throws(VulkanError) {
        let bytes = withUnsafeBytes(of: push) { Array($0) }
        try dispatch(p, buffers: buffers, push: bytes, groups: groups, work: work)
    }

    /// Workgroups needed to cover `count` items with `size` items per workgroup.
    public static func groups(_ count: Int, per size: Int) -> Int { size > 0 ? (count + size - 1) / size : 0 }

    private func allocateSet(_ p: ComputePipeline, _ what: String) throws(VulkanError) -> VkDescriptorSet {
        let need = max(p.bindings, 1)
        while currentPool < descriptorPools.count {
            let pool = descriptorPools[currentPool]
            if pool.setsUsed < pool.sets && pool.descriptorsUsed + need <= pool.descriptors { break }
            currentPool += 1
        }
        if currentPool == descriptorPools.count {
            let sets = 256, descriptors = max(sets * 8, need)
            var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: UInt32(descriptors))
            let pool = try withUnsafePointer(to: &size) { (sp) throws(VulkanError) -> VkDescriptorPool in
                var info = VkDescriptorPoolCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
                info.maxSets = UInt32(sets)
                info.poolSizeCount = 1
                info.pPoolSizes = sp
                return try context.calls.createDescriptorPool(context.device, &info, "\(what): a descriptor pool for \(sets) sets")
            }
            descriptorPools.append(DescriptorPool(pool: pool, sets: sets, descriptors: descriptors))
        }
        let set = try context.calls.allocateDescriptorSet(context.device, descriptorPools[currentPool].pool, p.setLayout, what)
        descriptorPools[currentPool].setsUsed += 1
        descriptorPools[currentPool].descriptorsUsed += need
        return set
    }

    /// A global memory barrier: compute and transfer writes before it are visible to compute and
    /// transfer reads and writes after it. Place one between dependent dispatches.
    public func barrier() {
        guard deferredError == nil else { return }
        guard state == .recording else {
            deferredError = VulkanError.usage("vkCmdPipelineBarrier", "barrier() after submit; call reset() before recording again")
            return
        }
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        barrierCount += 1
        context.calls.cmdMemoryBarrier(
            commands, srcStage: stages, dstStage: stages,
            srcAccess: VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue,
            dstAccess: VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
                | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
    }

    /// Records a copy of the first `bytes` bytes of `src` into `dst` (add a `barrier()` before work
    /// that reads `dst`).
    public func copy(_ src: DeviceBuffer, _ dst: DeviceBuffer, bytes: Int) throws(VulkanError) {
        try requireRecording("vkCmdCopyBuffer")
        guard bytes >= 0, bytes <= src.bytes, bytes <= dst.bytes else {
            throw VulkanError.usage("vkCmdCopyBuffer", "copy of \(bytes) bytes from '\(src.name)' (\(src.bytes) bytes) to '\(dst.name)' (\(dst.bytes) bytes) does not fit")
        }
        guard bytes > 0 else { return }
        context.calls.cmdCopyBuffer(commands, src.handle, dst.handle, srcOffset: 0, dstOffset: 0, bytes: UInt64(bytes))
        retainedBuffers += [src, dst]
    }

    /// Records setting every 32-bit word of `buffer` to `value` (0 zeroes it; add a `barrier()` after).
    public func fill(_ buffer: DeviceBuffer, value: UInt32 = 0) throws(VulkanError) {
        try requireRecording("vkCmdFillBuffer")
        context.calls.cmdFillBuffer(commands, buffer.handle, offset: 0, bytes: VK_WHOLE_SIZE, value: value)
        retainedBuffers.append(buffer)
    }

    /// Opens a VK_EXT_debug_utils label (shown by RenderDoc, Nsight, RGP); labels nest.
    public func beginLabel(_ name: String) {
        guard deferredError == nil else { return }
        guard state == .recording else {
            deferredError = VulkanError.usage("vkCmdBeginDebugUtilsLabelEXT", "beginLabel('\(name)') after submit; call reset() first")
            return
        }
        openLabels.append(name)
        lastLabel = name
        if context.labelsEnabled { context.instance.calls.cmdBeginLabel(commands, name) }
    }

    public func endLabel() {
        guard deferredError == nil else { return }
        guard state == .recording, !openLabels.isEmpty else {
            deferredError = VulkanError.usage("vkCmdEndDebugUtilsLabelEXT", state == .recording ? "endLabel() without beginLabel()" : "endLabel() after submit")
            return
        }
        openLabels.removeLast()
        if context.labelsEnabled { context.instance.calls.cmdEndLabel(commands) }
    }

    /// Ends the recording (first call after a reset), submits it, and waits for the device to finish.
    /// With `profile: true`, then reads one duration per dispatch into `timings`.
    public func submitAndWait() throws(VulkanError) {
        if let e = deferredError { throw e }
        let d = context.device, calls = context.calls
        if state == .recording {
            guard openLabels.isEmpty else {
                throw VulkanError.usage("vkEndCommandBuffer", "label '\(openLabels.last ?? "")' was not closed with endLabel()")
            }
            // Make shader and transfer writes visible to the host (downloads read mapped memory).
            calls.cmdMemoryBarrier(commands,
                                   srcStage: VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
                                   dstStage: VK_PIPELINE_STAGE_HOST_BIT.rawValue,
                                   srcAccess: VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue,
                                   dstAccess: VK_ACCESS_HOST_READ_BIT.rawValue)
            try calls.endCommandBuffer(commands, "ending a sequence of \(dispatchNames.count) dispatches")
            state = .executable
        }
        let what = "a sequence of \(dispatchNames.count) dispatches"
        do {
            try context.queueLock.withLock { () throws(VulkanError) in
                try calls.submit(context.queue, commands, fence: fence, "submitting \(what)")
            }
            try calls.waitForFence(d, fence, "waiting for \(what)")
            try calls.resetFence(d, fence)
        } catch {
            if error.isDeviceLost {
                throw VulkanError(result: error.result, call: error.call,
                                  context: "\(error.context); last label: \(lastLabel ?? "none"), last pipeline: \(dispatchNames.last ?? "none")")
            }
            throw error
        }
        lastTimings = []
        if profile && !dispatchNames.isEmpty {
            try readTimings()
        }
    }

    private func readTimings() throws(VulkanError) {
        let per = CommandSequence.dispatchesPerQueryPool
        let bits = context.info.timestampValidBits
        let mask: UInt64 = bits >= 64 ? .max : (UInt64(1) << UInt64(bits)) - 1
        let period = context.info.timestampPeriodNs
        var out: [DispatchTiming] = []
        out.reserveCapacity(dispatchNames.count)
        var index = 0
        for (k, pool) in queryPools.enumerated() where k * per < dispatchNames.count {
            let n = min(per, dispatchNames.count - k * per)
            let stamps = try context.calls.timestamps(context.device, pool, count: UInt32(2 * n))
            for i in 0..<n {
                let ticks = ((stamps[2 * i + 1] & mask) &- (stamps[2 * i] & mask)) & mask
                out.append(DispatchTiming(pipeline: dispatchNames[index], nanoseconds: Double(ticks) * period, work: dispatchWork[index]))
                index += 1
            }
        }
        lastTimings = out
    }
}
