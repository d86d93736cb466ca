import Testing
import LyapCore
@testable import LyapCPU

/// Zero padding to a wider LSTM (`lyap sweep --pad-widths`) is exact: padded units stay at zero, their
/// gradients are exactly zero, and the narrow model trains as if alone.
struct WidthPaddingTests {
    @Test func padThenUnpadIsTheIdentityAndPutsUnitsFirstInEachGateBlock() {
        let m = RandomModel(embed: 3, hidden: 4, seqLen: 5, batch: 3, seed: 31)
        let wide = m.params.padded(toHidden: 7)
        #expect(wide.layout.shape.hidden == 7)
        #expect(wide.unpadded(toHidden: 4) == m.params)
        #expect(wide.isZeroOutside(hidden: 4) && !m.params.padded(toHidden: 7).isZeroOutside(hidden: 3))
        // Gate block q, unit j of the narrow Wh row r = q*4 + j lands in row q*7 + j, columns 0..<4.
        let n = m.params.layout, w = wide.layout
        for q in 0..<4 {
            for j in 0..<4 {
                for k in 0..<4 { #expect(wide.values[w.wh.offset + (q * 7 + j) * 7 + k] == m.params.values[n.wh.offset + (q * 4 + j) * 4 + k]) }
            }
        }
        #expect(wide[w.embedding] == m.params[n.embedding])
    }

    @Test(arguments: [1, 2])
    func aPaddedModelTrainsLikeTheNarrowOneAndItsPaddingStaysZero(threads: Int) throws {
        let m = RandomModel(embed: 3, hidden: 5, seqLen: 6, batch: 4, seed: 32)
        let narrow = CPUBackend<Double>(shape: m.shape, threads: threads)
        let wide = CPUBackend<Double>(shape: ModelShape(vocab: m.shape.vocab, embed: 3, hidden: 9), threads: threads)
        try narrow.load(TrainingState(params: m.params))
        try wide.load(TrainingState(params: m.params.padded(toHidden: 9)))
        var gradient = [Double](repeating: 0, count: ParameterLayout(wide.shape).count)
        _ = CPUModel<Double>(shape: wide.shape, threads: threads).lossAndGradient(m.params.padded(toHidden: 9), m.batch, into: &gradient)
        #expect(ParameterStore(layout: ParameterLayout(wide.shape), values: gradient).isZeroOutside(hidden: 5),
                "every gradient of a padded entry is exactly zero")
        for _ in 0..<6 {
            let a = try narrow.trainStep(m.batch, adam: AdamConfig(lr: 1e-2))
            let b = try wide.trainStep(m.batch, adam: AdamConfig(lr: 1e-2))
            #expect(abs(a.lossSum - b.lossSum) <= 1e-12 * abs(a.lossSum))
        }
        let w = try wide.state().params
        #expect(w.isZeroOutside(hidden: 5))
        let diff = zip(w.unpadded(toHidden: 5).values, try narrow.state().params.values).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-12, "max difference \(diff)")
    }
}
