import CVulkan

/// A compute pipeline: `bindings` storage buffers at set 0 (bindings 0..<bindings), one push-constant
/// range of `pushConstantBytes` bytes, and uint32 specialization constants with ids 0..<k. Created at
/// plan time, never in a hot loop; the name (e.g. "lstm_fwd_gates.f32.wg128") appears in errors,
/// timings, validation messages and capture tools.
public final class ComputePipeline: @unchecked Sendable {
    public let context: VulkanContext
    public let name: String
    public let bindings: Int
    public let pushConstantBytes: Int
    public let specialization: [UInt32]
    let setLayout: VkDescriptorSetLayout
    let layout: VkPipelineLayout
    let pipeline: VkPipeline

    public init(_ ctx: VulkanContext, name: String, spirv: [UInt32], bindings: Int, pushConstantBytes: Int,
                specialization: [UInt32] = []) throws(VulkanError) {
        context = ctx
        self.name = name
        self.bindings = bindings
        self.pushConstantBytes = pushConstantBytes
        self.specialization = specialization
        let d = ctx.device, calls = ctx.calls
        let what = "pipeline '\(name)'"

        guard spirv.count >= 5, spirv[0] == spirvMagic else {
            throw VulkanError.usage("vkCreateShaderModule", "\(what): the code is not SPIR-V (\(spirv.count) words)")
        }
        guard bindings >= 0, bindings <= Int(ctx.limits.maxPerStageDescriptorStorageBuffers) else {
            throw VulkanError.usage("vkCreateDescriptorSetLayout", "\(what): \(bindings) storage buffers; the device allows 0...\(ctx.limits.maxPerStageDescriptorStorageBuffers)")
        }
        guard pushConstantBytes >= 0, pushConstantBytes % 4 == 0, pushConstantBytes <= ctx.info.maxPushConstantsSize else {
            throw VulkanError.usage("vkCreatePipelineLayout", "\(what): \(pushConstantBytes) push-constant bytes; must be a multiple of 4 up to \(ctx.info.maxPushConstantsSize)")
        }
        let used = SPIRVReflection.storageBindings(spirv)
        if let bad = used.first(where: { $0.set != 0 || $0.binding >= bindings }) {
            throw VulkanError.usage("vkCreateComputePipelines",
                                    "\(what): the shader uses set \(bad.set) binding \(bad.binding) but the pipeline declares set 0 bindings 0..<\(bindings)")
        }

        // Descriptor set layout: N storage buffers.
        var layoutBindings = (0..<bindings).map { i in
            VkDescriptorSetLayoutBinding(binding: UInt32(i), descriptorType: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                         descriptorCount: 1, stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue,
                                         pImmutableSamplers: nil)
        }
        let setLayout = try layoutBindings.withUnsafeMutableBufferPointer { (b) throws(VulkanError) -> VkDescriptorSetLayout in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(bindings)
            info.pBindings = UnsafePointer(b.baseAddress)
            return try calls.createDescriptorSetLayout(d, &info, what)
        }
        var setLayoutVar: VkDescriptorSetLayout? = setLayout
        var range = VkPushConstantRange(stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue, offset: 0, size: UInt32(pushConstantBytes))
        let layout: VkPipelineLayout
        do {
            layout = try withUnsafePointer(to: &setLayoutVar) { (sl) throws(VulkanError) -> VkPipelineLayout in
                try withUnsafePointer(to: &range) { (r) throws(VulkanError) -> VkPipelineLayout in
                    var info = VkPipelineLayoutCreateInfo()
                    info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                    info.setLayoutCount = 1
                    info.pSetLayouts = sl
                    info.pushConstantRangeCount = pushConstantBytes > 0 ? 1 : 0
                    info.pPushConstantRanges = pushConstantBytes > 0 ? r : nil
                    return try calls.createPipelineLayout(d, &info, what)
                }
            }
        } catch {
            calls.destroyDescriptorSetLayout(d, setLayout)
            throw error
        }

        let module: VkShaderModule
        do {
            module = try spirv.withUnsafeBufferPointer { (code) throws(VulkanError) -> VkShaderModule in
                var info = VkShaderModuleCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
                info.codeSize = code.count * 4  // bytes
                info.pCode = code.baseAddress
                return try calls.createShaderModule(d, &info, what)
            }
        } catch {
            calls.destroyPipelineLayout(d, layout)
            calls.destroyDescriptorSetLayout(d, setLayout)
            throw error
        }
        defer { calls.destroyShaderModule(d, module) }  // not needed once the pipeline exists

        var entries = specialization.indices.map { i in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var values = specialization
        let pipeline: VkPipeline
        do {
            pipeline = try entries.withUnsafeMutableBufferPointer { (e) throws(VulkanError) -> VkPipeline in
                try values.withUnsafeMutableBufferPointer { (v) throws(VulkanError) -> VkPipeline in
                    var spec = VkSpecializationInfo(mapEntryCount: UInt32(e.count), pMapEntries: UnsafePointer(e.baseAddress),
                                                    dataSize: v.count * 4, pData: UnsafeRawPointer(v.baseAddress))
                    return try withUnsafePointer(to: &spec) { (sp) throws(VulkanError) -> VkPipeline in
                        try "main".withCStringTyped { (entry) throws(VulkanError) -> VkPipeline in
                            var stage = VkPipelineShaderStageCreateInfo()
                            stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                            stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                            stage.module = module
                            stage.pName = entry
                            stage.pSpecializationInfo = specialization.isEmpty ? nil : sp
                            var info = VkComputePipelineCreateInfo()
                            info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                            info.stage = stage
                            info.layout = layout
                            info.basePipelineIndex = -1
                            return try calls.createComputePipeline(d, ctx.pipelineCache, &info, what)
                        }
                    }
                }
            }
        } catch {
            calls.destroyPipelineLayout(d, layout)
            calls.destroyDescriptorSetLayout(d, setLayout)
            throw error
        }
        self.setLayout = setLayout
        self.layout = layout
        self.pipeline = pipeline
        ctx.setName(VK_OBJECT_TYPE_PIPELINE, pipeline, name)
        ctx.setName(VK_OBJECT_TYPE_PIPELINE_LAYOUT, layout, name)
        ctx.setName(VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT, setLayout, name)
    }

    deinit {
        let d = context.device
        context.calls.destroyPipeline(d, pipeline)
        context.calls.destroyPipelineLayout(d, layout)
        context.calls.destroyDescriptorSetLayout(d, setLayout)
    }
}

extension String {
    /// `withCString` with a typed error (the standard one rethrows `any Error`).
    package func withCStringTyped<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        var utf8 = Array(utf8CString)
        return try utf8.withUnsafeMutableBufferPointer { (p) throws(E) -> R in
            try body(UnsafePointer(p.baseAddress.unsafelyUnwrapped))
        }
    }
}

/// Just enough SPIR-V parsing to check descriptor bindings against the pipeline layout.
package enum SPIRVReflection {
    package struct Binding: Equatable {
        var set: Int
        var binding: Int
    }

    /// (set, binding) of every variable decorated with both DescriptorSet and Binding.
    package static func storageBindings(_ words: [UInt32]) -> [Binding] {
        var sets: [UInt32: Int] = [:], bindings: [UInt32: Int] = [:]
        var i = 5  // header: magic, version, generator, bound, schema
        while i < words.count {
            let count = Int(words[i] >> 16), opcode = words[i] & 0xffff
            guard count > 0, i + count <= words.count else { break }
            if opcode == 71, count >= 4 {  // OpDecorate target decoration literal
                let target = words[i + 1], decoration = words[i + 2], value = Int(words[i + 3])
                if decoration == 34 { sets[target] = value }  // DescriptorSet
                if decoration == 33 { bindings[target] = value }  // Binding
            }
            i += count
        }
        return bindings.compactMap { id, b in sets[id].map { Binding(set: $0, binding: b) } }
            .sorted { ($0.set, $0.binding) < ($1.set, $1.binding) }
    }
}
