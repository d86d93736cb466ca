import Foundation
import Testing
import LyapCore
@testable import LyapCPU

/// nn.Sigmoid + nn.BCELoss as PyTorch computes them: hand-derived values, the -100 clamp, aten's float
/// EPSILON, and the whole model's gradient against finite differences in Double.
struct SigmoidBCETests {
    /// Unsaturated: the loss is log(1 + exp(-z)) (y = 1) or log(1 + exp(z)) (y = 0) and dL/dz is
    /// (sigmoid(z) - y) / B, evaluated here by other formulas than the kernel's.
    @Test(arguments: [-3.0, -0.5, 0.2, 2.5])
    func unsaturatedValuesAreTheTextbookOnes(_ z: Double) {
        let batch = 3
        for y in [0.0, 1.0] {
            let expectedLoss = y == 1 ? log1p(exp(-z)) : log1p(exp(z))
            let expectedGrad = (exp(z) / (1 + exp(z)) - y) / Double(batch)
            let p = SigmoidBCE.probability(z)
            #expect(abs(SigmoidBCE.loss(p: p, label: y) - expectedLoss) <= 1e-14 * expectedLoss)
            #expect(abs(SigmoidBCE.gradient(p: p, label: y, batch: batch) - expectedGrad) <= 1e-13 * abs(expectedGrad))
            let pf = SigmoidBCE.probability(Float(z))
            #expect(abs(Double(SigmoidBCE.loss(p: pf, label: Float(y))) - expectedLoss) <= 2e-6 * expectedLoss)
            #expect(abs(Double(SigmoidBCE.gradient(p: pf, label: Float(y), batch: batch)) - expectedGrad) <= 2e-6 * abs(expectedGrad))
        }
    }

    /// p rounds to exactly 1: log1p(-1) = -inf is clamped to -100, and the gradient is exactly 0
    /// (grad (p-y)/EPSILON times (1-p)p = 0), where BCE with logits would still pull with 1/B.
    @Test func saturatedProbabilityClampsTheLossAndKillsTheGradient() {
        let p = SigmoidBCE.probability(40.0)
        #expect(p == 1)
        #expect(SigmoidBCE.loss(p: p, label: 0.0) == 100)
        #expect(SigmoidBCE.gradient(p: p, label: 0.0, batch: 4) == 0)
        #expect(abs(binaryCrossEntropy(logit: 40, label: 0) - 40) < 1e-12)  // the logits form: no clamp
        let pf = SigmoidBCE.probability(Float(20))
        #expect(pf == 1 && SigmoidBCE.loss(p: pf, label: Float(0)) == 100 && SigmoidBCE.gradient(p: pf, label: Float(0), batch: 4) == 0)
        // The same logit in Double is not saturated: the gradient is (p - y)/B to rounding.
        let pd = SigmoidBCE.probability(20.0)
        #expect(abs(SigmoidBCE.gradient(p: pd, label: 0.0, batch: 4) - pd / 4) < 1e-12)
    }

    /// log(p) below -100 is clamped: for z = -120 and y = 1 the loss is 100, not 120.
    @Test func logClampAtMinus100() {
        let p = SigmoidBCE.probability(-120.0)
        #expect(p > 0 && log(p) < -100)
        #expect(SigmoidBCE.loss(p: p, label: 1.0) == 100)
        #expect(abs(SigmoidBCE.loss(p: SigmoidBCE.probability(-90.0), label: 1.0) - 90) < 1e-12)
    }

    /// Where (1-p)p < EPSILON the denominator is aten's `float` 1e-12 widened to Double (not 1e-12): the
    /// gradient is p/EPSILON/B*(1-p)*p, about 0.094/B at z = 30 instead of 1/B.
    @Test func epsilonIsAtensFloatConstant() {
        let z = 30.0, p = SigmoidBCE.probability(z)
        #expect((1 - p) * p < 1e-12)
        let eps = Double(Float(1e-12))
        #expect(eps != 1e-12)
        let g = SigmoidBCE.gradient(p: p, label: 0.0, batch: 2)
        #expect(g == p / eps / 2 * (1 - p) * p)
        #expect(g != p / 1e-12 / 2 * (1 - p) * p)
        #expect(abs(g * 2 - exp(-z) / eps) < 1e-2 * g * 2)  // 1 - p keeps only ~3 digits here
    }

    /// The classifier's loss and BPTT with `--loss sigmoid-bce` against central differences, every element.
    @Test(arguments: [(3, 7, 6, 3, 1, UInt64(1)), (2, 5, 4, 5, 2, UInt64(2))])
    func modelGradientMatchesCentralDifferences(_ c: (Int, Int, Int, Int, Int, UInt64)) {
        let m = RandomModel(embed: c.0, hidden: c.1, seqLen: c.2, batch: c.3, seed: c.5)
        let model = CPUModel<Double>(shape: m.shape, threads: c.4)
        model.loss = .sigmoidBCE
        var grad = [Double](repeating: 0, count: m.params.values.count)
        let totals = model.lossAndGradient(m.params, m.batch, into: &grad)
        let logits = model.evaluate(m.params, m.batch).logits
        let direct = zip(logits, m.batch.labels).map { z, y in SigmoidBCE.loss(p: SigmoidBCE.probability(Double(z)), label: Double(y)) }
        #expect(abs(totals.meanLoss - direct.reduce(0, +) / Double(direct.count)) < 1e-6)
        let h = 1e-5
        func loss(_ p: ParameterStore<Double>) -> Double { model.evaluate(p, m.batch).totals.meanLoss }
        for slot in m.params.layout.slots {
            var worst = 0.0
            for i in slot.range {
                var plus = m.params, minus = m.params
                plus.values[i] += h
                minus.values[i] -= h
                let numeric = (loss(plus) - loss(minus)) / (2 * h)
                worst = max(worst, abs(grad[i] - numeric) / max(abs(numeric), 1e-4))
            }
            #expect(worst < 1e-6, "\(slot.name): relative error \(worst)")
        }
        #expect(grad.contains { $0 != 0 })
    }
}
