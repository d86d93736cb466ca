import CVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Vulkan physical device as lyap sees it.
public struct VulkanDeviceInfo: Sendable, CustomStringConvertible {
    public enum DeviceType: String, Sendable {
        case discreteGPU = "discrete GPU", integratedGPU = "integrated GPU", virtualGPU = "virtual GPU", cpu, other
    }

    /// Optional device capabilities; the context enables every one the device supports.
    public struct Features: Sendable, Equatable {
        public var float64 = false, int64 = false, int16 = false
        public var float16 = false, int8 = false
        public var storageBuffer16BitAccess = false, storageBuffer8BitAccess = false
        /// VK_EXT_shader_atomic_float: atomicAdd on float32 in storage buffers.
        public var atomicFloat32AddBuffer = false
        public init() {}
    }

    /// Position in `vkEnumeratePhysicalDevices` order: the `--device` number.
    public let index: Int
    public let name: String
    public let type: DeviceType
    public let vendorID: UInt32
    public let deviceID: UInt32
    /// e.g. "llvmpipe", "NVIDIA"; empty only for pre-1.2 drivers without VK_KHR_driver_properties.
    public let driverName: String
    /// e.g. "Mesa 22.3.6 (LLVM 15.0.6)".
    public let driverInfo: String
    /// e.g. "1.3.230".
    public let apiVersion: String
    let apiVersionRaw: UInt32
    public let subgroupSize: Int
    /// Sum of the DEVICE_LOCAL heaps.
    public let deviceLocalMemoryBytes: UInt64
    public let maxComputeSharedMemorySize: Int
    public let maxWorkgroupInvocations: Int
    public let maxWorkgroupSize: (x: Int, y: Int, z: Int)
    public let maxWorkgroupCount: (x: Int, y: Int, z: Int)
    public let maxStorageBufferRange: UInt64
    /// Alignment of a storage-buffer descriptor's offset (binding a slice of a buffer).
    public let minStorageBufferOffsetAlignment: Int
    public let maxPushConstantsSize: Int
    /// Largest single allocation (VkPhysicalDeviceMaintenance3Properties).
    public let maxMemoryAllocationSize: UInt64
    public let timestampPeriodNs: Double
    /// Valid bits of timestamps on the compute queue family; 0 = no timestamps there.
    public let timestampValidBits: Int
    /// Whether the device has a queue family with compute and reports Vulkan 1.2 or later.
    public let usable: Bool
    public let features: Features

    public var isCPU: Bool { type == .cpu }

    /// The most bytes a buffer bound whole to a shader may have: within maxStorageBufferRange and within one
    /// allocation (maxMemoryAllocationSize). Larger ones fail at binding or allocation.
    public var largestStorageBuffer: Int {
        let range = Int(clamping: maxStorageBufferRange)
        return maxMemoryAllocationSize > 0 ? min(range, Int(clamping: maxMemoryAllocationSize)) : range
    }

    /// One line: "0: llvmpipe (LLVM 15.0.6, 256 bits) [cpu] llvmpipe Mesa 22.3.6 (LLVM 15.0.6), Vulkan 1.3.230, subgroup 8, 2.0 GiB".
    public var description: String {
        let driver = [driverName, driverInfo].filter { !$0.isEmpty }.joined(separator: " ")
        return "\(index): \(name) [\(type.rawValue)] \(driver), Vulkan \(apiVersion), subgroup \(subgroupSize), \(formatBytes(deviceLocalMemoryBytes))"
            + (usable ? "" : " (unusable: needs Vulkan 1.2 and a compute queue)")
    }
}

