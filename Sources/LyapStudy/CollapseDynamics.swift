import LyapCore

/// S2 of docs/science/PROTOCOL.md: does a continuous read-out of the dynamics (mean λ1, or D̃) stand higher
/// on the climb just before each test-loss collapse than just after it? Threshold-free, so it sees a drift
/// toward chaos that never crosses a label's threshold.
///
/// For a collapse at epoch c: mean of the analysed values in [c − w, c − 1] minus the mean in [c + 1, c + w]
/// (nil when either window holds no analysed epoch). The statistic is the mean of those differences over every
/// collapse of every series. The null moves each series' collapse set cyclically within that series' analysed
/// range (independent offsets per series and draw); p = (1 + #{null ≥ observed}) / (1 + draws), one-sided
/// for a positive difference. The profile is the pooled mean at each offset k from the collapses (value at
/// epoch c + k where analysed), with the 5 % and 95 % quantiles of the same profile under the null.
public struct CollapseDynamics: Sendable, Codable, Equatable {
    public struct Series: Sendable, Equatable {
        public var collapses: [Int]
        public var epochs: [Int]
        public var values: [Double]
        public init(collapses: [Int], epochs: [Int], values: [Double]) {
            precondition(epochs.count == values.count)
            self.collapses = collapses
            self.epochs = epochs
            self.values = values
        }
        /// Finite values only, by epoch.
        var byEpoch: [Int: Double] {
            var d: [Int: Double] = [:]
            for (e, v) in zip(epochs, values) where v.isFinite { d[e] = v }
            return d
        }
    }

    public struct ProfilePoint: Sendable, Codable, Equatable {
        public var offset: Int
        public var mean: Double?
        public var count: Int
        public var nullLow: Double?, nullHigh: Double?
    }

    public var window: Int
    /// Each usable collapse's before-minus-after difference, series by series.
    public var differences: [Double]
    public var statistic: Double
    /// nil when no null draw had a usable collapse.
    public var nullMean: Double?
    public var p: Double
    public var nullDraws: Int
    public var seed: UInt64
    public var profile: [ProfilePoint]

    /// nil when no collapse has analysed epochs on both sides.
    public static func compute(series: [Series], window: Int = 8, profileRadius: Int = 20, draws: Int = 1000,
                               seed: UInt64 = 0) -> CollapseDynamics? {
        precondition(window >= 1 && profileRadius >= 0 && draws >= 1)
        let tables = series.map(\.byEpoch)
        let ranges = tables.map { t in t.keys.min().map { CyclicShift(start: $0, end: t.keys.max()!) } }
        func difference(_ c: Int, _ t: [Int: Double]) -> Double? {
            let before = (c - window..<c).compactMap { t[$0] }, after = (c + 1...c + window).compactMap { t[$0] }
            guard !before.isEmpty, !after.isEmpty else { return nil }
            return before.reduce(0, +) / Double(before.count) - after.reduce(0, +) / Double(after.count)
        }
        func differences(_ collapses: [[Int]]) -> [Double] {
            zip(collapses, tables).flatMap { cs, t in cs.compactMap { difference($0, t) } }
        }
        let offsets = Array(-profileRadius...profileRadius)
        func profile(_ collapses: [[Int]]) -> [(sum: Double, count: Int)] {
            offsets.map { k in
                var sum = 0.0, count = 0
                for (cs, t) in zip(collapses, tables) { for c in cs { if let v = t[c + k] { sum += v; count += 1 } } }
                return (sum, count)
            }
        }
        let observedCollapses = series.map(\.collapses)
        let observed = differences(observedCollapses)
        guard !observed.isEmpty else { return nil }
        let statistic = observed.reduce(0, +) / Double(observed.count)
        var rng = LabRNG(seed: seed, stream: "collapse-dynamics-null")
        var count = 0, sum = 0.0, usedDraws = 0
        var nullProfiles = [[Double]](repeating: [], count: offsets.count)
        for _ in 0..<draws {
            let shifted = zip(observedCollapses, ranges).map { cs, r -> [Int] in
                guard let r else { return [] }
                let offset = rng.below(r.length)
                return cs.map { r.apply($0, offset: offset) }
            }
            let d = differences(shifted)
            for (k, p) in profile(shifted).enumerated() where p.count > 0 { nullProfiles[k].append(p.sum / Double(p.count)) }
            guard !d.isEmpty else { continue }
            let s = d.reduce(0, +) / Double(d.count)
            usedDraws += 1
            sum += s
            if s >= statistic { count += 1 }
        }
        let points = zip(offsets, profile(observedCollapses)).enumerated().map { k, op -> ProfilePoint in
            let (offset, p) = op
            let band = nullProfiles[k].sorted()
            return ProfilePoint(offset: offset, mean: p.count > 0 ? p.sum / Double(p.count) : nil, count: p.count,
                                nullLow: quantile(band, 0.05), nullHigh: quantile(band, 0.95))
        }
        return CollapseDynamics(window: window, differences: observed, statistic: statistic,
                                nullMean: usedDraws > 0 ? sum / Double(usedDraws) : nil,
                                p: Double(count + 1) / Double(usedDraws + 1), nullDraws: usedDraws, seed: seed, profile: points)
    }

    /// Linear interpolation between order statistics (numpy's default); nil for no values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
