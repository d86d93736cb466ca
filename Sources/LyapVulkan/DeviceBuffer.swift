import CVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A VkBuffer with its own VkDeviceMemory, optionally mapped for the lifetime of the buffer.
package struct RawBuffer {
    package let buffer: VkBuffer
    package let memory: VkDeviceMemory
    package let mapped: UnsafeMutableRawPointer?

    /// One acceptable kind of memory: these property flags, and whether to map it.
    package struct Choice {
        var flags: UInt32
        var map: Bool
    }

    package static func make(_ ctx: VulkanContext, bytes: Int, name: String, usage: UInt32, choices: [Choice]) throws(VulkanError) -> RawBuffer {
        let d = ctx.device, calls = ctx.calls
        let what = "allocating '\(name)' \(formatBytes(bytes))"
        guard bytes > 0 else { throw VulkanError.usage("vkCreateBuffer", "buffer '\(name)': size must be positive, got \(bytes) bytes") }
        let maxAlloc = ctx.info.maxMemoryAllocationSize
        if maxAlloc > 0 && UInt64(bytes) > maxAlloc {
            throw VulkanError(result: VulkanError.outOfDeviceMemory, call: "vkAllocateMemory",
                              context: "\(what): more than the device's largest allocation (maxMemoryAllocationSize \(formatBytes(maxAlloc))); not attempted")
        }
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(bytes)
        info.usage = usage
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        let buffer = try calls.createBuffer(d, &info, what)
        let req = calls.memoryRequirements(d, buffer)

        let (types, heaps) = memoryTables(ctx.memory)
        var lastError: VulkanError?
        var largestHeap: UInt64 = 0
        for choice in choices {
            guard let t = types.indices.first(where: { i in
                req.memoryTypeBits & (1 << UInt32(i)) != 0 && types[i].propertyFlags & choice.flags == choice.flags
            }) else { continue }
            let heapSize = heaps[Int(types[t].heapIndex)].size
            largestHeap = max(largestHeap, heapSize)
            if req.size > heapSize { continue }  // the validation layer rejects this; it cannot succeed anyway
            var alloc = VkMemoryAllocateInfo()
            alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
            alloc.allocationSize = req.size
            alloc.memoryTypeIndex = UInt32(t)
            let memory: VkDeviceMemory
            do {
                memory = try calls.allocateMemory(d, &alloc, what)
            } catch {
                lastError = error
                if error.isOutOfMemory { continue }  // try the next kind of memory
                calls.destroyBuffer(d, buffer)
                throw error
            }
            do {
                try calls.bindBufferMemory(d, buffer, memory, what)
                let mapped = choice.map ? try calls.mapMemory(d, memory, what) : nil
                ctx.setName(VK_OBJECT_TYPE_BUFFER, buffer, name)
                ctx.setName(VK_OBJECT_TYPE_DEVICE_MEMORY, memory, name)
                return RawBuffer(buffer: buffer, memory: memory, mapped: mapped)
            } catch {
                calls.freeMemory(d, memory)
                calls.destroyBuffer(d, buffer)
                throw error
            }
        }
        calls.destroyBuffer(d, buffer)
        if let lastError { throw lastError }
        if largestHeap > 0 {
            throw VulkanError(result: VulkanError.outOfDeviceMemory, call: "vkAllocateMemory",
                              context: "\(what): more than the \(formatBytes(largestHeap)) memory heap; not attempted")
        }
        throw VulkanError.usage("vkAllocateMemory", "\(what): the device has no suitable memory type (memoryTypeBits \(req.memoryTypeBits))")
    }

    package func destroy(_ ctx: VulkanContext) {
        if mapped != nil { ctx.calls.unmapMemory(ctx.device, memory) }
        ctx.calls.destroyBuffer(ctx.device, buffer)
        ctx.calls.freeMemory(ctx.device, memory)
    }
}

/// The memory types and heaps of a device as arrays.
package func memoryTables(_ m: VkPhysicalDeviceMemoryProperties) -> ([VkMemoryType], [VkMemoryHeap]) {
    let types = withUnsafeBytes(of: m.memoryTypes) { Array($0.bindMemory(to: VkMemoryType.self).prefix(Int(m.memoryTypeCount))) }
    let heaps = withUnsafeBytes(of: m.memoryHeaps) { Array($0.bindMemory(to: VkMemoryHeap.self).prefix(Int(m.memoryHeapCount))) }
    return (types, heaps)
}

private let deviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
private let hostVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue
private let hostCoherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
private let hostCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue

/// A storage buffer in device memory. Host-visible, coherent device-local memory is used (and kept
/// mapped) where the device has it and it has room (integrated GPUs, CPUs, resizable BAR); otherwise
/// the buffer lives in device-local memory and `upload`/`download`/`fillZero` go through a temporary
/// staging buffer and a one-off transfer submission.
///
/// Host access is not synchronised with command sequences: call `upload`/`download` only when no
/// submitted work uses the buffer (`CommandSequence.submitAndWait` returns with the work finished).
public final class DeviceBuffer: @unchecked Sendable {
    public let context: VulkanContext
    public let bytes: Int
    public let name: String
    let raw: RawBuffer
    var handle: VkBuffer { raw.buffer }

    /// Whether host access is a direct copy into mapped memory (false: staging copies).
    public var isMapped: Bool { raw.mapped != nil }

    static let usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
        | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue

