import LyapCore
import LyapDynamics
import LyapCPUDynamics
import LyapVulkan
import LyapVulkanLSTM
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
        // The arithmetic counted by hand for this shape (E = 3, H = 7, k = 2; 2 models x 3 reviews = 6 lanes), not
        // from TangentWork: per lane, 20 drive steps of the input product (G x E) and two recurrent products
        // (base and twin A; G x H), 2 cells x H values of activations at 12 operations each; 100 zero-input
        // steps of 3 + k recurrent products, 3 cells x H activation values, k tangents of 2H values at 8
        // operations; at each renormalisation, two Gram-Schmidt passes (a dot and an axpy of 2H per pair) and
        // the k norms (multiply-adds) and scalings (operations). 2 flops per multiply-add.
        let G = 28, H = 7, E = 3, k = 2, n = 2 * H, lanes = 6
        let renorms = c.renormSchedule.renormalizationSteps.count
        let perLane = 2 * 20 * (G * E + 2 * G * H) + 20 * 2 * H * 12 + 2 * 100 * (3 + k) * G * H + 100 * (3 * H * 12 + k * n * 8)
            + renorms * (2 * (2 * k * (k - 1) / 2 * 2 * n + k * n) + k * n)
        #expect(rows[0].work.flops == Double(lanes * perLane), "recorded \(rows[0].work.flops), by hand \(lanes * perLane) (\(renorms) renormalisations)")
        // Splitting into 6 dispatches adds, at each of the 5 boundaries, the lane state written and read back:
        // per lane 3 + k rows of 2H (base, twins, tangents) and 2k + 1 accumulators; and per extra dispatch the
        // parameters of both models read again and each lane's outputs (3H + 2k + 1 + k·2H) written again.
        let P = 13 * E + G * (E + H + 1) + H + 1, saved = (3 + k) * n + 2 * k + 1
        let extra = 5 * (2 * lanes * saved + 2 * P + lanes * (3 * H + 2 * k + 1 + k * n))
        #expect(rows[1].work.bytes - rows[0].work.bytes == Double(4 * extra), "\(rows[1].work.bytes) - \(rows[0].work.bytes) bytes")
    }
}
