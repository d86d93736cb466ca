import LyapCore
import LyapCPU
import LyapDynamics

/// The stability analysis of trained LSTMs (methods.md §4-5) on the CPU: Lyapunov exponents by tangent
/// propagation with re-orthonormalisation, the asymptotic distance of twin trajectories for both
/// perturbation placements, reduced sums and phase labels, for one or several checkpoints against one
/// fixed review set.
public enum StabilityAnalysis {
    /// Progress callback: review blocks done out of the total (called from worker threads).
    public typealias Progress = AnalysisProgress

    /// Analyses one model. `reviews` is the fixed set (see `ReviewSet.select`); its drive length must equal
    /// `config.drive` (0 with `ReviewSet.autonomous`).
    public static func analyze(
        _ params: ParameterStore<Double>, reviews: ReviewSet, config: AnalysisConfig, progress: Progress? = nil
    ) throws(ConfigError) -> CheckpointAnalysis {
        try analyze([params], reviews: reviews, config: config, progress: progress)[0]
    }

    public static func analyze(
        _ params: ParameterStore<Float>, reviews: ReviewSet, config: AnalysisConfig, progress: Progress? = nil
    ) throws(ConfigError) -> CheckpointAnalysis {
        try analyze([params.converted(to: Double.self)], reviews: reviews, config: config, progress: progress)[0]
    }

    /// Analyses several models (checkpoints) of one shape in one batch: every (model, block of reviews)
    /// is an independent unit of the same thread pool. Memory grows with the number of models (each holds a
    /// V×4H input table), so pass a few at a time for large vocabularies.
    public static func analyze(
        _ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig, progress: Progress? = nil
    ) throws(ConfigError) -> [CheckpointAnalysis] {
        guard let first = models.first else { return [] }
        let shape = first.layout.shape
        for m in models where m.layout.shape != shape {
            throw ConfigError("models of different shapes in one analysis: \(shape) and \(m.layout.shape)")
        }
        try validate(config, reviews: reviews, shape: shape)
        return perReview(models, reviews: reviews, config: config, progress: progress)
            .map { CheckpointAnalysis(config: config, hidden: shape.hidden, perReview: $0) }
    }

    /// The per-review results of `analyze` (models validated by the caller).
    static func perReview(
        _ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig, progress: Progress?
    ) -> [[ReviewDynamics]] {
        guard let shape = models.first?.layout.shape else { return [] }
        let vectors = LaneVectors(reviews: reviews, hidden: shape.hidden, config: config)
        let table = reviews.drive > 0
        switch config.precision {
        case .float32:
            return BatchedEngine<Float>.run(models: models.map { CellWeights<Float>($0, withInputTable: table, padTo: BatchedEngine<Float>.padding) },
                                            reviews: reviews, config: config, vectors: vectors, progress: progress)
        case .float64:
            return BatchedEngine<Double>.run(models: models.map { CellWeights<Double>($0, withInputTable: table, padTo: BatchedEngine<Double>.padding) },
                                             reviews: reviews, config: config, vectors: vectors, progress: progress)
        }
    }

    /// The checks `analyze` makes before any work: protocol numbers, drive length, vocabulary.
    public static func validate(_ config: AnalysisConfig, reviews: ReviewSet, shape: ModelShape) throws(ConfigError) {
        try config.validate(hidden: shape.hidden)
        if reviews.drive != config.drive {
            throw ConfigError("--drive \(config.drive): the review set was prepared for a drive of \(reviews.drive) steps")
        }
        try reviews.validate(vocab: shape.vocab)
    }
}
