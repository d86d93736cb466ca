import CVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Every Vulkan call lyap makes goes through this file: the loader is opened with dlopen (lyap never
// links libvulkan, so the binary starts where no Vulkan loader is installed), each entry point is
// fetched once into a table of C function pointers, and each wrapper below turns a failing
// `VkResult` into a `VulkanError` naming the call. Tracing or a fake device has this one hook.

/// Throws unless `r` is VK_SUCCESS.
@inline(__always)
package func check(_ r: VkResult, _ call: String, _ context: @autoclosure () -> String) throws(VulkanError) {
    if r != VK_SUCCESS { throw VulkanError(result: r.rawValue, call: call, context: context()) }
}

/// Like `check`, but VK_INCOMPLETE (a list that grew between the two enumeration calls) is not an error.
@inline(__always)
private func checkEnumeration(_ r: VkResult, _ call: String, _ context: @autoclosure () -> String) throws(VulkanError) {
    if r != VK_SUCCESS && r != VK_INCOMPLETE { throw VulkanError(result: r.rawValue, call: call, context: context()) }
}

/// The text of a fixed-size C char array imported as a tuple (`deviceName`, `layerName`, ...).
package func cString<T>(tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}

/// A 64-bit handle value for `vkSetDebugUtilsObjectNameEXT`.
package func handleBits(_ h: OpaquePointer?) -> UInt64 {
    UInt64(UInt(bitPattern: h.map { UnsafeRawPointer($0) }))
}

/// The Vulkan loader library, opened once per process and never closed.
package final class VulkanLoader: @unchecked Sendable {
    /// `LYAP_VULKAN_LIBRARY` overrides the file name (another loader build, or a missing one in tests).
    package static let libraryName: String = {
        if let v = getenv("LYAP_VULKAN_LIBRARY"), v.pointee != 0 { return String(cString: v) }
        #if os(macOS)
        return "libvulkan.1.dylib"
        #else
        return "libvulkan.so.1"
        #endif
    }()

    package static let shared: Result<VulkanLoader, VulkanError> = Result { () throws(VulkanError) -> VulkanLoader in
        try VulkanLoader(libraryName)
    }

    package let library: String
    private let handle: UnsafeMutableRawPointer
    package let getInstanceProcAddr: PFN_vkGetInstanceProcAddr
    package let global: GlobalCalls

    private init(_ name: String) throws(VulkanError) {
        guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw VulkanError(result: nil, call: "dlopen",
                              context: "\(name) not found or not loadable, so Vulkan is unavailable (\(reason)); install the Vulkan loader (Debian: libvulkan1) or use the CPU backend")
        }
        guard let sym = dlsym(h, "vkGetInstanceProcAddr") else {
            dlclose(h)
            throw VulkanError(result: nil, call: "dlsym", context: "\(name) has no vkGetInstanceProcAddr; it is not a Vulkan loader")
        }
        library = name
        handle = h
        let gipa = unsafeBitCast(sym, to: PFN_vkGetInstanceProcAddr.self)
        getInstanceProcAddr = gipa
        global = try GlobalCalls(gipa)
    }
}

/// Fetches an entry point or throws naming it.
private func fetch<F>(_ name: String, _ get: (String) -> PFN_vkVoidFunction?) throws(VulkanError) -> F {
    guard let p = get(name) else {
        throw VulkanError(result: nil, call: "vkGet*ProcAddr", context: "the Vulkan loader or driver does not provide \(name)")
    }
    return unsafeBitCast(p, to: F.self)
}

/// An entry point that may be absent (extensions): nil when the loader returns NULL.
private func fetchOptional<F>(_ name: String, _ get: (String) -> PFN_vkVoidFunction?) -> F? {
    guard let p = get(name) else { return nil }
    return unsafeBitCast(p, to: F.self)
}

// MARK: - Global functions (no instance)

