import LyapDynamics
import LyapVulkan

extension VulkanStabilityAnalysis {
    /// `check`, except that a width whose tangent kernel needs more shared memory than the device has
    /// returns false after one line saying the analysis runs on the CPU instead. Commands that train for
    /// hours (train, sweep, audit, study) or chose the GPU themselves (--backend auto) should not refuse a
    /// width over its analysis: NVIDIA's 48 KiB hold k = 1 only up to H = 375. Other problems still throw.
    func checkOrFallBack(hidden H: Int, embed E: Int, config c: AnalysisConfig) throws -> Bool {
        guard let (need, have) = sharedMemoryShortfall(hidden: H, config: c) else {
            try check(hidden: H, embed: E, config: c)
            return true
        }
        info("the stability analysis at H=\(H), k=\(c.exponents) needs \(need) bytes of shared memory per workgroup on the GPU and \(context.info.name) has \(have): it runs on the CPU (float32, \(c.threads) threads)")
        return false
    }
}
