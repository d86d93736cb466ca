import Foundation
import LyapCore
import LyapVulkan

/// One Vulkan context (validation on) and one shader compiler for the whole test process.
enum GPUTestEnvironment {
    static let context: VulkanContext? = {
        guard case .success(let devices) = Vulkan.devices(), !devices.isEmpty else { return nil }
        return try? VulkanContext.create(deviceIndex: 0, options: VulkanOptions(validation: true))
    }()

    static var available: Bool { context != nil }

    static let compiler: ShaderCompiler = ShaderCompiler(sources: (try? ShaderLibrary.sources()) ?? [:], cacheDirectory: nil)

    static var deviceLine: String {
        guard let c = context else { return "no Vulkan device" }
        return "\(c.info.name) (\(c.info.driverName))"
    }
}
