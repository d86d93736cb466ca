import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// `--loss sigmoid-bce` on Vulkan (head_loss.comp with SIGMOID_BCE) against the CPU Double reference with
/// the same loss, and the saturated case where float32 rounds p to 1 and the gradient vanishes exactly.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct SigmoidBCEParityTests {
    @Test(arguments: [ParityTests.Case(hidden: 7, batch: 3, seqLen: 17, embed: 4, models: 2),
                      ParityTests.Case(hidden: 1, batch: 1, seqLen: 1, embed: 1, models: 1)])
    func lossGradientsAndAdamStepsMatchTheReference(_ c: ParityTests.Case) throws {
        let p = ParityTests.problem(c, seed: 51)
        let e = try ParityTests.ensemble(c, p)
        e.lossForm = .sigmoidBCE
        let gpu = try e.gradients(p.batches)
        let gpuGrads = try e.gradientValues()
        for k in 0..<c.models {
            let ref = CPUModel<Double>(shape: p.shape, threads: 1)
            ref.loss = .sigmoidBCE
            var refGrad = [Double](repeating: 0, count: p.params[k].values.count)
            let refTotals = ref.lossAndGradient(p.params[k], p.batches[k], into: &refGrad)
            let report = Compare(layout: ParameterLayout(p.shape), model: k)
            report.checkScalar("sigmoid-bce loss (sum over the batch)", gpu[k].lossSum, refTotals.lossSum, atol: 1e-5, rtol: 1e-4)
            report.checkParameters("sigmoid-bce gradient", gpuGrads[k].map(Double.init), refGrad, atol: 1e-6, rtol: 1e-4)
            #expect(gpu[k].correct == refTotals.correct)
        }
        let adam = (0..<c.models).map { _ in AdamConfig(lr: 1e-3) }
        for _ in 0..<5 { _ = try e.trainStep(p.batches, adam: adam) }
        let states = try e.states()
        for k in 0..<c.models {
            let ref = CPUBackend<Double>(shape: p.shape, threads: 1)
            ref.loss = .sigmoidBCE
            try ref.load(TrainingState(params: p.params[k]))
            for _ in 0..<5 { _ = try ref.trainStep(p.batches[k], adam: adam[k]) }
            Compare(layout: ParameterLayout(p.shape), model: k)
                .checkParameters("weights after 5 Adam steps", states[k].params.values.map(Double.init), try ref.state().params.values,
                                 atol: 1e-4, rtol: 1e-4)
        }
    }

    /// fc.bias = 40 saturates every sequence: p is exactly 1 in float32, the loss of a negative is the
    /// clamp's 100 and of a positive 0, and every gradient is exactly 0 (with logits it would not be).
    @Test func saturationClampsTheLossAndZeroesTheGradient() throws {
        let c = ParityTests.Case(hidden: 3, batch: 4, seqLen: 5, embed: 2, models: 1)
        let base = ParityTests.problem(c, seed: 52)
        var params = base.params[0]
        params.values[ParameterLayout(base.shape).bd.offset] = 40
        let labels: [UInt8] = [0, 1, 0, 0]
        let batch = Batch(tokens: base.batches[0].tokens, labels: labels, seqLen: c.seqLen)
        let p = ParityTests.Problem(shape: base.shape, params: [params], batches: [batch])
        let e = try ParityTests.ensemble(c, p)
        e.lossForm = .sigmoidBCE
        let totals = try e.gradients(p.batches)[0]
        #expect(totals.lossSum == 300)
        #expect(try e.gradientValues()[0].allSatisfy { $0 == 0 })
        let withLogits = try ParityTests.ensemble(c, p)
        _ = try withLogits.gradients(p.batches)
        #expect(try withLogits.gradientValues()[0].contains { $0 != 0 })
    }
}
