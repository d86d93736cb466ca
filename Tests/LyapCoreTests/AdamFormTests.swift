import Testing
import Foundation
@testable import LyapCore

/// `--adam-form keras|keras2` against steps worked from Keras' formulas (Double), and Keras' float32
/// operation order.
struct AdamFormTests {
    /// V=4, E=1, H=1: the embedding is elements 0..<4, everything after it is dense.
    static let layout = ParameterLayout(ModelShape(vocab: 4, embed: 1, hidden: 1))
    /// A large eps so that its placement (inside or outside the bias correction) shows.
    static let config = AdamConfig(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-3)

    /// Keras' update of one element from (p, m, v) with gradient g and v's squared term g2.
    static func keras(_ p: inout Double, _ m: inout Double, _ v: inout Double, g: Double, g2: Double, t: Int, _ c: AdamConfig) {
        let alpha = c.lr * (1 - pow(c.beta2, Double(t))).squareRoot() / (1 - pow(c.beta1, Double(t)))
        m = c.beta1 * m + (1 - c.beta1) * g
        v = c.beta2 * v + (1 - c.beta2) * g2
        p -= alpha * m / (v.squareRoot() + c.eps)
    }

    /// Two steps; step 2 leaves embedding row 1 out of the batch (gradient 0) and gives row 2 slice squares
    /// different from its squared sum, as a repeated row has.
    @Test(arguments: [AdamForm.keras, .keras2])
    func twoStepsMatchKerasFormulas(_ form: AdamForm) {
        let n = Self.layout.count
        var c = Self.config
        c.form = form
        var state = TrainingState(params: ParameterStore<Double>(layout: Self.layout, values: (0..<n).map { 0.5 - 0.01 * Double($0) }))
        let g1 = (0..<n).map { 0.2 + 0.03 * Double($0) }
        var g2 = (0..<n).map { -0.4 + 0.05 * Double($0) }
        g2[1] = 0
        // Per-occurrence squares: step 1 row 3 occurred twice with slices 0.2 and 0.09 (sum 0.29); step 2
        // row 2 twice with slices -0.5 and 0.2 (sum -0.3).
        var sq1 = (0..<4).map { g1[$0] * g1[$0] }
        sq1[3] = 0.2 * 0.2 + 0.09 * 0.09
        var sq2 = (0..<4).map { g2[$0] * g2[$0] }
        g2[2] = -0.3
        sq2[2] = 0.25 + 0.04
        var p = state.params.values, m = [Double](repeating: 0, count: n), v = m
        for (t, (g, sq)) in [(g1, sq1), (g2, sq2)].enumerated() {
            Adam.update(&state, gradient: g, config: c, sliceSquares: form == .keras ? sq : nil)
            for i in 0..<n {
                let square = form == .keras && i < 4 ? sq[i] : g[i] * g[i]
                Self.keras(&p[i], &m[i], &v[i], g: g[i], g2: square, t: t + 1, c)
            }
            for i in 0..<n {
                #expect(abs(state.params.values[i] - p[i]) <= 1e-15 * max(1, abs(p[i])), "\(form) step \(t + 1) element \(i)")
                #expect(abs(state.m[i] - m[i]) <= 1e-16 && abs(state.v[i] - v[i]) <= 1e-17, "\(form) moments, step \(t + 1) element \(i)")
            }
        }
        #expect(state.step == 2)
        // The forms must differ from torch's (eps placement) by far more than the tolerance above.
        var torch = TrainingState(params: ParameterStore<Double>(layout: Self.layout, values: (0..<n).map { 0.5 - 0.01 * Double($0) }))
        Adam.update(&torch, gradient: g1, config: Self.config)
        var once = TrainingState(params: ParameterStore<Double>(layout: Self.layout, values: (0..<n).map { 0.5 - 0.01 * Double($0) }))
        Adam.update(&once, gradient: g1, config: c, sliceSquares: form == .keras ? sq1 : nil)
        #expect(abs(torch.params.values[5] - once.params.values[5]) > 1e-4)
    }

