import LyapCore
import Testing
@testable import LyapCPU

/// Issue 14's shared pad prefix: the same function and gradient as every row running all L steps, with
/// only the float summation order moved. Batches with all-equal, all-different and zero pad lengths and
/// with no pad at all; narrow (one slice per thread) and wide (one slice, phases split) paths; both bias
/// layouts and both losses; Keras 3's per-occurrence slices (forward shared only).
struct SharedPadPrefixTests {
    static let pad: Int32 = 0

    /// Pre-padded rows: row b has `leads[b]` pad ids, then random non-pad ids (1..<V).
    static func problem(leads: [Int], L: Int = 11, H: Int = 7, E: Int = 3, V: Int = 9, seed: UInt64,
                        biases: BiasLayout = .one) -> RandomModel {
        let base = RandomModel(vocab: V, embed: E, hidden: H, seqLen: L, batch: leads.count, seed: seed, biases: biases)
        var rng = LabRNG(seed: seed, stream: "pad-prefix-tokens")
        var tokens: [Int32] = []
        for p in leads { tokens += (0..<L).map { $0 < p ? pad : Int32(1 + rng.below(V - 1)) } }
        return RandomModel(shape: base.shape, params: base.params,
                           batch: Batch(tokens: tokens, labels: base.batch.labels, seqLen: L))
    }

    static let batches: [(String, [Int])] = [
        ("all different", [0, 3, 9, 1, 6, 10, 4]),
        ("all equal", [5, 5, 5, 5, 5]),
        ("zero pad", [0, 0, 0, 0]),
        ("mixed with repeats and an all-pad row", [2, 11, 2, 0, 7, 7]),
    ]

    struct Outcome<T: CPUScalar> {
        var loss: Double, grad: [T], squares: [T], logits: [Float], model: CPUModel<T>
        /// The slices' row layouts of the training pass.
        var layouts: [RowLayout]
    }

    static func run<T: CPUScalar>(_ m: RandomModel, _: T.Type, shared: Bool, threads: Int, wide: Bool,
                                  loss: LossForm = .logits, squares: Bool = false) -> Outcome<T> {
        let model = CPUModel<T>(shape: m.shape, threads: threads, wideFrom: wide ? 1 : CPUModel<T>.defaultWideFrom,
                                biases: m.params.layout.biases)
        model.sharedPadID = shared ? pad : nil
        model.loss = loss
        let p = ParameterStore<T>(layout: m.params.layout, values: m.params.values.map { T($0) })
        var g = [T](repeating: 0, count: p.layout.count), sq = [T](repeating: 0, count: squares ? p.layout.embedding.count : 1)
        let totals = sq.withUnsafeMutableBufferPointer { s in
            model.lossAndGradient(p, m.batch, into: &g, sliceSquares: squares ? s.baseAddress : nil)
        }
        let layouts = model.workspaces.map(\.rowLayout)
        let eval = model.evaluate(p, m.batch)
        #expect(eval.totals.lossSum == totals.lossSum || abs(eval.totals.lossSum - totals.lossSum) < 1e-12)
        return Outcome(loss: totals.meanLoss, grad: g, squares: sq, logits: eval.logits, model: model, layouts: layouts)
    }

    static func maxRelative<T: CPUScalar>(_ a: [T], _ b: [T]) -> Double {
        let scale = max(b.map { abs(Double($0)) }.max() ?? 0, 1e-300)
        return zip(a, b).map { abs(Double($0) - Double($1)) }.max().map { $0 / scale } ?? 0
    }

