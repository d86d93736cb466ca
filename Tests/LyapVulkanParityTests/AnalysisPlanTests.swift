import LyapCore
import LyapDynamics
import LyapCPUDynamics
@testable import LyapVulkan
@testable import LyapVulkanLSTM
import Testing

/// `VulkanStabilityAnalysis` keeps one plan (pipeline, uploaded review inputs, buffers, command sequence)
/// across calls: every result must equal, bit for bit, that of a fresh instance.
extension StabilityParityTests {
    static func fresh(_ models: [ParameterStore<Float>], _ r: ReviewSet, _ c: AnalysisConfig) throws -> [[VulkanStabilityAnalysis.LaneOutput]] {
        try gpu.run(models, reviews: r, config: c)
    }

    /// New checkpoints each call (their parameters must be uploaded), more checkpoints than the buffers
    /// hold (they grow), then fewer again: one plan, and the results of fresh instances.
    @Test func repeatedCallsReuseOnePlanWithFreshResults() throws {
        let r = Self.reviews(count: 3, drive: 20, seed: 6)
        var c = Self.config(drive: 20, steps: 120, transient: 20, k: 1, reviews: 3)
        c.finiteTimeSeries = true  // k = 1 renormalises every 5 steps: most of the series is never written
        let a = Self.model(hidden: 7, seed: 5, gain: 2).converted(to: Float.self)
        let b = Self.model(hidden: 7, seed: 6, gain: 10).converted(to: Float.self)
        let g = Self.gpu
        for models in [[a], [b], [a, b], [b, a], [a]] {
            #expect(try g.run(models, reviews: r, config: c) == Self.fresh(models, r, c))
        }
        #expect(g.planBuilds == 1)
    }

    /// Every part of the key (review tokens, review indices, each config field the kernel or the lane
    /// vectors read, the model's shape) changes the result: a changed key builds a new plan whose results
    /// are those of a fresh instance; going back to the previous key builds again (one plan is kept).
    @Test func aChangedKeyBuildsAFreshPlan() throws {
        let r = Self.reviews(count: 3, drive: 20, seed: 6)
        let c = Self.config(drive: 20, steps: 120, transient: 20, k: 2, reviews: 3)
        let p7 = Self.model(hidden: 7, seed: 5, gain: 2).converted(to: Float.self)
        let p8 = Self.model(hidden: 8, seed: 5, gain: 2).converted(to: Float.self)
        var otherEpsilon = c, otherK = c, ftle = c, otherSeed = c, otherRenorm = c
        otherEpsilon.epsilon = 1e-2
        otherK.exponents = 3
        ftle.finiteTimeSeries = true
        otherSeed.seed = 1
        otherRenorm.renormEvery = 3
        let otherTokens = Self.reviews(count: 3, drive: 20, seed: 7)
        let otherIndices = ReviewSet(drive: 20, tokens: r.tokens, indices: [4, 5, 6], labels: r.labels)
        let base = (p7, r, c)
        let variants = [(p7, otherTokens, c), (p7, otherIndices, c), (p7, r, otherEpsilon), (p7, r, otherK),
                        (p7, r, ftle), (p7, r, otherSeed), (p7, r, otherRenorm), (p8, r, c)]
        // Each variant differs from the base in one part of the key and comes right after it.
        let calls = variants.flatMap { [base, $0] } + [base]
        let g = Self.gpu
        var previous: [[VulkanStabilityAnalysis.LaneOutput]] = []
        for (i, (p, reviews, config)) in calls.enumerated() {
            let result = try g.run([p], reviews: reviews, config: config)
            #expect(result == (try Self.fresh([p], reviews, config)), "call \(i)")
            #expect(result != previous, "call \(i) does not change the result, so it does not test the key")
            #expect(g.planBuilds == i + 1, "call \(i)")
            previous = result
        }
    }

    /// Each per-checkpoint buffer holds a whole group of checkpoints, so the group is cut to what the device's
    /// largest storage buffer holds (10 000 checkpoints at H=64, 16 exponents, 500 reviews need 49 GB of saved
    /// state, more than any maxStorageBufferRange); reviews too many for even one checkpoint are refused.
    @Test func checkpointGroupsStayWithinTheLargestBuffer() throws {
        let info = GPUTestEnvironment.context!.info, most = info.largestStorageBuffer
        let layout = ParameterLayout(ModelShape(vocab: 97, embed: 8, hidden: 64))
        let c = Self.config(drive: 100, steps: 500, transient: 100, k: 16, reviews: 500)
        let per = 4 * VulkanStabilityAnalysis.CheckpointFloats(layout: layout, reviews: 500, config: c).largest
        #expect(per == 4 * 500 * (19 * 128 + 33))  // the saved state
        let g = try Self.gpu.checkpointsPerDispatch(10_000, layout: layout, reviews: 500, config: c)
        #expect(g < 10_000 && g * per <= most && (g + 1) * per > most, "\(g) checkpoints of \(per) bytes, largest buffer \(most)")
        #expect(try Self.gpu.checkpointsPerDispatch(3, layout: layout, reviews: 500, config: c) == 3)

        let wide = ParameterLayout(ModelShape(vocab: 97, embed: 8, hidden: 512)), reviews = min(info.maxWorkgroupCount.x, 65_535)
        #expect { _ = try Self.gpu.checkpointsPerDispatch(1, layout: wide, reviews: reviews, config: c) } throws: {
            "\($0)".contains("of state per checkpoint in one buffer") && "\($0)".contains("use fewer --reviews")
        }
    }
}