package struct GlobalCalls: @unchecked Sendable {
    private let vkCreateInstance: PFN_vkCreateInstance
    private let vkEnumerateInstanceLayerProperties: PFN_vkEnumerateInstanceLayerProperties
    private let vkEnumerateInstanceExtensionProperties: PFN_vkEnumerateInstanceExtensionProperties
    private let vkEnumerateInstanceVersion: PFN_vkEnumerateInstanceVersion?

    package init(_ gipa: PFN_vkGetInstanceProcAddr) throws(VulkanError) {
        let get: (String) -> PFN_vkVoidFunction? = { name in gipa(nil, name) }
        vkCreateInstance = try fetch("vkCreateInstance", get)
        vkEnumerateInstanceLayerProperties = try fetch("vkEnumerateInstanceLayerProperties", get)
        vkEnumerateInstanceExtensionProperties = try fetch("vkEnumerateInstanceExtensionProperties", get)
        vkEnumerateInstanceVersion = fetchOptional("vkEnumerateInstanceVersion", get)
    }

    package func createInstance(_ info: UnsafePointer<VkInstanceCreateInfo>) throws(VulkanError) -> VkInstance {
        var instance: VkInstance?
        let r = vkCreateInstance(info, nil, &instance)
        if r == VK_ERROR_INCOMPATIBLE_DRIVER {
            let keys: [String] = ["VK_DRIVER_FILES", "VK_ICD_FILENAMES"]
            let overrides = keys.compactMap { (key: String) -> String? in
                guard let v = getenv(key) else { return nil }
                return "\(key)=\(String(cString: v))"
            }
            throw VulkanError(result: r.rawValue, call: "vkCreateInstance",
                              context: "no Vulkan driver found; install one (Debian: mesa-vulkan-drivers for lavapipe, or the GPU vendor's driver) or point VK_DRIVER_FILES at its ICD JSON"
                                + (overrides.isEmpty ? "" : "; set here: " + overrides.joined(separator: ", ")))
        }
        try check(r, "vkCreateInstance", "creating the Vulkan instance")
        guard let instance else { throw VulkanError.usage("vkCreateInstance", "returned a null instance") }
        return instance
    }

    /// Names of the installed instance layers.
    package func instanceLayers() throws(VulkanError) -> [String] {
        var n: UInt32 = 0
        try checkEnumeration(vkEnumerateInstanceLayerProperties(&n, nil), "vkEnumerateInstanceLayerProperties", "counting layers")
        var props = [VkLayerProperties](repeating: VkLayerProperties(), count: Int(n))
        try checkEnumeration(props.withUnsafeMutableBufferPointer { vkEnumerateInstanceLayerProperties(&n, $0.baseAddress) },
                             "vkEnumerateInstanceLayerProperties", "listing layers")
        return props.prefix(Int(n)).map { cString(tuple: $0.layerName) }
    }

    /// Names of the instance extensions the loader and drivers (or the given layer) provide.
    package func instanceExtensions(layer: String? = nil) throws(VulkanError) -> [String] {
        func enumerate(_ count: UnsafeMutablePointer<UInt32>, _ out: UnsafeMutablePointer<VkExtensionProperties>?) -> VkResult {
            if let layer { return layer.withCString { vkEnumerateInstanceExtensionProperties($0, count, out) } }
            return vkEnumerateInstanceExtensionProperties(nil, count, out)
        }
        var n: UInt32 = 0
        try checkEnumeration(enumerate(&n, nil), "vkEnumerateInstanceExtensionProperties", "counting instance extensions")
        var props = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(n))
        try checkEnumeration(props.withUnsafeMutableBufferPointer { enumerate(&n, $0.baseAddress) },
                             "vkEnumerateInstanceExtensionProperties", "listing instance extensions")
        return props.prefix(Int(n)).map { cString(tuple: $0.extensionName) }
    }

    /// The loader's instance-level API version (1.0 when it predates vkEnumerateInstanceVersion).
    package func instanceVersion() -> UInt32 {
        guard let f = vkEnumerateInstanceVersion else { return lyap_vk_make_api_version(0, 1, 0, 0) }
        var v: UInt32 = 0
        return f(&v) == VK_SUCCESS ? v : lyap_vk_make_api_version(0, 1, 0, 0)
    }
}

// MARK: - Instance functions