/// Settings read once, when a context is created.
public struct VulkanOptions: Sendable {
    /// Enable VK_LAYER_KHRONOS_validation and count its warnings and errors.
    public var validation: Bool
    /// Name objects and label command ranges with VK_EXT_debug_utils when available (for capture tools).
    public var debugLabels: Bool
    /// Also enable the validation layer's synchronization checks (missing or wrong barriers). Slower.
    public var synchronizationValidation: Bool
    /// Print each validation message to stderr as it arrives (they are counted and kept either way).
    public var echoValidationMessages: Bool
    /// Never map buffer memory: uploads and downloads go through a staging buffer even where device
    /// memory is host-visible (exercises the discrete-GPU path on integrated and CPU devices).
    public var forceStaging: Bool
    /// A file that gets one line per recorded dispatch: its debug labels and pipeline (`DispatchLog`).
    public var dispatchLog: String?

    public init(validation: Bool = false, debugLabels: Bool = true, synchronizationValidation: Bool = false,
                echoValidationMessages: Bool = false, forceStaging: Bool = false, dispatchLog: String? = nil) {
        self.validation = validation
        self.debugLabels = debugLabels
        self.synchronizationValidation = synchronizationValidation
        self.echoValidationMessages = echoValidationMessages
        self.forceStaging = forceStaging
        self.dispatchLog = dispatchLog
    }

    /// `LYAP_VALIDATE=1` turns validation on (messages echoed to stderr); `LYAP_VALIDATE=sync` adds the
    /// synchronization checks. `LYAP_VK_STAGING=1` forces staging copies. `LYAP_DISPATCH_LOG=FILE` logs
    /// every recorded dispatch (`DispatchLog`).
    public static func fromEnvironment(_ env: [String: String]? = nil) -> VulkanOptions {
        func value(_ key: String) -> String? {
            if let env { return env[key] }
            return getenv(key).map { String(cString: $0) }
        }
        var o = VulkanOptions()
        switch value("LYAP_VALIDATE")?.lowercased() {
        case "1", "true", "yes", "on":
            o.validation = true
            o.echoValidationMessages = true
        case "sync":
            o.validation = true
            o.synchronizationValidation = true
            o.echoValidationMessages = true
        default: break
        }
        if let s = value("LYAP_VK_STAGING"), s == "1" { o.forceStaging = true }
        if let s = value(DispatchLog.variable), !s.isEmpty { o.dispatchLog = s }
        return o
    }
}

public enum Vulkan {
    /// The devices the Vulkan loader reports, or why there are none: the loader is missing
    /// ("libvulkan.so.1 not found ..."), no driver is installed (vkCreateInstance:
    /// VK_ERROR_INCOMPATIBLE_DRIVER), or the drivers found no hardware.
    public static func devices() -> Result<[VulkanDeviceInfo], VulkanError> {
        Result { () throws(VulkanError) -> [VulkanDeviceInfo] in
            let instance = try VulkanInstance(VulkanOptions(validation: false, debugLabels: false))
            let list = try instance.physicalDevices()
            if list.isEmpty {
                throw VulkanError(result: nil, call: "vkEnumeratePhysicalDevices",
                                  context: "the Vulkan loader found drivers but no devices")
            }
            return list.enumerated().map { i, pd in instance.query(pd, index: i).info }
        }
    }

    /// The loader's library name and instance version, e.g. "libvulkan.so.1, Vulkan 1.3.239"; nil when
    /// the loader cannot be opened.
    public static var loaderDescription: String? {
        guard case .success(let loader) = VulkanLoader.shared else { return nil }
        return "\(loader.library), Vulkan \(versionString(loader.global.instanceVersion()))"
    }

    static func versionString(_ v: UInt32) -> String {
        "\(lyap_vk_api_version_major(v)).\(lyap_vk_api_version_minor(v)).\(lyap_vk_api_version_patch(v))"
    }
}

// MARK: - Validation messages

