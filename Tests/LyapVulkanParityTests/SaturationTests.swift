import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// Issue 3: activations are clamped so that no input gives NaN. Parameters of magnitude 1e4..1e30 put
/// every pre-activation far past where exp overflows in float (|x| > 88), so a naive
/// tanh = (e^2x - 1)/(e^2x + 1) or sigmoid = e^x/(1 + e^x) gives Inf/Inf = NaN there. The device must give
/// finite logits, losses, gradients and weights, equal to the CPU Double reference.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct SaturationTests {
    static let c = ParityTests.Case(hidden: 7, batch: 3, seqLen: 9, embed: 2, models: 2)

    /// ±10^u, u uniform in [lo, hi], rounded to Float so both backends start from the same values.
    static func huge(_ rng: inout LabRNG, _ lo: Double, _ hi: Double) -> Double {
        let v = Double(Float(pow(10, rng.uniform(lo, hi))))
        return rng.below(2) == 0 ? v : -v
    }

    /// The parity problem with huge LSTM weights: embedding and Wx up to 1e15 (so a product stays below
    /// 1e30 and no float sum overflows), Wh and the bias up to 1e30. Magnitudes spread over many decades,
    /// so one term dominates each pre-activation and float and Double agree on its sign: every gate
    /// saturates in both. Model 0 keeps its ordinary head; model 1 has a huge head too (logits ~1e30).
    static func problem() -> ParityTests.Problem {
        let base = ParityTests.problem(c, seed: 41)
        let lay = ParameterLayout(base.shape)
        var rng = LabRNG(seed: 41, stream: "vulkan-saturation")
        let params = base.params.enumerated().map { k, p0 in
            var p = p0
            let huge: [(TensorSlot, Double, Double)] = [(lay.embedding, 4, 15), (lay.wx, 4, 15), (lay.wh, 4, 30), (lay.bias, 4, 30)]
            for (slot, lo, hi) in huge + (k == 1 ? [(lay.wd, 4, 30)] : []) {
                for i in slot.range { p.values[i] = Self.huge(&rng, lo, hi) }
            }
            return p
        }
        return ParityTests.Problem(shape: base.shape, params: params, batches: base.batches)
    }

    @Test func hugeWeightsGiveFiniteResultsEqualToTheReference() throws {
        let p = Self.problem()
        let e = try ParityTests.ensemble(Self.c, p)
        let totals = try e.gradients(p.batches), grads = try e.gradientValues(), eval = try e.evaluate(p.batches)
        for k in 0..<Self.c.models {
            #expect(eval[k].logits.allSatisfy { $0.isFinite }, "model \(k) logits: \(eval[k].logits)")
            #expect(totals[k].lossSum.isFinite && eval[k].totals.lossSum.isFinite, "model \(k) loss: \(totals[k]) \(eval[k].totals)")
            #expect(grads[k].allSatisfy { $0.isFinite }, "model \(k): \(grads[k].filter { !$0.isFinite }.count) gradients not finite")
        }
        // The head of model 1 really is in the huge regime.
        #expect(eval[1].logits.contains { abs($0) > 1e4 }, "\(eval[1].logits)")
        // The same values as the CPU Double reference, at the parity tolerances.
        try ParityTests.checkGradients(Self.c, p, e)
        _ = try e.trainStep(p.batches, adam: [AdamConfig(lr: 1e-3), AdamConfig(lr: 1e-3)])
        for (k, s) in try e.states().enumerated() {
            #expect(s.params.values.allSatisfy(\.isFinite) && s.m.allSatisfy(\.isFinite) && s.v.allSatisfy(\.isFinite),
                    "model \(k): weights or Adam moments not finite after a step")
        }
        try ParityTests.checkFiveAdamSteps(Self.c, p, ParityTests.ensemble(Self.c, p))
    }
}
