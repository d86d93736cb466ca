import LyapCore
import Testing
@testable import lyap

/// The audit's per-epoch divergence measures (methods.md §6.3) on constructed traces whose answers are worked
/// out by hand: the CLI tests can only see them on trained twins, where any value in range would pass.
struct AuditMeasuresTests {
    @Test func functionAndParameterDistancesOfConstructedTraces() throws {
        let layout = ParameterLayout(ModelShape(vocab: 3, embed: 2, hidden: 1))
        let theta = (0..<layout.count).map { Double($0 % 5) + 1 }
        var moved = theta
        moved[layout.slots[0].range.lowerBound + 1] += 0.5  // one embedding weight
        var base = AuditSetup.Trace(), twin = AuditSetup.Trace()
        base.params = [theta, theta]
        twin.params = [theta, moved]
        // Epoch 1: the twin's logits 2→1, −1→1 (the only class change), 0.5→0.5, −3→−4, 0→−0.25 (both negative:
        // a zero logit is class 0).
        base.logits = [[2, -1, 0.5, -3, 0], [2, -1, 0.5, -3, 0]]
        twin.logits = [[2, -1, 0.5, -3, 0], [1, 1, 0.5, -4, -0.25]]
        base.testLoss = [0.5, 0.4]
        twin.testLoss = [0.5, 0.45]
        base.dynamics = [nil, nil]
        twin.dynamics = [nil, nil]
        let t = AuditResult.Twin(name: "twin-1", perturbation: .none, layout: layout, baseline: base, twin: twin, firstEpoch: 7)
        try #require(t.rows.count == 2)
        #expect(t.rows.map(\.epoch) == [7, 8] && t.rows.map(\.epochsAfter) == [0, 1])
        #expect(t.rows[0].meanAbsProb == 0 && t.rows[0].disagreement == 0 && t.rows[0].dTheta == 0)
        // (|σ(1)−σ(2)| + |σ(1)−σ(−1)| + 0 + |σ(−4)−σ(−3)| + |σ(−0.25)−σ(0)|) / 5, evaluated in Python.
        #expect(abs(t.rows[1].meanAbsProb - 0.1406943641418321) < 1e-7, "\(t.rows[1].meanAbsProb)")
        #expect(t.rows[1].disagreement == 0.2)
        let normTheta = theta.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(t.rows[1].dTheta - 0.5 / normTheta) < 1e-15)
        let embedding = theta[layout.slots[0].range]
        #expect(abs(t.rows[1].dTensor[0] - 0.5 / embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()) < 1e-15)
        #expect(t.rows[1].dTensor.dropFirst().allSatisfy { $0 == 0 })
        #expect(t.rows[1].baseLoss == 0.4 && t.rows[1].twinLoss == 0.45)
    }
}
