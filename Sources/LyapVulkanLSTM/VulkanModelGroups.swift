import LyapCore
import LyapTraining
import LyapVulkan

/// A Vulkan ensemble as a `ModelGroup`: all its models step in one dispatch stream. With `widths`, model
/// k has width widths[k] zero-padded to the ensemble's width (`--pad-widths`; exact, see WidthPadding).
public final class EnsembleGroup: ModelGroup {
    let ensemble: VulkanLSTMEnsemble
    let widths: [Int]?
    public init(_ ensemble: VulkanLSTMEnsemble, widths: [Int]? = nil) {
        self.ensemble = ensemble
        self.widths = widths
    }
    public var models: Int { ensemble.models }
    public var stepsPerCall: Int { ensemble.stepsPerSubmit }

    public func load(_ initial: [ParameterStore<Double>]) throws {
        let H = ensemble.shape.hidden
        try ensemble.load(initial.map { TrainingState(params: $0.padded(toHidden: H).converted(to: Float.self)) })
    }
    public func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        try ensemble.trainSteps(steps, adam: [AdamConfig](repeating: adam, count: models))
    }
    public func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] { try ensemble.evaluate(steps: steps).map { $0.map(\.totals) } }
    public func parameters() throws -> [ParameterStore<Double>] { try states().map(\.params) }

    public func states() throws -> [TrainingState<Double>] {
        let s = try ensemble.states().map { $0.converted(to: Double.self) }
        guard let widths else { return s }
        return zip(s, widths).map { s, h in
            func narrow(_ v: [Double]) -> [Double] { ParameterStore(layout: s.params.layout, values: v).unpadded(toHidden: h).values }
            return TrainingState(params: s.params.unpadded(toHidden: h), m: narrow(s.m), v: narrow(s.v), step: s.step)
        }
    }

    public func load(states: [TrainingState<Double>]) throws {
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
public final class EnsembleSetGroup: ModelGroup {
    let ensembles: VulkanEnsembleSet
    public init(_ ensembles: VulkanEnsembleSet) { self.ensembles = ensembles }
    public var models: Int { ensembles.models }
    public var stepsPerCall: Int { ensembles.stepsPerSubmit }

    public func load(_ initial: [ParameterStore<Double>]) throws {
        try ensembles.load(initial.map { TrainingState(params: $0.converted(to: Float.self)) })
    }
    public func trainSteps(_ steps: [[Batch]], adam: AdamConfig) throws -> [[LossTotals]] {
        try ensembles.trainSteps(steps, adam: [AdamConfig](repeating: adam, count: models))
    }
    public func evaluate(steps: [[Batch]]) throws -> [[LossTotals]] { try ensembles.evaluate(steps: steps).map { $0.map(\.totals) } }
    public func parameters() throws -> [ParameterStore<Double>] { try states().map(\.params) }
    public func states() throws -> [TrainingState<Double>] { try ensembles.states().map { $0.converted(to: Double.self) } }
    public func load(states: [TrainingState<Double>]) throws { try ensembles.load(states.map { $0.converted(to: Float.self) }) }
}
