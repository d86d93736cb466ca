import Foundation
import Testing

/// The offline path CMakeLists.txt uses (glslc, then spirv-val) accepts every kernel, with and
/// without debug info. Skipped with a message where glslc or spirv-val is not installed.
@Suite(.noValidationMessages)
struct OfflineShaderTests {
    static func which(_ tool: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + tool) {
            return dir + "/" + tool
        }
        return nil
    }

    static let tools: (glslc: String, spirvVal: String)? = {
        guard let g = which("glslc"), let v = which("spirv-val") else { return nil }
        return (g, v)
    }()

    static func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    /// Both ways of reading Wh in the persistent kernels (`ROWREG`: rows in registers, as at H=60). No size is
    /// defined: sizes are specialization constants, so one SPIR-V file serves every width.
    @Test(.enabled(if: tools != nil, "glslc and spirv-val are not installed"), arguments: ["-O", "-g"], [[], ["-DROWREG=1"]])
    func everyKernelCompilesOfflineAndValidates(_ flag: String, _ defines: [String]) throws {
        let dir = ShaderSetTests.shadersDir
        let kernels = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".comp") }.sorted()
        #expect(!kernels.isEmpty)
        let out = NSTemporaryDirectory() + "lyap-spv-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        for k in kernels {
            let spv = out + "/" + k + ".spv"
            let (c, log) = try Self.run(Self.tools!.glslc, ["--target-env=vulkan1.2", flag] + defines + ["-I", dir + "/include", dir + "/" + k, "-o", spv])
            #expect(c == 0, "glslc \(k): \(log)")
            let (v, vlog) = try Self.run(Self.tools!.spirvVal, ["--target-env", "vulkan1.2", spv])
            #expect(v == 0, "spirv-val \(k): \(vlog)")
        }
    }
}
