import LyapCore
import LyapDynamics

// Transitions come from LyapDynamics' `PhaseTransition.detect` (one rule for every command); this file
// holds what the study does with them: their alignment with the test-loss minima (§6.1) and the
// early-stopping comparison.

/// For each test-loss minimum, the signed distance (minimum − transition location, in epochs) to the nearest
/// transition; the statistic is the mean |distance|. The null shifts the whole transition set cyclically by
/// a uniform random integer offset within [rangeStart, rangeEnd] (the analysed range; a cyclic shift keeps
/// the spacing of the transitions), `draws` times with a seeded LabRNG, and recomputes the statistic.
/// p = fraction of null draws whose statistic is <= the observed one (small p: minima sit closer to the
/// transitions than to shifted copies of them); `pPlusOne` = (1 + count)/(1 + draws), never 0.
public struct Alignment: Sendable, Codable, Equatable {
    public struct Pair: Sendable, Codable, Equatable {
        public var minimumEpoch: Int
        public var transitionLocation: Double
        public var transition: String
        public var distance: Double
    }
    public var pairs: [Pair]
    public var statistic: Double
    public var nullDraws: Int
    public var nullMean: Double
    public var p: Double
    public var pPlusOne: Double
    public var seed: UInt64
    public var rangeStart: Int, rangeEnd: Int

    /// nil when there is no minimum or no transition in range.
    public static func compute(minima: [Int], transitions: [PhaseTransition], rangeStart: Int, rangeEnd: Int,
                               draws: Int = 1000, seed: UInt64 = 0) -> Alignment? {
        let mins = minima.filter { $0 >= rangeStart && $0 <= rangeEnd }
        guard !mins.isEmpty, !transitions.isEmpty, rangeEnd >= rangeStart else { return nil }
        let locs = transitions.map(\.location)
        let pairs = mins.map { m -> Pair in
            let k = locs.indices.min { abs(Double(m) - locs[$0]) < abs(Double(m) - locs[$1]) }!
            return Pair(minimumEpoch: m, transitionLocation: locs[k], transition: transitions[k].name, distance: Double(m) - locs[k])
        }
        let observed = statistic(mins, locs)
        let shift = CyclicShift(start: rangeStart, end: rangeEnd)
        var rng = LabRNG(seed: seed, stream: "alignment-null")
        var count = 0
        var sum = 0.0
        for _ in 0..<draws {
            let offset = rng.below(shift.length)
            let s = statistic(mins, locs.map { shift.apply($0, offset: offset) })
            sum += s
            if s <= observed { count += 1 }
        }
        return Alignment(pairs: pairs, statistic: observed, nullDraws: draws, nullMean: draws > 0 ? sum / Double(draws) : .nan,
                         p: draws > 0 ? Double(count) / Double(draws) : .nan, pPlusOne: Double(count + 1) / Double(draws + 1),
                         seed: seed, rangeStart: rangeStart, rangeEnd: rangeEnd)
    }

    /// Mean over minima of the distance to the nearest location.
    public static func statistic(_ minima: [Int], _ locations: [Double]) -> Double {
        var total = 0.0
        for m in minima {
            total += locations.map { abs(Double(m) - $0) }.min()!
        }
        return total / Double(minima.count)
    }
}

/// "Stop at the first order→chaos transition" against patience-based early stopping, and the best epoch.
public struct EarlyStopping: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var epoch: Int
        public var testLoss: Double
        public var testAcc: Double
    }
    public var patience: Int
    /// Epoch at which patience stopping halts (no improvement of the test loss for `patience` epochs), or
    /// the last epoch when it never triggers (`patienceTriggered` false).
    public var patienceStopEpoch: Int
    public var patienceTriggered: Bool
    /// The model patience stopping keeps: the best epoch seen up to its stop.
    public var patienceKept: Point
    /// The first O->C transition's epoch (first analysed chaos epoch), the model that rule keeps; nil without one.
    public var firstOrderToChaos: Point?
    public var best: Point

    public static func compare(epochs: [Int], testLoss: [Double], testAcc: [Double], patience: Int,
                               transitions: [PhaseTransition]) -> EarlyStopping {
        precondition(!epochs.isEmpty && epochs.count == testLoss.count && epochs.count == testAcc.count)
        func point(_ i: Int) -> Point { Point(epoch: epochs[i], testLoss: testLoss[i], testAcc: testAcc[i]) }
        var bestSoFar = 0
        var stop = epochs.count - 1
        var triggered = false
        for i in epochs.indices.dropFirst() {
            if testLoss[i] < testLoss[bestSoFar] { bestSoFar = i }
            if epochs[i] - epochs[bestSoFar] >= patience { stop = i; triggered = true; break }
        }
        let best = testLoss.indices.min { testLoss[$0] < testLoss[$1] }!
        var oc: Point? = nil
        if let t = transitions.first(where: { $0.from == .order && $0.to == .chaos }), let i = epochs.firstIndex(of: t.epoch) {
            oc = point(i)
        }
        return EarlyStopping(patience: patience, patienceStopEpoch: epochs[stop], patienceTriggered: triggered,
                             patienceKept: point(bestSoFar), firstOrderToChaos: oc, best: point(best))
    }
}
