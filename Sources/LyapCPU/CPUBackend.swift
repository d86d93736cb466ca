import LyapCore

/// The CPU backend: `CPUBackend<Double>` is the oracle, `CPUBackend<Float>` the multithreaded fallback.
public final class CPUBackend<T: CPUScalar>: LSTMBackend, @unchecked Sendable {
    public typealias Scalar = T
    public let shape: ModelShape
    public let model: CPUModel<T>
    // Kept as separate arrays (not one TrainingState) so the Adam update can hold all four at once.
    private var params: ParameterStore<T>
    private var m: [T], v: [T], gradient: [T]
    /// The keras form's per-element sums of squared embedding slices (allocated on its first step).
    private var sliceSquares: [T] = []
    private var step = 0
    /// Keep the embedding table fixed: its gradient stays zero, so with m = v = 0 Adam's update for it is
    /// (lr/bc1) * 0 / (0 + eps) = 0 exactly and the table is bitwise unchanged (methods.md §6.2 variant b).
    public var frozenEmbedding = false
    /// Applied to the mean-loss gradient of each `trainStep` between backward and the Adam update
    /// (`lyap audit`'s learning-signal perturbations); nil leaves the gradient alone.
    public var gradientTransform: ((inout [T]) -> Void)?
    /// `.zero`: embedding row 0 gets a zero gradient every step (nn.Embedding's padding_idx=0), so a row
    /// that starts at zero stays exactly zero under Adam.
    public var padRow: PadRow = .trained
    /// `CPUModel.sharedPadID`: the id whose leading runs are computed once (nil: not shared).
    public var sharedPadID: Int32? {
        get { model.sharedPadID }
        set { model.sharedPadID = newValue }
    }
    /// `CPUModel.balancesSharedSlices`.
    public var balancesSharedSlices: Bool {
        get { model.balancesSharedSlices }
        set { model.balancesSharedSlices = newValue }
    }
    /// The loss trained and evaluated (`LossForm`); a property of the model so eval and train agree.
    public var loss: LossForm {
        get { model.loss }
        set { model.loss = newValue }
    }

    public init(shape: ModelShape, threads: Int, wideFrom: Int = CPUModel<T>.defaultWideFrom, biases: BiasLayout = .one) {
        self.shape = shape
        model = CPUModel<T>(shape: shape, threads: threads, wideFrom: wideFrom, biases: biases)
        params = .zeros(model.layout)
        m = params.values
        v = m
        gradient = m
    }

    /// Scalars held by the parameters, Adam's m and v together, and the gradient (for `allocatedBytes`).
    var counts: (Int, Int, Int) { (params.values.count, m.count + v.count, gradient.count) }

    public var name: String { "cpu \(T.precisionName), \(model.threads) thread\(model.threads == 1 ? "" : "s")" }

    public func load(_ state: TrainingState<T>) throws {
        guard state.params.layout == model.layout else {
            throw ConfigError("parameters have shape \(state.params.layout.shape), the backend was built for \(shape)")
        }
        params = state.params
        m = state.m
        v = state.v
        step = state.step
    }

    public func state() throws -> TrainingState<T> { TrainingState(params: params, m: m, v: v, step: step) }

    public func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals {
        try model.validate(batch)
        if adam.form.needsSliceSquares && gradientTransform != nil {
            throw ConfigError("--adam-form keras cannot be combined with gradient perturbations (lyap audit); use torch or keras2")
        }
        let squares = adam.form.needsSliceSquares
        if squares && sliceSquares.count != model.layout.embedding.count {
            sliceSquares = [T](repeating: 0, count: model.layout.embedding.count)
        }
        let totals = sliceSquares.withUnsafeMutableBufferPointer { sq in
            model.lossAndGradient(params, batch, into: &gradient, frozenEmbedding: frozenEmbedding,
                                  sliceSquares: squares ? sq.baseAddress : nil)
        }
        gradientTransform?(&gradient)
        if padRow == .zero { for i in model.layout.embeddingRow(0) { gradient[i] = 0 } }
        step += 1
        let step = self.step, n = gradient.count, parts = model.threads, emb = model.layout.embedding.range
        params.values.withUnsafeMutableBufferPointer { p in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        sliceSquares.withUnsafeBufferPointer { sq in
                            let ptrs = UnsafeSendable((p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!,
                                                       squares ? sq.baseAddress : nil))
                            parallelFor(parts) { k in
                                let (p, m, v, g, sq) = ptrs.value
                                Adam.apply(p, m, v, g, (k * n / parts)..<((k + 1) * n / parts), step: step, config: adam,
                                           embedding: emb, sliceSquares: sq)
                            }
                        }
                    }
                }
            }
        }
        return totals
    }

    public func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float]) {
        try model.validate(batch)
        return model.evaluate(params, batch)
    }
}
