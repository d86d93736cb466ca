import Testing
import LyapCore
import LyapDynamics
@testable import LyapStudy

struct TransitionTests {
    @Test func transitionsWithEdgeAndHysteresis() {
        let labels: [Phase] = [.order, .order, .edge, .chaos, .chaos, .order, .chaos, .chaos, .order, .order]
        let epochs = labels.indices.map { $0 * 10 }
        let h2 = PhaseTransition.detect(epochs: epochs, labels: labels, hysteresis: 2)
        // O->C at 30 (after the edge epoch 20; last order epoch 10); the single order at 50 is flicker;
        // C->O at 80.
        #expect(h2.map(\.name) == ["O->C", "C->O"])
        #expect(h2.map(\.epoch) == [30, 80])
        #expect(h2.map(\.lastEpochBefore) == [10, 70])
        #expect(h2[0].location == 20)
        let h1 = PhaseTransition.detect(epochs: epochs, labels: labels, hysteresis: 1)
        #expect(h1.map(\.epoch) == [30, 50, 60, 80])
        #expect(h1.map(\.name) == ["O->C", "C->O", "O->C", "C->O"])
        // A change at the very end cannot be confirmed with hysteresis 2.
        #expect(PhaseTransition.detect(epochs: [0, 1, 2], labels: [.order, .order, .chaos], hysteresis: 2).isEmpty)
        #expect(PhaseTransition.detect(epochs: [0, 1], labels: [.edge, .edge]).isEmpty)
    }

    func transitions(at locations: [Int]) -> [PhaseTransition] {
        locations.enumerated().map { k, t in
            PhaseTransition(from: k % 2 == 0 ? .order : .chaos, to: k % 2 == 0 ? .chaos : .order, epoch: t, lastEpochBefore: t)
        }
    }

    @Test func statisticByHand() {
        #expect(Alignment.statistic([10, 50], [12, 40]) == 6)
        let a = Alignment.compute(minima: [10, 50], transitions: transitions(at: [12, 40]), rangeStart: 0, rangeEnd: 99, draws: 10)!
        #expect(a.statistic == 6)
        #expect(a.pairs.map(\.distance) == [-2, 10])
        #expect(a.pairs.map(\.transition) == ["O->C", "C->O"])
    }

    let trans = [103, 251, 389, 612, 840]

    @Test func alignedMinimaGiveSmallP() {
        let a = Alignment.compute(minima: [105, 248, 392, 610, 843], transitions: transitions(at: trans),
                                  rangeStart: 0, rangeEnd: 999, draws: 2000, seed: 7)!
        #expect(a.statistic == 2.6)
        #expect(a.p < 0.02, "p \(a.p)")
        #expect(a.nullMean > 20 * a.statistic)
    }

    @Test func unrelatedMinimaGiveLargeP() {
        // Midway between transitions: as far from them as can be.
        let mid = Alignment.compute(minima: [177, 320, 500, 726, 920], transitions: transitions(at: trans),
                                    rangeStart: 0, rangeEnd: 999, draws: 2000, seed: 7)!
        #expect(mid.p > 0.5, "p \(mid.p)")
        // Minima drawn independently of the transitions.
        var rng = LabRNG(seed: 11)
        var small = 0
        for trial in 0..<20 {
            let mins = (0..<6).map { _ in rng.below(1000) }
            let a = Alignment.compute(minima: mins, transitions: transitions(at: trans), rangeStart: 0, rangeEnd: 999,
                                      draws: 500, seed: UInt64(trial))!
            if a.p < 0.05 { small += 1 }
        }
        #expect(small <= 3, "\(small) of 20 unrelated cases had p < 0.05")
    }

    @Test func nullIsSeededAndReproducible() {
        let a = Alignment.compute(minima: [100, 500], transitions: transitions(at: trans), rangeStart: 0, rangeEnd: 999, draws: 300, seed: 3)!
        let b = Alignment.compute(minima: [100, 500], transitions: transitions(at: trans), rangeStart: 0, rangeEnd: 999, draws: 300, seed: 3)!
        #expect(a == b)
        #expect(Alignment.compute(minima: [], transitions: transitions(at: trans), rangeStart: 0, rangeEnd: 9) == nil)
        #expect(Alignment.compute(minima: [5], transitions: [], rangeStart: 0, rangeEnd: 9) == nil)
    }

    @Test func earlyStoppingComparison() {
        // Minimum 0.5 at epoch 20, a rise to 0.8 at 40, then the global minimum 0.3 at 60, rising after.
        let epochs = Array(0...100)
        let loss = epochs.map { e -> Double in
            let x = Double(e)
            if e <= 20 { return 1 - 0.025 * x }
            if e <= 40 { return 0.5 + 0.015 * (x - 20) }
            if e <= 60 { return 0.8 - 0.025 * (x - 40) }
            return 0.3 + 0.01 * (x - 60)
        }
        let acc = loss.map { 1 - $0 / 2 }
        let t = [PhaseTransition(from: .chaos, to: .order, epoch: 10, lastEpochBefore: 5),
                 PhaseTransition(from: .order, to: .chaos, epoch: 60, lastEpochBefore: 55)]
        let s = EarlyStopping.compare(epochs: epochs, testLoss: loss, testAcc: acc, patience: 10, transitions: t)
        #expect(s.patienceTriggered && s.patienceStopEpoch == 30)
        #expect(s.patienceKept.epoch == 20 && abs(s.patienceKept.testLoss - 0.5) < 1e-12)
        #expect(s.firstOrderToChaos?.epoch == 60)
        #expect(abs(s.firstOrderToChaos!.testLoss - 0.3) < 1e-12)
        #expect(s.best.epoch == 60)
        // Patience 35 outlasts the rise (epoch 53 first beats the 0.5 of epoch 20) and stops 35 epochs after 60.
        let long = EarlyStopping.compare(epochs: epochs, testLoss: loss, testAcc: acc, patience: 35, transitions: [])
        #expect(long.patienceStopEpoch == 95 && long.patienceKept.epoch == 60 && long.firstOrderToChaos == nil)
    }
}
