import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// Every kernel against the CPU Double reference on random data with odd shapes and two seeds: logits,
/// loss, every gradient, and all weights after 5 Adam steps, within |a-b| <= atol + rtol*|ref|, rtol = 1e-4.
/// A failure names the case, the seed, and each tensor's worst element by its coordinates (Compare).
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
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

    /// A case with the seed of its random weights and data (printed with the case on failure).
    struct Seeded: Sendable, CustomTestStringConvertible {
        let c: Case, seed: UInt64
        var testDescription: String { "\(c.testDescription) seed \(seed)" }
    }

    /// Every case with seed `first`; the cheaper ones (including M = 3 and split-K) again with seed
    /// `second`, so a second draw of weights and data is checked without doubling the CI time.
    static func seeded(_ first: UInt64, _ second: UInt64) -> [Seeded] {
        let again = [cases[0], cases[1], cases[2], splitCase]
        return cases.map { Seeded(c: $0, seed: first) } + again.map { Seeded(c: $0, seed: second) }
    }

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
            var p = TestModels.uniform(ParameterLayout(shape), spread: 0.5, rng: &rng)
            // Round to Float first so both backends start from identical values.
            p.values = p.values.map { Double(Float($0)) }
            params.append(p)
            batches.append(TestModels.batch(vocab: vocab, seqLen: c.seqLen, count: c.batch, rng: &rng))
        }
        return Problem(shape: shape, params: params, batches: batches)
    }

    static func ensemble(_ c: Case, _ p: Problem, kernels: KernelConfig = KernelConfig()) throws -> VulkanLSTMEnsemble {
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler,
                                       shape: p.shape, models: c.models, batch: c.batch, seqLen: c.seqLen, kernelConfig: kernels)
        try e.load(p.params.map { TrainingState(params: $0.converted(to: Float.self)) })
        return e
    }

    @Test(arguments: seeded(7, 8))
    func logitsLossAndGradientsMatchTheReference(_ s: Seeded) throws {
        let p = Self.problem(s.c, seed: s.seed)
        try Self.checkGradients(s.c, p, Self.ensemble(s.c, p))
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
            report.checkPerSequence("logits", gpuLogits[k].logits.map(Double.init), refLogits.map(Double.init), atol: 1e-5, rtol: 1e-4,
                                    sourceLocation: sourceLocation)
            report.checkScalar("loss (sum over the batch)", gpu[k].lossSum, refTotals.lossSum, atol: 1e-5, rtol: 1e-4,
                               sourceLocation: sourceLocation)
            report.checkParameters("gradient", gpuGrads[k].map(Double.init), refGrad, atol: 1e-6, rtol: 1e-4,
                                   sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: seeded(11, 12))
    func weightsAfterFiveAdamStepsMatchTheReference(_ s: Seeded) throws {
        let p = Self.problem(s.c, seed: s.seed)
        try Self.checkFiveAdamSteps(s.c, p, Self.ensemble(s.c, p))
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

/// Element-wise comparison, |a-b| <= atol + rtol*|ref|, that names the worst element of each tensor with
/// the coordinates that tensor has: (model, batch) for per-sequence values such as logits, (model) for
/// a batch's loss, (model, gate, unit, column) for Wx and Wh, (model, gate, unit) for the bias,
/// (model, token, column) for the embedding, (model, unit) for the head. (The tests compare no per-step
/// activations; those would be (model, batch, step, gate, unit).)
struct Compare {
    let layout: ParameterLayout
    let model: Int

    /// One value per sequence of the batch, such as the logits.
    func checkPerSequence(_ what: String, _ a: [Double], _ ref: [Double], atol: Double, rtol: Double,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == ref.count, "\(what): \(a.count) values, reference has \(ref.count)", sourceLocation: sourceLocation)
        let n = min(a.count, ref.count)
        expectWithin(what, a, ref, 0..<n, atol: atol, rtol: rtol, at: { "(model \(model), batch \($0))" }, sourceLocation: sourceLocation)
    }

    /// One value for the model, such as the loss summed over the batch.
    func checkScalar(_ what: String, _ a: Double, _ ref: Double, atol: Double, rtol: Double,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        expectWithin(what, [a], [ref], 0..<1, atol: atol, rtol: rtol, at: { _ in "(model \(model))" }, sourceLocation: sourceLocation)
    }

    /// A whole parameter vector (weights, gradients), tensor by tensor.
    func checkParameters(_ what: String, _ a: [Double], _ ref: [Double], atol: Double, rtol: Double,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == layout.count && ref.count == layout.count, "\(what): \(a.count) and \(ref.count) values for \(layout.count) parameters",
                sourceLocation: sourceLocation)
        guard a.count == layout.count && ref.count == layout.count else { return }
        for slot in layout.slots {
            expectWithin("\(what) \(slot.name)", a, ref, slot.range, atol: atol, rtol: rtol, at: { location(slot, $0) },
                         sourceLocation: sourceLocation)
        }
    }

    /// The element of `range` whose error exceeds the tolerance the most (a NaN counts as worst), and
    /// the error over the tolerance; index -1 for an empty range.
    static func worst(_ a: [Double], _ ref: [Double], _ range: Range<Int>, atol: Double, rtol: Double) -> (index: Int, excess: Double) {
        var worst = 0.0, at = range.isEmpty ? -1 : range.lowerBound
        for i in range {
            let excess = abs(a[i] - ref[i]) / (atol + rtol * abs(ref[i]))
            // A NaN ends the search: every later comparison with it is false, so it would be overwritten.
            if excess.isNaN { return (i, .nan) }
            if excess > worst { worst = excess; at = i }
        }
        return (at, worst)
    }

    private func expectWithin(_ what: String, _ a: [Double], _ ref: [Double], _ range: Range<Int>, atol: Double, rtol: Double,
                              at name: (Int) -> String, sourceLocation: SourceLocation) {
        let (i, excess) = Self.worst(a, ref, range, atol: atol, rtol: rtol)
        guard i >= 0 else { return }
        #expect(excess <= 1,
                "\(what): worst element \(name(i)): \(a[i]) vs reference \(ref[i]), |diff| \(abs(a[i] - ref[i])) = \(excess) x (atol \(atol) + rtol \(rtol) * |ref|)",
                sourceLocation: sourceLocation)
    }

    /// The coordinates of flat parameter index `i` inside `slot`.
    func location(_ slot: TensorSlot, _ i: Int) -> String {
        let k = i - slot.offset, H = layout.shape.hidden
        let gates = ["i", "f", "g", "o"]
        switch slot {
        case layout.wx, layout.wh:
            let cols = slot.shape[1], row = k / cols
            return "(model \(model), gate \(gates[row / H]), unit \(row % H), column \(k % cols))"
        case layout.bias, layout.biasHH: return "(model \(model), gate \(gates[k / H]), unit \(k % H))"
        case layout.embedding: return "(model \(model), token \(k / layout.shape.embed), column \(k % layout.shape.embed))"
        case layout.wd: return "(model \(model), unit \(k))"
        default: return "(model \(model))"
        }
    }
}

