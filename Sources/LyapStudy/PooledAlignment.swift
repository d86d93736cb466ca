import LyapCore

/// S1 of docs/science/PROTOCOL.md over several runs: the mean |distance| from every run's test-loss minima
/// (or collapses) to that run's nearest transition, pooled over all minima (each run weighted by its number
/// of minima). The null shifts each run's transition set cyclically within its own analysed range, with
/// an independent offset per run in every draw; p = (1 + #{null ≤ observed}) / (1 + draws).
public struct PooledAlignment: Sendable, Codable, Equatable {
    public struct Run: Sendable, Equatable {
        public var epochs: [Int]
        public var transitions: [Double]
        public var rangeStart: Int, rangeEnd: Int
        public init(epochs: [Int], transitions: [Double], rangeStart: Int, rangeEnd: Int) {
            self.epochs = epochs
            self.transitions = transitions
            self.rangeStart = rangeStart
            self.rangeEnd = rangeEnd
        }
        var inRange: [Int] { epochs.filter { $0 >= rangeStart && $0 <= rangeEnd } }
        var usable: Bool { !inRange.isEmpty && !transitions.isEmpty && rangeEnd >= rangeStart }
    }

    public var statistic: Double
    public var nullMean: Double
    public var p: Double
    public var nullDraws: Int
    public var seed: UInt64
    /// Runs that had both epochs in range and transitions, and how many epochs they contribute.
    public var runsUsed: Int
    public var epochsUsed: Int

    /// nil when no run has both an epoch in its analysed range and a transition.
    public static func compute(runs: [Run], draws: Int = 1000, seed: UInt64 = 0) -> PooledAlignment? {
        let used = runs.filter(\.usable)
        guard !used.isEmpty, draws >= 1 else { return nil }
        let n = used.reduce(0) { $0 + $1.inRange.count }
        func pooled(_ locations: [[Double]]) -> Double {
            var total = 0.0
            for (r, locs) in zip(used, locations) { total += Alignment.statistic(r.inRange, locs) * Double(r.inRange.count) }
            return total / Double(n)
        }
        let observed = pooled(used.map(\.transitions))
        var rng = LabRNG(seed: seed, stream: "pooled-alignment-null")
        var count = 0, sum = 0.0
        for _ in 0..<draws {
            let shifted = used.map { r -> [Double] in
                let shift = CyclicShift(start: r.rangeStart, end: r.rangeEnd)
                let offset = rng.below(shift.length)
                return r.transitions.map { shift.apply($0, offset: offset) }
            }
            let s = pooled(shifted)
            sum += s
            if s <= observed { count += 1 }
        }
        return PooledAlignment(statistic: observed, nullMean: sum / Double(draws), p: Double(count + 1) / Double(draws + 1),
                               nullDraws: draws, seed: seed, runsUsed: used.count, epochsUsed: n)
    }
}
