import Testing
import LyapCore
@testable import LyapCPU

/// `--lstm-biases two` (nn.LSTM's bias_ih and bias_hh): the forward pass sees their sum, and each gets
/// the one-bias model's bias gradient.
struct TwoBiasTests {
    /// A two-bias model with random, different bias_ih and bias_hh, and its one-bias twin whose bias is
    /// their sum formed in T (the same rounding as the forward pass's).
    static func pair<T: CPUScalar>(_ m: RandomModel, as: T.Type) -> (two: ParameterStore<T>, one: ParameterStore<T>) {
        let two = m.params.converted(to: T.self)
        let one = two.withSummedBias()
        #expect(one.layout == ParameterLayout(m.shape) && two.layout.biasHH != nil)
        #expect(two[two.layout.bias] != two[two.layout.biasHH!], "the test needs two different bias vectors")
        return (two, one)
    }

    @Test(arguments: [(1, false), (2, false), (2, true)])
    func forwardAndGradientsEqualTheOneBiasModelWithTheSummedBias(threads: Int, wide: Bool) throws {
        let m = RandomModel(embed: 3, hidden: 5, seqLen: 7, batch: 5, seed: 21, biases: .two)
        try check(m, Double.self, threads: threads, wide: wide)
        try check(m, Float.self, threads: threads, wide: wide)
    }

    private func check<T: CPUScalar>(_ m: RandomModel, _ t: T.Type, threads: Int, wide: Bool) throws {
        let (two, one) = Self.pair(m, as: T.self)
        let from = wide ? 1 : CPUModel<T>.defaultWideFrom
        let twoModel = CPUModel<T>(shape: m.shape, threads: threads, wideFrom: from, biases: .two)
        let oneModel = CPUModel<T>(shape: m.shape, threads: threads, wideFrom: from)
        let a = twoModel.evaluate(two, m.batch), b = oneModel.evaluate(one, m.batch)
        #expect(a.logits == b.logits && a.totals == b.totals, "\(T.self): forward differs")
        var g2 = [T](repeating: 0, count: two.layout.count), g1 = [T](repeating: 0, count: one.layout.count)
        _ = twoModel.lossAndGradient(two, m.batch, into: &g2)
        _ = oneModel.lossAndGradient(one, m.batch, into: &g1)
        let l2 = two.layout, l1 = one.layout
        for (s2, s1) in zip(l2.slots.filter { $0.name != ParameterLayout.biasHHName }, l1.slots) {
            #expect(Array(g2[s2.range]) == Array(g1[s1.range]), "\(T.self): gradient of \(s2.name) differs")
        }
        #expect(Array(g2[l2.biasHH!.range]) == Array(g1[l1.bias.range]), "\(T.self): bias_hh's gradient is not the bias gradient")
        #expect(g1[l1.bias.range].contains { $0 != 0 })
    }

    /// Each bias vector has its own Adam moments: from unequal starts, both get the same gradients, so
    /// equal moments and equal steps, and both move.
    @Test func eachBiasVectorStepsWithItsOwnMoments() throws {
        let m = RandomModel(embed: 2, hidden: 3, seqLen: 4, batch: 3, seed: 22, biases: .two)
        let backend = CPUBackend<Double>(shape: m.shape, threads: 1, biases: .two)
        try backend.load(TrainingState(params: m.params))
        for _ in 0..<3 { _ = try backend.trainStep(m.batch, adam: AdamConfig(lr: 1e-2)) }
        let s = try backend.state(), l = s.params.layout
        #expect(s.step == 3)
        #expect(Array(s.m[l.bias.range]) == Array(s.m[l.biasHH!.range]) && Array(s.v[l.bias.range]) == Array(s.v[l.biasHH!.range]))
        for r in 0..<l.bias.count {
            let moved = s.params.values[l.bias.offset + r] - m.params.values[l.bias.offset + r]
            let movedHH = s.params.values[l.biasHH!.offset + r] - m.params.values[l.biasHH!.offset + r]
            #expect(abs(moved - movedHH) <= 1e-15, "row \(r): bias_ih moved \(moved), bias_hh \(movedHH)")
            #expect(abs(moved) > 1e-3, "row \(r) did not move")
        }
    }

    /// The layout: bias_hh right after bias_ih, P grows by 4H, and the one-bias layout is today's.
    @Test func layoutPlacesBiasHHAfterBias() {
        let s = ModelShape(vocab: 13, embed: 3, hidden: 5)
        let one = ParameterLayout(s), two = ParameterLayout(s, biases: .two)
        #expect(one.count == s.parameterCount && one.biasHH == nil && one.biases == .one)
        #expect(two.count == s.parameterCount(biases: .two) && two.count == one.count + 4 * 5)
        #expect(two.biasHH?.offset == two.bias.range.upperBound && two.biasHH?.name == "lstm.bias_hh_l0")
        #expect(two.wd.offset == one.wd.offset + 20 && two.slots.map(\.name) == ["embedding.weight", "lstm.weight_ih_l0",
                "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"])
    }

    /// Presets with two biases: keras puts the forget block's 1 in bias_ih and leaves bias_hh zero; torch
    /// draws both from U(-1/sqrt(H), 1/sqrt(H)). Every other tensor is drawn as with one bias.
    @Test func presetsFillBothBiases() {
        let s = ModelShape(vocab: 17, embed: 3, hidden: 5), two = ParameterLayout(s, biases: .two), one = ParameterLayout(s)
        let k = InitPreset.keras.initialize(two, seed: 3), k1 = InitPreset.keras.initialize(one, seed: 3)
        #expect(k[two.biasHH!].allSatisfy { $0 == 0 } && k[two.bias] == k1[one.bias])
        for (a, b) in [(two.embedding, one.embedding), (two.wx, one.wx), (two.wh, one.wh), (two.wd, one.wd)] { #expect(k[a] == k1[b]) }
        let t = InitPreset.torch.initialize(two, seed: 3), bound = 1 / 5.0.squareRoot()
        for slot in [two.bias, two.biasHH!] {
            #expect(t[slot].allSatisfy { abs($0) <= bound } && Set(t[slot]).count == slot.count)
        }
        #expect(t[two.bias] != t[two.biasHH!])
    }

    /// Width padding (sweeps' wide ensembles) carries bias_hh like bias_ih.
    @Test func widthPaddingCarriesBiasHH() {
        let m = RandomModel(embed: 2, hidden: 3, seqLen: 2, batch: 1, seed: 23, biases: .two)
        let wide = m.params.padded(toHidden: 5)
        #expect(wide.layout.biases == .two && wide.isZeroOutside(hidden: 3))
        #expect(wide.unpadded(toHidden: 3) == m.params)
        #expect(wide[wide.layout.biasHH!].filter { $0 != 0 }.count == m.params[m.params.layout.biasHH!].filter { $0 != 0 }.count)
    }
}
