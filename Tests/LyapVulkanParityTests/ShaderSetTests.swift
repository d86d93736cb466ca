import Foundation
import Testing
import CLyapShared
@testable import LyapVulkan
@testable import LyapVulkanLSTM

@Suite(.noValidationMessages)
struct ShaderSetTests {
    static let shadersDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shaders").path

    /// The GLSL embedded in the binary is exactly Shaders/ (run tools/embed-shaders.sh after an edit).
    @Test func embeddedSourcesMatchTheShadersFolder() throws {
        let onDisk = try ShaderLibrary.sources(environment: [ShaderLibrary.directoryVariable: Self.shadersDir])
        #expect(onDisk.keys.sorted() == ShaderSources.files.keys.sorted())
        for (name, text) in onDisk {
            #expect(text == ShaderSources.files[name], "\(name) differs from the embedded copy: run tools/embed-shaders.sh")
        }
        let kernels = try FileManager.default.contentsOfDirectory(atPath: Self.shadersDir).filter { $0.hasSuffix(".comp") }
        #expect(Set(kernels) == Set(ShaderSources.files.keys.filter { $0.hasSuffix(".comp") }))
        #expect(kernels.count == 13)
        #expect(Set(kernels) == Set(LSTMKernel.allCases.map(\.file)), "LSTMKernel (the kernel table) and Shaders/ disagree")
    }

    @Test func missingShaderDirectoryIsAClearError() {
        #expect { try ShaderLibrary.sources(environment: [ShaderLibrary.directoryVariable: "/nonexistent"]) } throws: { e in
            "\(e)".contains("LYAP_SHADER_DIR") && "\(e)".contains("/nonexistent")
        }
    }

    /// Swift's view of the push constants: 32 four-byte fields in declaration order, 128 bytes.
    @Test func pushConstantLayoutInSwift() {
        #expect(MemoryLayout<LyapPush>.size == 128)
        #expect(MemoryLayout<LyapPush>.offset(of: \LyapPush.M) == 0)
        #expect(MemoryLayout<LyapPush>.offset(of: \LyapPush.P) == 24)
        #expect(MemoryLayout<LyapPush>.offset(of: \LyapPush.offBd) == 48)
        #expect(MemoryLayout<LyapPush>.offset(of: \LyapPush.invB) == 64)
        #expect(MemoryLayout<LyapPush>.offset(of: \LyapPush.eps) == 76)
    }

    /// Every kernel compiles with no size defined (sizes are specialization constants), and the SPIR-V's
    /// push-constant block has the offsets Swift uses (read from the OpMemberDecorate Offset decorations of
    /// the 32-member block).
    @Test(arguments: ShaderSources.files.keys.filter { $0.hasSuffix(".comp") }.sorted())
    func kernelCompilesWithTheSharedPushLayout(_ kernel: String) throws {
        let spirv = try GPUTestEnvironment.compiler.compile(kernel)
        #expect(spirv.first == 0x0723_0203)
        var offsets: [UInt32: [UInt32: UInt32]] = [:]  // struct id -> member -> offset
        var i = 5
        while i < spirv.count {
            let count = Int(spirv[i] >> 16), op = spirv[i] & 0xFFFF
            if op == 72, count >= 5, spirv[i + 3] == 35 { offsets[spirv[i + 1], default: [:]][spirv[i + 2]] = spirv[i + 4] }
            i += max(count, 1)
        }
        let block = offsets.values.first { $0.count == 32 }
        #expect(block != nil, "\(kernel): no 32-member push-constant block")
        if let block {
            for m in 0..<32 { #expect(block[UInt32(m)] == UInt32(4 * m), "\(kernel): member \(m) at \(block[UInt32(m)] ?? 0)") }
        }
    }
}
