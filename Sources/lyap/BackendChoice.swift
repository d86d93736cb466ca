import Foundation
import LyapCore
import LyapVulkan

/// The compute backend a command runs on, chosen from --backend/--device/--validate.
enum BackendChoice {
    case cpu
    case vulkan(VulkanContext)

    var recordName: String {
        switch self {
        case .cpu: return "cpu"
        case .vulkan(let c): return "vulkan: \(c.info.name) (\(c.info.driverName))"
        }
    }

    /// auto: a real GPU when there is one, otherwise the CPU backend (a CPU-type Vulkan device such as
    /// lavapipe is slower than the CPU backend, so auto never takes one); says which it took.
    /// With validation on, a message while the context is created fails here, before the command writes
    /// anything; `checkValidation` at the end of the command catches the ones that come later.
    static func choose(_ requested: String, device: Int?, validate: Bool) throws -> BackendChoice {
        let choice = try chooseUnchecked(requested, device: device, validate: validate)
        try checkValidation(choice)
        return choice
    }

    private static func chooseUnchecked(_ requested: String, device: Int?, validate: Bool) throws -> BackendChoice {
        let environment = VulkanOptions.fromEnvironment()
        var options = VulkanOptions(validation: validate || environment.validation)
        options.dispatchLog = environment.dispatchLog
        switch requested {
        case "cpu":
            if device != nil { throw ConfigError("--device applies to --backend vulkan or auto, not cpu") }
            return .cpu
        case "vulkan":
            switch Vulkan.devices() {
            case .failure(let e): throw ConfigError("--backend vulkan: \(e)")
            case .success(let list):
                if list.isEmpty { throw ConfigError("--backend vulkan: the Vulkan loader lists no devices") }
                return .vulkan(try VulkanContext.create(deviceIndex: device, options: options))
            }
        case "auto":
            switch Vulkan.devices() {
            case .failure(let e):
                if device != nil { throw ConfigError("--device \(device!): \(e)") }
                info("backend auto: Vulkan unavailable (\(e)); using the CPU")
                return .cpu
            case .success(let list):
                if let d = device {
                    return .vulkan(try VulkanContext.create(deviceIndex: d, options: options))
                }
                guard let gpu = list.first(where: { !$0.isCPU }) else {
                    info("backend auto: no GPU (only CPU-type Vulkan devices); using the CPU backend")
                    return .cpu
                }
                let c = try VulkanContext.create(deviceIndex: gpu.index, options: options)
                info("backend auto: using \(gpu.name)")
                return .vulkan(c)
            }
        default:
            throw ConfigError("--backend \(requested): use auto, cpu or vulkan")
        }
    }

    /// The process's shader compiler: embedded GLSL (or LYAP_SHADER_DIR), SPIR-V cached on disk.
    static func compiler() throws -> ShaderCompiler {
        ShaderCompiler(sources: try ShaderLibrary.sources(), cacheDirectory: spirvCacheDirectory)
    }

    /// Where compiled SPIR-V is kept between runs: $XDG_CACHE_HOME/lyap/spirv or ~/.cache/lyap/spirv.
    static var spirvCacheDirectory: String? {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (env["HOME"].map { $0 + "/.cache" } ?? "")
        guard !base.isEmpty else { return nil }
        let dir = base + "/lyap/spirv"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Fails the command when validation reported anything.
    static func checkValidation(_ c: BackendChoice) throws {
        guard case .vulkan(let ctx) = c, ctx.validationErrors + ctx.validationWarnings > 0 else { return }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        throw ConfigError("Vulkan validation reported \(count(ctx.validationErrors, "error")) and \(count(ctx.validationWarnings, "warning")); first: \((ctx.validationMessages.first ?? "").replacingOccurrences(of: "\n", with: " "))")
    }
}
