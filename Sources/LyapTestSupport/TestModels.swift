import LyapCore
import LyapDynamics

/// Small random models, batches and reviews that several test targets build the same way.
public enum TestModels {
    /// An LSTM with a chosen recurrent gain: U_ij ~ N(0, gain²/H), biases uniform in ±biasSpread, every other
    /// tensor uniform in ±spread. `float: true` rounds every value to Float so a float32 engine starts from the
    /// same weights as the Double one.
    public static func lstm(vocab: Int = 13, embed: Int = 3, hidden: Int, seed: UInt64, gain: Double,
                            spread: Double = 0.5, biasSpread: Double = 0.5, float: Bool = false) -> ParameterStore<Double> {
        let l = ParameterLayout(ModelShape(vocab: vocab, embed: embed, hidden: hidden))
        var rng = LabRNG(seed: seed, stream: "dynamics-test-model")
        var p = uniform(l, spread: spread, rng: &rng)
        for i in l.wh.range { p.values[i] = gain * rng.normal() / Double(hidden).squareRoot() }
        for i in l.bias.range { p.values[i] = rng.uniform(-biasSpread, biasSpread) }
        if float { p.values = p.values.map { Double(Float($0)) } }
        return p
    }

    /// Every parameter uniform in ±spread, drawn in layout order from `rng`.
    public static func uniform(_ layout: ParameterLayout, spread: Double, rng: inout LabRNG) -> ParameterStore<Double> {
        var p = ParameterStore<Double>.zeros(layout)
        for i in p.values.indices { p.values[i] = rng.uniform(-spread, spread) }
        return p
    }

    /// `count` sequences of `seqLen` ids below `vocab` and their 0/1 labels, drawn from `rng` (ids first).
    public static func batch(vocab: Int, seqLen: Int, count: Int, rng: inout LabRNG) -> Batch {
        let tokens = (0..<(count * seqLen)).map { _ in Int32(rng.below(vocab)) }
        let labels = (0..<count).map { _ in UInt8(rng.below(2)) }
        return Batch(tokens: tokens, labels: labels, seqLen: seqLen)
    }

    /// `count` random reviews of `drive` ids in 1..<vocab, each pre-padded with id 0 for up to drive/2 steps.
    public static func reviews(count: Int, drive: Int, vocab: Int = 13, seed: UInt64) -> ReviewSet {
        var rng = LabRNG(seed: seed, stream: "dynamics-test-reviews")
        var tokens: [Int32] = []
        for _ in 0..<count {
            let pad = rng.below(drive / 2 + 1)
            for t in 0..<drive { tokens.append(t < pad ? 0 : Int32(1 + rng.below(vocab - 1))) }
        }
        return ReviewSet(drive: drive, tokens: tokens, indices: (0..<count).map { $0 }, labels: (0..<count).map { UInt8($0 % 2) })
    }
}