package struct InstanceCalls: @unchecked Sendable {
    private let vkDestroyInstance: PFN_vkDestroyInstance
    private let vkEnumeratePhysicalDevices: PFN_vkEnumeratePhysicalDevices
    private let vkGetPhysicalDeviceProperties2: PFN_vkGetPhysicalDeviceProperties2
    private let vkGetPhysicalDeviceFeatures2: PFN_vkGetPhysicalDeviceFeatures2
    private let vkGetPhysicalDeviceMemoryProperties: PFN_vkGetPhysicalDeviceMemoryProperties
    private let vkGetPhysicalDeviceQueueFamilyProperties: PFN_vkGetPhysicalDeviceQueueFamilyProperties
    private let vkEnumerateDeviceExtensionProperties: PFN_vkEnumerateDeviceExtensionProperties
    private let vkCreateDevice: PFN_vkCreateDevice
    package let vkGetDeviceProcAddr: PFN_vkGetDeviceProcAddr
    // VK_EXT_debug_utils (nil unless the extension was enabled).
    private let vkCreateDebugUtilsMessengerEXT: PFN_vkCreateDebugUtilsMessengerEXT?
    private let vkDestroyDebugUtilsMessengerEXT: PFN_vkDestroyDebugUtilsMessengerEXT?
    private let vkSetDebugUtilsObjectNameEXT: PFN_vkSetDebugUtilsObjectNameEXT?
    private let vkCmdBeginDebugUtilsLabelEXT: PFN_vkCmdBeginDebugUtilsLabelEXT?
    private let vkCmdEndDebugUtilsLabelEXT: PFN_vkCmdEndDebugUtilsLabelEXT?
    private let vkSubmitDebugUtilsMessageEXT: PFN_vkSubmitDebugUtilsMessageEXT?

    /// `debugUtils`: VK_EXT_debug_utils was enabled on this instance.
    package init(_ gipa: PFN_vkGetInstanceProcAddr, instance: VkInstance, debugUtils: Bool) throws(VulkanError) {
        let get: (String) -> PFN_vkVoidFunction? = { name in gipa(instance, name) }
        vkDestroyInstance = try fetch("vkDestroyInstance", get)
        vkEnumeratePhysicalDevices = try fetch("vkEnumeratePhysicalDevices", get)
        vkGetPhysicalDeviceProperties2 = try fetch("vkGetPhysicalDeviceProperties2", get)
        vkGetPhysicalDeviceFeatures2 = try fetch("vkGetPhysicalDeviceFeatures2", get)
        vkGetPhysicalDeviceMemoryProperties = try fetch("vkGetPhysicalDeviceMemoryProperties", get)
        vkGetPhysicalDeviceQueueFamilyProperties = try fetch("vkGetPhysicalDeviceQueueFamilyProperties", get)
        vkEnumerateDeviceExtensionProperties = try fetch("vkEnumerateDeviceExtensionProperties", get)
        vkCreateDevice = try fetch("vkCreateDevice", get)
        vkGetDeviceProcAddr = try fetch("vkGetDeviceProcAddr", get)
        if debugUtils {
            vkCreateDebugUtilsMessengerEXT = fetchOptional("vkCreateDebugUtilsMessengerEXT", get)
            vkDestroyDebugUtilsMessengerEXT = fetchOptional("vkDestroyDebugUtilsMessengerEXT", get)
            vkSetDebugUtilsObjectNameEXT = fetchOptional("vkSetDebugUtilsObjectNameEXT", get)
            vkCmdBeginDebugUtilsLabelEXT = fetchOptional("vkCmdBeginDebugUtilsLabelEXT", get)
            vkCmdEndDebugUtilsLabelEXT = fetchOptional("vkCmdEndDebugUtilsLabelEXT", get)
            vkSubmitDebugUtilsMessageEXT = fetchOptional("vkSubmitDebugUtilsMessageEXT", get)
        } else {
            vkCreateDebugUtilsMessengerEXT = nil
            vkDestroyDebugUtilsMessengerEXT = nil
            vkSetDebugUtilsObjectNameEXT = nil
            vkCmdBeginDebugUtilsLabelEXT = nil
            vkCmdEndDebugUtilsLabelEXT = nil
            vkSubmitDebugUtilsMessageEXT = nil
        }
    }

    package var hasLabels: Bool { vkCmdBeginDebugUtilsLabelEXT != nil && vkCmdEndDebugUtilsLabelEXT != nil }
    package var hasObjectNames: Bool { vkSetDebugUtilsObjectNameEXT != nil }

    package func destroyInstance(_ instance: VkInstance) { vkDestroyInstance(instance, nil) }

    /// Destroys an instance whose call table could not be built (fetches vkDestroyInstance alone).
    package static func destroyInstance(_ gipa: PFN_vkGetInstanceProcAddr, _ instance: VkInstance) {
        guard let p = gipa(instance, "vkDestroyInstance") else { return }
        unsafeBitCast(p, to: PFN_vkDestroyInstance.self)(instance, nil)
    }

    package func physicalDevices(_ instance: VkInstance) throws(VulkanError) -> [VkPhysicalDevice] {
        var n: UInt32 = 0
        try checkEnumeration(vkEnumeratePhysicalDevices(instance, &n, nil), "vkEnumeratePhysicalDevices", "counting devices")
        var list = [VkPhysicalDevice?](repeating: nil, count: Int(n))
        try checkEnumeration(list.withUnsafeMutableBufferPointer { vkEnumeratePhysicalDevices(instance, &n, $0.baseAddress) },
                             "vkEnumeratePhysicalDevices", "listing devices")
        return list.prefix(Int(n)).compactMap { $0 }
    }

    package func properties2(_ pd: VkPhysicalDevice, _ out: UnsafeMutablePointer<VkPhysicalDeviceProperties2>) {
        vkGetPhysicalDeviceProperties2(pd, out)
    }

    package func features2(_ pd: VkPhysicalDevice, _ out: UnsafeMutablePointer<VkPhysicalDeviceFeatures2>) {
        vkGetPhysicalDeviceFeatures2(pd, out)
    }

    package func memoryProperties(_ pd: VkPhysicalDevice) -> VkPhysicalDeviceMemoryProperties {
        var m = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(pd, &m)
        return m
    }

    package func queueFamilies(_ pd: VkPhysicalDevice) -> [VkQueueFamilyProperties] {
        var n: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nil)
        var list = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(n))
        list.withUnsafeMutableBufferPointer { vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, $0.baseAddress) }
        return Array(list.prefix(Int(n)))
    }

    package func deviceExtensions(_ pd: VkPhysicalDevice) throws(VulkanError) -> [String] {
        var n: UInt32 = 0
        try checkEnumeration(vkEnumerateDeviceExtensionProperties(pd, nil, &n, nil), "vkEnumerateDeviceExtensionProperties", "counting device extensions")
        var props = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(n))
        try checkEnumeration(props.withUnsafeMutableBufferPointer { vkEnumerateDeviceExtensionProperties(pd, nil, &n, $0.baseAddress) },
                             "vkEnumerateDeviceExtensionProperties", "listing device extensions")
        return props.prefix(Int(n)).map { cString(tuple: $0.extensionName) }
    }

    package func createDevice(_ pd: VkPhysicalDevice, _ info: UnsafePointer<VkDeviceCreateInfo>, _ context: String) throws(VulkanError) -> VkDevice {
        var device: VkDevice?
        try check(vkCreateDevice(pd, info, nil, &device), "vkCreateDevice", context)
        guard let device else { throw VulkanError.usage("vkCreateDevice", "returned a null device (\(context))") }
        return device
    }

    package func createMessenger(_ instance: VkInstance, _ info: UnsafePointer<VkDebugUtilsMessengerCreateInfoEXT>) throws(VulkanError) -> VkDebugUtilsMessengerEXT? {
        guard let f = vkCreateDebugUtilsMessengerEXT else { return nil }
        var m: VkDebugUtilsMessengerEXT?
        try check(f(instance, info, nil, &m), "vkCreateDebugUtilsMessengerEXT", "installing the validation message counter")
        return m
    }

    package func destroyMessenger(_ instance: VkInstance, _ m: VkDebugUtilsMessengerEXT) {
        vkDestroyDebugUtilsMessengerEXT?(instance, m, nil)
    }

    /// Sends an ERROR-severity validation message through the instance's messengers; a no-op without
    /// VK_EXT_debug_utils.
    package func submitErrorMessage(_ instance: VkInstance, id: String, _ text: String) {
        guard let f = vkSubmitDebugUtilsMessageEXT else { return }
        id.withCString { cID in
            text.withCString { cText in
                var data = VkDebugUtilsMessengerCallbackDataEXT()
                data.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT
                data.pMessageIdName = cID
                data.pMessage = cText
                f(instance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue), &data)
            }
        }
    }

    /// Names an object for validation messages and capture tools; a no-op without VK_EXT_debug_utils.
    package func setObjectName(_ device: VkDevice, _ type: VkObjectType, _ handle: UInt64, _ name: String) {
        guard let f = vkSetDebugUtilsObjectNameEXT else { return }
        name.withCString { cName in
            var info = VkDebugUtilsObjectNameInfoEXT()
            info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT
            info.objectType = type
            info.objectHandle = handle
            info.pObjectName = cName
            _ = f(device, &info)  // only fails on host memory exhaustion; a missing name is harmless
        }
    }

    package func cmdBeginLabel(_ cmd: VkCommandBuffer, _ name: String) {
        guard let f = vkCmdBeginDebugUtilsLabelEXT else { return }
        name.withCString { cName in
            var label = VkDebugUtilsLabelEXT()
            label.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_LABEL_EXT
            label.pLabelName = cName
            f(cmd, &label)
        }
    }

    package func cmdEndLabel(_ cmd: VkCommandBuffer) { vkCmdEndDebugUtilsLabelEXT?(cmd) }
}

