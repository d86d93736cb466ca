import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// One Vulkan context (validation on) and one shader compiler for the whole test process.
enum GPUTestEnvironment {
    /// nil without a device (`.vulkanDevice` skips those suites); a device whose context cannot be created
    /// stops the tests that need it with the reason.
    static let context: VulkanContext? = {
        guard VulkanTestDevice.available else { return nil }
        do {
            return try VulkanContext.create(deviceIndex: 0, options: VulkanOptions(validation: true))
        } catch {
            fatalError("a Vulkan device is listed but its context cannot be created: \(error)")
        }
    }()

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
