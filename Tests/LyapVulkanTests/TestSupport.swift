import Foundation
import Testing
@testable import LyapVulkan
@testable import LyapVulkanLSTM
import LyapTestSupport

/// All Vulkan tests run one at a time (2 cores, lavapipe uses them all); suites nest in here.
@Suite(.serialized) struct LyapVulkanSuite {}

/// Whether this machine has a Vulkan loader and driver. Tests that need a device are disabled
/// without one; `LYAP_REQUIRE_VULKAN=1` (CI) turns that into a failure of `environment()`.
enum VulkanTestEnvironment {
    static var devices: Result<[VulkanDeviceInfo], VulkanError> { VulkanTestDevice.devices }
    static var available: Bool { VulkanTestDevice.available }
    static var unavailableReason: String? {
        if case .failure(let e) = devices { return e.description }
        return nil
    }
    /// lavapipe when installed (so the suite checks the same device everywhere), else the default.
    static var deviceIndex: Int? { (try? devices.get())?.first(where: \.isCPU)?.index }
    static var hasCPUDevice: Bool { deviceIndex != nil }
    static var requireVulkan: Bool { VulkanTestDevice.required }

    /// A context with the validation layer on; the caller checks the counts at the end.
    static func context(_ options: VulkanOptions = VulkanOptions(validation: true)) throws -> VulkanContext {
        try VulkanContext.create(deviceIndex: deviceIndex, options: options)
    }
}

/// Fails with every message when the validation layer reported anything.
func expectClean(_ ctx: VulkanContext, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(ctx.validationErrors == 0 && ctx.validationWarnings == 0,
            "validation: \(ctx.validationErrors) errors, \(ctx.validationWarnings) warnings: \(ctx.validationMessages.joined(separator: " | "))",
            sourceLocation: sourceLocation)
}

/// The test kernel: y = a*x + y over n elements, workgroup size from specialization constant 0,
/// parameters from an included header.
enum TestShaders {
    static let common = """
        // Shared parameter block (uint/float only, so C and GLSL agree on the layout).
        struct SaxpyParams {
            float a;
            uint n;
        };
        """
    static let saxpy = """
        #version 450
        #include "include/common.glsl"
        layout(local_size_x_id = 0) in;
        layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
        layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
        layout(push_constant) uniform Push { SaxpyParams p; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i >= p.n) return;
            y[i] = p.a * x[i] + y[i];
        }
        """
    /// Same as saxpy, but scales by the define SCALE as well.
    static let scaled = """
        #version 450
        #include "include/common.glsl"
        layout(local_size_x = 64) in;
        layout(std430, set = 0, binding = 0) buffer Y { float y[]; };
        layout(push_constant) uniform Push { SaxpyParams p; };
        void main() {
            uint i = gl_GlobalInvocationID.x;
            if (i < p.n) y[i] = y[i] * float(SCALE);
        }
        """
    static let sources: [String: String] = [
        "saxpy.comp": saxpy, "scaled.comp": scaled, "include/common.glsl": common,
    ]
}

/// Push constants matching `SaxpyParams` (two 4-byte fields: no padding in Swift or GLSL).
struct SaxpyPush {
    var a: Float
    var n: UInt32
}

func temporaryDirectory(_ tag: String) throws -> String {
    let dir = NSTemporaryDirectory() + "lyap-vk-\(tag)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a built executable next to the test bundle with extra environment variables.
struct Subprocess {
    let status: Int32
    let stdout: String
    let stderr: String

    static func executable(_ name: String) -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
            Bundle.main.bundleURL.appendingPathComponent(name).path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    static func run(_ path: String, _ args: [String], environment extra: [String: String]) throws -> Subprocess {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Small outputs: reading one pipe after the other cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Subprocess(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                          stderr: String(decoding: e, as: UTF8.self))
    }
}
