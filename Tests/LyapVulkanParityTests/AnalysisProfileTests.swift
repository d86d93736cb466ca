import LyapCore
import LyapDynamics
import LyapVulkan
import Testing

/// A profiled analysis times every `lstm_tangent` dispatch with its work. Splitting the loop into more
/// dispatches must not change the arithmetic counted (only the state carried between them), so the work
/// model's chunk boundaries (drive/zero-input split, renormalisations per chunk) are checked against
/// one dispatch.
extension StabilityParityTests {
    @Test func profiledAnalysisCountsTheSameArithmeticHoweverTheLoopIsSplit() throws {
        let r = Self.reviews(count: 3, drive: 20, seed: 6)
        let c = Self.config(drive: 20, steps: 120, transient: 20, k: 2, reviews: 3)
        let models = [Self.model(hidden: 7, seed: 5, gain: 2).converted(to: Float.self),
                      Self.model(hidden: 7, seed: 6, gain: 3).converted(to: Float.self)]
        var rows: [KernelProfile.Row] = []
        for perDispatch in [120, 23] {
            let g = VulkanStabilityAnalysis(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler,
                                            stepsPerDispatch: perDispatch, profile: true)
            _ = try g.run(models, reviews: r, config: c)
            let row = try #require(g.kernelProfile.rows.first)
            #expect(g.kernelProfile.rows.count == 1 && row.pipeline.hasPrefix("lstm_tangent.H7.k2"))
            #expect(row.calls == (120 + perDispatch - 1) / perDispatch)
            rows.append(row)
        }
        #expect(rows[0].work.flops == rows[1].work.flops)
        // What `lyap-bench floors` predicts without a device is what one dispatch recorded.
        #expect(rows[0].work == VulkanStabilityAnalysis.work(shape: models[0].layout.shape, checkpoints: 2, config: c))
        #expect(rows[1].work.bytes > rows[0].work.bytes)  // the state carried between dispatches
        // At least the zero-input phase's recurrent products: 2 models x 3 reviews x 100 steps x (3 + k) rows.
        let G = 28, H = 7
        #expect(rows[0].work.flops > Double(2 * 3 * 100 * 5 * 2 * G * H))
    }
}