// MARK: - Device functions

package struct DeviceCalls: @unchecked Sendable {
    private let vkDestroyDevice: PFN_vkDestroyDevice
    private let vkGetDeviceQueue: PFN_vkGetDeviceQueue
    private let vkDeviceWaitIdle: PFN_vkDeviceWaitIdle
    private let vkCreateBuffer: PFN_vkCreateBuffer
    private let vkDestroyBuffer: PFN_vkDestroyBuffer
    private let vkGetBufferMemoryRequirements: PFN_vkGetBufferMemoryRequirements
    private let vkAllocateMemory: PFN_vkAllocateMemory
    private let vkFreeMemory: PFN_vkFreeMemory
    private let vkBindBufferMemory: PFN_vkBindBufferMemory
    private let vkMapMemory: PFN_vkMapMemory
    private let vkUnmapMemory: PFN_vkUnmapMemory
    private let vkCreateShaderModule: PFN_vkCreateShaderModule
    private let vkDestroyShaderModule: PFN_vkDestroyShaderModule
    private let vkCreateDescriptorSetLayout: PFN_vkCreateDescriptorSetLayout
    private let vkDestroyDescriptorSetLayout: PFN_vkDestroyDescriptorSetLayout
    private let vkCreatePipelineLayout: PFN_vkCreatePipelineLayout
    private let vkDestroyPipelineLayout: PFN_vkDestroyPipelineLayout
    private let vkCreateComputePipelines: PFN_vkCreateComputePipelines
    private let vkDestroyPipeline: PFN_vkDestroyPipeline
    private let vkCreatePipelineCache: PFN_vkCreatePipelineCache
    private let vkDestroyPipelineCache: PFN_vkDestroyPipelineCache
    private let vkCreateDescriptorPool: PFN_vkCreateDescriptorPool
    private let vkDestroyDescriptorPool: PFN_vkDestroyDescriptorPool
    private let vkResetDescriptorPool: PFN_vkResetDescriptorPool
    private let vkAllocateDescriptorSets: PFN_vkAllocateDescriptorSets
    private let vkUpdateDescriptorSets: PFN_vkUpdateDescriptorSets
    private let vkCreateCommandPool: PFN_vkCreateCommandPool
    private let vkDestroyCommandPool: PFN_vkDestroyCommandPool
    private let vkAllocateCommandBuffers: PFN_vkAllocateCommandBuffers
    private let vkFreeCommandBuffers: PFN_vkFreeCommandBuffers
    private let vkBeginCommandBuffer: PFN_vkBeginCommandBuffer
    private let vkEndCommandBuffer: PFN_vkEndCommandBuffer
    private let vkResetCommandBuffer: PFN_vkResetCommandBuffer
    private let vkCmdBindPipeline: PFN_vkCmdBindPipeline
    private let vkCmdBindDescriptorSets: PFN_vkCmdBindDescriptorSets
    private let vkCmdPushConstants: PFN_vkCmdPushConstants
    private let vkCmdDispatch: PFN_vkCmdDispatch
    private let vkCmdPipelineBarrier: PFN_vkCmdPipelineBarrier
    private let vkCmdCopyBuffer: PFN_vkCmdCopyBuffer
    private let vkCmdFillBuffer: PFN_vkCmdFillBuffer
    private let vkCmdResetQueryPool: PFN_vkCmdResetQueryPool
    private let vkCmdWriteTimestamp: PFN_vkCmdWriteTimestamp
    private let vkCreateQueryPool: PFN_vkCreateQueryPool
    private let vkDestroyQueryPool: PFN_vkDestroyQueryPool
    private let vkGetQueryPoolResults: PFN_vkGetQueryPoolResults
    private let vkCreateFence: PFN_vkCreateFence
    private let vkDestroyFence: PFN_vkDestroyFence
    private let vkResetFences: PFN_vkResetFences
    private let vkWaitForFences: PFN_vkWaitForFences
    private let vkQueueSubmit: PFN_vkQueueSubmit

    package init(_ gdpa: PFN_vkGetDeviceProcAddr, device: VkDevice) throws(VulkanError) {
        let get: (String) -> PFN_vkVoidFunction? = { name in gdpa(device, name) }
        vkDestroyDevice = try fetch("vkDestroyDevice", get)
        vkGetDeviceQueue = try fetch("vkGetDeviceQueue", get)
        vkDeviceWaitIdle = try fetch("vkDeviceWaitIdle", get)
        vkCreateBuffer = try fetch("vkCreateBuffer", get)
        vkDestroyBuffer = try fetch("vkDestroyBuffer", get)
        vkGetBufferMemoryRequirements = try fetch("vkGetBufferMemoryRequirements", get)
        vkAllocateMemory = try fetch("vkAllocateMemory", get)
        vkFreeMemory = try fetch("vkFreeMemory", get)
        vkBindBufferMemory = try fetch("vkBindBufferMemory", get)
        vkMapMemory = try fetch("vkMapMemory", get)
        vkUnmapMemory = try fetch("vkUnmapMemory", get)
        vkCreateShaderModule = try fetch("vkCreateShaderModule", get)
        vkDestroyShaderModule = try fetch("vkDestroyShaderModule", get)
        vkCreateDescriptorSetLayout = try fetch("vkCreateDescriptorSetLayout", get)
        vkDestroyDescriptorSetLayout = try fetch("vkDestroyDescriptorSetLayout", get)
        vkCreatePipelineLayout = try fetch("vkCreatePipelineLayout", get)
        vkDestroyPipelineLayout = try fetch("vkDestroyPipelineLayout", get)
        vkCreateComputePipelines = try fetch("vkCreateComputePipelines", get)
        vkDestroyPipeline = try fetch("vkDestroyPipeline", get)
        vkCreatePipelineCache = try fetch("vkCreatePipelineCache", get)
        vkDestroyPipelineCache = try fetch("vkDestroyPipelineCache", get)
        vkCreateDescriptorPool = try fetch("vkCreateDescriptorPool", get)
        vkDestroyDescriptorPool = try fetch("vkDestroyDescriptorPool", get)
        vkResetDescriptorPool = try fetch("vkResetDescriptorPool", get)
        vkAllocateDescriptorSets = try fetch("vkAllocateDescriptorSets", get)
        vkUpdateDescriptorSets = try fetch("vkUpdateDescriptorSets", get)
        vkCreateCommandPool = try fetch("vkCreateCommandPool", get)
        vkDestroyCommandPool = try fetch("vkDestroyCommandPool", get)
        vkAllocateCommandBuffers = try fetch("vkAllocateCommandBuffers", get)
        vkFreeCommandBuffers = try fetch("vkFreeCommandBuffers", get)
        vkBeginCommandBuffer = try fetch("vkBeginCommandBuffer", get)
        vkEndCommandBuffer = try fetch("vkEndCommandBuffer", get)
        vkResetCommandBuffer = try fetch("vkResetCommandBuffer", get)
        vkCmdBindPipeline = try fetch("vkCmdBindPipeline", get)
        vkCmdBindDescriptorSets = try fetch("vkCmdBindDescriptorSets", get)
        vkCmdPushConstants = try fetch("vkCmdPushConstants", get)
        vkCmdDispatch = try fetch("vkCmdDispatch", get)
        vkCmdPipelineBarrier = try fetch("vkCmdPipelineBarrier", get)
        vkCmdCopyBuffer = try fetch("vkCmdCopyBuffer", get)
        vkCmdFillBuffer = try fetch("vkCmdFillBuffer", get)
        vkCmdResetQueryPool = try fetch("vkCmdResetQueryPool", get)
        vkCmdWriteTimestamp = try fetch("vkCmdWriteTimestamp", get)
        vkCreateQueryPool = try fetch("vkCreateQueryPool", get)
        vkDestroyQueryPool = try fetch("vkDestroyQueryPool", get)
        vkGetQueryPoolResults = try fetch("vkGetQueryPoolResults", get)
        vkCreateFence = try fetch("vkCreateFence", get)
        vkDestroyFence = try fetch("vkDestroyFence", get)
        vkResetFences = try fetch("vkResetFences", get)
        vkWaitForFences = try fetch("vkWaitForFences", get)
        vkQueueSubmit = try fetch("vkQueueSubmit", get)
    }

    // Device and queue

    package func destroyDevice(_ d: VkDevice) { vkDestroyDevice(d, nil) }

    /// Destroys a device whose call table could not be built (fetches vkDestroyDevice alone).
    package static func destroyDevice(_ gdpa: PFN_vkGetDeviceProcAddr, _ device: VkDevice) {
        guard let p = gdpa(device, "vkDestroyDevice") else { return }
        unsafeBitCast(p, to: PFN_vkDestroyDevice.self)(device, nil)
    }

    package func queue(_ d: VkDevice, family: UInt32) throws(VulkanError) -> VkQueue {
        var q: VkQueue?
        vkGetDeviceQueue(d, family, 0, &q)
        guard let q else { throw VulkanError.usage("vkGetDeviceQueue", "no queue 0 in family \(family)") }
        return q
    }

    package func waitIdle(_ d: VkDevice) -> VkResult { vkDeviceWaitIdle(d) }

    // Buffers and memory

    package func createBuffer(_ d: VkDevice, _ info: UnsafePointer<VkBufferCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkBuffer {
        var b: VkBuffer?
        try check(vkCreateBuffer(d, info, nil, &b), "vkCreateBuffer", context())
        guard let b else { throw VulkanError.usage("vkCreateBuffer", "returned a null buffer (\(context()))") }
        return b
    }

    package func destroyBuffer(_ d: VkDevice, _ b: VkBuffer) { vkDestroyBuffer(d, b, nil) }

    package func memoryRequirements(_ d: VkDevice, _ b: VkBuffer) -> VkMemoryRequirements {
        var r = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(d, b, &r)
        return r
    }

    package func allocateMemory(_ d: VkDevice, _ info: UnsafePointer<VkMemoryAllocateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkDeviceMemory {
        var m: VkDeviceMemory?
        try check(vkAllocateMemory(d, info, nil, &m), "vkAllocateMemory", context())
        guard let m else { throw VulkanError.usage("vkAllocateMemory", "returned null memory (\(context()))") }
        return m
    }

    package func freeMemory(_ d: VkDevice, _ m: VkDeviceMemory) { vkFreeMemory(d, m, nil) }

    package func bindBufferMemory(_ d: VkDevice, _ b: VkBuffer, _ m: VkDeviceMemory, _ context: @autoclosure () -> String) throws(VulkanError) {
        try check(vkBindBufferMemory(d, b, m, 0), "vkBindBufferMemory", context())
    }

    package func mapMemory(_ d: VkDevice, _ m: VkDeviceMemory, _ context: @autoclosure () -> String) throws(VulkanError) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer?
        try check(vkMapMemory(d, m, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory", context())
        guard let p else { throw VulkanError.usage("vkMapMemory", "returned a null pointer (\(context()))") }
        return p
    }

    package func unmapMemory(_ d: VkDevice, _ m: VkDeviceMemory) { vkUnmapMemory(d, m) }

    // Shaders and pipelines

    package func createShaderModule(_ d: VkDevice, _ info: UnsafePointer<VkShaderModuleCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkShaderModule {
        var m: VkShaderModule?
        try check(vkCreateShaderModule(d, info, nil, &m), "vkCreateShaderModule", context())
        guard let m else { throw VulkanError.usage("vkCreateShaderModule", "returned a null module (\(context()))") }
        return m
    }

    package func destroyShaderModule(_ d: VkDevice, _ m: VkShaderModule) { vkDestroyShaderModule(d, m, nil) }

    package func createDescriptorSetLayout(_ d: VkDevice, _ info: UnsafePointer<VkDescriptorSetLayoutCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkDescriptorSetLayout {
        var l: VkDescriptorSetLayout?
        try check(vkCreateDescriptorSetLayout(d, info, nil, &l), "vkCreateDescriptorSetLayout", context())
        guard let l else { throw VulkanError.usage("vkCreateDescriptorSetLayout", "returned a null layout (\(context()))") }
        return l
    }

    package func destroyDescriptorSetLayout(_ d: VkDevice, _ l: VkDescriptorSetLayout) { vkDestroyDescriptorSetLayout(d, l, nil) }

    package func createPipelineLayout(_ d: VkDevice, _ info: UnsafePointer<VkPipelineLayoutCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkPipelineLayout {
        var l: VkPipelineLayout?
        try check(vkCreatePipelineLayout(d, info, nil, &l), "vkCreatePipelineLayout", context())
        guard let l else { throw VulkanError.usage("vkCreatePipelineLayout", "returned a null layout (\(context()))") }
        return l
    }

    package func destroyPipelineLayout(_ d: VkDevice, _ l: VkPipelineLayout) { vkDestroyPipelineLayout(d, l, nil) }

    package func createComputePipeline(_ d: VkDevice, _ cache: VkPipelineCache?, _ info: UnsafePointer<VkComputePipelineCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkPipeline {
        var p: VkPipeline?
        try check(vkCreateComputePipelines(d, cache, 1, info, nil, &p), "vkCreateComputePipelines", context())
        guard let p else { throw VulkanError.usage("vkCreateComputePipelines", "returned a null pipeline (\(context()))") }
        return p
    }

    package func destroyPipeline(_ d: VkDevice, _ p: VkPipeline) { vkDestroyPipeline(d, p, nil) }

    package func createPipelineCache(_ d: VkDevice) throws(VulkanError) -> VkPipelineCache {
        var info = VkPipelineCacheCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
        var c: VkPipelineCache?
        try check(vkCreatePipelineCache(d, &info, nil, &c), "vkCreatePipelineCache", "creating the pipeline cache")
        guard let c else { throw VulkanError.usage("vkCreatePipelineCache", "returned a null cache") }
        return c
    }

    package func destroyPipelineCache(_ d: VkDevice, _ c: VkPipelineCache) { vkDestroyPipelineCache(d, c, nil) }

    // Descriptors

    package func createDescriptorPool(_ d: VkDevice, _ info: UnsafePointer<VkDescriptorPoolCreateInfo>, _ context: @autoclosure () -> String) throws(VulkanError) -> VkDescriptorPool {
        var p: VkDescriptorPool?
        try check(vkCreateDescriptorPool(d, info, nil, &p), "vkCreateDescriptorPool", context())
        guard let p else { throw VulkanError.usage("vkCreateDescriptorPool", "returned a null pool (\(context()))") }
        return p
    }

    package func destroyDescriptorPool(_ d: VkDevice, _ p: VkDescriptorPool) { vkDestroyDescriptorPool(d, p, nil) }

    package func resetDescriptorPool(_ d: VkDevice, _ p: VkDescriptorPool) throws(VulkanError) {
        try check(vkResetDescriptorPool(d, p, 0), "vkResetDescriptorPool", "resetting a command sequence's descriptor pool")
    }

    package func allocateDescriptorSet(_ d: VkDevice, _ pool: VkDescriptorPool, _ layout: VkDescriptorSetLayout, _ context: @autoclosure () -> String) throws(VulkanError) -> VkDescriptorSet {
        var layoutVar: VkDescriptorSetLayout? = layout
        var set: VkDescriptorSet?
        let r = withUnsafePointer(to: &layoutVar) { lp in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = pool
            info.descriptorSetCount = 1
            info.pSetLayouts = lp
            return vkAllocateDescriptorSets(d, &info, &set)
        }
        try check(r, "vkAllocateDescriptorSets", context())
        guard let set else { throw VulkanError.usage("vkAllocateDescriptorSets", "returned a null set (\(context()))") }
        return set
    }

    package func updateDescriptorSets(_ d: VkDevice, _ writes: UnsafeBufferPointer<VkWriteDescriptorSet>) {
        vkUpdateDescriptorSets(d, UInt32(writes.count), writes.baseAddress, 0, nil)
    }

    // Commands

    package func createCommandPool(_ d: VkDevice, family: UInt32, _ context: @autoclosure () -> String) throws(VulkanError) -> VkCommandPool {
        var info = VkCommandPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
        info.queueFamilyIndex = family
        var p: VkCommandPool?
        try check(vkCreateCommandPool(d, &info, nil, &p), "vkCreateCommandPool", context())
        guard let p else { throw VulkanError.usage("vkCreateCommandPool", "returned a null pool (\(context()))") }
        return p
    }

    package func destroyCommandPool(_ d: VkDevice, _ p: VkCommandPool) { vkDestroyCommandPool(d, p, nil) }

    package func allocateCommandBuffer(_ d: VkDevice, _ pool: VkCommandPool, _ context: @autoclosure () -> String) throws(VulkanError) -> VkCommandBuffer {
        var info = VkCommandBufferAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        info.commandPool = pool
        info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        info.commandBufferCount = 1
        var cb: VkCommandBuffer?
        try check(vkAllocateCommandBuffers(d, &info, &cb), "vkAllocateCommandBuffers", context())
        guard let cb else { throw VulkanError.usage("vkAllocateCommandBuffers", "returned a null command buffer (\(context()))") }
        return cb
    }

    package func freeCommandBuffer(_ d: VkDevice, _ pool: VkCommandPool, _ cb: VkCommandBuffer) {
        var b: VkCommandBuffer? = cb
        vkFreeCommandBuffers(d, pool, 1, &b)
    }

    package func beginCommandBuffer(_ cb: VkCommandBuffer, oneTime: Bool) throws(VulkanError) {
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        info.flags = oneTime ? VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue : 0
        try check(vkBeginCommandBuffer(cb, &info), "vkBeginCommandBuffer", "starting to record")
    }

    package func endCommandBuffer(_ cb: VkCommandBuffer, _ context: @autoclosure () -> String) throws(VulkanError) {
        try check(vkEndCommandBuffer(cb), "vkEndCommandBuffer", context())
    }

    package func resetCommandBuffer(_ cb: VkCommandBuffer) throws(VulkanError) {
        try check(vkResetCommandBuffer(cb, 0), "vkResetCommandBuffer", "resetting a command sequence")
    }

    package func cmdBindComputePipeline(_ cb: VkCommandBuffer, _ p: VkPipeline) {
        vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p)
    }

    package func cmdBindDescriptorSet(_ cb: VkCommandBuffer, _ layout: VkPipelineLayout, _ set: VkDescriptorSet) {
        var s: VkDescriptorSet? = set
        vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &s, 0, nil)
    }

    package func cmdPushConstants(_ cb: VkCommandBuffer, _ layout: VkPipelineLayout, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        vkCmdPushConstants(cb, layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32(bytes.count), base)
    }

    package func cmdDispatch(_ cb: VkCommandBuffer, _ x: UInt32, _ y: UInt32, _ z: UInt32) { vkCmdDispatch(cb, x, y, z) }

    /// One global memory barrier between the given stages and accesses.
    package func cmdMemoryBarrier(_ cb: VkCommandBuffer, srcStage: UInt32, dstStage: UInt32, srcAccess: UInt32, dstAccess: UInt32) {
        var b = VkMemoryBarrier()
        b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        b.srcAccessMask = srcAccess
        b.dstAccessMask = dstAccess
        vkCmdPipelineBarrier(cb, srcStage, dstStage, 0, 1, &b, 0, nil, 0, nil)
    }

    package func cmdCopyBuffer(_ cb: VkCommandBuffer, _ src: VkBuffer, _ dst: VkBuffer, srcOffset: UInt64, dstOffset: UInt64, bytes: UInt64) {
        var region = VkBufferCopy(srcOffset: srcOffset, dstOffset: dstOffset, size: bytes)
        vkCmdCopyBuffer(cb, src, dst, 1, &region)
    }

    package func cmdFillBuffer(_ cb: VkCommandBuffer, _ b: VkBuffer, offset: UInt64, bytes: UInt64, value: UInt32) {
        vkCmdFillBuffer(cb, b, offset, bytes, value)
    }

    package func cmdResetQueryPool(_ cb: VkCommandBuffer, _ pool: VkQueryPool, count: UInt32) { vkCmdResetQueryPool(cb, pool, 0, count) }

    package func cmdWriteTimestamp(_ cb: VkCommandBuffer, stage: UInt32, _ pool: VkQueryPool, _ query: UInt32) {
        vkCmdWriteTimestamp(cb, VkPipelineStageFlagBits(rawValue: stage), pool, query)
    }

    // Queries

    package func createTimestampPool(_ d: VkDevice, count: UInt32) throws(VulkanError) -> VkQueryPool {
        var info = VkQueryPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
        info.queryType = VK_QUERY_TYPE_TIMESTAMP
        info.queryCount = count
        var p: VkQueryPool?
        try check(vkCreateQueryPool(d, &info, nil, &p), "vkCreateQueryPool", "creating \(count) timestamp queries for profiling")
        guard let p else { throw VulkanError.usage("vkCreateQueryPool", "returned a null pool") }
        return p
    }

    package func destroyQueryPool(_ d: VkDevice, _ p: VkQueryPool) { vkDestroyQueryPool(d, p, nil) }

    /// 64-bit results of queries 0..<count, waiting for them.
    package func timestamps(_ d: VkDevice, _ p: VkQueryPool, count: UInt32) throws(VulkanError) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: Int(count))
        let flags = VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue
        let r = out.withUnsafeMutableBytes { raw in
            vkGetQueryPoolResults(d, p, 0, count, raw.count, raw.baseAddress, 8, flags)
        }
        try check(r, "vkGetQueryPoolResults", "reading \(count) timestamps")
        return out
    }

    // Synchronisation and submission

    package func createFence(_ d: VkDevice) throws(VulkanError) -> VkFence {
        var info = VkFenceCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var f: VkFence?
        try check(vkCreateFence(d, &info, nil, &f), "vkCreateFence", "creating a fence")
        guard let f else { throw VulkanError.usage("vkCreateFence", "returned a null fence") }
        return f
    }

    package func destroyFence(_ d: VkDevice, _ f: VkFence) { vkDestroyFence(d, f, nil) }

    package func resetFence(_ d: VkDevice, _ f: VkFence) throws(VulkanError) {
        var fv: VkFence? = f
        try check(vkResetFences(d, 1, &fv), "vkResetFences", "resetting a fence")
    }

    package func waitForFence(_ d: VkDevice, _ f: VkFence, _ context: @autoclosure () -> String) throws(VulkanError) {
        var fv: VkFence? = f
        try check(vkWaitForFences(d, 1, &fv, VK_TRUE, UInt64.max), "vkWaitForFences", context())
    }

    package func submit(_ q: VkQueue, _ cb: VkCommandBuffer, fence: VkFence, _ context: @autoclosure () -> String) throws(VulkanError) {
        var cbv: VkCommandBuffer? = cb
        let r = withUnsafePointer(to: &cbv) { cp in
            var info = VkSubmitInfo()
            info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            info.commandBufferCount = 1
            info.pCommandBuffers = cp
            return vkQueueSubmit(q, 1, &info, fence)
        }
        try check(r, "vkQueueSubmit", context())
    }
}
