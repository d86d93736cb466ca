import LyapDynamics
import LyapTraining

/// OUT/audit.json: per twin the training-trajectory Lyapunov exponent and the final divergence, and with
/// --analyze-every the twins' phase transitions next to the baseline's.
public struct AuditSummary: Encodable {
    struct TwinSummary: Encodable {
        let name: String, perturbation: String
        /// Slope of ln d_theta vs epoch (per epoch) over the initial exponential stretch; nil when it cannot be fitted.
        let lyapunovPerEpoch: Double?
        /// Points in the stretch, and its first and last epoch after branching.
        let epochsFitted: Int
        let fitFirstEpoch: Double?, fitLastEpoch: Double?
        /// The slope over every epoch with d_theta > 0 (no stretch detection), for comparison.
        let slopeAllEpochs: Double?
        let finalDTheta: Double
        let finalDisagreement: Double
        let finalMeanAbsProbDiff: Double
        /// With --analyze-every: lab-rule transitions of this twin, and per transition of the baseline the
        /// epoch shift of this twin's matching one (same from/to, in order; nil when it has none).
        let transitions: [PhaseTransition]?
        let transitionShifts: [Int?]?

        enum K: String, CodingKey {
            case name, perturbation, lyapunovPerEpoch, epochsFitted, fitFirstEpoch, fitLastEpoch, slopeAllEpochs
            case finalDTheta, finalDisagreement, finalMeanAbsProbDiff, transitions, transitionShifts
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(name, forKey: .name)
            try c.encode(perturbation, forKey: .perturbation)
            try c.encode(lyapunovPerEpoch, forKey: .lyapunovPerEpoch)  // null when it cannot be fitted
            try c.encode(epochsFitted, forKey: .epochsFitted)
            try c.encode(fitFirstEpoch, forKey: .fitFirstEpoch)
            try c.encode(fitLastEpoch, forKey: .fitLastEpoch)
            try c.encode(slopeAllEpochs, forKey: .slopeAllEpochs)
            try c.encode(finalDTheta, forKey: .finalDTheta)
            try c.encode(finalDisagreement, forKey: .finalDisagreement)
            try c.encode(finalMeanAbsProbDiff, forKey: .finalMeanAbsProbDiff)
            try c.encodeIfPresent(transitions, forKey: .transitions)
            try c.encodeIfPresent(transitionShifts, forKey: .transitionShifts)
        }
    }

    let from: String, at: Int, backend: String, epochs: Int
    /// Whether the twins' CPU backend shared the pad prefix (as the run did, unless `--no-shared-padding`; false on Vulkan).
    let sharedPadding: Bool
    /// How the kinds that act for a while are scheduled, and how the exponent is fitted.
    let notes: [String: String]
    let analysedEpochs: [Int]?
    let baselineTransitions: [PhaseTransition]?
    let twins: [TwinSummary]
    /// Provenance, as in a run's config.json.
    let versions = BuildInfo.current
    let command = CommandLine.arguments

    static let notes = [
        "firstEpochOnly": "lr, batch, swap, grad-noise and loss-scale act during the first epoch after branching only; param, param-tensor, adam-reset act once at branching; order and labels for every epoch",
        "gradNoise": "g += EPS * ||g|| * zeta / ||zeta||, zeta ~ N(0, I) drawn afresh at every step (stream audit-grad-noise of --perturb-seed), on the mean-loss gradient before Adam",
        "lossScale": "the gradient of every step multiplied by 1+EPS before Adam (the loss scaled by 1+EPS, up to rounding)",
        "swap": "minibatch K and K+1 of the first epoch's order exchanged (0-based; the same samples, visited in another order)",
        "lyapunovPerEpoch": "slope of ln d_theta vs epochs after branching over the initial exponential stretch: from the first epoch with d_theta > 0, the longest run whose least-squares line leaves no point more than 0.5 nats away",
        "dynamics": "with --analyze-every: the run's analysis protocol (lyap train --analyze-every) at every K-th epoch after branching and the last; distance: ln geometric mean asymptotic distance, perturbation at h_-1; transitions: lab rule, every change (hysteresis 1)",
    ]

    public init(_ r: AuditResult, from: String, at: Int, backend: String, sharedPadding: Bool) {
        self.from = from; self.at = at; self.backend = backend; self.sharedPadding = sharedPadding
        epochs = (r.twins.first?.rows.count ?? 1) - 1
        notes = Self.notes
        let dynamics = !r.analysed.isEmpty
        analysedEpochs = dynamics ? r.analysed : nil
        let base = r.twins.first.map { AuditResult.Twin.transitions($0.rows, \.baseDynamics) } ?? []
        baselineTransitions = dynamics ? base : nil
        twins = r.twins.map { t in
            let g = t.growth, tr = t.transitions
            return TwinSummary(name: t.name, perturbation: t.perturbation.description, lyapunovPerEpoch: g?.rate,
                               epochsFitted: g?.points ?? 0, fitFirstEpoch: g?.firstEpoch, fitLastEpoch: g?.lastEpoch,
                               slopeAllEpochs: t.slopeAllEpochs, finalDTheta: t.finalD,
                               finalDisagreement: t.rows.last?.disagreement ?? .nan, finalMeanAbsProbDiff: t.rows.last?.meanAbsProb ?? .nan,
                               transitions: dynamics ? tr : nil, transitionShifts: dynamics ? Self.shifts(base, tr) : nil)
        }
    }

    /// For each baseline transition, the epoch difference to the twin's next unused transition with the
    /// same from/to (in order), or nil.
    static func shifts(_ base: [PhaseTransition], _ twin: [PhaseTransition]) -> [Int?] {
        var used = 0
        return base.map { b in
            guard let j = twin[used...].firstIndex(where: { $0.from == b.from && $0.to == b.to }) else { return nil }
            used = j + 1
            return twin[j].epoch - b.epoch
        }
    }
}
