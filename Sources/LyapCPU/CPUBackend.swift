import LyapCore

/// The CPU backend: `CPUBackend<Double>` is the oracle, `CPUBackend<Float>` the multithreaded fallback.
public final class CPUBackend<T: CPUScalar>: LSTMBackend, @unchecked Sendable {
    public typealias Scalar = T
    public let shape: ModelShape
    public let model: CPUModel<T>
    private var training: TrainingState<T>
    private var gradient: [T]

    public init(shape: ModelShape, threads: Int) {
        self.shape = shape
        model = CPUModel<T>(shape: shape, threads: threads)
        training = TrainingState(params: .zeros(model.layout))
        gradient = [T](repeating: 0, count: model.layout.count)
    }

    public var name: String { "cpu \(T.precisionName), \(model.threads) thread\(model.threads == 1 ? "" : "s")" }

    public func load(_ state: TrainingState<T>) throws {
        guard state.params.layout == model.layout else {
            throw ConfigError("parameters have shape \(state.params.layout.shape), the backend was built for \(shape)")
        }
        training = state
    }

    public func state() throws -> TrainingState<T> { training }

    public func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals {
        try model.validate(batch)
        let totals = model.lossAndGradient(training.params, batch, into: &gradient)
        Adam.update(&training, gradient: gradient, config: adam)
        return totals
    }

    public func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float]) {
        try model.validate(batch)
        return model.evaluate(training.params, batch)
    }
}