    public init(_ ctx: VulkanContext, bytes: Int, name: String) throws(VulkanError) {
        context = ctx
        self.bytes = bytes
        self.name = name
        var choices: [RawBuffer.Choice] = []
        if !ctx.options.forceStaging {
            choices.append(.init(flags: deviceLocal | hostVisible | hostCoherent, map: true))
        }
        choices.append(.init(flags: deviceLocal, map: false))
        if !ctx.options.forceStaging {
            choices.append(.init(flags: hostVisible | hostCoherent, map: true))  // devices without device-local host access
        }
        // Rounded up to 4 bytes so vkCmdFillBuffer(VK_WHOLE_SIZE) reaches the last byte.
        let allocated = bytes > 0 && bytes < Int.max - 3 ? (bytes + 3) & ~3 : bytes
        raw = try RawBuffer.make(ctx, bytes: allocated, name: name, usage: DeviceBuffer.usage, choices: choices)
    }

    /// Convenience: a buffer for `count` values of `T`.
    public convenience init<T: BitwiseCopyable>(_ ctx: VulkanContext, count: Int, of type: T.Type, name: String) throws(VulkanError) {
        let (total, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw VulkanError.usage("vkCreateBuffer", "buffer '\(name)': \(count) x \(MemoryLayout<T>.stride) bytes overflows") }
        try self.init(ctx, bytes: total, name: name)
    }

    deinit { raw.destroy(context) }

    private func checkRange(_ op: String, offset: Int, count: Int) throws(VulkanError) {
        guard offset >= 0, count >= 0, offset <= bytes, count <= bytes - offset else {
            throw VulkanError.usage("DeviceBuffer.\(op)", "buffer '\(name)' has \(bytes) bytes; \(op) of \(count) bytes at offset \(offset) does not fit")
        }
    }

    /// Copies `values` into the buffer starting at byte `offset` (the whole buffer or a part of it).
    public func upload<T: BitwiseCopyable>(_ values: [T], atByte offset: Int = 0) throws(VulkanError) {
        let n = values.count * MemoryLayout<T>.stride
        try checkRange("upload", offset: offset, count: n)
        guard n > 0 else { return }
        if let mapped = raw.mapped {
            values.withUnsafeBytes { src in (mapped + offset).copyMemory(from: src.baseAddress.unsafelyUnwrapped, byteCount: n) }
            return
        }
        let staging = try stagingBuffer(n, purpose: "upload")
        defer { staging.destroy(context) }
        values.withUnsafeBytes { src in
            staging.mapped.unsafelyUnwrapped.copyMemory(from: src.baseAddress.unsafelyUnwrapped, byteCount: n)
        }
        let (src, dst) = (staging.buffer, raw.buffer)
        try context.submitOnce("uploading \(formatBytes(n)) to '\(name)'") { cb in
            context.calls.cmdCopyBuffer(cb, src, dst, srcOffset: 0, dstOffset: UInt64(offset), bytes: UInt64(n))
        }
    }

    /// Reads `count` values of `T` starting at byte `offset`.
    public func download<T: BitwiseCopyable>(_ type: T.Type, count: Int, atByte offset: Int = 0) throws(VulkanError) -> [T] {
        let (n, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw VulkanError.usage("DeviceBuffer.download", "buffer '\(name)': \(count) values overflow") }
        try checkRange("download", offset: offset, count: n)
        guard n > 0 else { return [] }
        if let mapped = raw.mapped {
            return Array(unsafeUninitializedCapacity: count) { out, initialized in
                UnsafeMutableRawPointer(out.baseAddress.unsafelyUnwrapped).copyMemory(from: mapped + offset, byteCount: n)
                initialized = count
            }
        }
        let staging = try stagingBuffer(n, purpose: "download")
        defer { staging.destroy(context) }
        let (src, dst) = (raw.buffer, staging.buffer)
        try context.submitOnce("downloading \(formatBytes(n)) from '\(name)'") { cb in
            context.calls.cmdCopyBuffer(cb, src, dst, srcOffset: UInt64(offset), dstOffset: 0, bytes: UInt64(n))
            // Make the transfer's writes visible to the host before the fence signals.
            context.calls.cmdMemoryBarrier(cb, srcStage: VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue, dstStage: VK_PIPELINE_STAGE_HOST_BIT.rawValue,
                                           srcAccess: VK_ACCESS_TRANSFER_WRITE_BIT.rawValue, dstAccess: VK_ACCESS_HOST_READ_BIT.rawValue)
        }
        let mapped = staging.mapped.unsafelyUnwrapped
        return Array(unsafeUninitializedCapacity: count) { out, initialized in
            UnsafeMutableRawPointer(out.baseAddress.unsafelyUnwrapped).copyMemory(from: mapped, byteCount: n)
            initialized = count
        }
    }

    /// Sets every byte to zero.
    public func fillZero() throws(VulkanError) {
        if let mapped = raw.mapped {
            mapped.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return
        }
        let b = raw.buffer
        try context.submitOnce("zeroing '\(name)'") { cb in
            context.calls.cmdFillBuffer(cb, b, offset: 0, bytes: VK_WHOLE_SIZE, value: 0)
        }
    }

    /// A mapped host buffer for one transfer.
    private func stagingBuffer(_ n: Int, purpose: String) throws(VulkanError) -> RawBuffer {
        try RawBuffer.make(context, bytes: n, name: "\(name) (\(purpose) staging)",
                           usage: VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue,
                           choices: [.init(flags: hostVisible | hostCoherent | hostCached, map: true),
                                     .init(flags: hostVisible | hostCoherent, map: true)])
    }
}
