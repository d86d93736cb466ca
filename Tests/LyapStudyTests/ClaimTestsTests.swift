import Testing
import LyapCore
import LyapDynamics
@testable import LyapStudy

/// S3 (best point at the first O→C transition) and S4 (widest edge) on constructed points.
struct ClaimTestsTests {
    /// Points every 10 steps; analysed where `phase` is given.
    func points(_ rows: [(loss: Double, phase: Phase?, lambda: Double?)]) -> [RunPoint] {
        rows.enumerated().map { k, r in
            RunPoint(step: 10 * k, epoch: Double(k) / 4, testLoss: r.loss, maxExponent: r.lambda, distanceEndOfDrive: nil, phase: r.phase)
        }
    }

    @Test func bestPointAtTheFirstOrderToChaosTransition() {
        // Order at steps 0-30, chaos from 40: the bracket is (30, 40].
        let phases: [Phase] = [.order, .order, .order, .order, .chaos, .chaos, .chaos]
        func run(bestAt b: Int) -> BestPointTest {
            let p = points(phases.indices.map { ($0 == b ? 0.1 : 0.5 + 0.01 * Double($0), phases[$0], nil) })
            return BestPointTest.evaluate(points: p, hysteresis: 2, labels: { $0.phase })!
        }
        let at = run(bestAt: 4)
        #expect(at.holds && at.analysedPointsAway == 0 && at.lastOrderStep == 30 && at.firstChaosStep == 40)
        #expect(at.lastOrderEpoch == 0.75 && at.firstChaosEpoch == 1.0 && at.testLossAtTransition == 0.1)
        #expect(run(bestAt: 3).analysedPointsAway == 1 && run(bestAt: 3).holds)
        #expect(run(bestAt: 5).analysedPointsAway == 1 && run(bestAt: 5).holds)
        #expect(run(bestAt: 2).analysedPointsAway == 2 && !run(bestAt: 2).holds)
        #expect(run(bestAt: 6).analysedPointsAway == 2 && !run(bestAt: 6).holds)
        // A best point that was not analysed, between two analysed ones just before the bracket: 1 away.
        var p = points(phases.indices.map { (0.5, phases[$0], nil) })
        p.insert(RunPoint(step: 25, epoch: 0.6, testLoss: 0.05, maxExponent: nil, distanceEndOfDrive: nil, phase: nil), at: 3)
        let between = BestPointTest.evaluate(points: p, hysteresis: 2, labels: { $0.phase })!
        #expect(between.bestStep == 25 && between.analysedPointsAway == 1)
        // No O->C transition: the claim cannot hold.
        let none = BestPointTest.evaluate(points: points(phases.map { _ in (0.5, .order, nil) }), hysteresis: 2, labels: { $0.phase })!
        #expect(!none.holds && none.firstChaosStep == nil)
    }

    @Test func edgeWidthCountsTheNearCriticalRunAtEachTransition() {
        // λ1: near-critical (|λ1| < 1e-3) at indices 2-5 around the first O->C (bracket 3→4) and only at index 9
        // next to the C->O (bracket 8→9).
        let lambdas: [Double] = [-0.05, -0.01, -5e-4, -1e-4, 2e-4, 9e-4, 0.01, 0.02, 0.03, 1e-4, -0.02, -0.03]
        let phases: [Phase] = [.order, .order, .order, .order, .chaos, .chaos, .chaos, .chaos, .chaos, .order, .order, .order]
        let p = points(lambdas.indices.map { (0.5, phases[$0], lambdas[$0]) })
        let t = PhaseTransition.detect(epochs: p.map(\.step), labels: phases, hysteresis: 2)
        let w = EdgeWidths.evaluate(points: p, transitions: t, chaosThreshold: nil)
        #expect(w.widths.map(\.transition) == ["O->C", "C->O"])
        #expect(w.widths.map(\.width) == [4, 1])
        #expect(w.holds == true)
        // Widen the second band past the first: the claim fails.
        var q = lambdas
        for k in 6...8 { q[k] = 5e-4 }
        q[10] = -1e-4; q[11] = 1e-4
        let p2 = points(q.indices.map { (0.5, phases[$0], q[$0]) })
        let w2 = EdgeWidths.evaluate(points: p2, transitions: t, chaosThreshold: nil)
        #expect(w2.widths.map(\.width) == [10, 10])
        #expect(w2.holds == false)
        // The D~ band counts too: -14 < D~ < ln(eps sqrt H) + 1.
        let d = [RunPoint(step: 0, epoch: 0, testLoss: 1, maxExponent: -0.1, distanceEndOfDrive: -10, phase: .order),
                 RunPoint(step: 10, epoch: 1, testLoss: 1, maxExponent: -0.1, distanceEndOfDrive: -14.9, phase: .order)]
        let tt = [PhaseTransition(from: .order, to: .chaos, epoch: 10, lastEpochBefore: 0)]
        #expect(EdgeWidths.evaluate(points: d, transitions: tt, chaosThreshold: -4.86).widths[0].width == 1)
        #expect(EdgeWidths.evaluate(points: d, transitions: tt, chaosThreshold: nil).widths[0].width == 0)
    }
}
