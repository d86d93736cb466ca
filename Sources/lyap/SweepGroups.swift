import LyapCore
import LyapCPU
import LyapStudy
import LyapTraining
import LyapVulkan

/// A Vulkan ensemble as a `ModelGroup`: all its models step in one dispatch stream.
final class EnsembleGroup: ModelGroup {
    let ensemble: VulkanLSTMEnsemble
    init(_ ensemble: VulkanLSTMEnsemble) { self.ensemble = ensemble }
    var models: Int { ensemble.models }
    var stepsPerCall: Int { ensemble.stepsPerSubmit }

    func load(_ initial: [ParameterStore<Double>]) throws {
        try ensemble.load(initial.map { TrainingState(params: $0.converted(to: Float.self)) })
    }
    func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        try ensemble.trainSteps(steps, adam: [AdamConfig](repeating: adam, count: models))
    }
    func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] { try ensemble.evaluate(steps: steps).map { $0.map(\.totals) } }
    func parameters() throws -> [ParameterStore<Double>] { try ensemble.states().map { $0.params.converted(to: Double.self) } }
}

enum SweepGroups {
    /// Which configurations train together: on the CPU each alone, in grid order; on Vulkan those of one
    /// variant and width (one shape, one training-set size, one frozen setting), at most `maxModels` each.
    static func split(_ todo: [SweepConfiguration], ensemble: Bool, maxModels: Int?) -> [[SweepConfiguration]] {
        guard ensemble else { return todo.map { [$0] } }
        var keys: [String] = []
        var members: [String: [SweepConfiguration]] = [:]
        for c in todo {
            let key = "\(c.variant)/\(c.width)"
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(c)
        }
        let cap = maxModels ?? Int.max
        return keys.flatMap { k in
            stride(from: 0, to: members[k]!.count, by: cap).map { Array(members[k]![$0..<min($0 + cap, members[k]!.count)]) }
        }
    }

    /// The backend for one group of configurations (all of one width and variant).
    static func make(_ group: [SweepConfiguration], plan: SweepPlan, choice: BackendChoice, stepsPerSubmit: Int,
                     compiler: () throws -> ShaderCompiler) throws -> ModelGroup {
        let s = plan.settings, frozen = group[0].variant.frozenEmbedding
        let shape = ModelShape(vocab: s.vocab, embed: s.embed, hidden: group[0].width)
        switch choice {
        case .cpu:
            switch s.precision {
            case .float32:
                let b = group.map { _ in CPUBackend<Float>(shape: shape, threads: plan.threads) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            case .float64:
                let b = group.map { _ in CPUBackend<Double>(shape: shape, threads: plan.threads) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            }
        case .vulkan(let ctx):
            let e = try VulkanLSTMEnsemble(context: ctx, compiler: try compiler(), shape: shape, models: group.count,
                                           batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            e.frozenEmbedding = frozen
            return EnsembleGroup(e)
        }
    }
}
