import LyapCore
import LyapDynamics

/// The CPU stability engine (`StabilityAnalysis`, BatchedEngine) as a `StabilityBackend`: float32 or the
/// float64 oracle as the config asks, on `config.threads` threads; it runs every protocol option.
public final class CPUStabilityBackend: StabilityBackend {
    public init() {}

    public var name: String { "cpu" }
    public var checkpointsPerCall: Int { 4 }
    public var runsOnHost: Bool { true }

    public func check(shape: ModelShape, config: AnalysisConfig) throws {
        try config.validate(hidden: shape.hidden)
    }

    public func perReview(_ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig,
                          progress: AnalysisProgress?) throws -> [[ReviewDynamics]] {
        guard let first = models.first else { return [] }
        let shape = first.layout.shape
        for m in models where m.layout.shape != shape {
            throw ConfigError("models of different shapes in one analysis: \(shape) and \(m.layout.shape)")
        }
        try StabilityAnalysis.validate(config, reviews: reviews, shape: shape)
        return StabilityAnalysis.perReview(models, reviews: reviews, config: config, progress: progress)
    }
}
