import Foundation
import LyapCore
import LyapCPU
import LyapTraining
import Testing
@testable import LyapAudit

/// `runTogether` drives any `TwinEnsemble`: with independent float32 CPU models as the ensemble it must give
/// bit for bit what training each twin alone (`run`) gives, gradient hooks and multi-step calls included.
struct AuditTogetherTests {
    /// One float32 CPU backend per twin, stepped in lockstep.
    final class CPUEnsemble: TwinEnsemble {
        let backends: [CPUBackend<Float>]
        let stepsPerSubmit: Int
        init(_ config: RunConfig, models: Int, stepsPerSubmit: Int) {
            backends = (0..<models).map { _ in CPUBackends.forRun(config, Float.self) }
            self.stepsPerSubmit = stepsPerSubmit
        }
        var models: Int { backends.count }
        func load(_ states: [TrainingState<Float>]) throws { for (b, s) in zip(backends, states) { try b.load(s) } }
        func states() throws -> [TrainingState<Float>] { try backends.map { try $0.state() } }
        func trainSteps(_ steps: [[Batch]], adam: [AdamConfig]) throws -> [[LossTotals]] {
            try steps.map { step in try backends.indices.map { try backends[$0].trainStep(step[$0], adam: adam[$0]) } }
        }
        func trainStep(_ step: [Batch], adam: [AdamConfig], hooks: [((inout [Float]) -> Void)?]) throws -> [LossTotals] {
            try backends.indices.map { k in
                backends[k].gradientTransform = hooks[k]
                defer { backends[k].gradientTransform = nil }
                return try backends[k].trainStep(step[k], adam: adam[k])
            }
        }
        func evaluate(steps: [[Batch]]) throws -> [[(totals: LossTotals, logits: [Float])]] {
            try steps.map { step in try backends.indices.map { try backends[$0].evaluate(step[$0]) } }
        }
    }

    @Test(arguments: [1, 3])
    func togetherIsBitwiseAlone(stepsPerSubmit: Int) throws {
        let kinds: [Perturbation] = [.param(1e-3), .paramTensor(1e-3), .order(7), .lr(3), .adamReset, .labels(0.5), .swap(1),
                                     .gradNoise(1e-2), .lossScale(0.5)]
        let s = try AuditRunTests.setup(kinds, precision: .float32)
        defer { try? FileManager.default.removeItem(atPath: s.statePath) }
        let alone = CPUBackends.forRun(s.config, Float.self)
        let a = try s.run(alone) { alone.gradientTransform = $0 }
        let b = try s.runTogether(CPUEnsemble(s.config, models: kinds.count + 1, stepsPerSubmit: stepsPerSubmit))
        #expect(a.csv == b.csv)
        #expect(a.twins.allSatisfy { $0.rows[2].dTheta > 0 }, "every twin has moved, so equality is not vacuous")
    }
}
