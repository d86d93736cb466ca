import LyapCore
import LyapCPU
import LyapDynamics
import LyapCPUDynamics
import LyapTraining

/// A third compute kind, for tests only: the float64 CPU oracle (training, evaluation, stability analysis)
/// under its own `--backend` name. It shows the seam: a backend is a module with a `TrainingBackend`, a
/// `StabilityBackend` and a `ComputeKind`, plus one line in lyap's factory (`ComputeBackend.kinds`; a test
/// appends it there). Results must equal `--backend cpu --precision float64` bit for bit.
public final class OracleKind: ComputeKind {
    public init() {}

    public var name: String { "oracle64" }
    public var recordName: String { "oracle64" }

    public func check(precision: RunConfig.Precision) throws {
        guard precision == .float64 else { throw ConfigError("--backend oracle64 computes in float64 only (--precision float64)") }
    }

    public func training(_ c: RunConfig) throws -> any TrainingBackend {
        try check(precision: c.precision)
        return CPUBackends.forRun(c, Double.self)
    }

    public func evaluation(shape: ModelShape, biases: BiasLayout, precision: RunConfig.Precision, loss: LossForm,
                           threads: Int, sharedPadID: Int32?) throws -> any LSTMBackend {
        try check(precision: precision)
        let b = CPUBackends.make(Double.self, shape: shape, threads: threads, biases: biases, sharedPadID: sharedPadID)
        b.loss = loss
        return b
    }

    public func analysis() -> any StabilityBackend { OracleAnalysis() }
}

/// The CPU engine in float64 only, counting its calls (so a test sees that the command went through it).
public final class OracleAnalysis: StabilityBackend, @unchecked Sendable {
    private let engine = CPUStabilityBackend()
    nonisolated(unsafe) public static var calls = 0

    public var name: String { "oracle64" }
    public var checkpointsPerCall: Int { 4 }
    public var runsOnHost: Bool { true }

    public func check(shape: ModelShape, config: AnalysisConfig) throws {
        guard config.precision == .float64 else {
            throw ConfigError("--backend oracle64 analyses in float64 only (--precision float64)")
        }
        try engine.check(shape: shape, config: config)
    }

    public func perReview(_ models: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig,
                          progress: AnalysisProgress?) throws -> [[ReviewDynamics]] {
        guard let first = models.first else { return [] }
        try check(shape: first.layout.shape, config: config)
        Self.calls += 1
        return try engine.perReview(models, reviews: reviews, config: config, progress: progress)
    }
}
