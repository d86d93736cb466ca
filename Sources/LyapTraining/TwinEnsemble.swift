import LyapCore

/// One model per twin stepping together (the Vulkan ensemble): what `AuditSetup.runTogether` drives.
public protocol TwinEnsemble: AnyObject {
    var models: Int { get }
    /// Training steps one `trainSteps` call takes at most.
    var stepsPerSubmit: Int { get }
    func load(_ states: [TrainingState<Float>]) throws
    func states() throws -> [TrainingState<Float>]
    /// `steps[s][k]`: model k's batch at step s; returns the loss totals per step and model.
    func trainSteps(_ steps: [[Batch]], adam: [AdamConfig]) throws -> [[LossTotals]]
    /// One step with model k's gradient passed through `hooks[k]` (where not nil) between backward and Adam.
    func trainStep(_ step: [Batch], adam: [AdamConfig], hooks: [((inout [Float]) -> Void)?]) throws -> [LossTotals]
    /// Per step and model: the loss totals and the logits of `steps[s][k]`.
    func evaluate(steps: [[Batch]]) throws -> [[(totals: LossTotals, logits: [Float])]]
}