    @Test(arguments: batches, [(1, false), (2, false), (2, true), (3, false)])
    func float64GradientEqualsTheUnsharedComputation(_ batch: (String, [Int]), path: (threads: Int, wide: Bool)) {
        for (biases, loss) in [(BiasLayout.one, LossForm.logits), (.two, .sigmoidBCE)] {
            let m = Self.problem(leads: batch.1, seed: 7, biases: biases)
            let a = Self.run(m, Double.self, shared: true, threads: path.threads, wide: path.wide, loss: loss)
            let b = Self.run(m, Double.self, shared: false, threads: path.threads, wide: path.wide, loss: loss)
            #expect(abs(a.loss - b.loss) <= 1e-13 * abs(b.loss), "\(batch.0): loss \(a.loss) vs \(b.loss)")
            let d = Self.maxRelative(a.grad, b.grad)
            #expect(d <= 1e-13, "\(batch.0), \(biases), \(loss), threads \(path.threads) wide \(path.wide): gradient differs by \(d) of its largest element")
            #expect(zip(a.logits, b.logits).allSatisfy { $0 == $1 || abs($0 - $1) <= 1e-6 * max(abs($1), 1) })
            // The computation really was shared where there was a prefix to share.
            let shared = a.layouts.contains { $0.sharedSteps > 0 }
            #expect(shared == batch.1.contains { $0 > 0 }, "\(batch.0): sharedSteps \(a.layouts.map(\.sharedSteps))")
            #expect(b.layouts.allSatisfy { $0.sharedSteps == 0 })
        }
    }

    /// Every parameter's gradient, the embedding's pad row included, is nonzero somewhere: the comparison
    /// above covers the shared trajectory's share (the pad row gets gradient only through it).
    @Test func thePadRowGetsItsGradientThroughTheSharedTrajectory() {
        let m = Self.problem(leads: [4, 6, 1], seed: 3)
        let a = Self.run(m, Double.self, shared: true, threads: 1, wide: false)
        let E = m.shape.embed, emb = m.params.layout.embedding.offset
        #expect((0..<E).contains { abs(a.grad[emb + $0]) > 1e-6 }, "pad row gradient \(a.grad[emb..<(emb + E)])")
        #expect(a.layouts[0].injects)
        #expect(a.layouts[0].stepRows < m.batch.count * m.batch.seqLen)
    }

    /// Float32: within the parity tolerance of the float64 reference, as the unshared Float path is. H = 16
    /// runs the backward products on lyap's kernel directly, H = 13 over Wh padded to 16 columns, and H = 18
    /// has 72 gate columns (a tail of 8 in the AVX2 kernel), H = 8 has 32.
    @Test(arguments: batches, [16, 13, 18, 8])
    func float32MatchesTheReference(_ batch: (String, [Int]), hidden: Int) {
        let m = Self.problem(leads: batch.1, L: 23, H: hidden, E: 5, seed: 11)
        let ref = Self.run(m, Double.self, shared: false, threads: 1, wide: false)
        for (threads, wide) in [(1, false), (2, false), (2, true)] {
            let a = Self.run(m, Float.self, shared: true, threads: threads, wide: wide)
            let d = Self.maxRelative(a.grad.map { Double($0) }, ref.grad)
            #expect(d < 1e-5, "\(batch.0), threads \(threads) wide \(wide): float32 gradient differs by \(d)")
            #expect(abs(a.loss - ref.loss) < 1e-6)
        }
    }

    /// Keras 3's Adam form: the forward is shared and each pad occurrence keeps its own slice, so the sums
    /// of squared slices equal the unshared ones.
    @Test(arguments: [1, 2])
    func perOccurrenceSlicesSurviveTheSharedForward(threads: Int) {
        let m = Self.problem(leads: [0, 3, 9, 3, 6], seed: 5)
        let a = Self.run(m, Double.self, shared: true, threads: threads, wide: false, squares: true)
        let b = Self.run(m, Double.self, shared: false, threads: threads, wide: false, squares: true)
        #expect(Self.maxRelative(a.grad, b.grad) <= 1e-13)
        #expect(Self.maxRelative(a.squares, b.squares) <= 1e-13)
        #expect(a.layouts.contains { $0.sharedSteps > 0 && !$0.injects }, "\(a.layouts.map(\.sharedSteps))")
    }

    /// Sharing off is the computation of runs before it: the dense layout in batch order.
    @Test func offIsTheDenseLayout() {
        let m = Self.problem(leads: [3, 0, 5], seed: 2)
        let a = Self.run(m, Double.self, shared: false, threads: 1, wide: false)
        #expect(a.layouts[0] == .dense(steps: m.batch.seqLen, first: 0, count: 3))
    }
}
