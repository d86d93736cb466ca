import LyapCore
import LyapCPU
import LyapStudy
import LyapTraining
import LyapVulkan

/// A Vulkan ensemble as a `ModelGroup`: all its models step in one dispatch stream. With `widths`, model
/// k has width widths[k] zero-padded to the ensemble's width (`--pad-widths`; exact, see WidthPadding).
final class EnsembleGroup: ModelGroup {
    let ensemble: VulkanLSTMEnsemble
    let widths: [Int]?
    init(_ ensemble: VulkanLSTMEnsemble, widths: [Int]? = nil) {
        self.ensemble = ensemble
        self.widths = widths
    }
    var models: Int { ensemble.models }
    var stepsPerCall: Int { ensemble.stepsPerSubmit }

    func load(_ initial: [ParameterStore<Double>]) throws {
        let H = ensemble.shape.hidden
        try ensemble.load(initial.map { TrainingState(params: $0.padded(toHidden: H).converted(to: Float.self)) })
    }
    func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        try ensemble.trainSteps(steps, adam: [AdamConfig](repeating: adam, count: models))
    }
    func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] { try ensemble.evaluate(steps: steps).map { $0.map(\.totals) } }
    func parameters() throws -> [ParameterStore<Double>] { try states().map(\.params) }

    func states() throws -> [TrainingState<Double>] {
        let s = try ensemble.states().map { $0.converted(to: Double.self) }
        guard let widths else { return s }
        return zip(s, widths).map { s, h in
            func narrow(_ v: [Double]) -> [Double] { ParameterStore(layout: s.params.layout, values: v).unpadded(toHidden: h).values }
            return TrainingState(params: s.params.unpadded(toHidden: h), m: narrow(s.m), v: narrow(s.v), step: s.step)
        }
    }

    func load(states: [TrainingState<Double>]) throws {
        let H = ensemble.shape.hidden
        try ensemble.load(states.map { s in
            func wide(_ v: [Double]) -> [Double] { ParameterStore(layout: s.params.layout, values: v).padded(toHidden: H).values }
            return TrainingState(params: s.params.padded(toHidden: H), m: wide(s.m), v: wide(s.v), step: s.step).converted(to: Float.self)
        })
    }
}

/// All widths of a variant as one `VulkanEnsembleSet` (`--interleave-widths`): one ensemble per width, their
/// kernels recorded phase by phase into one command buffer. Model k of the group is model k of the set;
/// consecutive configurations of one width share an ensemble (`SweepGrouping.split` puts each width's together).
final class EnsembleSetGroup: ModelGroup {
    let ensembles: VulkanEnsembleSet
    init(_ ensembles: VulkanEnsembleSet) { self.ensembles = ensembles }
    var models: Int { ensembles.models }
    var stepsPerCall: Int { ensembles.stepsPerSubmit }

    func load(_ initial: [ParameterStore<Double>]) throws {
        try ensembles.load(initial.map { TrainingState(params: $0.converted(to: Float.self)) })
    }
    func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        try ensembles.trainSteps(steps, adam: [AdamConfig](repeating: adam, count: models))
    }
    func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] { try ensembles.evaluate(steps: steps).map { $0.map(\.totals) } }
    func parameters() throws -> [ParameterStore<Double>] { try states().map(\.params) }
    func states() throws -> [TrainingState<Double>] { try ensembles.states().map { $0.converted(to: Double.self) } }
    func load(states: [TrainingState<Double>]) throws { try ensembles.load(states.map { $0.converted(to: Float.self) }) }
}

enum SweepGroups {
    /// The backend for one group of configurations (all of one variant; of one width unless padded or
    /// interleaved).
    static func make(_ group: [SweepConfiguration], plan: SweepPlan, choice: BackendChoice, stepsPerSubmit: Int,
                     interleave: Bool = false, compiler: () throws -> ShaderCompiler) throws -> ModelGroup {
        let s = plan.settings, frozen = group[0].variant.frozenEmbedding
        let widths = group.map(\.width), padded = Set(widths).count > 1 && !interleave
        let shape = ModelShape(vocab: s.vocab, embed: s.embed, hidden: widths.max()!)
        switch choice {
        case .cpu:
            precondition(!padded, "the CPU backend trains each configuration at its own width")
            let padID = plan.runConfig(group[0]).sharedPadID
            switch s.precision {
            case .float32:
                let b = group.map { _ in CPUBackends.make(Float.self, shape: shape, threads: plan.threads, sharedPadID: padID) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            case .float64:
                let b = group.map { _ in CPUBackends.make(Double.self, shape: shape, threads: plan.threads, sharedPadID: padID) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            }
        case .vulkan(let ctx) where interleave:
            var shapes: [ModelShape] = [], counts: [Int] = []
            for c in group {
                if shapes.last?.hidden == c.width { counts[counts.count - 1] += 1; continue }
                shapes.append(ModelShape(vocab: s.vocab, embed: s.embed, hidden: c.width))
                counts.append(1)
            }
            let set = try VulkanEnsembleSet(context: ctx, compiler: try compiler(), shapes: shapes, models: counts, batch: s.batch,
                                            seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            set.frozenEmbedding = frozen
            return EnsembleSetGroup(set)
        case .vulkan(let ctx):
            let e = try VulkanLSTMEnsemble(context: ctx, compiler: try compiler(), shape: shape, models: group.count,
                                           batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            e.frozenEmbedding = frozen
            return EnsembleGroup(e, widths: padded ? widths : nil)
        }
    }

    /// How many models of width `w` fit in `fraction` of the device's local memory and in its largest buffer
    /// (each ensemble buffer holds every model; a large GPU's memory takes more models than one buffer binds).
    /// At least 1: a model that does not fit at all fails when its ensemble is created, with the reason.
    static func modelsThatFit(width w: Int, plan: SweepPlan, device: VulkanDeviceInfo, stepsPerSubmit: Int,
                              fraction: Double = 0.75) -> Int {
        let s = plan.settings, shape = ModelShape(vocab: s.vocab, embed: s.embed, hidden: w)
        let one = VulkanLSTMEnsemble.estimatedBytes(shape: shape, models: 1, batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
        let inBuffer = VulkanLSTMEnsemble.maxModels(shape: shape, batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit, device: device)
        guard device.deviceLocalMemoryBytes > 0 else { return max(1, inBuffer) }
        return max(1, min(inBuffer, Int(fraction * Double(device.deviceLocalMemoryBytes)) / max(one, 1)))
    }
}

