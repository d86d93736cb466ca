import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// One Vulkan context (validation on) and one shader compiler for the whole test process.
enum GPUTestEnvironment {
    static let context: VulkanContext? = {
        guard case .success(let devices) = Vulkan.devices(), !devices.isEmpty else { return nil }
        return try? VulkanContext.create(deviceIndex: 0, options: VulkanOptions(validation: true))
    }()

    static var available: Bool { context != nil }
    static var requireVulkan: Bool { ProcessInfo.processInfo.environment["LYAP_REQUIRE_VULKAN"] == "1" }

    struct MissingDevice: Error, CustomStringConvertible {
        var description: String { "LYAP_REQUIRE_VULKAN=1 but no Vulkan device: \(Vulkan.devices())" }
    }

    static let compiler: ShaderCompiler = ShaderCompiler(sources: (try? ShaderLibrary.sources()) ?? [:], cacheDirectory: nil)

    static var deviceLine: String {
        guard let c = context else { return "no Vulkan device" }
        return "\(c.info.name) (\(c.info.driverName))"
    }

    /// Fails when the shared context's validation layer has reported anything so far. The counts are
    /// never cleared: suites run in parallel on this one context, so a message fails every test that
    /// ends after it (the messages name the objects involved).
    static func expectNoValidationMessages(after test: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let ctx = context else { return }
        #expect(ctx.validationErrors == 0 && ctx.validationWarnings == 0,
                "validation after \(test): \(ctx.validationErrors) errors, \(ctx.validationWarnings) warnings: \(ctx.validationMessages.joined(separator: " | "))",
                sourceLocation: sourceLocation)
    }
}

/// `@Suite(.noValidationMessages)`: after every test (every argument of a parameterized one), whether
/// it passed or threw, the shared context must have reported no validation warning or error.
struct NoValidationMessages: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        do {
            try await function()
        } catch {
            GPUTestEnvironment.expectNoValidationMessages(after: test.name, sourceLocation: test.sourceLocation)
            throw error
        }
        GPUTestEnvironment.expectNoValidationMessages(after: test.name, sourceLocation: test.sourceLocation)
    }
}

extension Trait where Self == NoValidationMessages {
    static var noValidationMessages: Self { Self() }
}

/// `@Suite(.vulkanDevice)`: the tests need the shared context. Without a device they are skipped with the
/// reason, except under LYAP_REQUIRE_VULKAN=1 (CI), where the missing device fails them (a throwing condition
/// is recorded as an issue, not a skip), so nothing Vulkan-related can pass by not running.
extension Trait where Self == ConditionTrait {
    static var vulkanDevice: Self {
        .enabled("no Vulkan device (install mesa-vulkan-drivers)") {
            if GPUTestEnvironment.available { return true }
            if GPUTestEnvironment.requireVulkan { throw GPUTestEnvironment.MissingDevice() }
            return false
        }
    }
}
