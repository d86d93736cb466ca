import Foundation
import LyapCore
import LyapData
import LyapDynamics
import LyapTraining

/// `lyap train --analyze-every K`: the asymptotic-distance protocol (and lambda_1) on the current
/// parameters, with the run's test reviews as drives (drive = L), then the run's zero-input steps. The
/// same reviews and perturbations every time (seeded by the run seed), so the columns over epochs carry
/// no sampling noise. Runs on the training backend: the Vulkan analysis when training on Vulkan, unless the
/// width does not fit the tangent kernel's shared memory there (then the CPU engine, with a note).
enum TrainingAnalysis {
    static func config(_ a: RunConfig.AnalysisSchedule, run c: RunConfig) -> AnalysisConfig {
        var x = AnalysisConfig()
        x.drive = c.seqLen
        x.steps = c.seqLen + a.autonomousSteps
        x.transient = min(500, a.autonomousSteps / 2)
        x.reviews = a.reviews
        x.exponents = a.exponents
        x.epsilon = a.epsilon
        x.seed = c.seed
        x.threads = c.threads
        x.precision = .float32
        x.sharedPadID = c.sharedPadID
        return x
    }

    /// Returns the closure the trainer calls, after checking the settings (before anything is written).
    static func make(_ c: RunConfig, data: Dataset, backend: ComputeBackend) throws -> ((ParameterStore<Double>) throws -> [String])? {
        guard let a = c.analysis else { return nil }
        let analyze = try analyzer(a, run: c, data: data, backend: backend)
        return { params in
            let r = try analyze(params)
            func g(_ x: Double) -> String { String(format: "%.6g", x) }
            return [r.maxExponent.map(g) ?? "", g(r.distance(.initial).logMean), g(r.distance(.endOfDrive).logMean),
                    g(r.distance(.endOfDrive).floorFraction), r.phase.lab.rawValue]
        }
    }

    /// The analysis of one parameter set under schedule `a` (also `lyap audit --analyze-every`), after
    /// checking the settings.
    static func analyzer(_ a: RunConfig.AnalysisSchedule, run c: RunConfig, data: Dataset,
                         backend: ComputeBackend) throws -> (ParameterStore<Double>) throws -> CheckpointAnalysis {
        let config = config(a, run: c)
        try config.validate(hidden: c.model.hidden)
        let reviews = try ReviewSet.select(from: data.test.tokens, labels: data.test.labels, seqLen: data.test.seqLen,
                                           count: min(a.reviews, data.test.count), drive: c.seqLen, seed: c.seed,
                                           padding: data.test.padding)
        let engine = try backend.analysis(shape: c.model, config: config)
        return { params in try engine.analyze([params], reviews: reviews, config: config)[0] }
    }
}
