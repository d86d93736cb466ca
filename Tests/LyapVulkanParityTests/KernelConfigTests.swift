import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// Non-default launch configurations (the kernel lab's) train like the CPU Double reference, within the
/// parity tolerances of ParityTests, and are really applied: the pipelines carry the configured sizes.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct KernelConfigTests {
    struct Setting: Sendable, CustomTestStringConvertible {
        let c: ParityTests.Case
        let config: KernelConfig
        let expected: KernelConfig.Resolved
        var testDescription: String { "\(c.testDescription) \(config)" }
    }

    static func resolved(_ flat: Int, _ persistent: Int, _ rowreg: Bool) -> KernelConfig.Resolved {
        KernelConfig.Resolved(flatWorkgroup: flat, persistentWorkgroup: persistent, rowsInRegisters: rowreg)
    }

    static let h7 = ParityTests.Case(hidden: 7, batch: 3, seqLen: 17, embed: 32, models: 1)
    static let h60 = ParityTests.Case(hidden: 60, batch: 3, seqLen: 17, embed: 32, models: 1)

    static let settings: [Setting] = [
        Setting(c: h7, config: KernelConfig(flatWorkgroup: 32), expected: resolved(32, 32, true)),
        Setting(c: h60, config: KernelConfig(flatWorkgroup: 256), expected: resolved(256, 256, true)),
        // 4H = 240 rows over 32 invocations: every invocation loops over several gate rows and units.
        Setting(c: h60, config: KernelConfig(persistentWorkgroup: 32), expected: resolved(64, 32, false)),
        Setting(c: ParityTests.Case(hidden: 7, batch: 3, seqLen: 17, embed: 1, models: 3),
                config: KernelConfig(rowsInRegisters: .off), expected: resolved(64, 32, false)),
        // Fewer invocations than units (64 < H = 129), not a power of two for the flat kernels.
        Setting(c: ParityTests.Case(hidden: 129, batch: 3, seqLen: 17, embed: 32, models: 3),
                config: KernelConfig(flatWorkgroup: 96, persistentWorkgroup: 64), expected: resolved(96, 64, false)),
    ]

    /// The pipeline names an ensemble built with `r` at width H has.
    static func expectApplied(_ e: VulkanLSTMEnsemble, _ r: KernelConfig.Resolved, sourceLocation: SourceLocation = #_sourceLocation) {
        let H = e.shape.hidden, persistent = "wg\(r.persistentWorkgroup)" + (r.rowsInRegisters ? ".rowreg" : "")
        #expect(e.resolvedKernelConfig == r, sourceLocation: sourceLocation)
        for name in e.pipelineNames {
            let isPersistent = name.hasPrefix("lstm_forward.") || name.hasPrefix("lstm_backward.")
            #expect(name.hasSuffix(".H\(H).\(isPersistent ? persistent : "wg\(r.flatWorkgroup)")"), "\(name)", sourceLocation: sourceLocation)
        }
        #expect(e.pipelineNames.filter { $0.hasPrefix("lstm_") }.count == 2, sourceLocation: sourceLocation)
    }

    @Test(arguments: settings)
    func nonDefaultConfigurationsTrainLikeTheReference(_ s: Setting) throws {
        let p = ParityTests.problem(s.c, seed: 7)
        let e = try ParityTests.ensemble(s.c, p, kernels: s.config)
        Self.expectApplied(e, s.expected)
        try ParityTests.checkGradients(s.c, p, e)
        let q = ParityTests.problem(s.c, seed: 11)
        try ParityTests.checkFiveAdamSteps(s.c, q, ParityTests.ensemble(s.c, q, kernels: s.config))
    }

    /// The two ways of forming Wh h and Wh^T dA sum the same products; only the backward pass's order
    /// differs (four gate blocks, then their sum), so the results agree to float rounding.
    @Test(arguments: [h7, h60])
    func rowsInRegistersOnAndOffDifferOnlyByRounding(_ c: ParityTests.Case) throws {
        let p = ParityTests.problem(c, seed: 5)
        func run(_ rowreg: KernelConfig.RowsInRegisters) throws -> (logits: [Float], gradient: [Float]) {
            let e = try ParityTests.ensemble(c, p, kernels: KernelConfig(rowsInRegisters: rowreg))
            Self.expectApplied(e, Self.resolved(64, c.hidden == 7 ? 32 : 256, rowreg == .on))
            _ = try e.gradients(p.batches)
            return (try e.evaluate(p.batches)[0].logits, try e.gradientValues()[0])
        }
        let on = try run(.on), off = try run(.off)
        let report = Compare(layout: ParameterLayout(p.shape), model: 0)
        report.checkPerSequence("logits", on.logits.map(Double.init), off.logits.map(Double.init), atol: 1e-6, rtol: 1e-6)
        let scale = Double(off.gradient.map { abs($0) }.max()!)
        report.checkParameters("gradient", on.gradient.map(Double.init), off.gradient.map(Double.init), atol: 1e-6 * scale, rtol: 1e-5)
    }

    @Test func theDefaultIsTheAutomaticChoice() throws {
        let info = GPUTestEnvironment.context!.info
        for H in [1, 7, 8, 9, 60, 64, 65, 129, 256, 512] {
            let size = min(256, max(32, (4 * H + 31) / 32 * 32), info.maxWorkgroupInvocations)
            #expect(try KernelConfig().resolved(hidden: H, device: info) == Self.resolved(64, size, H <= 64 && 4 * H <= size))
        }
        let c = Self.h60, p = ParityTests.problem(c, seed: 1)
        let names = try ParityTests.ensemble(c, p).pipelineNames
        #expect(names.contains("lstm_forward.H60.wg256.rowreg") && names.contains("lstm_backward.H60.wg256.rowreg"))
        #expect(names.contains("adam.H60.wg64"))
    }

    @Test func impossibleConfigurationsAreRefusedWithTheirReason() throws {
        let info = GPUTestEnvironment.context!.info
        let largest = min(info.maxWorkgroupInvocations, info.maxWorkgroupSize.x)
        func reason(_ k: KernelConfig, hidden H: Int) -> String {
            do {
                _ = try k.resolved(hidden: H, device: info)
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(reason(KernelConfig(flatWorkgroup: 0), hidden: 7).contains("flat workgroup 0 is outside 1...\(largest)"))
        #expect(reason(KernelConfig(flatWorkgroup: largest + 1), hidden: 7).contains("flat workgroup \(largest + 1)"))
        #expect(reason(KernelConfig(persistentWorkgroup: 16), hidden: 7).contains("persistent workgroup 16 is outside 32...\(largest)"))
        #expect(reason(KernelConfig(persistentWorkgroup: largest + 1), hidden: 7).contains("persistent workgroup \(largest + 1)"))
        #expect(reason(KernelConfig(rowsInRegisters: .on), hidden: 65).contains("rowreg=on) needs H <= 64"))
        #expect(reason(KernelConfig(persistentWorkgroup: 128, rowsInRegisters: .on), hidden: 60).contains("4H=240, workgroup 128"))
        #expect(reason(KernelConfig(persistentWorkgroup: 64, rowsInRegisters: .on), hidden: 16) == "accepted")
        // The persistent kernels keep 6H floats in shared memory: the widest H the device holds, and one more
        // (lavapipe has 32 KiB, NVIDIA GPUs 48 KiB).
        let widest = info.maxComputeSharedMemorySize / 24
        #expect(reason(KernelConfig(), hidden: widest) == "accepted")
        #expect(reason(KernelConfig(), hidden: widest + 1)
            .contains("H=\(widest + 1) needs \(24 * (widest + 1)) bytes of shared memory per workgroup in lstm_forward/lstm_backward; \(info.name) has \(info.maxComputeSharedMemorySize)"))
        // The ensemble refuses them the same way (no crash).
        let p = ParityTests.problem(Self.h7, seed: 1)
        #expect { _ = try ParityTests.ensemble(Self.h7, p, kernels: KernelConfig(persistentWorkgroup: 8)) } throws: {
            "\($0)".contains("persistent workgroup 8")
        }
    }
}
