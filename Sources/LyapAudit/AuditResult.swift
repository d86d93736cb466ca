import Foundation
import LyapCore
import LyapDynamics
import LyapIO
import LyapStudy

/// The divergence measures of each twin against the baseline, per epoch after branching (methods.md §6.3).
public struct AuditResult {
    /// The stability analysis of one model, reduced to what the audit compares.
    public struct Dynamics {
        public var maxExponent: Double?
        /// ln geometric-mean asymptotic distance, perturbation at h_{-1} (the headline placement).
        public var distance: Double
        public var phase: Phase

        init(_ a: CheckpointAnalysis) {
            maxExponent = a.maxExponent
            distance = a.distance(.initial).logMean
            phase = a.phase.lab
        }
    }

    public struct Row {
        public var epochsAfter: Int, epoch: Int
        public var dTheta: Double
        public var dTensor: [Double]
        public var meanAbsProb: Double, disagreement: Double
        public var baseLoss: Double, twinLoss: Double
        public var baseDynamics: Dynamics?, twinDynamics: Dynamics?
    }

    public struct Twin {
        public let name: String
        public let perturbation: Perturbation
        public var rows: [Row] = []

        init(name: String, perturbation: Perturbation, layout: ParameterLayout,
             baseline: AuditSetup.Trace, twin: AuditSetup.Trace, firstEpoch: Int) {
            self.name = name
            self.perturbation = perturbation
            for k in baseline.params.indices {
                let a = baseline.params[k], b = twin.params[k]
                let diff = zip(a, b).map { $1 - $0 }
                let dTensor = layout.slots.map { s in
                    let n = norm(a[s.range])
                    return n > 0 ? norm(diff[s.range]) / n : (norm(diff[s.range]) > 0 ? .infinity : 0)
                }
                let za = baseline.logits[k], zb = twin.logits[k]
                var mad = 0.0, dis = 0
                for (x, y) in zip(za, zb) {
                    mad += abs(sigmoid(Double(y)) - sigmoid(Double(x)))
                    if (x > 0) != (y > 0) { dis += 1 }
                }
                rows.append(Row(epochsAfter: k, epoch: firstEpoch + k, dTheta: norm(diff) / norm(a), dTensor: dTensor,
                                meanAbsProb: mad / Double(max(za.count, 1)), disagreement: Double(dis) / Double(max(za.count, 1)),
                                baseLoss: baseline.testLoss[k], twinLoss: twin.testLoss[k],
                                baseDynamics: baseline.dynamics[k].map(Dynamics.init), twinDynamics: twin.dynamics[k].map(Dynamics.init)))
            }
        }

        public var finalD: Double { rows.last?.dTheta ?? .nan }

        /// The training-trajectory Lyapunov exponent: ln d_theta vs epochs after branching, initial exponential stretch.
        public var growth: TrajectoryGrowth? {
            TrajectoryGrowth.fit(epochs: rows.map { Double($0.epochsAfter) }, distances: rows.map(\.dTheta))
        }

        /// Least-squares slope of ln d_theta over every row with d > 0 (the stretch ignored).
        public var slopeAllEpochs: Double? {
            let r = rows.filter { $0.dTheta > 0 && $0.dTheta.isFinite }
            guard r.count >= 2 else { return nil }
            return TrajectoryGrowth.line(ArraySlice(r.map { (Double($0.epochsAfter), log($0.dTheta)) })).slope
        }

        /// Lab-rule phase transitions of the twin (hysteresis 1: every change between analysed epochs).
        public var transitions: [LyapDynamics.PhaseTransition] { Self.transitions(rows, \.twinDynamics) }

        static func transitions(_ rows: [Row], _ d: KeyPath<Row, Dynamics?>) -> [LyapDynamics.PhaseTransition] {
            let pts = rows.compactMap { r in r[keyPath: d].map { (r.epoch, $0.phase) } }
            return LyapDynamics.PhaseTransition.detect(epochs: pts.map(\.0), labels: pts.map(\.1), hysteresis: 1)
        }
    }

    public let twins: [Twin]
    public let layout: ParameterLayout
    /// Epochs (absolute) with a stability analysis; empty without --analyze-every.
    public var analysed: [Int] = []

    static func column(_ tensor: String) -> String {
        "d_theta_" + tensor.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    static let dynamicsColumns = ["max_exponent_baseline", "max_exponent_twin", "max_exponent_diff",
                                  "distance_initial_baseline", "distance_initial_twin", "distance_initial_diff",
                                  "phase_baseline", "phase_twin"]

    public var csv: CSVTable {
        let header = ["twin", "perturbation", "epochs_after", "epoch", "d_theta"] + layout.slots.map { Self.column($0.name) }
            + ["mean_abs_prob_diff", "disagreement", "abs_test_loss_diff", "test_loss_baseline", "test_loss_twin"]
            + (analysed.isEmpty ? [] : Self.dynamicsColumns)
        let g = { (x: Double) in String(format: "%.9g", x) }
        let o = { (x: Double?) in x.map(g) ?? "" }
        var rows: [[String]] = []
        for t in twins {
            for r in t.rows {
                var row = [t.name, t.perturbation.description, String(r.epochsAfter), String(r.epoch), g(r.dTheta)]
                    + r.dTensor.map(g)
                    + [g(r.meanAbsProb), g(r.disagreement), g(abs(r.twinLoss - r.baseLoss)), g(r.baseLoss), g(r.twinLoss)]
                if !analysed.isEmpty {
                    let a = r.baseDynamics, b = r.twinDynamics
                    let dl = a?.maxExponent.flatMap { x in b?.maxExponent.map { $0 - x } }
                    let dd = a.flatMap { x in b.map { $0.distance - x.distance } }
                    row += [o(a?.maxExponent), o(b?.maxExponent), o(dl), o(a?.distance), o(b?.distance), o(dd),
                            a?.phase.rawValue ?? "", b?.phase.rawValue ?? ""]
                }
                rows.append(row)
            }
        }
        return CSVTable(header: header, rows: rows)
    }
}
