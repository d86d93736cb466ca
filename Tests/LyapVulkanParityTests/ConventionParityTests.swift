import Foundation
import Testing
import LyapCore
import LyapCPU
import LyapDynamics
import LyapCPUDynamics
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// `--lstm-biases two` and `--adam-form keras|keras2` on Vulkan against the CPU Double reference, on odd
/// shapes whose batches repeat embedding rows (the keras form's slice squares): logits, loss and every
/// gradient (bias_hh included), and all weights after 5 Adam steps, with ParityTests' tolerances.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct ConventionParityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let c: ParityTests.Case, vocab: Int, biases: BiasLayout, form: AdamForm, seed: UInt64
        var testDescription: String { "\(c.testDescription) V\(vocab) \(biases) bias(es) adam \(form) seed \(seed)" }
    }

    static let cases: [Case] = {
        let shapes = [(ParityTests.Case(hidden: 7, batch: 3, seqLen: 17, embed: 5, models: 2), 9),
                      (ParityTests.Case(hidden: 5, batch: 7, seqLen: 59, embed: 3, models: 1), 53)]  // split-K
        var out: [Case] = []
        for (k, (shape, vocab)) in shapes.enumerated() {
            for biases in BiasLayout.allCases {
                for form in AdamForm.allCases where k == 0 || biases == .two || form != .torch {
                    out.append(Case(c: shape, vocab: vocab, biases: biases, form: form, seed: UInt64(40 + out.count)))
                }
            }
        }
        return out
    }()

    static func problem(_ s: Case) -> ParityTests.Problem {
        let shape = ModelShape(vocab: s.vocab, embed: s.c.embed, hidden: s.c.hidden)
        var rng = LabRNG(seed: s.seed, stream: "vulkan-convention-parity")
        var params: [ParameterStore<Double>] = [], batches: [Batch] = []
        for _ in 0..<s.c.models {
            var p = ParameterStore<Double>.zeros(ParameterLayout(shape, biases: s.biases))
            for i in p.values.indices { p.values[i] = Double(Float(rng.uniform(-0.5, 0.5))) }
            params.append(p)
            batches.append(Batch(tokens: (0..<(s.c.batch * s.c.seqLen)).map { _ in Int32(rng.below(s.vocab)) },
                                 labels: (0..<s.c.batch).map { _ in UInt8(rng.below(2)) }, seqLen: s.c.seqLen))
        }
        return ParityTests.Problem(shape: shape, params: params, batches: batches)
    }

    static func ensemble(_ s: Case, _ p: ParityTests.Problem) throws -> VulkanLSTMEnsemble {
        let e = try VulkanLSTMEnsemble(context: GPUTestEnvironment.context!, compiler: GPUTestEnvironment.compiler,
                                       shape: p.shape, biases: s.biases, models: s.c.models, batch: s.c.batch, seqLen: s.c.seqLen)
        try e.load(p.params.map { TrainingState(params: $0.converted(to: Float.self)) })
        return e
    }

    @Test(arguments: cases.filter { $0.form == .torch })
    func logitsLossAndGradientsMatchTheReference(_ s: Case) throws {
        let p = Self.problem(s), e = try Self.ensemble(s, p)
        let gpu = try e.gradients(p.batches), grads = try e.gradientValues(), logits = try e.evaluate(p.batches)
        for k in 0..<s.c.models {
            let ref = CPUModel<Double>(shape: p.shape, threads: 1, biases: s.biases)
            let (totals, refLogits) = ref.evaluate(p.params[k], p.batches[k])
            var g = [Double](repeating: 0, count: p.params[k].values.count)
            _ = ref.lossAndGradient(p.params[k], p.batches[k], into: &g)
            let report = Compare(layout: p.params[k].layout, model: k)
            report.checkPerSequence("logits", logits[k].logits.map(Double.init), refLogits.map(Double.init), atol: 1e-5, rtol: 1e-4)
            report.checkScalar("loss (sum over the batch)", gpu[k].lossSum, totals.lossSum, atol: 1e-5, rtol: 1e-4)
            report.checkParameters("gradient", grads[k].map(Double.init), g, atol: 1e-6, rtol: 1e-4)
            if let hh = p.params[k].layout.biasHH {
                #expect(Array(grads[k][hh.range]) == Array(grads[k][p.params[k].layout.bias.range]), "bias_hh's gradient is bias_ih's")
            }
        }
    }

    @Test(arguments: cases)
    func weightsAfterFiveAdamStepsMatchTheReference(_ s: Case) throws {
        let p = Self.problem(s), e = try Self.ensemble(s, p)
        let adam = (0..<s.c.models).map { AdamConfig(lr: 1e-3 * Double($0 + 1), eps: s.form.defaultEpsilon, form: s.form) }
        for _ in 0..<5 { _ = try e.trainStep(p.batches, adam: adam) }
        let gpu = try e.states()
        for k in 0..<s.c.models {
            let ref = CPUBackend<Double>(shape: p.shape, threads: 1, biases: s.biases)
            try ref.load(TrainingState(params: p.params[k]))
            for _ in 0..<5 { _ = try ref.trainStep(p.batches[k], adam: adam[k]) }
            let r = try ref.state()
            // ParityTests.checkFiveAdamSteps explains atol 1e-4 (a tenth of one step).
            let report = Compare(layout: p.params[k].layout, model: k)
            report.checkParameters("weights after 5 Adam steps", gpu[k].params.values.map(Double.init), r.params.values, atol: 1e-4, rtol: 1e-4)
            report.checkParameters("Adam m after 5 steps", gpu[k].m.map(Double.init), r.m, atol: 1e-6, rtol: 1e-3)
            report.checkParameters("Adam v after 5 steps", gpu[k].v.map(Double.init), r.v, atol: 1e-9, rtol: 1e-3)
            #expect(gpu[k].step == 5)
        }
    }

    /// The forms differ on these problems by far more than the tolerance: a kernel that ignored the form
    /// (or the slice squares) would fail above.
    @Test func formsGiveDifferentTrajectoriesHere() throws {
        let s = Self.cases[0]
        let p = Self.problem(s)
        func run(_ form: AdamForm) throws -> [Double] {
            let ref = CPUBackend<Double>(shape: p.shape, threads: 1, biases: s.biases)
            try ref.load(TrainingState(params: p.params[0]))
            for _ in 0..<5 { _ = try ref.trainStep(p.batches[0], adam: AdamConfig(lr: 1e-3, eps: 1e-7, form: form)) }
            return try ref.state().v
        }
        let emb = p.params[0].layout.embedding.range
        let keras = try run(.keras), keras2 = try run(.keras2)
        let worst = emb.map { abs(keras[$0] - keras2[$0]) / (1e-9 + 1e-3 * abs(keras2[$0])) }.max()!
        #expect(worst > 10, "keras and keras2 embedding v differ by only \(worst) x the tolerance")
    }

    /// Frozen embedding with the keras form: the slice squares stay zero, so the table is bitwise unchanged.
    @Test func frozenEmbeddingStaysFixedInTheKerasForm() throws {
        let s = Self.cases.first { $0.form == .keras && $0.biases == .two }!
        let p = Self.problem(s), e = try Self.ensemble(s, p)
        e.frozenEmbedding = true
        let start = try e.states()
        let adam = [AdamConfig](repeating: AdamConfig(lr: 1e-2, eps: 1e-7, form: .keras), count: s.c.models)
        for _ in 0..<3 { _ = try e.trainStep(p.batches, adam: adam) }
        let end = try e.states(), lay = p.params[0].layout
        for k in 0..<s.c.models {
            #expect(end[k].params[lay.embedding].map(\.bitPattern) == start[k].params[lay.embedding].map(\.bitPattern))
            #expect(end[k].params[lay.biasHH!] != start[k].params[lay.biasHH!])
        }
    }

    /// The stability analysis of a two-bias model (as the trainer hands it over) is the one-bias model's
    /// with the summed bias, on the device and on the CPU, and not the model's without bias_hh.
    @Test func analysisSeesTheSummedBias() throws {
        let two = ParameterLayout(ModelShape(vocab: 13, embed: 3, hidden: 6), biases: .two)
        var rng = LabRNG(seed: 61, stream: "two-bias-analysis")
        var p = ParameterStore<Double>.zeros(two)
        for i in p.values.indices { p.values[i] = Double(Float(rng.uniform(-0.5, 0.5))) }
        for i in two.wh.range { p.values[i] = Double(Float(2 * rng.normal() / 6.0.squareRoot())) }
        var withoutHH = p
        for i in two.biasHH!.range { withoutHH.values[i] = 0 }
        let r = StabilityParityTests.reviews(count: 4, drive: 20, seed: 62)
        let c = StabilityParityTests.config(drive: 20, steps: 120, transient: 20, k: 2, reviews: 4)
        let gpu = StabilityParityTests.gpu
        let results = try gpu.analyze([p, p.withSummedBias(), withoutHH], reviews: r, config: c)
        #expect(results[0] == results[1])
        #expect(results[0] != results[2])
        var c64 = c
        c64.precision = .float64
        #expect(try StabilityAnalysis.analyze(p, reviews: r, config: c64) == StabilityAnalysis.analyze(p.withSummedBias(), reviews: r, config: c64))
    }
}
