import LyapCore
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

extension TestModels {
    static func config(drive: Int, steps: Int, transient: Int, k: Int, reviews: Int,
                       precision: DynamicsPrecision = .float64, renormEvery: Int? = nil, threads: Int = 2) -> AnalysisConfig {
        var c = AnalysisConfig()
        c.drive = drive
        c.steps = steps
        c.transient = transient
        c.exponents = k
        c.reviews = reviews
        c.precision = precision
        c.renormEvery = renormEvery
        c.threads = threads
        return c
    }
}
