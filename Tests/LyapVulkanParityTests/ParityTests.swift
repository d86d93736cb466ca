import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan

/// Every kernel against the CPU Double reference on random data with odd shapes: logits, loss, every
/// gradient, and all weights after 5 Adam steps, within |a-b| <= atol + rtol*|ref|, rtol = 1e-4.
@Suite(.serialized, .enabled(if: GPUTestEnvironment.available, "no Vulkan device (install mesa-vulkan-drivers)"), .noValidationMessages)
struct ParityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let hidden: Int, batch: Int, seqLen: Int, embed: Int, models: Int
        var testDescription: String { "H\(hidden) B\(batch) L\(seqLen) E\(embed) M\(models)" }
    }

    // Each listed size appears at least once: H {1,7,60,129}, B {1,3,32}, L {1,17,100}, E {1,32}, M {1,3}.
    static let cases: [Case] = [
        Case(hidden: 7, batch: 3, seqLen: 17, embed: 32, models: 1),
        Case(hidden: 1, batch: 1, seqLen: 1, embed: 1, models: 1),
        Case(hidden: 7, batch: 3, seqLen: 17, embed: 1, models: 3),
        Case(hidden: 60, batch: 3, seqLen: 17, embed: 32, models: 1),
        Case(hidden: 129, batch: 3, seqLen: 17, embed: 32, models: 3),
        Case(hidden: 60, batch: 32, seqLen: 100, embed: 32, models: 1),
        Case(hidden: 1, batch: 32, seqLen: 100, embed: 1, models: 3),
        // Split-K: every reduction in several chunks with a shorter last one (SplitKTests checks the split).
        splitCase,
    ]

    static let splitCase = Case(hidden: 5, batch: 7, seqLen: 59, embed: 3, models: 2)

    static let vocab = 53

    struct Problem {
        let shape: ModelShape
        let params: [ParameterStore<Double>]
        let batches: [Batch]
    }

    static func problem(_ c: Case, seed: UInt64) -> Problem {
        let shape = ModelShape(vocab: vocab, embed: c.embed, hidden: c.hidden)
        var rng = LabRNG(seed: seed, stream: "vulkan-parity")
        var params: [ParameterStore<Double>] = []
        var batches: [Batch] = []
        for _ in 0..<c.models {
            var p = ParameterStore<Double>.zeros(ParameterLayout(shape))
            // Round to Float first so both backends start from identical values.
            for i in p.values.indices { p.values[i] = Double(Float(rng.uniform(-0.5, 0.5))) }
            params.append(p)
            batches.append(Batch(tokens: (0..<(c.batch * c.seqLen)).map { _ in Int32(rng.below(vocab)) },
                                 labels: (0..<c.batch).map { _ in UInt8(rng.below(2)) }, seqLen: c.seqLen))
        }
        return Problem(shape: shape, params: params, batches: batches)
    }

    static func ensemble(_ c: Case, _ p: Problem, kernels: KernelConfig = KernelConfig()) throws -> VulkanLSTMEnsemble {
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler,
                                       shape: p.shape, models: c.models, batch: c.batch, seqLen: c.seqLen, kernelConfig: kernels)
        try e.load(p.params.map { TrainingState(params: $0.converted(to: Float.self)) })
        return e
    }

    @Test(arguments: cases)
    func logitsLossAndGradientsMatchTheReference(_ c: Case) throws {
        let p = Self.problem(c, seed: 7)
        try Self.checkGradients(c, p, Self.ensemble(c, p))
    }

    /// Logits, loss and every gradient of `e` (loaded with `p`) against the CPU Double reference.
    static func checkGradients(_ c: Case, _ p: Problem, _ e: VulkanLSTMEnsemble,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let gpu = try e.gradients(p.batches)
        let gpuGrads = try e.gradientValues()
        let gpuLogits = try e.evaluate(p.batches)
        for k in 0..<c.models {
            let ref = CPUModel<Double>(shape: p.shape, threads: 1)
            let (refTotals, refLogits) = ref.evaluate(p.params[k], p.batches[k])
            var refGrad = [Double](repeating: 0, count: p.params[k].values.count)
            _ = ref.lossAndGradient(p.params[k], p.batches[k], into: &refGrad)
            let report = Compare(layout: ParameterLayout(p.shape), model: k)
            report.check("logits", gpuLogits[k].logits.map(Double.init), refLogits.map(Double.init), atol: 1e-5, rtol: 1e-4,
                         sourceLocation: sourceLocation)
            report.check("loss", [gpu[k].lossSum], [refTotals.lossSum], atol: 1e-5, rtol: 1e-4, sourceLocation: sourceLocation)
            report.checkParameters("gradient", gpuGrads[k].map(Double.init), refGrad, atol: 1e-6, rtol: 1e-4,
                                   sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: cases)
    func weightsAfterFiveAdamStepsMatchTheReference(_ c: Case) throws {
        let p = Self.problem(c, seed: 11)
        try Self.checkFiveAdamSteps(c, p, Self.ensemble(c, p))
    }

    /// All weights of `e` (loaded with `p`) after 5 Adam steps against the CPU Double reference.
    static func checkFiveAdamSteps(_ c: Case, _ p: Problem, _ e: VulkanLSTMEnsemble,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        // Different learning rates per model: the ensemble carries them in its per-model hyper buffer.
        let adam = (0..<c.models).map { AdamConfig(lr: 1e-3 * Double($0 + 1)) }
        for _ in 0..<5 { _ = try e.trainStep(p.batches, adam: adam) }
        let gpu = try e.states()
        for k in 0..<c.models {
            let ref = CPUBackend<Double>(shape: p.shape, threads: 1)
            try ref.load(TrainingState(params: p.params[k]))
            for _ in 0..<5 { _ = try ref.trainStep(p.batches[k], adam: adam[k]) }
            let r = try ref.state()
            // atol 1e-4 (more than the 1e-5 used for gradients), because Adam normalises each element by
            // sqrt(v): where a gradient element is close to float32 rounding noise, its step
            // lr*m/sqrt(v) can differ by a good part of lr between float32 and float64 (observed on
            // lavapipe: 1.9e-5 on one Wh element after 5 steps of lr 1e-3). 1e-4 is a tenth of one step,
            // while a wrong kernel moves weights by about lr per step on every element, and the
            // gradient test above checks the signal-carrying values at rtol 1e-4.
            let report = Compare(layout: ParameterLayout(p.shape), model: k)
            report.checkParameters("weights after 5 Adam steps", gpu[k].params.values.map(Double.init), r.params.values,
                                   atol: 1e-4, rtol: 1e-4, sourceLocation: sourceLocation)
            #expect(gpu[k].step == 5, sourceLocation: sourceLocation)
        }
    }

    @Test func twoRunsAreBitwiseIdentical() throws {
        let c = Case(hidden: 9, batch: 5, seqLen: 13, embed: 4, models: 2)
        let p = Self.problem(c, seed: 3)
        func run() throws -> [[Float]] {
            let e = try Self.ensemble(c, p)
            for _ in 0..<3 { _ = try e.trainStep(p.batches, adam: [AdamConfig(), AdamConfig()]) }
            return try e.states().map(\.params.values)
        }
        #expect(try run() == run())
    }
}

/// Element-wise comparison that names the worst element as (model, tensor, gate, unit, column) or
/// (model, batch) for per-sequence values.
struct Compare {
    let layout: ParameterLayout
    let model: Int

    func check(_ what: String, _ a: [Double], _ ref: [Double], atol: Double, rtol: Double,
               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == ref.count, "\(what): \(a.count) values, reference has \(ref.count)", sourceLocation: sourceLocation)
        var worst = 0.0, at = -1
        for i in 0..<min(a.count, ref.count) {
            let excess = abs(a[i] - ref[i]) / (atol + rtol * abs(ref[i]))
            if !(excess <= worst) { worst = excess; at = i }
        }
        #expect(worst <= 1, "\(what): worst at (model \(model), batch \(at)): \(at >= 0 ? a[at] : .nan) vs \(at >= 0 ? ref[at] : .nan)",
                sourceLocation: sourceLocation)
    }

    func checkParameters(_ what: String, _ a: [Double], _ ref: [Double], atol: Double, rtol: Double,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        for slot in layout.slots {
            var worst = 0.0, at = -1
            for i in slot.range {
                let excess = abs(a[i] - ref[i]) / (atol + rtol * abs(ref[i]))
                if !(excess <= worst) { worst = excess; at = i }
            }
            #expect(worst <= 1, "\(what) \(slot.name): worst at \(describe(slot, at)): \(at >= 0 ? a[at] : .nan) vs reference \(at >= 0 ? ref[at] : .nan)",
                    sourceLocation: sourceLocation)
        }
    }

    private func describe(_ slot: TensorSlot, _ i: Int) -> String {
        guard i >= 0 else { return "-" }
        let k = i - slot.offset, H = layout.shape.hidden
        let gates = ["i", "f", "g", "o"]
        switch slot.name {
        case "lstm.weight_ih_l0", "lstm.weight_hh_l0":
            let cols = slot.shape[1], row = k / cols
            return "(model \(model), gate \(gates[row / H]), unit \(row % H), column \(k % cols))"
        case "lstm.bias_ih_l0": return "(model \(model), gate \(gates[k / H]), unit \(k % H))"
        case "embedding.weight": return "(model \(model), token \(k / layout.shape.embed), column \(k % layout.shape.embed))"
        default: return "(model \(model), index \(k))"
        }
    }
}
