/// One device buffer holding `steps` equal slots, one per training step recorded into a submission
/// (that step's token ids, labels, losses...). Slots start at multiples of the device's storage-buffer
/// offset alignment so each can be bound on its own.
package struct SteppedBuffer {
    package let buffer: DeviceBuffer
    package let steps: Int
    package let bytesPerStep: Int
    package let stride: Int

    package init(_ ctx: VulkanContext, name: String, bytesPerStep: Int, steps: Int) throws(VulkanError) {
        self.steps = steps
        self.bytesPerStep = max(bytesPerStep, 4)
        stride = Self.stride(perStep: self.bytesPerStep, device: ctx.info)
        buffer = try DeviceBuffer(ctx, bytes: stride * steps, name: name)
    }

    package static func stride(perStep bytes: Int, device: VulkanDeviceInfo) -> Int {
        let align = max(device.minStorageBufferOffsetAlignment, 4)
        return (max(bytes, 4) + align - 1) / align * align
    }

    /// The buffer's size for `steps` slots of `perStep` bytes.
    package static func bytes(perStep: Int, steps: Int, device: VulkanDeviceInfo) -> Int { stride(perStep: perStep, device: device) * steps }

    package func slot(_ s: Int) -> BufferSlice { buffer.slice(atByte: s * stride, bytes: bytesPerStep) }

    /// Writes `values[s]` to slot s for every s, in one upload.
    package func upload<T: BitwiseCopyable>(_ values: [[T]]) throws(VulkanError) {
        precondition(values.count <= steps)
        var bytes = [UInt8](repeating: 0, count: values.count * stride)
        for (s, v) in values.enumerated() {
            let n = v.count * MemoryLayout<T>.stride
            precondition(n <= bytesPerStep, "\(buffer.name): \(n) bytes for a \(bytesPerStep)-byte slot")
            guard n > 0 else { continue }
            bytes.withUnsafeMutableBytes { dst in
                v.withUnsafeBytes { src in (dst.baseAddress.unsafelyUnwrapped + s * stride).copyMemory(from: src.baseAddress.unsafelyUnwrapped, byteCount: n) }
            }
        }
        try buffer.upload(bytes)
    }

    /// The first `count` values of slots 0..<used, in one download.
    package func download<T: BitwiseCopyable>(_ type: T.Type, count: Int, used: Int) throws(VulkanError) -> [[T]] {
        let raw = try buffer.download(UInt8.self, count: used * stride)
        return (0..<used).map { s in
            raw.withUnsafeBytes { src in
                Array(unsafeUninitializedCapacity: count) { out, n in
                    UnsafeMutableRawPointer(out.baseAddress.unsafelyUnwrapped)
                        .copyMemory(from: src.baseAddress.unsafelyUnwrapped + s * stride, byteCount: count * MemoryLayout<T>.stride)
                    n = count
                }
            }
        }
    }
}
