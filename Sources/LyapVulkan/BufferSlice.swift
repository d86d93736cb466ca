import CVulkan

/// A byte range of a device buffer, bound to a shader as a storage buffer of its own (the descriptor's
/// offset and range), so one buffer can hold the inputs or outputs of several recorded steps.
public struct BufferSlice: @unchecked Sendable {
    public let buffer: DeviceBuffer
    public let offset: Int
    public let bytes: Int
    /// The whole buffer is bound with VK_WHOLE_SIZE, as before slices existed.
    let isWhole: Bool

    var range: VkDeviceSize { isWhole ? VK_WHOLE_SIZE : VkDeviceSize(bytes) }
}

extension DeviceBuffer {
    public var whole: BufferSlice { BufferSlice(buffer: self, offset: 0, bytes: bytes, isWhole: true) }

    /// Bytes `offset ..< offset + bytes`; the range must lie inside the buffer.
    public func slice(atByte offset: Int, bytes n: Int) -> BufferSlice {
        precondition(offset >= 0 && n > 0 && offset + n <= bytes, "slice \(offset)+\(n) of '\(name)' (\(bytes) bytes)")
        return BufferSlice(buffer: self, offset: offset, bytes: n, isWhole: false)
    }
}
