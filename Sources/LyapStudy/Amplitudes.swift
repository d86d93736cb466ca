import LyapCore

/// Weight-amplitude distributions of one parameter set (methods.md §6.4).
///  α_j = ‖(W, U) rows of hidden unit j in all four gates‖₂ (rows g·H + j of weight_ih and weight_hh, g = 0..3)
///  β_j = |w_d,j| (fc.weight)
///  and the per-element |θ| of each tensor (PyTorch names).
public struct AmplitudeDistributions: Sendable, Equatable {
    public var alpha: [Double]
    public var beta: [Double]
    public var perTensor: [(name: String, values: [Double])]

    public init(_ p: ParameterStore<Double>) {
        let l = p.layout
        let H = l.shape.hidden, E = l.shape.embed
        alpha = (0..<H).map { j in
            var s = 0.0
            for g in 0..<4 {
                let r = g * H + j
                for e in 0..<E { let w = p.values[l.wx.offset + r * E + e]; s += w * w }
                for k in 0..<H { let u = p.values[l.wh.offset + r * H + k]; s += u * u }
            }
            return s.squareRoot()
        }
        beta = (0..<H).map { abs(p.values[l.wd.offset + $0]) }
        perTensor = l.slots.map { ($0.name, p[$0].map { abs($0) }) }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.alpha == b.alpha && a.beta == b.beta && a.perTensor.map(\.name) == b.perTensor.map(\.name)
            && a.perTensor.map(\.values) == b.perTensor.map(\.values)
    }
}

/// W_1 distances of the amplitude distributions over a series of checkpoints.
public struct AmplitudeTrack: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var epoch: Int
        /// W_1 to the previous checkpoint (nil for the first) and to the first one.
        public var alphaToPrevious: Double?, alphaToFirst: Double
        public var betaToPrevious: Double?, betaToFirst: Double
        /// W_1(α-distribution, β-distribution) at this checkpoint (input/output balance).
        public var alphaToBeta: Double
        public var alphaMean: Double, betaMean: Double
        /// Per tensor (PyTorch name): W_1 of |θ| to the previous and to the first checkpoint.
        public var tensorToPrevious: [String: Double]?
        public var tensorToFirst: [String: Double]
    }
    public var rows: [Row] = []
    public init() {}

    /// Adds the next checkpoint; `first` and `previous` are the distributions of the first and previous ones.
    public mutating func append(epoch: Int, _ d: AmplitudeDistributions, first: AmplitudeDistributions, previous: AmplitudeDistributions?) {
        func w(_ x: [Double], _ y: [Double]) -> Double { x.isEmpty || y.isEmpty ? .nan : Wasserstein.distance(x, y, p: 1) }
        func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
        var toFirst: [String: Double] = [:], toPrev: [String: Double]? = previous == nil ? nil : [:]
        for (k, t) in d.perTensor.enumerated() {
            toFirst[t.name] = w(t.values, first.perTensor[k].values)
            if let prev = previous { toPrev?[t.name] = w(t.values, prev.perTensor[k].values) }
        }
        rows.append(Row(epoch: epoch,
                        alphaToPrevious: previous.map { w(d.alpha, $0.alpha) }, alphaToFirst: w(d.alpha, first.alpha),
                        betaToPrevious: previous.map { w(d.beta, $0.beta) }, betaToFirst: w(d.beta, first.beta),
                        alphaToBeta: w(d.alpha, d.beta), alphaMean: mean(d.alpha), betaMean: mean(d.beta),
                        tensorToPrevious: toPrev, tensorToFirst: toFirst))
    }
}
