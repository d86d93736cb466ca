import LyapCore
@testable import LyapCPU
import LyapTestSupport

/// A small random problem: parameters spread wide enough that no gate saturates, random ids and labels.
struct RandomModel {
    let shape: ModelShape
    let params: ParameterStore<Double>
    let batch: Batch

    init(vocab: Int = 11, embed: Int, hidden: Int, seqLen: Int, batch n: Int, seed: UInt64, spread: Double = 0.5,
         biases: BiasLayout = .one) {
        shape = ModelShape(vocab: vocab, embed: embed, hidden: hidden)
        var rng = LabRNG(seed: seed, stream: "test-model")
        params = TestModels.uniform(ParameterLayout(shape, biases: biases), spread: spread, rng: &rng)
        batch = TestModels.batch(vocab: vocab, seqLen: seqLen, count: n, rng: &rng)
    }

    init(shape: ModelShape, params: ParameterStore<Double>, batch: Batch) {
        self.shape = shape
        self.params = params
        self.batch = batch
    }

    func loss(_ p: ParameterStore<Double>, threads: Int = 1) -> Double {
        CPUModel<Double>(shape: shape, threads: threads, biases: p.layout.biases).evaluate(p, batch).totals.meanLoss
    }

    /// `wide: true` forces the wide path (one slice, phases split across threads) whatever H is.
    func gradient(threads: Int = 1, wide: Bool = false) -> (loss: Double, grad: [Double]) {
        let m = CPUModel<Double>(shape: shape, threads: threads, wideFrom: wide ? 1 : CPUModel<Double>.defaultWideFrom,
                                 biases: params.layout.biases)
        var g = [Double](repeating: 0, count: params.values.count)
        let t = m.lossAndGradient(params, batch, into: &g)
        return (t.meanLoss, g)
    }
}
