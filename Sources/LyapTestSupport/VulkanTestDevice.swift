import Foundation
import LyapVulkan
import Testing

/// Whether this process sees a Vulkan device: the one check every test target uses (asked once, in-process,
/// from the loader that `lyap devices` asks too).
public enum VulkanTestDevice {
    public static let devices: Result<[VulkanDeviceInfo], VulkanError> = Vulkan.devices()
    public static var available: Bool { (try? devices.get())?.isEmpty == false }
    /// LYAP_REQUIRE_VULKAN=1 (CI): a missing device fails the tests that need one instead of skipping them.
    public static var required: Bool { ProcessInfo.processInfo.environment["LYAP_REQUIRE_VULKAN"] == "1" }

    public static var unavailableReason: String {
        if case .failure(let e) = devices { return e.description }
        return "the Vulkan loader lists no device"
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "LYAP_REQUIRE_VULKAN=1 but no Vulkan device: \(VulkanTestDevice.unavailableReason)" }
    }

    /// For a test with an optional Vulkan part: whether to run it. Without a device the part is skipped with a
    /// recorded warning naming it, or fails under LYAP_REQUIRE_VULKAN=1.
    public static func runsPart(_ part: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if available { return true }
        if required {
            Issue.record("\(Missing()): cannot run \(part)", sourceLocation: sourceLocation)
        } else {
            Issue.record("skipped \(part): no Vulkan device", severity: .warning, sourceLocation: sourceLocation)
        }
        return false
    }
}

/// `@Test(.vulkanDevice)` / `@Suite(.vulkanDevice)`: needs a Vulkan device. Without one the test is skipped with
/// the reason, except under LYAP_REQUIRE_VULKAN=1, where the missing device fails it (a throwing condition is
/// recorded as an issue, not a skip), so nothing Vulkan-related can pass by not running.
extension Trait where Self == ConditionTrait {
    public static var vulkanDevice: Self {
        .enabled("no Vulkan device (install mesa-vulkan-drivers)") {
            if VulkanTestDevice.available { return true }
            if VulkanTestDevice.required { throw VulkanTestDevice.Missing() }
            return false
        }
    }
}
