import Testing
import LyapCore
@testable import LyapCPU

/// The Float path against the Double oracle: same data, same start, several Adam steps.
struct FloatParityTests {
    // (E, H, L, B, threads, wide): the last one runs the AVX-512 recurrent products where the CPU has them
    // (H a multiple of 64; RecurrentProducts), with B not a multiple of the kernel's row tile of 4.
    @Test(arguments: [(5, 7, 12, 5, 2, false), (8, 16, 30, 9, 2, false), (3, 1, 4, 1, 1, false), (6, 11, 9, 7, 2, true),
                      (4, 64, 9, 7, 2, true)])
    func floatTracksDoubleOverAdamSteps(embed: Int, hidden: Int, seqLen: Int, batch: Int, threads: Int, wide: Bool) throws {
        let m = RandomModel(vocab: 23, embed: embed, hidden: hidden, seqLen: seqLen, batch: batch, seed: 21)
        let wideFrom = wide ? 1 : CPUModel<Float>.defaultWideFrom
        let d = CPUBackend<Double>(shape: m.shape, threads: threads, wideFrom: wideFrom)
        let f = CPUBackend<Float>(shape: m.shape, threads: threads, wideFrom: wideFrom)
        try d.load(TrainingState(params: m.params))
        try f.load(TrainingState(params: m.params.converted(to: Float.self)))
        let adam = AdamConfig(lr: 1e-2)
        for step in 0..<5 {
            let ld = try d.trainStep(m.batch, adam: adam)
            let lf = try f.trainStep(m.batch, adam: adam)
            #expect(abs(ld.lossSum - lf.lossSum) <= 1e-5 * abs(ld.lossSum), "step \(step) loss \(ld.lossSum) vs \(lf.lossSum)")
        }
        let pd = try d.state().params.values, pf = try f.state().params.values
        var worst = 0.0, worstAt = 0
        for i in pd.indices {
            let err = abs(Double(pf[i]) - pd[i]) / (1e-6 + 1e-4 * abs(pd[i]))
            if err > worst { worst = err; worstAt = i }
        }
        #expect(worst <= 1, "worst parameter \(worstAt): float \(pf[worstAt]) double \(pd[worstAt])")
        #expect(pd != m.params.values, "training did not move the parameters")
    }

    /// The gradient of one batch with the recurrent products in lyap's AVX-512 kernel (H = 128 and 192:
    /// forward N = 4H, backward N = H, multiples of 64 for 128 only, so 192 mixes kernel and BLAS) against
    /// the Double oracle, on both paths (slices and wide). Small weights keep the problem well conditioned,
    /// so float32 must be close everywhere.
    @Test(arguments: [(128, 1, false), (128, 2, true), (192, 2, true)])
    func recurrentProductsKernelGradientMatchesDouble(hidden: Int, threads: Int, wide: Bool) {
        let m = RandomModel(vocab: 19, embed: 3, hidden: hidden, seqLen: 7, batch: 10, seed: 8, spread: 0.1)
        let wideFrom = wide ? 1 : CPUModel<Float>.defaultWideFrom
        var gd = [Double](repeating: 0, count: m.params.values.count), gf = [Float](repeating: 0, count: gd.count)
        _ = CPUModel<Double>(shape: m.shape, threads: threads, wideFrom: wideFrom).lossAndGradient(m.params, m.batch, into: &gd)
        _ = CPUModel<Float>(shape: m.shape, threads: threads, wideFrom: wideFrom)
            .lossAndGradient(m.params.converted(to: Float.self), m.batch, into: &gf)
        let scale = gd.map(abs).max()!
        let worst = zip(gf, gd).map { abs(Double($0) - $1) }.max()!
        #expect(worst <= 1e-5 * scale, "worst \(worst), largest gradient \(scale)")
    }

    @Test(arguments: [false, true])
    func fixedThreadCountIsBitwiseReproducible(wide: Bool) throws {
        let m = RandomModel(vocab: 23, embed: 4, hidden: 9, seqLen: 10, batch: 6, seed: 4)
        func run() throws -> [Float] {
            let f = CPUBackend<Float>(shape: m.shape, threads: 2, wideFrom: wide ? 1 : 192)
            try f.load(TrainingState(params: m.params.converted(to: Float.self)))
            for _ in 0..<3 { _ = try f.trainStep(m.batch, adam: AdamConfig()) }
            return try f.state().params.values
        }
        #expect(try run() == run())
    }

    @Test func outOfVocabularyIdIsAnErrorNotACrash() throws {
        let m = RandomModel(vocab: 11, embed: 2, hidden: 3, seqLen: 2, batch: 1, seed: 1)
        let f = CPUBackend<Float>(shape: m.shape, threads: 1)
        let bad = Batch(tokens: [3, 11], labels: [1], seqLen: 2)
        #expect(throws: ConfigError.self) { try f.trainStep(bad, adam: AdamConfig()) }
    }
}