/// Counts VK_EXT_debug_utils messages of WARNING and ERROR severity. The messenger may call from any
/// thread (driver or layer threads), so the counts sit behind a lock.
package final class ValidationLog: @unchecked Sendable {
    private struct State {
        var warnings = 0
        var errors = 0
        var messages: [String] = []
    }

    package static let keep = 200
    private let lock = Lock()
    private var state = State()
    package let echo: Bool

    package init(echo: Bool) { self.echo = echo }

    package func record(error: Bool, _ text: String) {
        lock.withLock {
            if error { state.errors += 1 } else { state.warnings += 1 }
            if state.messages.count < ValidationLog.keep { state.messages.append(text) }
        }
        if echo {
            let line = "lyap: vulkan \(error ? "error" : "warning"): \(text)\n"
            var bytes = Array(line.utf8)
            _ = write(2, &bytes, bytes.count)
        }
    }

    package var warnings: Int { lock.withLock { state.warnings } }
    package var errors: Int { lock.withLock { state.errors } }
    package var messages: [String] { lock.withLock { state.messages } }

    package func clear() { lock.withLock { state = State() } }
}

/// The debug-utils callback: capture-free, finds its log through the user-data pointer.
package let validationCallback: PFN_vkDebugUtilsMessengerCallbackEXT = { severity, _, data, user in
    guard let user else { return VkBool32(VK_FALSE) }
    let log = Unmanaged<ValidationLog>.fromOpaque(user).takeUnretainedValue()
    let isError = severity.rawValue & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue != 0
    var text = ""
    if let id = data?.pointee.pMessageIdName { text = String(cString: id) + ": " }
    text += data?.pointee.pMessage.map { String(cString: $0) } ?? "(no message text)"
    log.record(error: isError, text)
    return VkBool32(VK_FALSE)
}

/// A pthread mutex usable from Swift 6 strict concurrency (lyap targets Linux first; no Foundation).
package final class Lock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }

    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }

    @inline(__always)
    package func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}

// MARK: - Instance

