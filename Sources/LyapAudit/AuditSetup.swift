import LyapCore
import LyapData
import LyapDynamics
import LyapTraining

/// Everything one audit needs, independent of the backend: trains the baseline twin and one twin per
/// perturbation from the saved state, recording what each looks like after every epoch.
public struct AuditSetup {
    public let config: RunConfig
    public let data: Dataset
    public let params: ParameterStore<Double>
    public let statePath: String
    public let at: Int
    public let epochs: Int
    public let perturbations: [Perturbation]
    public let seed: UInt64
    /// `--analyze-every K`: the stability analysis and the epochs (after branching) it runs at.
    public var analysis: (every: Int, run: (ParameterStore<Double>) throws -> CheckpointAnalysis)? = nil

    /// `statePath`: the training state saved at epoch `at`, where every twin branches; `seed` seeds the
    /// random parts of the perturbations.
    public init(config: RunConfig, data: Dataset, params: ParameterStore<Double>, statePath: String, at: Int, epochs: Int,
                perturbations: [Perturbation], seed: UInt64) {
        self.config = config
        self.data = data
        self.params = params
        self.statePath = statePath
        self.at = at
        self.epochs = epochs
        self.perturbations = perturbations
        self.seed = seed
    }

    /// What one twin looks like after each epoch (index 0: right after branching).
    public struct Trace {
        public var params: [[Double]] = []
        public var logits: [[Float]] = []
        public var testLoss: [Double] = []
        /// The stability analysis per epoch; nil at epochs not analysed.
        public var dynamics: [CheckpointAnalysis?] = []

        public init() {}
    }

    /// Analysed epochs after branching: every K-th, and the last one.
    func analysed(_ k: Int) -> Bool {
        guard let a = analysis else { return false }
        return k % a.every == 0 || k == epochs
    }

    /// `setGradientTransform` installs (or with nil removes) the backend's hook between backward and Adam,
    /// for the learning-signal kinds during the first epoch.
    public func run<B: LSTMBackend>(_ backend: B,
                             setGradientTransform: @escaping (((inout [B.Scalar]) -> Void)?) -> Void) throws -> AuditResult {
        let starts: [TwinStart<B.Scalar>] = try self.starts()
        let traces = try starts.map { try trace(backend, $0, setGradientTransform) }
        return result(traces)
    }

    /// The baseline (perturbation `none`) first, then one twin per perturbation.
    public var allPerturbations: [Perturbation] { [.none] + perturbations }

    /// The result from the traces of `allPerturbations`, in that order.
    public func result(_ traces: [Trace]) -> AuditResult {
        let baseline = traces[0]
        let twins = perturbations.enumerated().map { i, p in
            AuditResult.Twin(name: "twin\(i + 1)", perturbation: p, layout: params.layout, baseline: baseline, twin: traces[i + 1],
                             firstEpoch: at)
        }
        return AuditResult(twins: twins, layout: params.layout, analysed: baseline.dynamics.indices.filter(analysed).map { at + $0 })
    }

    /// Where one twin starts: its perturbed state, data-order stream, training labels, the first epoch's
    /// Adam settings and batch size, and its gradient hook.
    public struct TwinStart<S: BinaryFloatingPoint & Sendable> {
        public var perturbation: Perturbation
        public var state: TrainingState<S>
        public var dataOrder: LabRNG
        public var train: SequenceSet
        public var firstAdam: AdamConfig
        public var firstBatch: Int
        public var hook: ((inout [S]) -> Void)?
    }

    public func starts<S: BinaryFloatingPoint & Sendable>() throws -> [TwinStart<S>] {
        let saved = try TrainingStateFile.read(path: statePath, params: params.converted(to: S.self))
        guard saved.epoch == at else { throw TrainingError("\(statePath): records epoch \(saved.epoch), expected \(at)") }
        return allPerturbations.map { start(saved, $0) }
    }

