import LyapCore
import Testing
@testable import LyapAudit
import LyapIO

/// The audit's per-epoch divergence measures (methods.md §6.3) on constructed traces whose answers are worked
/// out by hand: the CLI tests can only see them on trained twins, where any value in range would pass.
struct AuditMeasuresTests {
    /// Two epochs of a baseline and a twin of a one-unit model: the twin moves one embedding weight by 0.5
    /// and changes its logits at epoch 1.
    static func traces() -> (layout: ParameterLayout, theta: [Double], base: AuditSetup.Trace, twin: AuditSetup.Trace) {
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
        return (layout, theta, base, twin)
    }

    @Test func functionAndParameterDistancesOfConstructedTraces() throws {
        let (layout, theta, base, twin) = Self.traces()
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

    @Test func csvRowsOfConstructedTraces() throws {
        let (layout, _, base, twin) = Self.traces()
        let t = AuditResult.Twin(name: "twin1", perturbation: .param(1e-5), layout: layout, baseline: base, twin: twin, firstEpoch: 7)
        let csv = AuditResult(twins: [t], layout: layout).csv
        #expect(csv.header == ["twin", "perturbation", "epochs_after", "epoch", "d_theta", "d_theta_embedding_weight",
                               "d_theta_lstm_weight_ih_l0", "d_theta_lstm_weight_hh_l0", "d_theta_lstm_bias_ih_l0",
                               "d_theta_fc_weight", "d_theta_fc_bias", "mean_abs_prob_diff", "disagreement",
                               "abs_test_loss_diff", "test_loss_baseline", "test_loss_twin"])
        try #require(csv.rows.count == 2)
        #expect(csv.rows[0] == ["twin1", "param:1e-05", "0", "7", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0.5", "0.5"])
        let r = t.rows[1]
        #expect(csv.rows[1] == ["twin1", "param:1e-05", "1", "8", String(format: "%.9g", r.dTheta), String(format: "%.9g", r.dTensor[0]),
                                "0", "0", "0", "0", "0", "0.140694364", "0.2", "0.05", "0.4", "0.45"])
        // With analysed epochs the dynamics columns follow, empty where an epoch was not analysed.
        let analysed = AuditResult(twins: [t], layout: layout, analysed: [8]).csv
        #expect(analysed.header.suffix(8) == ArraySlice(AuditResult.dynamicsColumns))
        #expect(analysed.rows[1].suffix(8) == ["", "", "", "", "", "", "", ""])
    }
}
