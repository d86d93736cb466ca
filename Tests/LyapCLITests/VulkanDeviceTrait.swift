import Foundation
import Testing

/// `@Test(.vulkanDevice)`: the test needs a Vulkan device. Without one it is skipped with the reason, except
/// under LYAP_REQUIRE_VULKAN=1 (CI), where the missing device fails it (a throwing condition is recorded as an
/// issue, not a skip), so nothing Vulkan-related can pass by not running.
extension Trait where Self == ConditionTrait {
    static var vulkanDevice: Self {
        .enabled("no Vulkan device: `lyap devices` lists none (install mesa-vulkan-drivers)") {
            if CLIVulkanTests.vulkanAvailable { return true }
            if ProcessInfo.processInfo.environment["LYAP_REQUIRE_VULKAN"] == "1" { throw MissingVulkanDevice() }
            return false
        }
    }
}

struct MissingVulkanDevice: Error, CustomStringConvertible {
    var description: String { "LYAP_REQUIRE_VULKAN=1 but `lyap devices` lists no Vulkan device" }
}

extension CLIVulkanTests {
    /// For a test with an optional Vulkan part: whether to run it. Without a device the part is skipped with a
    /// recorded warning naming it, or fails under LYAP_REQUIRE_VULKAN=1.
    static func runsVulkanPart(_ part: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if vulkanAvailable { return true }
        if ProcessInfo.processInfo.environment["LYAP_REQUIRE_VULKAN"] == "1" {
            Issue.record("\(MissingVulkanDevice()): cannot run \(part)", sourceLocation: sourceLocation)
        } else {
            Issue.record("skipped \(part): no Vulkan device", severity: .warning, sourceLocation: sourceLocation)
        }
        return false
    }
}
