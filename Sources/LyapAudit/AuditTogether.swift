import LyapCore
import LyapData
import LyapTraining

extension AuditSetup {
    /// The baseline and every twin side by side in one ensemble (Vulkan in lyap): one model per twin, each with its
    /// own state, data order, labels, Adam settings and gradient hook, stepping together in one dispatch
    /// stream. Models of an ensemble are independent, so every twin's trace is bitwise what training it
    /// alone gives (tested against `run(_:)`). Needs one batch size for all twins (no `batch:SIZE`).
    public func runTogether(_ ensemble: some TwinEnsemble) throws -> AuditResult {
        var twins: [TwinStart<Float>] = try starts()
        precondition(ensemble.models == twins.count)
        try ensemble.load(twins.map(\.state))
        var traces = [Trace](repeating: Trace(), count: twins.count)
        try record(ensemble, into: &traces)
        let B = config.batch, n = data.train.count, batches = (n + B - 1) / B
        for epoch in 1...epochs {
            let orders = try twins.indices.map { try order(&twins[$0], epoch: epoch) }
            let adam = twins.map { epoch == 1 ? $0.firstAdam : config.adam }
            let hooks = epoch == 1 && twins.contains { $0.hook != nil }
            func step(_ b: Int) -> [Batch] {
                let range = (b * B)..<min((b + 1) * B, n)
                return twins.indices.map { twins[$0].train.batch(orders[$0][range]) }
            }
            let per = hooks ? 1 : ensemble.stepsPerSubmit
            for first in stride(from: 0, to: batches, by: per) {
                let steps = (first..<min(first + per, batches)).map(step)
                let totals: [[LossTotals]]
                if hooks {
                    totals = [try ensemble.trainStep(steps[0], adam: adam, hooks: twins.map(\.hook))]
                } else {
                    totals = try ensemble.trainSteps(steps, adam: adam)
                }
                for (k, t) in totals.flatMap({ $0.enumerated() }) where !t.lossSum.isFinite {
                    throw TrainingError("audit twin \(twins[k].perturbation): training loss is \(t.lossSum) at epoch \(at + epoch)")
                }
            }
            try record(ensemble, into: &traces)
        }
        return result(traces)
    }

    private func record(_ ensemble: some TwinEnsemble, into traces: inout [Trace]) throws {
        let B = config.batch, test = data.test
        let parts = stride(from: 0, to: test.count, by: B).map { test.batch($0..<min($0 + B, test.count)) }
        let out = try ensemble.evaluate(steps: parts.map { [Batch](repeating: $0, count: ensemble.models) })
        let states = try ensemble.states()
        for k in traces.indices {
            var totals = LossTotals()
            var logits: [Float] = []
            for s in out {
                totals += s[k].totals
                logits += s[k].logits
            }
            try record(&traces[k], params: states[k].params.values.map(Double.init), logits: logits, testLoss: totals.meanLoss)
        }
    }
}
