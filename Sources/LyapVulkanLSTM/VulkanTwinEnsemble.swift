import LyapCore
import LyapTraining

/// The Vulkan ensemble runs an audit's twins side by side; a step with gradient hooks reads the gradients
/// back to the host, passes each model's through its hook and writes them back before Adam.
extension VulkanLSTMEnsemble: TwinEnsemble {
    public func trainStep(_ step: [Batch], adam: [AdamConfig], hooks: [((inout [Float]) -> Void)?]) throws -> [LossTotals] {
        let totals = try gradients(step)
        var g = try gradientValues()
        for k in g.indices { hooks[k]?(&g[k]) }
        try setGradientValues(g)
        try adamStep(adam: adam)
        return totals
    }
}
