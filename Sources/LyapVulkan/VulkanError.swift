/// A failed Vulkan call (or a failed precondition of one), naming the call, its `VkResult` and what
/// lyap was doing. One line, e.g.
/// `vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY (allocating 'gates' 1.2 GiB)`.
public struct VulkanError: Error, CustomStringConvertible, Sendable {
    /// The raw `VkResult`, or nil when no Vulkan call returned one (loader missing, bad argument).
    public let result: Int32?
    /// The Vulkan (or system) call that failed, e.g. "vkCreateInstance", "dlopen".
    public let call: String
    /// What lyap was doing, with names and sizes.
    public let context: String

    public init(result: Int32?, call: String, context: String) {
        self.result = result
        self.call = call
        self.context = context
    }

    /// The `VkResult`'s name, e.g. "VK_ERROR_OUT_OF_DEVICE_MEMORY"; nil when there is no result.
    public var resultName: String? { result.map(VulkanError.name(of:)) }

    /// Out of device or host memory (including descriptor/pool exhaustion reported as memory).
    public var isOutOfMemory: Bool {
        result == VulkanError.outOfDeviceMemory || result == VulkanError.outOfHostMemory
    }

    public var isDeviceLost: Bool { result == -4 }

    public var description: String {
        guard let name = resultName else { return context.isEmpty ? call : "\(call): \(context)" }
        return context.isEmpty ? "\(call) failed with \(name)" : "\(call) failed with \(name) (\(context))"
    }

    static let outOfHostMemory: Int32 = -1
    static let outOfDeviceMemory: Int32 = -2

    /// A usage error caught before any Vulkan call (wrong sizes, bad index): no `VkResult`.
    static func usage(_ call: String, _ context: String) -> VulkanError {
        VulkanError(result: nil, call: call, context: context)
    }

    /// The enumerator name of a `VkResult` value (Vulkan 1.3 core and the common extensions).
    public static func name(of result: Int32) -> String {
        switch result {
        case 0: "VK_SUCCESS"
        case 1: "VK_NOT_READY"
        case 2: "VK_TIMEOUT"
        case 3: "VK_EVENT_SET"
        case 4: "VK_EVENT_RESET"
        case 5: "VK_INCOMPLETE"
        case -1: "VK_ERROR_OUT_OF_HOST_MEMORY"
        case -2: "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case -3: "VK_ERROR_INITIALIZATION_FAILED"
        case -4: "VK_ERROR_DEVICE_LOST"
        case -5: "VK_ERROR_MEMORY_MAP_FAILED"
        case -6: "VK_ERROR_LAYER_NOT_PRESENT"
        case -7: "VK_ERROR_EXTENSION_NOT_PRESENT"
        case -8: "VK_ERROR_FEATURE_NOT_PRESENT"
        case -9: "VK_ERROR_INCOMPATIBLE_DRIVER"
        case -10: "VK_ERROR_TOO_MANY_OBJECTS"
        case -11: "VK_ERROR_FORMAT_NOT_SUPPORTED"
        case -12: "VK_ERROR_FRAGMENTED_POOL"
        case -13: "VK_ERROR_UNKNOWN"
        case -1_000_069_000: "VK_ERROR_OUT_OF_POOL_MEMORY"
        case -1_000_072_003: "VK_ERROR_INVALID_EXTERNAL_HANDLE"
        case -1_000_161_000: "VK_ERROR_FRAGMENTATION"
        case -1_000_257_000: "VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS"
        case 1_000_297_000: "VK_PIPELINE_COMPILE_REQUIRED"
        case -1_000_000_000: "VK_ERROR_SURFACE_LOST_KHR"
        case -1_000_000_001: "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR"
        case 1_000_001_003: "VK_SUBOPTIMAL_KHR"
        case -1_000_001_004: "VK_ERROR_OUT_OF_DATE_KHR"
        case -1_000_003_001: "VK_ERROR_INCOMPATIBLE_DISPLAY_KHR"
        case -1_000_011_001: "VK_ERROR_VALIDATION_FAILED_EXT"
        case -1_000_012_000: "VK_ERROR_INVALID_SHADER_NV"
        case -1_000_158_000: "VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT"
        case -1_000_174_001: "VK_ERROR_NOT_PERMITTED_KHR"
        case -1_000_255_000: "VK_ERROR_FULL_SCREEN_EXCLUSIVE_MODE_LOST_EXT"
        case 1_000_268_000: "VK_THREAD_IDLE_KHR"
        case 1_000_268_001: "VK_THREAD_DONE_KHR"
        case 1_000_268_002: "VK_OPERATION_DEFERRED_KHR"
        case 1_000_268_003: "VK_OPERATION_NOT_DEFERRED_KHR"
        case -1_000_338_000: "VK_ERROR_COMPRESSION_EXHAUSTED_EXT"
        default: "VkResult(\(result))"
        }
    }
}

/// Byte counts for messages: "1.2 GiB", "640 KiB", "12 B".
package func formatBytes(_ n: some BinaryInteger) -> String {
    let v = Double(n)
    let units: [(Double, String)] = [(0x1p40, "TiB"), (0x1p30, "GiB"), (0x1p20, "MiB"), (0x1p10, "KiB")]
    for (size, unit) in units where v >= size {
        let x = v / size
        let digits = x >= 100 ? 0 : 1
        return "\(rounded(x, digits)) \(unit)"
    }
    return "\(n) B"
}

private func rounded(_ x: Double, _ digits: Int) -> String {
    if digits == 0 { return String(Int(x.rounded())) }
    let scaled = (x * 10).rounded() / 10
    return String(scaled)
}