/// Compare's coordinates, without a device: a wrong decoding would point a failure at the wrong element.
struct CompareTests {
    @Test func worstElementsAreNamedByTheirCoordinates() {
        let layout = ParameterLayout(ModelShape(vocab: 5, embed: 2, hidden: 3))
        let c = Compare(layout: layout, model: 1)
        // Wh is [4H][H] = [12][3]: row 1*3 + 2 is gate f, unit 2.
        #expect(c.location(layout.wh, layout.wh.offset + (1 * 3 + 2) * 3 + 1) == "(model 1, gate f, unit 2, column 1)")
        // Wx is [4H][E] = [12][2]: row 3*3 + 0 is gate o, unit 0.
        #expect(c.location(layout.wx, layout.wx.offset + (3 * 3 + 0) * 2 + 1) == "(model 1, gate o, unit 0, column 1)")
        #expect(c.location(layout.bias, layout.bias.offset + 2 * 3 + 1) == "(model 1, gate g, unit 1)")
        #expect(c.location(layout.embedding, layout.embedding.offset + 4 * 2 + 1) == "(model 1, token 4, column 1)")
        #expect(c.location(layout.wd, layout.wd.offset + 2) == "(model 1, unit 2)")
        #expect(c.location(layout.bd, layout.bd.offset) == "(model 1)")
        // The worst element is the largest excess over the tolerance, and a NaN beats any number.
        let ref = [1.0, 100.0, 1.0, 1.0]
        #expect(Compare.worst([1.0, 100.5, 1.1, 1.0], ref, 0..<4, atol: 1e-3, rtol: 1e-3).index == 2)
        #expect(Compare.worst([1.0, 100.5, .nan, 5.0], ref, 0..<4, atol: 1e-3, rtol: 1e-3).index == 2)
        #expect(Compare.worst(ref, ref, 1..<3, atol: 1e-3, rtol: 1e-3) == (index: 1, excess: 0))
    }
}
