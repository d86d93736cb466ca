import Testing
import LyapCore
import LyapDynamics
@testable import LyapStudy

/// The campaign's statistics (docs/science/PROTOCOL.md): phase rules, collapses, pooled alignment and the
/// dynamics around collapses, on constructed runs whose answers are known.
struct CycleStudyTests {
    /// metrics with every epoch 1...n, analysed every `every` epochs with the given read-outs.
    func metrics(testLoss: [Double], every: Int, lambda: (Int) -> Double, distance: (Int) -> Double,
                 phase: (Int) -> Phase = { _ in .order }) -> RunMetrics {
        var m = RunMetrics()
        m.epochs = Array(1...testLoss.count)
        m.steps = m.epochs
        m.trainLoss = testLoss.map { _ in 0.01 }
        m.testLoss = testLoss
        m.testAcc = testLoss.map { _ in 0.8 }
        m.hasAnalysisColumns = true
        for e in m.epochs where e % every == 0 {
            m.phaseEpochs.append(e)
            m.phases.append(phase(e))
            m.maxExponent.append(lambda(e))
            m.distanceEndOfDrive.append(distance(e))
            m.distanceInitial.append(distance(e))
        }
        return m
    }

    @Test func rulesLabelByTheirThresholds() {
        let d: [Int: Double] = [2: -14.9, 4: -14.2, 6: -3.0, 8: -6.0]
        let m = metrics(testLoss: Array(repeating: 1, count: 8), every: 2, lambda: { _ in -0.01 }, distance: { d[$0]! },
                        phase: { $0 == 6 ? .edge : .order })
        #expect(PhaseRule.lab.labels(m, chaosThreshold: nil)!.labels == [.order, .order, .edge, .order])
        #expect(PhaseRule.distance.labels(m, chaosThreshold: -4.86)!.labels == [.order, .order, .chaos, .order])
        #expect(PhaseRule.distance.labels(m, chaosThreshold: nil) == nil)
        #expect(PhaseRule.reproduction.labels(m, chaosThreshold: nil)!.labels == [.order, .chaos, .chaos, .chaos])
        // An analysed epoch without a distance is left out of the distance-based rules only.
        var g = m
        g.distanceEndOfDrive[1] = .nan
        #expect(PhaseRule.reproduction.labels(g, chaosThreshold: nil)!.epochs == [2, 6, 8])
        #expect(PhaseRule.lab.labels(g, chaosThreshold: nil)!.epochs == [2, 4, 6, 8])
    }

    @Test func collapseIsTheSharpestDropAfterThePeak() {
        let epochs = Array(1...9)
        let loss = [1.0, 2.0, 3.0, 2.9, 1.2, 1.1, 2.0, 3.5, 0.5]
        let cycles = [CycleDetector.Cycle(startEpoch: 1, peakEpoch: 3, endEpoch: 6, rise: 2, drop: 1.9),
                      CycleDetector.Cycle(startEpoch: 6, peakEpoch: 8, endEpoch: 9, rise: 2.4, drop: 3)]
        let c = Collapse.find(cycles: cycles, epochs: epochs, values: loss)
        #expect(c.map(\.epoch) == [5, 9])
        #expect(abs(c[0].drop - 1.7) < 1e-12 && abs(c[1].drop - 3.0) < 1e-12)
    }

    @Test func pooledAlignmentOfOneRunIsThatRunsStatistic() {
        let t = [103.0, 251, 389, 612, 840]
        let mins = [105, 248, 392, 610, 843]
        let one = PooledAlignment.compute(runs: [.init(epochs: mins, transitions: t, rangeStart: 0, rangeEnd: 999)], draws: 2000, seed: 3)!
        #expect(one.statistic == Alignment.statistic(mins, t))
        #expect(one.p < 0.02, "p \(one.p)")
        // A second run whose minima sit midway between its transitions drags the pooled statistic to the
        // weighted mean of both and the p value up.
        let far = PooledAlignment.Run(epochs: [177, 320, 500], transitions: t, rangeStart: 0, rangeEnd: 999)
        let two = PooledAlignment.compute(runs: [.init(epochs: mins, transitions: t, rangeStart: 0, rangeEnd: 999), far], draws: 2000, seed: 3)!
        let expected = (Alignment.statistic(mins, t) * 5 + Alignment.statistic(far.epochs, t) * 3) / 8
        #expect(abs(two.statistic - expected) < 1e-12)
        #expect(two.epochsUsed == 8 && two.runsUsed == 2)
        #expect(two.p > one.p)
        // Runs without transitions are left out; none usable gives nil.
        let none = PooledAlignment.Run(epochs: [5], transitions: [], rangeStart: 0, rangeEnd: 9)
        #expect(PooledAlignment.compute(runs: [none]) == nil)
        #expect(PooledAlignment.compute(runs: [none, far], draws: 10)!.runsUsed == 1)
    }