    private func start<S: BinaryFloatingPoint & Sendable>(_ saved: TrainingStateFile.Contents<S>, _ p: Perturbation) -> TwinStart<S> {
        var t = TwinStart(perturbation: p, state: saved.state, dataOrder: saved.dataOrder, train: data.train, firstAdam: config.adam,
                          firstBatch: config.batch, hook: ParameterNoise.gradientTransform(p, seed: seed))
        switch p {
        case .none, .swap, .gradNoise, .lossScale: break
        case .batch(let b): t.firstBatch = b
        case .param(let eps): ParameterNoise.perturb(&t.state.params, eps: eps, perTensor: false, seed: seed)
        case .paramTensor(let eps): ParameterNoise.perturb(&t.state.params, eps: eps, perTensor: true, seed: seed)
        case .lr(let f): t.firstAdam.lr *= f
        case .order(let s): t.dataOrder = LabRNG(seed: s, stream: "data-order")
        case .labels(let q):
            var g = LabRNG(seed: seed, stream: "audit-labels")
            let n = Int((q * Double(t.train.count)).rounded())
            for i in g.permutation(t.train.count).prefix(max(n, 1)) { t.train.labels[i] = 1 - t.train.labels[i] }
        case .adamReset:
            t.state = TrainingState(params: t.state.params)
        }
        return t
    }

    /// Epoch `epoch`'s sample order for a twin (its own stream; `swap:K` in the first epoch).
    public func order<S>(_ t: inout TwinStart<S>, epoch: Int) throws -> [Int] {
        var order = try config.dataOrder.baseOrder(data)
        if config.shuffle { t.dataOrder.shuffle(&order) }
        if epoch == 1, case .swap(let k) = t.perturbation { try Self.swapBatches(&order, k, batchSize: t.firstBatch) }
        return order
    }

    private func trace<B: LSTMBackend>(_ backend: B, _ start: TwinStart<B.Scalar>,
                                       _ setHook: (((inout [B.Scalar]) -> Void)?) -> Void) throws -> Trace {
        var t = start
        let p = t.perturbation
        try backend.load(t.state)
        var out = Trace()
        try record(backend, into: &out)
        for epoch in 1...epochs {
            let order = try self.order(&t, epoch: epoch)
            if epoch == 1 { setHook(t.hook) }
            defer { if epoch == 1 { setHook(nil) } }
            _ = try backend.trainEpoch(t.train, order: order, batchSize: epoch == 1 ? t.firstBatch : config.batch,
                                       adam: epoch == 1 ? t.firstAdam : config.adam) { _, step in
                guard step.lossSum.isFinite else { throw TrainingError("audit twin \(p): training loss is \(step.lossSum) at epoch \(at + epoch)") }
            }
            try record(backend, into: &out)
        }
        return out
    }

    /// `swap:K`: minibatches K and K+1 of the epoch order change places (both must be full batches).
    static func swapBatches(_ order: inout [Int], _ k: Int, batchSize b: Int) throws {
        try checkSwap(k, count: order.count, batchSize: b)
        let first = order[(k * b)..<((k + 1) * b)], second = order[((k + 1) * b)..<((k + 2) * b)]
        order.replaceSubrange((k * b)..<((k + 2) * b), with: Array(second) + Array(first))
    }

    public static func checkSwap(_ k: Int, count: Int, batchSize b: Int) throws {
        guard (k + 2) * b <= count else {
            throw ConfigError("--perturb swap:\(k): an epoch has \(count / b) full minibatches of \(b); K must be at most \(count / b - 2)")
        }
    }

    private func record<B: LSTMBackend>(_ backend: B, into t: inout Trace) throws {
        let (totals, logits) = try backend.evaluateWithLogits(data.test, batchSize: config.batch)
        try record(&t, params: try backend.state().params.values.map(Double.init), logits: logits, testLoss: totals.meanLoss)
    }

    /// Appends one epoch's state of a twin (and its stability analysis at analysed epochs).
    public func record(_ t: inout Trace, params theta: [Double], logits: [Float], testLoss: Double) throws {
        t.params.append(theta)
        t.logits.append(logits)
        t.testLoss.append(testLoss)
        let k = t.dynamics.count
        t.dynamics.append(try analysed(k) ? analysis?.run(ParameterStore(layout: params.layout, values: theta)) : nil)
    }
}
