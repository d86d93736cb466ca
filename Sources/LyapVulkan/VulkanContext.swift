import CVulkan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The instance, one device, its compute queue, a pipeline cache and a small pool for one-off
/// transfers. Created once per process (or per test); buffers, pipelines and sequences hold it
/// strongly, so it is destroyed after all of them.
///
/// Thread safety: queue submissions and the transfer pool are behind locks; everything else it owns
/// is immutable after creation.
public final class VulkanContext: @unchecked Sendable {
    public let info: VulkanDeviceInfo
    public let options: VulkanOptions
    let dispatchLog: DispatchLog?

    let instance: VulkanInstance
    let physicalDevice: VkPhysicalDevice
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    let calls: DeviceCalls
    let memory: VkPhysicalDeviceMemoryProperties
    let limits: VkPhysicalDeviceLimits
    let pipelineCache: VkPipelineCache
    /// Guards vkQueueSubmit (a queue is externally synchronized).
    let queueLock = Lock()

    private let transferLock = Lock()
    private let transferPool: VkCommandPool
    private let transferCommands: VkCommandBuffer
    private let transferFence: VkFence

    public var validationWarnings: Int { instance.log.warnings }
    public var validationErrors: Int { instance.log.errors }
    /// The first 200 warning/error messages ("VUID-...: text").
    public var validationMessages: [String] { instance.log.messages }
    /// Forgets the counts and messages so far (e.g. after a test's deliberate mistake).
    public func clearValidationMessages() { instance.log.clear() }

    /// Whether VK_EXT_debug_utils labels and object names are recorded.
    public var labelsEnabled: Bool { options.debugLabels && instance.calls.hasLabels }

    /// Opens device `deviceIndex` (the `--device` number, see `Vulkan.devices()`); nil picks the first
    /// usable non-CPU device, else the first usable device.
    public static func create(deviceIndex: Int?, options: VulkanOptions = .fromEnvironment()) throws(VulkanError) -> VulkanContext {
        try VulkanContext(deviceIndex: deviceIndex, options: options)
    }