    /// λ1 climbs by 0.02 over the 10 epochs before each collapse and drops back after it.
    func sawtooth(_ e: Int, collapses: [Int]) -> Double {
        for c in collapses where e <= c && e > c - 10 { return -0.05 + 0.002 * Double(10 - (c - e)) }
        return -0.05
    }

    @Test func dynamicsRisingBeforeCollapsesAreSignificant() {
        let collapses = [40, 76, 118, 160]
        let m = metrics(testLoss: Array(repeating: 1, count: 200), every: 2, lambda: { sawtooth($0, collapses: collapses) },
                        distance: { _ in -14.9 })
        let s = CollapseDynamics.Series(collapses: collapses, epochs: m.analysedEpochs, values: m.maxExponent)
        let d = CollapseDynamics.compute(series: [s], window: 4, draws: 2000, seed: 1)!
        // Before: even epochs c-4, c-2 → -0.05 + 0.002*(6, 8) → mean -0.036; after: c+2, c+4 → -0.05.
        for x in d.differences { #expect(abs(x - 0.014) < 1e-12) }
        #expect(abs(d.statistic - 0.014) < 1e-12)
        // 199 distinct offsets: a shift by +2 also scores higher, so p cannot go far below 2/199.
        #expect(d.p < 0.03, "p \(d.p)")
        #expect(d.nullMean! < d.statistic / 2)
        // The profile: at offset -2 every collapse has λ1 = -0.034, at +2 it has -0.05; odd offsets are not analysed.
        let at = Dictionary(uniqueKeysWithValues: d.profile.map { ($0.offset, $0) })
        #expect(abs(at[-2]!.mean! + 0.034) < 1e-12 && at[-2]!.count == 4)
        #expect(at[1]!.mean == nil && at[1]!.count == 0)
        #expect(at[-2]!.nullHigh! < at[-2]!.mean!)
        // Flat dynamics: no difference, and not significant.
        let flat = CollapseDynamics.Series(collapses: collapses, epochs: m.analysedEpochs, values: m.analysedEpochs.map { _ in -0.05 })
        let f = CollapseDynamics.compute(series: [flat], window: 4, draws: 500, seed: 1)!
        #expect(f.statistic == 0)
        #expect(f.p == 1)
        // Reversed (falling before collapses): the one-sided p is large.
        let rev = CollapseDynamics.Series(collapses: collapses, epochs: m.analysedEpochs, values: m.maxExponent.map { -0.1 - $0 })
        #expect(CollapseDynamics.compute(series: [rev], window: 4, draws: 500, seed: 1)!.p > 0.9)
    }

    @Test func studyReportsEveryRule() {
        // Test loss: slow climbs, sharp drops at 40, 80 and 120 (the first cycle starts at the first minimum, 40); the distance crosses the reproduction threshold
        // (-14.5) just before each drop and the lab rule sees order throughout.
        let loss = (1...130).map { e -> Double in Double(e % 40) * 0.05 + 0.3 }
        let m = metrics(testLoss: loss, every: 2, lambda: { _ in -0.03 },
                        distance: { e in (e % 40 >= 30 || e % 40 == 0) ? -14.0 : -14.9 })
        let c = CycleDetector().detect(epochs: m.epochs, values: m.testLoss)
        let s = CycleStudy(metrics: m, cycles: c, settings: .init(nullDraws: 200, chaosThreshold: -4.86))
        #expect(s.collapses.map(\.epoch) == [80, 120])
        let byRule = Dictionary(uniqueKeysWithValues: s.rules.map { ($0.rule, $0) })
        #expect(byRule[.lab]!.transitions.isEmpty && byRule[.lab]!.note == "no transition")
        #expect(byRule[.distance]!.transitions.isEmpty)
        let r = byRule[.reproduction]!
        #expect(r.transitions.map(\.name) == ["O->C", "C->O", "O->C", "C->O", "O->C", "C->O"])
        #expect(r.transitions.map(\.epoch) == [30, 42, 70, 82, 110, 122])
        #expect(r.collapseAlignment != nil)
        // Without ε and H the distance rule says why.
        let n = CycleStudy(metrics: m, cycles: c, settings: .init(nullDraws: 10, chaosThreshold: nil))
        #expect(n.rules.first { $0.rule == .distance }!.note == "needs ε and H from the run's config.json")
        let pooled = CycleStudy.pooled([(m, s), (m, s)], settings: .init(nullDraws: 100, chaosThreshold: nil))
        #expect(pooled.collapseAlignment["reproduction"]!.epochsUsed == 4)
        #expect(pooled.collapseAlignment["lab"] == nil)
        #expect(pooled.dynamics["distance_end_of_drive"]!.differences.count == 4)
    }
}
