import LyapCore

/// Progress callback of an analysis: units of work done out of the total (may be called from worker threads).
public typealias AnalysisProgress = @Sendable (_ done: Int, _ total: Int) -> Void

/// What every stability-analysis backend offers the commands: the analysis counterpart of `LSTMBackend`.
/// A backend runs the protocol of methods.md §4-5 for several checkpoints of one shape against one review
/// set (the drive, the two perturbed twins, the k tangent vectors with their renormalisations) and returns
/// one `ReviewDynamics` per (checkpoint, review); the aggregation into `CheckpointAnalysis` (distances,
/// phases, summaries) is backend-neutral and lives here.
public protocol StabilityBackend: AnyObject {
    /// Human-readable, e.g. "float32, 2 threads" or "float32 on vulkan: llvmpipe (llvmpipe)".
    var name: String { get }

    /// Checkpoints a call takes to best effect (a GPU analyses many per dispatch; the CPU holds a V×4H
    /// input table per model, so a few at a time).
    var checkpointsPerCall: Int { get }

    /// Whether the backend works in host memory: its memory need is checked against the host's, and it
    /// computes the reviews' leading pad runs once per model when `AnalysisConfig.sharedPadID` is set.
    var runsOnHost: Bool { get }

    /// Throws one clear error when the shape or the protocol cannot run here (called before any work).
    func check(shape: ModelShape, config: AnalysisConfig) throws

    /// Per-review results of every checkpoint (outer: checkpoints in order; inner: the set's reviews in order).
    func perReview(_ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig,
                   progress: AnalysisProgress?) throws -> [[ReviewDynamics]]
}

extension StabilityBackend {
    /// The analysis of each checkpoint: `perReview` aggregated.
    public func analyze(_ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig,
                        progress: AnalysisProgress? = nil) throws -> [CheckpointAnalysis] {
        guard let first = models.first else { return [] }
        let hidden = first.layout.shape.hidden
        return try perReview(models, reviews: reviews, config: config, progress: progress)
            .map { CheckpointAnalysis(config: config, hidden: hidden, perReview: $0) }
    }
}
