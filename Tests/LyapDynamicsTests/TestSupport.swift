import LyapCore
@testable import LyapDynamics
@testable import LyapCPUDynamics

/// Small random models with a chosen recurrent gain: U_ij ~ N(0, gain²/H), other tensors uniform.
enum TestModels {
    static func lstm(vocab: Int = 13, embed: Int = 3, hidden: Int, seed: UInt64, gain: Double,
                     spread: Double = 0.5, biasSpread: Double = 0.5) -> ParameterStore<Double> {
        let l = ParameterLayout(ModelShape(vocab: vocab, embed: embed, hidden: hidden))
        var rng = LabRNG(seed: seed, stream: "dynamics-test-model")
        var p = ParameterStore<Double>.zeros(l)
        for i in p.values.indices { p.values[i] = rng.uniform(-spread, spread) }
        for i in l.wh.range { p.values[i] = gain * rng.normal() / Double(hidden).squareRoot() }
        for i in l.bias.range { p.values[i] = rng.uniform(-biasSpread, biasSpread) }
        return p
    }

    /// `count` random reviews of `drive` ids below `vocab`, some pre-padded with id 0.
    static func reviews(count: Int, drive: Int, vocab: Int, seed: UInt64) -> ReviewSet {
        var rng = LabRNG(seed: seed, stream: "dynamics-test-reviews")
        var tokens: [Int32] = []
        for _ in 0..<count {
            let pad = rng.below(drive / 2 + 1)
            for t in 0..<drive { tokens.append(t < pad ? 0 : Int32(1 + rng.below(vocab - 1))) }
        }
        return ReviewSet(drive: drive, tokens: tokens, indices: (0..<count).map { $0 }, labels: (0..<count).map { UInt8($0 % 2) })
    }

    static func config(drive: Int, steps: Int, transient: Int, k: Int, reviews: Int,
                       precision: DynamicsPrecision = .float64, renormEvery: Int? = nil, threads: Int = 2) -> AnalysisConfig {
        var c = AnalysisConfig()
        c.drive = drive
        c.steps = steps
        c.transient = transient
        c.exponents = k
        c.reviews = reviews
        c.precision = precision
        c.renormEvery = renormEvery
        c.threads = threads
        return c
    }
}

func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