/// A VkInstance with its entry points, optional validation layer and message counter.
package final class VulkanInstance: @unchecked Sendable {
    package let loader: VulkanLoader
    package let handle: VkInstance
    package let calls: InstanceCalls
    package let log: ValidationLog
    package let debugUtils: Bool
    private var messenger: VkDebugUtilsMessengerEXT?

    package static let validationLayer = "VK_LAYER_KHRONOS_validation"

    package init(_ options: VulkanOptions) throws(VulkanError) {
        loader = try VulkanLoader.shared.get()
        let global = loader.global
        let loaderVersion = global.instanceVersion()
        let v11 = lyap_vk_make_api_version(0, 1, 1, 0), v12 = lyap_vk_make_api_version(0, 1, 2, 0)
        guard loaderVersion >= v11 else {
            throw VulkanError(result: nil, call: "vkEnumerateInstanceVersion",
                              context: "the Vulkan loader (\(loader.library)) is version \(Vulkan.versionString(loaderVersion)); lyap needs 1.1 or later")
        }

        var layers: [String] = []
        var layerExtensions: [String] = []
        if options.validation {
            let installed = try global.instanceLayers()
            guard installed.contains(VulkanInstance.validationLayer) else {
                throw VulkanError(result: -6, call: "vkEnumerateInstanceLayerProperties",
                                  context: "validation was requested (LYAP_VALIDATE) but \(VulkanInstance.validationLayer) is not installed (Debian: vulkan-validationlayers); installed layers: \(installed.isEmpty ? "none" : installed.joined(separator: ", "))")
            }
            layers.append(VulkanInstance.validationLayer)
            layerExtensions = try global.instanceExtensions(layer: VulkanInstance.validationLayer)
        }
        let available = Set(try global.instanceExtensions() + layerExtensions)
        var extensions: [String] = []
        let wantDebugUtils = (options.validation || options.debugLabels) && available.contains("VK_EXT_debug_utils")
        if wantDebugUtils { extensions.append("VK_EXT_debug_utils") }
        var flags: UInt32 = 0
        if available.contains("VK_KHR_portability_enumeration") {  // MoltenVK lists devices only with this
            extensions.append("VK_KHR_portability_enumeration")
            flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR.rawValue
        }
        let syncValidation = options.validation && options.synchronizationValidation
        if syncValidation {
            guard available.contains("VK_EXT_validation_features") else {
                throw VulkanError(result: -7, call: "vkCreateInstance",
                                  context: "synchronization validation needs VK_EXT_validation_features, which the validation layer does not offer")
            }
            extensions.append("VK_EXT_validation_features")
        }

        let log = ValidationLog(echo: options.echoValidationMessages)
        self.log = log
        debugUtils = wantDebugUtils
        let userData = Unmanaged.passUnretained(log).toOpaque()

        var messengerInfo = VkDebugUtilsMessengerCreateInfoEXT()
        messengerInfo.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
        messengerInfo.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue
        messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue
        messengerInfo.pfnUserCallback = validationCallback
        messengerInfo.pUserData = userData

        let cLayers = layers.map { strdup($0) }
        let cExtensions = extensions.map { strdup($0) }
        defer {
            cLayers.forEach { free($0) }
            cExtensions.forEach { free($0) }
        }
        var enables: [VkValidationFeatureEnableEXT] = [VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT]

        let appName = strdup("lyap")
        defer { free(appName) }
        let created: VkInstance = try {  () throws(VulkanError) -> VkInstance in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = UnsafePointer(appName)
            app.pEngineName = UnsafePointer(appName)
            app.apiVersion = min(loaderVersion, v12)
            return try withUnsafePointer(to: &app) { (appPtr) throws(VulkanError) -> VkInstance in
                try withUnsafeMutablePointer(to: &messengerInfo) { (mPtr) throws(VulkanError) -> VkInstance in
                    try enables.withUnsafeMutableBufferPointer { (enablePtr) throws(VulkanError) -> VkInstance in
                        var features = VkValidationFeaturesEXT()
                        features.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT
                        features.enabledValidationFeatureCount = 1
                        features.pEnabledValidationFeatures = UnsafePointer(enablePtr.baseAddress)
                        return try withUnsafeMutablePointer(to: &features) { (fPtr) throws(VulkanError) -> VkInstance in
                            try cLayers.map { UnsafePointer($0) }.withUnsafeBufferPointer { (layerPtr) throws(VulkanError) -> VkInstance in
                                try cExtensions.map { UnsafePointer($0) }.withUnsafeBufferPointer { (extPtr) throws(VulkanError) -> VkInstance in
                                    var info = VkInstanceCreateInfo()
                                    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                                    info.flags = flags
                                    info.pApplicationInfo = appPtr
                                    info.enabledLayerCount = UInt32(layers.count)
                                    info.ppEnabledLayerNames = layerPtr.baseAddress
                                    info.enabledExtensionCount = UInt32(extensions.count)
                                    info.ppEnabledExtensionNames = extPtr.baseAddress
                                    // Messages during vkCreateInstance/vkDestroyInstance reach the log too.
                                    if wantDebugUtils {
                                        if syncValidation {
                                            mPtr.pointee.pNext = UnsafeRawPointer(fPtr)
                                        }
                                        info.pNext = UnsafeRawPointer(mPtr)
                                    } else if syncValidation {
                                        info.pNext = UnsafeRawPointer(fPtr)
                                    }
                                    return try global.createInstance(&info)
                                }
                            }
                        }
                    }
                }
            }
        }()
        messengerInfo.pNext = nil
        handle = created
        do {
            calls = try InstanceCalls(loader.getInstanceProcAddr, instance: created, debugUtils: wantDebugUtils)
        } catch {
            // The table could not be built, so vkDestroyInstance may be missing too: fetch it alone.
            InstanceCalls.destroyInstance(loader.getInstanceProcAddr, created)
            throw error
        }
        if wantDebugUtils {
            messenger = try withUnsafePointer(to: &messengerInfo) { (p) throws(VulkanError) in
                try calls.createMessenger(created, p)
            }
        }
    }

    deinit {
        if let messenger { calls.destroyMessenger(handle, messenger) }
        calls.destroyInstance(handle)
    }

    package func physicalDevices() throws(VulkanError) -> [VkPhysicalDevice] { try calls.physicalDevices(handle) }

    /// What a context needs to know about a device beyond the public info.
    package struct DeviceQuery {
        var info: VulkanDeviceInfo
        var computeFamily: UInt32?
        var memory: VkPhysicalDeviceMemoryProperties
        var limits: VkPhysicalDeviceLimits
        var extensions: Set<String>
    }

    package func query(_ pd: VkPhysicalDevice, index: Int) -> DeviceQuery {
        var props = VkPhysicalDeviceProperties2()
        props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
        calls.properties2(pd, &props)
        let base = props.properties
        let extensions = Set((try? calls.deviceExtensions(pd)) ?? [])
        let v12 = lyap_vk_make_api_version(0, 1, 2, 0)
        let hasDriverProps = base.apiVersion >= v12 || extensions.contains("VK_KHR_driver_properties")

        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        var maint3 = VkPhysicalDeviceMaintenance3Properties()
        maint3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES
        var driver = VkPhysicalDeviceDriverProperties()
        driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
        withUnsafeMutablePointer(to: &subgroup) { sp in
            withUnsafeMutablePointer(to: &maint3) { mp in
                withUnsafeMutablePointer(to: &driver) { dp in
                    sp.pointee.pNext = UnsafeMutableRawPointer(mp)
                    mp.pointee.pNext = hasDriverProps ? UnsafeMutableRawPointer(dp) : nil
                    var p2 = VkPhysicalDeviceProperties2()
                    p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
                    p2.pNext = UnsafeMutableRawPointer(sp)
                    calls.properties2(pd, &p2)
                    sp.pointee.pNext = nil
                    mp.pointee.pNext = nil
                }
            }
        }

        let memory = calls.memoryProperties(pd)
        var localBytes: UInt64 = 0
        withUnsafeBytes(of: memory.memoryHeaps) { raw in
            let heaps = raw.bindMemory(to: VkMemoryHeap.self)
            for i in 0..<Int(memory.memoryHeapCount) where heaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0 {
                localBytes += heaps[i].size
            }
        }
        let families = calls.queueFamilies(pd)
        let computeFamily = families.firstIndex { $0.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0 && $0.queueCount > 0 }
        let validBits = computeFamily.map { Int(families[$0].timestampValidBits) } ?? 0

        let type: VulkanDeviceInfo.DeviceType = switch base.deviceType {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: .discreteGPU
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: .integratedGPU
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: .virtualGPU
        case VK_PHYSICAL_DEVICE_TYPE_CPU: .cpu
        default: .other
        }
        let features = base.apiVersion >= v12 ? supportedFeatures(pd, extensions: extensions).public : VulkanDeviceInfo.Features()
        let l = base.limits
        let info = VulkanDeviceInfo(
            index: index, name: cString(tuple: base.deviceName), type: type,
            vendorID: base.vendorID, deviceID: base.deviceID,
            driverName: hasDriverProps ? cString(tuple: driver.driverName) : "",
            driverInfo: hasDriverProps ? cString(tuple: driver.driverInfo) : "",
            apiVersion: Vulkan.versionString(base.apiVersion), apiVersionRaw: base.apiVersion,
            subgroupSize: Int(subgroup.subgroupSize), deviceLocalMemoryBytes: localBytes,
            maxComputeSharedMemorySize: Int(l.maxComputeSharedMemorySize),
            maxWorkgroupInvocations: Int(l.maxComputeWorkGroupInvocations),
            maxWorkgroupSize: (Int(l.maxComputeWorkGroupSize.0), Int(l.maxComputeWorkGroupSize.1), Int(l.maxComputeWorkGroupSize.2)),
            maxWorkgroupCount: (Int(l.maxComputeWorkGroupCount.0), Int(l.maxComputeWorkGroupCount.1), Int(l.maxComputeWorkGroupCount.2)),
            maxStorageBufferRange: UInt64(l.maxStorageBufferRange),
            minStorageBufferOffsetAlignment: Int(l.minStorageBufferOffsetAlignment), maxPushConstantsSize: Int(l.maxPushConstantsSize),
            maxMemoryAllocationSize: maint3.maxMemoryAllocationSize,
            timestampPeriodNs: Double(l.timestampPeriod), timestampValidBits: validBits,
            usable: computeFamily != nil && base.apiVersion >= v12, features: features)
        return DeviceQuery(info: info, computeFamily: computeFamily.map { UInt32($0) }, memory: memory,
                           limits: l, extensions: extensions)
    }

    /// The optional features lyap turns on when present, as public flags and as the structs to chain
    /// into VkDeviceCreateInfo.
    package struct FeatureChain {
        var `public` = VulkanDeviceInfo.Features()
        var core = VkPhysicalDeviceFeatures()
        var v11 = VkPhysicalDeviceVulkan11Features()
        var v12 = VkPhysicalDeviceVulkan12Features()
        var atomicFloat = VkPhysicalDeviceShaderAtomicFloatFeaturesEXT()
        var hasAtomicFloat = false
    }

    package func supportedFeatures(_ pd: VkPhysicalDevice, extensions: Set<String>) -> FeatureChain {
        var v11 = VkPhysicalDeviceVulkan11Features()
        v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES
        var v12 = VkPhysicalDeviceVulkan12Features()
        v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES
        var af = VkPhysicalDeviceShaderAtomicFloatFeaturesEXT()
        af.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT
        let hasAtomicFloat = extensions.contains("VK_EXT_shader_atomic_float")
        var f2 = VkPhysicalDeviceFeatures2()
        f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
        withUnsafeMutablePointer(to: &v11) { p11 in
            withUnsafeMutablePointer(to: &v12) { p12 in
                withUnsafeMutablePointer(to: &af) { paf in
                    p11.pointee.pNext = UnsafeMutableRawPointer(p12)
                    p12.pointee.pNext = hasAtomicFloat ? UnsafeMutableRawPointer(paf) : nil
                    f2.pNext = UnsafeMutableRawPointer(p11)
                    calls.features2(pd, &f2)
                    p11.pointee.pNext = nil
                    p12.pointee.pNext = nil
                    f2.pNext = nil
                }
            }
        }
        let t = VkBool32(VK_TRUE)
        var chain = FeatureChain()
        chain.core.shaderFloat64 = f2.features.shaderFloat64
        chain.core.shaderInt64 = f2.features.shaderInt64
        chain.core.shaderInt16 = f2.features.shaderInt16
        chain.v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES
        chain.v11.storageBuffer16BitAccess = v11.storageBuffer16BitAccess
        chain.v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES
        chain.v12.shaderFloat16 = v12.shaderFloat16
        chain.v12.shaderInt8 = v12.shaderInt8
        chain.v12.storageBuffer8BitAccess = v12.storageBuffer8BitAccess
        chain.atomicFloat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT
        chain.hasAtomicFloat = hasAtomicFloat && af.shaderBufferFloat32AtomicAdd == t
        if chain.hasAtomicFloat {
            chain.atomicFloat.shaderBufferFloat32Atomics = af.shaderBufferFloat32Atomics
            chain.atomicFloat.shaderBufferFloat32AtomicAdd = t
        }
        chain.public.float64 = f2.features.shaderFloat64 == t
        chain.public.int64 = f2.features.shaderInt64 == t
        chain.public.int16 = f2.features.shaderInt16 == t
        chain.public.float16 = v12.shaderFloat16 == t
        chain.public.int8 = v12.shaderInt8 == t
        chain.public.storageBuffer16BitAccess = v11.storageBuffer16BitAccess == t
        chain.public.storageBuffer8BitAccess = v12.storageBuffer8BitAccess == t
        chain.public.atomicFloat32AddBuffer = chain.hasAtomicFloat
        return chain
    }
}
