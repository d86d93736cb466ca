import LyapCore
import LyapDynamics
import LyapVulkan

/// The Vulkan analysis as a `StabilityBackend`: float32 only, no `--jacobian-norm` (`check` says so).
extension VulkanStabilityAnalysis: StabilityBackend {
    public var name: String { "float32 on vulkan: \(context.info.name) (\(context.info.driverName))" }
    /// The GPU takes many checkpoints per dispatch (a whole run at once, up to 64 per group).
    public var checkpointsPerCall: Int { 64 }
    public var runsOnHost: Bool { false }

    public func check(shape: ModelShape, config: AnalysisConfig) throws {
        try config.validate(hidden: shape.hidden)
        try check(hidden: shape.hidden, embed: shape.embed, config: config)
    }

    public func perReview(_ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig,
                          progress: AnalysisProgress?) throws -> [[ReviewDynamics]] {
        let checkpoints = models.map { $0.withSummedBias().converted(to: Float.self) }
        let raw = try run(checkpoints, reviews: reviews, config: config)
        return zip(checkpoints, raw).map { params, lanes in Self.reduce(lanes, params: params, reviews: reviews, config: config) }
    }
}