    private init(deviceIndex: Int?, options: VulkanOptions) throws(VulkanError) {
        self.options = options
        dispatchLog = try options.dispatchLog.map { (path) throws(VulkanError) in try DispatchLog(path: path) }
        let instance = try VulkanInstance(options)
        self.instance = instance
        // Test hook, not a user setting: with validation on, LYAP_TEST_VALIDATION_MESSAGE=text sends one
        // ERROR message through the messenger, so tests can show that any message fails a command.
        if options.validation, let text = getenv("LYAP_TEST_VALIDATION_MESSAGE").map({ String(cString: $0) }), !text.isEmpty {
            instance.calls.submitErrorMessage(instance.handle, id: "LYAP-test-message", text)
        }
        let list = try instance.physicalDevices()
        let queries = list.enumerated().map { i, pd in instance.query(pd, index: i) }
        let chosen: Int
        if let deviceIndex {
            guard queries.indices.contains(deviceIndex) else {
                let known = queries.map { "\($0.info.index): \($0.info.name)" }.joined(separator: "; ")
                throw VulkanError.usage("selecting a Vulkan device",
                                        "--device \(deviceIndex) does not exist: \(queries.count) Vulkan device\(queries.count == 1 ? "" : "s") found\(known.isEmpty ? "" : " (\(known))")")
            }
            guard queries[deviceIndex].info.usable else {
                throw VulkanError.usage("selecting a Vulkan device",
                                        "--device \(deviceIndex) (\(queries[deviceIndex].info.name), Vulkan \(queries[deviceIndex].info.apiVersion)) cannot be used: lyap needs Vulkan 1.2 and a compute queue")
            }
            chosen = deviceIndex
        } else {
            let usable = queries.filter(\.info.usable)
            guard let pick = usable.first(where: { !$0.info.isCPU }) ?? usable.first else {
                throw VulkanError.usage("selecting a Vulkan device",
                                        queries.isEmpty ? "no Vulkan devices found" : "none of the \(queries.count) Vulkan devices supports Vulkan 1.2 with a compute queue")
            }
            chosen = pick.info.index
        }
        let q = queries[chosen]
        guard let family = q.computeFamily else {
            throw VulkanError.usage("selecting a Vulkan device", "\(q.info.name) has no compute queue")
        }
        info = q.info
        physicalDevice = list[chosen]
        queueFamily = family
        memory = q.memory
        limits = q.limits

        let chain = instance.supportedFeatures(physicalDevice, extensions: q.extensions)
        var v11 = chain.v11, v12 = chain.v12, atomicFloat = chain.atomicFloat, core = chain.core
        let hasAtomicFloat = chain.hasAtomicFloat
        var deviceExtensions: [String] = []
        if chain.hasAtomicFloat { deviceExtensions.append("VK_EXT_shader_atomic_float") }
        let cExtensions = deviceExtensions.map { strdup($0) }
        defer { cExtensions.forEach { free($0) } }
        var priority: Float = 1
        let pd = physicalDevice
        let icalls = instance.calls
        let name = q.info.name
        let device: VkDevice = try withUnsafePointer(to: &priority) { (prio) throws(VulkanError) -> VkDevice in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = family
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = prio
            return try withUnsafePointer(to: &queueInfo) { (qi) throws(VulkanError) -> VkDevice in
                try withUnsafeMutablePointer(to: &v11) { (p11) throws(VulkanError) -> VkDevice in
                    try withUnsafeMutablePointer(to: &v12) { (p12) throws(VulkanError) -> VkDevice in
                        try withUnsafeMutablePointer(to: &atomicFloat) { (paf) throws(VulkanError) -> VkDevice in
                            try withUnsafePointer(to: &core) { (corePtr) throws(VulkanError) -> VkDevice in
                                try cExtensions.map { UnsafePointer($0) }.withUnsafeBufferPointer { (ext) throws(VulkanError) -> VkDevice in
                                    p11.pointee.pNext = UnsafeMutableRawPointer(p12)
                                    p12.pointee.pNext = hasAtomicFloat ? UnsafeMutableRawPointer(paf) : nil
                                    var info = VkDeviceCreateInfo()
                                    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                                    info.pNext = UnsafeRawPointer(p11)
                                    info.queueCreateInfoCount = 1
                                    info.pQueueCreateInfos = qi
                                    info.pEnabledFeatures = corePtr
                                    info.enabledExtensionCount = UInt32(cExtensions.count)
                                    info.ppEnabledExtensionNames = ext.baseAddress
                                    defer {
                                        p11.pointee.pNext = nil
                                        p12.pointee.pNext = nil
                                    }
                                    return try icalls.createDevice(pd, &info, "opening \(name)")
                                }
                            }
                        }
                    }
                }
            }
        }
        self.device = device

        // From here on a failure must destroy what was created (deinit does not run for a partly
        // initialised object).
        var cleanup: [() -> Void] = []
        func fail(_ e: VulkanError) -> VulkanError {
            cleanup.reversed().forEach { $0() }
            return e
        }
        let calls: DeviceCalls
        do {
            calls = try DeviceCalls(icalls.vkGetDeviceProcAddr, device: device)
        } catch {
            DeviceCalls.destroyDevice(icalls.vkGetDeviceProcAddr, device)
            throw error
        }
        self.calls = calls
        cleanup.append { calls.destroyDevice(device) }
        do {
            queue = try calls.queue(device, family: family)
            let cache = try calls.createPipelineCache(device)
            pipelineCache = cache
            cleanup.append { calls.destroyPipelineCache(device, cache) }
            let pool = try calls.createCommandPool(device, family: family, "creating the transfer command pool")
            transferPool = pool
            cleanup.append { calls.destroyCommandPool(device, pool) }
            transferCommands = try calls.allocateCommandBuffer(device, pool, "allocating the transfer command buffer")
            transferFence = try calls.createFence(device)
        } catch {
            throw fail(error)
        }
        if options.debugLabels {
            icalls.setObjectName(device, VK_OBJECT_TYPE_DEVICE, handleBits(device), "lyap device \(name)")
            icalls.setObjectName(device, VK_OBJECT_TYPE_QUEUE, handleBits(queue), "lyap compute queue")
        }
    }

    deinit {
        _ = calls.waitIdle(device)
        calls.destroyFence(device, transferFence)
        calls.freeCommandBuffer(device, transferPool, transferCommands)
        calls.destroyCommandPool(device, transferPool)
        calls.destroyPipelineCache(device, pipelineCache)
        calls.destroyDevice(device)
        // `instance` is released after this, destroying the messenger and the instance.
    }

    /// Names a Vulkan object for validation messages and capture tools (no-op without debug utils).
    func setName(_ type: VkObjectType, _ handle: OpaquePointer?, _ name: String) {
        guard options.debugLabels else { return }
        instance.calls.setObjectName(device, type, handleBits(handle), name)
    }

    /// Records commands into the context's transfer command buffer, submits them and waits. For
    /// uploads and downloads through staging buffers; not for the training loop.
    func submitOnce(_ what: String, _ record: (VkCommandBuffer) -> Void) throws(VulkanError) {
        try transferLock.withLock { () throws(VulkanError) in
            try calls.resetCommandBuffer(transferCommands)
            try calls.beginCommandBuffer(transferCommands, oneTime: true)
            record(transferCommands)
            try calls.endCommandBuffer(transferCommands, what)
            try queueLock.withLock { () throws(VulkanError) in
                try calls.submit(queue, transferCommands, fence: transferFence, what)
            }
            try calls.waitForFence(device, transferFence, what)
            try calls.resetFence(device, transferFence)
        }
    }

    /// Waits until the device is idle.
    public func waitIdle() throws(VulkanError) {
        try check(calls.waitIdle(device), "vkDeviceWaitIdle", "waiting for \(info.name) to finish")
    }
}
