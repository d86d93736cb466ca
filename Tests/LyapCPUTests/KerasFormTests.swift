import Testing
import LyapCore
@testable import LyapCPU

/// `--adam-form keras`: the embedding's per-occurrence gradient slices and the sum of their squares per
/// row, checked against a direct per-occurrence computation; and every form in Float against Double.
struct KerasFormTests {
    /// A model whose batch repeats tokens (V = 5, 3 x 6 positions), with two bias layouts.
    static func model(_ biases: BiasLayout, seed: UInt64 = 31) -> RandomModel {
        RandomModel(vocab: 5, embed: 3, hidden: 4, seqLen: 6, batch: 3, seed: seed, biases: biases)
    }

    /// The per-occurrence slices directly: the same model with one private embedding row per position
    /// (a copy of its token's row), whose gradient is that position's slice dL/dx[b,t,:].
    static func slices(_ m: RandomModel) -> [(token: Int, slice: [Double])] {
        let V = m.shape.vocab, E = m.shape.embed, n = m.batch.tokens.count
        let wide = ModelShape(vocab: V + n, embed: E, hidden: m.shape.hidden)
        let l = m.params.layout, lw = ParameterLayout(wide, biases: l.biases)
        var p = ParameterStore<Double>.zeros(lw)
        for (a, b) in zip(l.slots, lw.slots) where a.name != "embedding.weight" { p[b] = m.params[a] }
        for (k, id) in m.batch.tokens.enumerated() {
            for e in 0..<E { p.values[lw.embedding.offset + (V + k) * E + e] = m.params.values[l.embedding.offset + Int(id) * E + e] }
        }
        let batch = Batch(tokens: (0..<n).map { Int32(V + $0) }, labels: m.batch.labels, seqLen: m.batch.seqLen)
        var g = [Double](repeating: 0, count: lw.count)
        _ = CPUModel<Double>(shape: wide, threads: 1, biases: l.biases).lossAndGradient(p, batch, into: &g)
        return m.batch.tokens.enumerated().map { k, id in
            (Int(id), Array(g[(lw.embedding.offset + (V + k) * E)..<(lw.embedding.offset + (V + k + 1) * E)]))
        }
    }

    @Test(arguments: [(BiasLayout.one, 1), (.two, 2), (.one, 3)])
    func sliceSquaresAreTheSumOfSquaredPerOccurrenceSlices(_ biases: BiasLayout, threads: Int) {
        let m = Self.model(biases)
        let E = m.shape.embed, V = m.shape.vocab
        var counts = [Int](repeating: 0, count: V)
        for id in m.batch.tokens { counts[Int(id)] += 1 }
        #expect(counts.contains { $0 >= 3 }, "the batch must repeat a row")
        var sum = [Double](repeating: 0, count: V * E), squares = sum
        for (id, s) in Self.slices(m) {
            for e in 0..<E {
                sum[id * E + e] += s[e]
                squares[id * E + e] += s[e] * s[e]
            }
        }
        let model = CPUModel<Double>(shape: m.shape, threads: threads, biases: biases)
        var g = [Double](repeating: 0, count: m.params.layout.count), sq = [Double](repeating: -1, count: V * E)
        _ = sq.withUnsafeMutableBufferPointer { model.lossAndGradient(m.params, m.batch, into: &g, sliceSquares: $0.baseAddress) }
        let emb = m.params.layout.embedding
        for i in 0..<(V * E) {
            #expect(abs(g[emb.offset + i] - sum[i]) <= 1e-15 + 1e-12 * abs(sum[i]), "gradient of element \(i)")
            #expect(abs(sq[i] - squares[i]) <= 1e-18 + 1e-12 * squares[i], "slice squares of element \(i): \(sq[i]) vs \(squares[i])")
        }
        // A repeated row: the sum of squares is not the square of the sum.
        let r = counts.firstIndex { $0 >= 3 }!
        #expect(abs(sq[r * E] - g[emb.offset + r * E] * g[emb.offset + r * E]) > 1e-9)
        // Frozen embedding: both stay zero.
        _ = sq.withUnsafeMutableBufferPointer { model.lossAndGradient(m.params, m.batch, into: &g, frozenEmbedding: true, sliceSquares: $0.baseAddress) }
        #expect(sq.allSatisfy { $0 == 0 } && g[emb.range].allSatisfy { $0 == 0 })
    }

    /// A keras-form training step is Adam.update with the model's gradient and slice squares, and a
    /// repeated row steps differently from keras2 (which squares the row's sum).
    @Test func kerasStepUsesTheSliceSquares() throws {
        let m = Self.model(.two)
        var c = AdamConfig(lr: 1e-2, form: .keras)
        c.eps = 1e-7
        let backend = CPUBackend<Double>(shape: m.shape, threads: 2, biases: .two)
        try backend.load(TrainingState(params: m.params))
        _ = try backend.trainStep(m.batch, adam: c)
        let model = CPUModel<Double>(shape: m.shape, threads: 2, biases: .two)
        var g = [Double](repeating: 0, count: m.params.layout.count), sq = [Double](repeating: 0, count: m.params.layout.embedding.count)
        _ = sq.withUnsafeMutableBufferPointer { model.lossAndGradient(m.params, m.batch, into: &g, sliceSquares: $0.baseAddress) }
        var expected = TrainingState(params: m.params)
        Adam.update(&expected, gradient: g, config: c, sliceSquares: sq)
        #expect(try backend.state() == expected)
        let k2 = CPUBackend<Double>(shape: m.shape, threads: 2, biases: .two)
        try k2.load(TrainingState(params: m.params))
        var c2 = c
        c2.form = .keras2
        _ = try k2.trainStep(m.batch, adam: c2)
        let emb = m.params.layout.embedding.range
        #expect(try k2.state().params.values[emb] != backend.state().params.values[emb])
        #expect(try k2.state().params.values[emb.upperBound...] == backend.state().params.values[emb.upperBound...])
    }

    /// Float against Double for each form and bias layout over 4 steps; every form's Float run must be far
    /// closer to its own Double run than to another form's.
    @Test(arguments: [BiasLayout.one, .two])
    func floatFollowsDoubleInEveryForm(_ biases: BiasLayout) throws {
        let m = RandomModel(vocab: 7, embed: 3, hidden: 5, seqLen: 9, batch: 4, seed: 33, biases: biases)
        func run<T: CPUScalar>(_ form: AdamForm, _ t: T.Type) throws -> [Double] {
            let b = CPUBackend<T>(shape: m.shape, threads: 2, biases: biases)
            try b.load(TrainingState(params: m.params.converted(to: T.self)))
            for _ in 0..<4 { _ = try b.trainStep(m.batch, adam: AdamConfig(lr: 1e-3, eps: form.defaultEpsilon, form: form)) }
            return try b.state().params.values.map(Double.init)
        }
        func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max()! }
        let forms = AdamForm.allCases
        let doubles = try forms.map { try run($0, Double.self) }
        for (k, form) in forms.enumerated() {
            let f = try run(form, Float.self)
            let own = distance(f, doubles[k])
            #expect(own < 2e-5, "\(form): float32 is \(own) from float64")
            for (j, other) in forms.enumerated() where j != k {
                #expect(distance(f, doubles[j]) > 20 * own, "\(form) float32 is as close to \(other) as to itself")
            }
        }
    }
}
