import LyapCore
import LyapData
import LyapDynamics
import LyapTraining

/// Everything one audit needs, independent of the backend: trains the baseline twin and one twin per
/// perturbation from the saved state, recording what each looks like after every epoch.
struct AuditSetup {
    let config: RunConfig
    let data: Dataset
    let params: ParameterStore<Double>
    let statePath: String
    let at: Int
    let epochs: Int
    let perturbations: [Perturbation]
    let seed: UInt64
    /// `--analyze-every K`: the stability analysis and the epochs (after branching) it runs at.
    var analysis: (every: Int, run: (ParameterStore<Double>) throws -> CheckpointAnalysis)? = nil

    /// What one twin looks like after each epoch (index 0: right after branching).
    struct Trace {
        var params: [[Double]] = []
        var logits: [[Float]] = []
        var testLoss: [Double] = []
        /// The stability analysis per epoch; nil at epochs not analysed.
        var dynamics: [CheckpointAnalysis?] = []
    }

    /// Analysed epochs after branching: every K-th, and the last one.
    func analysed(_ k: Int) -> Bool {
        guard let a = analysis else { return false }
        return k % a.every == 0 || k == epochs
    }

    /// `setGradientTransform` installs (or with nil removes) a hook between backward and Adam; backends
    /// without one pass nil, and the learning-signal kinds are refused for them before this runs.
    func run<B: LSTMBackend>(_ backend: B,
                             setGradientTransform: ((((inout [B.Scalar]) -> Void)?) -> Void)? = nil) throws -> AuditResult {
        let saved = try TrainingStateFile.read(path: statePath, params: params.converted(to: B.Scalar.self))
        guard saved.epoch == at else { throw TrainingError("\(statePath): records epoch \(saved.epoch), expected \(at)") }
        let baseline = try trace(backend, saved, .none, setGradientTransform)
        var twins: [AuditResult.Twin] = []
        for (i, p) in perturbations.enumerated() {
            let t = try trace(backend, saved, p, setGradientTransform)
            twins.append(AuditResult.Twin(name: "twin\(i + 1)", perturbation: p, layout: params.layout,
                                          baseline: baseline, twin: t, firstEpoch: at))
        }
        return AuditResult(twins: twins, layout: params.layout, analysed: baseline.dynamics.indices.filter(analysed).map { at + $0 })
    }

    private func trace<B: LSTMBackend>(_ backend: B, _ saved: TrainingStateFile.Contents<B.Scalar>, _ p: Perturbation,
                                       _ setHook: ((((inout [B.Scalar]) -> Void)?) -> Void)?) throws -> Trace {
        var state = saved.state
        var rng = saved.dataOrder
        var train = data.train
        var adam = config.adam
        switch p {
        case .none, .batch, .swap, .gradNoise, .lossScale: break
        case .param(let eps): ParameterNoise.perturb(&state.params, eps: eps, perTensor: false, seed: seed)
        case .paramTensor(let eps): ParameterNoise.perturb(&state.params, eps: eps, perTensor: true, seed: seed)
        case .lr(let f): adam.lr *= f
        case .order(let s): rng = LabRNG(seed: s, stream: "data-order")
        case .labels(let q):
            var g = LabRNG(seed: seed, stream: "audit-labels")
            let n = Int((q * Double(train.count)).rounded())
            for i in g.permutation(train.count).prefix(max(n, 1)) { train.labels[i] = 1 - train.labels[i] }
        case .adamReset:
            state = TrainingState(params: state.params)
        }
        let hook: ((inout [B.Scalar]) -> Void)? = ParameterNoise.gradientTransform(p, seed: seed)
        if hook != nil, setHook == nil { throw ConfigError(p.vulkanLimitation ?? "--perturb \(p): not supported on this backend") }
        try backend.load(state)
        var out = Trace()
        try record(backend, into: &out)
        for epoch in 1...epochs {
            var B = config.batch
            if epoch == 1, case .batch(let b) = p { B = b }
            var order = Array(0..<train.count)
            if config.shuffle { rng.shuffle(&order) }
            if epoch == 1, case .swap(let k) = p { try Self.swapBatches(&order, k, batchSize: B) }
            let a = epoch == 1 ? adam : config.adam
            if epoch == 1 { setHook?(hook) }
            defer { if epoch == 1 { setHook?(nil) } }
            _ = try backend.trainEpoch(train, order: order, batchSize: B, adam: a) { _, t in
                guard t.lossSum.isFinite else { throw TrainingError("audit twin \(p): training loss is \(t.lossSum) at epoch \(at + epoch)") }
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

    static func checkSwap(_ k: Int, count: Int, batchSize b: Int) throws {
        guard (k + 2) * b <= count else {
            throw ConfigError("--perturb swap:\(k): an epoch has \(count / b) full minibatches of \(b); K must be at most \(count / b - 2)")
        }
    }

    private func record<B: LSTMBackend>(_ backend: B, into t: inout Trace) throws {
        let s = try backend.state()
        let theta = s.params.values.map(Double.init)
        t.params.append(theta)
        let (totals, logits) = try backend.evaluateWithLogits(data.test, batchSize: config.batch)
        t.logits.append(logits)
        t.testLoss.append(totals.meanLoss)
        let k = t.dynamics.count
        t.dynamics.append(try analysed(k) ? analysis?.run(ParameterStore(layout: s.params.layout, values: theta)) : nil)
    }
}
