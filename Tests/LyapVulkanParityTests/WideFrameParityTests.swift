import Foundation
import LyapCore
import LyapDynamics
import LyapCPUDynamics
import LyapVulkan
import LyapVulkanLSTM
import Testing
import LyapTestSupport

/// k = 16 tangent vectors on the device (issue 4: the Vulkan kernel supports k up to at least 16) against the
/// CPU Double engine, on the ordered models of StabilityParityTests: H = 8 (k = 2H, the whole spectrum) and
/// H = 12 (a partial one), with Gram–Schmidt every step.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct WideFrameParityTests {
    /// Per review and exponent against the Double engine, 10x lavapipe's worst (docs/parity-bounds.md).
    static let ordered = 6e-5

    /// Every one of the 16 exponents of every review within `ordered` of Double (looser than the k = 8 test,
    /// LoopBudgetTests.paperWidthSpectrumMatchesTheDoubleEngine, for the bottom of the spectrum); the spectrum spans several nats per step
    /// here, so rows 9..16 are orthogonalised against rows that contract much more slowly. The leading 8 are
    /// also those of a k = 8 run on the device (row j of Gram–Schmidt never sees later rows).
    @Test(arguments: [8, 12])
    func sixteenExponentsMatchTheDoubleEngine(hidden: Int) throws {
        let r = StabilityParityTests.reviews(count: 3, drive: 30, seed: 2)
        let p = StabilityParityTests.model(hidden: hidden, seed: 5, gain: 2)
        let c = StabilityParityTests.config(drive: 30, steps: 330, transient: 100, k: 16, reviews: 3)
        let gpu = try StabilityParityTests.gpu.analyze([p], reviews: r, config: c)[0]
        let cpu = try StabilityParityTests.cpu(p, r, c)
        #expect(cpu.maxExponent! < -0.05)
        #expect(cpu.perReview.allSatisfy { $0.exponents[0] - $0.exponents[15] > 1 }, "spread λ1 - λ16 below 1 nat")
        var worst = 0.0
        for (x, y) in zip(gpu.perReview, cpu.perReview) {
            #expect(x.exponents.count == 16 && x.collapsedRows == 0)
            worst = max(worst, zip(x.exponents, y.exponents).map { abs($0 - $1) }.max() ?? .nan)
            for j in 0..<16 { #expect(abs(x.exponents[j] - y.exponents[j]) < Self.ordered, "λ\(j + 1): gpu \(x.exponents[j]) cpu \(y.exponents[j])") }
        }
        print("parity WideFrameParityTests ordered H=\(hidden) k=16: worst |Δλ| \(worst)")
        var c8 = c
        c8.exponents = 8
        let eight = try StabilityParityTests.gpu.analyze([p], reviews: r, config: c8)[0]
        for (x, y) in zip(gpu.perReview, eight.perReview) {
            for j in 0..<8 { #expect(abs(x.exponents[j] - y.exponents[j]) < 1e-5, "λ\(j + 1): k=16 \(x.exponents[j]) k=8 \(y.exponents[j])") }
        }
        let ctx = GPUTestEnvironment.context!
        #expect(ctx.validationErrors == 0 && ctx.validationWarnings == 0, "\(ctx.validationMessages)")
    }
}