    /// The slice squares enter only the embedding's v, and only in the keras form.
    @Test func sliceSquaresReachOnlyTheKerasEmbedding() {
        let n = Self.layout.count
        let g = [Double](repeating: 0.1, count: n)
        func run(_ form: AdamForm, squares: Double) -> TrainingState<Double> {
            var c = Self.config
            c.form = form
            var s = TrainingState(params: ParameterStore<Double>.zeros(Self.layout))
            Adam.update(&s, gradient: g, config: c, sliceSquares: form == .keras ? [Double](repeating: squares, count: 4) : nil)
            return s
        }
        let a = run(.keras, squares: 0.01), b = run(.keras, squares: 0.02), k2 = run(.keras2, squares: 0)
        #expect(a.v[0..<4] != b.v[0..<4] && a.v[4...] == b.v[4...])
        // With squares = g^2 (one occurrence per row) keras equals keras2 (from zero moments, bit for bit).
        #expect(run(.keras, squares: 0.1 * 0.1).params.values == k2.params.values)
    }

    /// float32: Keras' operation order exactly (TensorFlow evaluates each op in the variable's dtype), on the tiny
    /// layout and on one whose embedding (185 elements) and dense part run the 16-lane path, whole and split at
    /// odd places the way the threads split it.
    @Test(arguments: [AdamForm.keras, .keras2], [ModelShape(vocab: 4, embed: 1, hidden: 1), ModelShape(vocab: 37, embed: 5, hidden: 3)])
    func floatFollowsKerasOperationOrder(_ form: AdamForm, _ shape: ModelShape) {
        let layout = ParameterLayout(shape)
        let n = layout.count, emb = layout.embedding.range
        var c = AdamConfig(lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-7)
        c.form = form
        var rng = LabRNG(seed: 5)
        let p0 = (0..<n).map { _ in Float(rng.normal()) }
        var state = TrainingState(params: ParameterStore<Float>(layout: layout, values: p0))
        state.m = (0..<n).map { _ in Float(rng.normal()) * 0.01 }
        state.v = (0..<n).map { _ in Float(rng.uniform(0, 1e-4)) }
        state.step = 6
        let g = (0..<n).map { _ in Float(rng.normal()) * 0.1 }
        let sq = emb.map { g[$0] * g[$0] * 1.5 }
        var p = p0, m = state.m, v = state.v
        var split = (p: p0, m: state.m, v: state.v)
        Adam.update(&state, gradient: g, config: c, sliceSquares: form == .keras ? sq : nil)
        let cuts = [0, min(n, 13), min(n, emb.upperBound + 7), n].sorted()
        for k in 0..<3 where cuts[k] < cuts[k + 1] {
            sq.withUnsafeBufferPointer { q in
                Adam.apply(&split.p, &split.m, &split.v, g, cuts[k]..<cuts[k + 1], step: 7, config: c, embedding: emb,
                           sliceSquares: form == .keras ? q.baseAddress : nil)
            }
        }
        let t: Float = 7
        let alpha = Float(5e-4) * (1 - powf(Float(0.999), t)).squareRoot() / (1 - powf(Float(0.9), t))
        let c1 = Float(1 - 0.9), c2 = Float(1 - 0.999), eps = Float(1e-7)
        for i in 0..<n {
            if form == .keras2 && emb.contains(i) {
                m[i] = (m[i] + (-m[i]) * c1) + g[i] * c1
                v[i] = (v[i] + (-v[i]) * c2) + (g[i] * g[i]) * c2
            } else {
                let g2 = form == .keras && emb.contains(i) ? sq[i] : g[i] * g[i]
                m[i] = m[i] + (g[i] - m[i]) * c1
                v[i] = v[i] + (g2 - v[i]) * c2
            }
            p[i] = p[i] - (m[i] * alpha) / (v[i].squareRoot() + eps)
        }
        #expect(state.params.values == p && state.m == m && state.v == v)
        #expect(split.p == p && split.m == m && split.v == v)
    }

    /// config.json keeps its adam block as before: the form is recorded beside it (RunConfig.adamForm).
    @Test func formIsNotPartOfTheEncodedBlock() throws {
        let data = try JSONEncoder().encode(AdamConfig(form: .keras))
        let keys = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(Set(keys.keys) == ["lr", "beta1", "beta2", "eps"])
        #expect(try JSONDecoder().decode(AdamConfig.self, from: data).form == .torch)
    }
}
