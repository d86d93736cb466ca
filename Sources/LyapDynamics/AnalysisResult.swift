import Foundation
import LyapCore

/// Where the twin trajectory is perturbed (methods.md §5.2): at h_{-1} (`initial`, the reading of the paper
/// in the reproduction's text, the headline curve) or at h_{drive-1} (`endOfDrive`, what the reproduction's
/// code does, and the placement the threshold-free rule of §5.3 reads).
public enum PerturbationPlacement: String, Sendable, Codable, CaseIterable {
    case initial
    case endOfDrive = "end_of_drive"
}

public enum Phase: String, Sendable, Codable, Equatable {
    case order, edge, chaos
}

/// What one review's trajectory gives.
public struct ReviewDynamics: Sendable, Equatable {
    /// Position in the test split (nil: the autonomous lane).
    public var index: Int?
    public var label: UInt8?
    /// λ1..λk in nats per step (Gram–Schmidt column order); empty when k = 0.
    public var exponents: [Double]
    /// d_s = ‖h'_T − h_T‖₂ per placement.
    public var distance: [PerturbationPlacement: Double]
    /// y_s = Σ_j h_{T,j}, the bifurcation-diagram ordinate.
    public var reducedSum: Double
    /// w_dᵀ h_T + b_d, the classifier's logit read from the asymptotic state.
    public var readout: Double
    /// exp⟨ln‖J_t‖₂⟩ over the averaging window (nil unless requested).
    public var jacobianNorm: Double?
    /// Tangent rows that underflowed at a renormalisation (see `GramSchmidt`); 0 in healthy runs.
    public var collapsedRows: Int
    /// ln ρ_n / τ_n of the leading tangent at each renormalisation (`AnalysisConfig.finiteTimeSeries`);
    /// the steps are `RenormSchedule.renormalizationSteps`.
    public var finiteTimeExponents: [Double]? = nil
    /// h_T of the base trajectory (`AnalysisConfig.finalStates`).
    public var finalState: [Double]? = nil
    /// The mean of ln|det J_t| over the averaging window, which the sum of all 2H exponents must equal
    /// (`StepDeterminant`); computed by the CPU engine for the full spectrum (k = 2H) only.
    public var logDeterminant: Double? = nil

    public init(index: Int?, label: UInt8?, exponents: [Double], distance: [PerturbationPlacement: Double], reducedSum: Double,
                readout: Double, jacobianNorm: Double?, collapsedRows: Int, finiteTimeExponents: [Double]? = nil,
                finalState: [Double]? = nil, logDeterminant: Double? = nil) {
        self.index = index
        self.label = label
        self.exponents = exponents
        self.distance = distance
        self.reducedSum = reducedSum
        self.readout = readout
        self.jacobianNorm = jacobianNorm
        self.collapsedRows = collapsedRows
        self.finiteTimeExponents = finiteTimeExponents
        self.finalState = finalState
        self.logDeterminant = logDeterminant
    }

    public var ksEntropy: Double? { exponents.isEmpty ? nil : LyapunovSpectrum.ksEntropy(exponents) }
    public var kaplanYorke: Double? { exponents.isEmpty ? nil : LyapunovSpectrum.kaplanYorke(exponents) }
}

/// The asymptotic distance over the review set for one placement.
public struct DistanceSummary: Sendable, Equatable {
    /// D̃ = mean over reviews of ln(d_s + e^-15).
    public var logMean: Double
    /// Fraction of reviews with d_s < e^-15.
    public var floorFraction: Double
}

/// Phase labels of one checkpoint (methods.md §5.3, with the end-of-drive placement).
public struct PhaseLabels: Sendable, Equatable {
    /// Threshold-free rule: chaos if D̃ > ln(ε √H), else order.
    public var byDistance: Phase
    /// Sign of the review-mean λ1 (nil when no exponents were computed).
    public var byExponent: Phase?
    /// The lab rule: order if D̃ <= -14 and the floor fraction >= 0.9; chaos if D̃ > ln(ε √H) + 1 and
    /// λ1 > 0 for more than half of the reviews (when computed); edge otherwise.
    public var lab: Phase
}

/// Everything the analysis of one checkpoint gives: per review and aggregated.
public struct CheckpointAnalysis: Sendable, Equatable {
    public var config: AnalysisConfig
    public var hidden: Int
    public var perReview: [ReviewDynamics]

    /// ln(e^-15) = -15: the lowest possible D̃.
    public static let distanceFloor = exp(-15.0)

    public init(config: AnalysisConfig, hidden: Int, perReview: [ReviewDynamics]) {
        self.config = config
        self.hidden = hidden
        self.perReview = perReview
    }

    /// Mean over reviews of λ1 (nil when k = 0).
    public var maxExponent: Double? { config.exponents == 0 ? nil : mean(perReview.map { $0.exponents[0] }) }
    public var maxExponentMedian: Double? { config.exponents == 0 ? nil : median(perReview.map { $0.exponents[0] }) }
    /// Fraction of reviews with λ1 > 0.
    public var positiveFraction: Double? {
        config.exponents == 0 ? nil : Double(perReview.filter { $0.exponents[0] > 0 }.count) / Double(perReview.count)
    }
    /// Mean spectrum over reviews.
    public var exponents: [Double] {
        (0..<config.exponents).map { j in mean(perReview.map { $0.exponents[j] }) }
    }
    public var ksEntropy: Double? { config.exponents == 0 ? nil : mean(perReview.compactMap(\.ksEntropy)) }
    /// Mean over the reviews whose Kaplan–Yorke dimension is defined with k exponents (nil if none is).
    public var kaplanYorke: Double? {
        let d = perReview.compactMap(\.kaplanYorke)
        return d.isEmpty ? nil : mean(d)
    }
    /// exp of the review-mean of ⟨ln‖J_t‖₂⟩ (nil unless requested).
    public var jacobianNorm: Double? {
        let v = perReview.compactMap(\.jacobianNorm)
        return v.isEmpty ? nil : exp(mean(v.map { log($0) }))
    }

    public var chaosThreshold: Double { config.chaosThreshold(hidden: hidden) }

    /// Mean, median and fraction > 0 over reviews of each exponent λ_j.
    public var exponentAggregates: [ReviewAggregate?] {
        (0..<config.exponents).map { j in ReviewAggregate(perReview.map { $0.exponents[j] }) }
    }

    /// Mean, median and fraction > 0 of a per-review quantity over the reviews where it is defined.
    public func aggregate(_ value: (ReviewDynamics) -> Double?) -> ReviewAggregate? {
        ReviewAggregate(perReview.compactMap(value))
    }

    /// The same for ln(d + e^-15), the paper's per-review distance term.
    public func logDistanceAggregate(_ p: PerturbationPlacement) -> ReviewAggregate? {
        aggregate { $0.distance[p].map { log($0 + Self.distanceFloor) } }
    }

    public func distance(_ p: PerturbationPlacement) -> DistanceSummary {
        let d = perReview.map { $0.distance[p] ?? .nan }
        return DistanceSummary(logMean: mean(d.map { log($0 + Self.distanceFloor) }),
                               floorFraction: Double(d.filter { $0 < Self.distanceFloor }.count) / Double(d.count))
    }

    public var phase: PhaseLabels {
        let d = distance(.endOfDrive), threshold = chaosThreshold
        let byDistance: Phase = d.logMean > threshold ? .chaos : .order
        let byExponent: Phase? = maxExponent.map { $0 > 0 ? .chaos : .order }
        let lab: Phase
        if d.logMean <= PhaseThresholds.labFloor && d.floorFraction >= 0.9 {
            lab = .order
        } else if d.logMean > threshold + 1 && (positiveFraction.map { $0 > 0.5 } ?? true) {
            lab = .chaos
        } else {
            lab = .edge
        }
        return PhaseLabels(byDistance: byDistance, byExponent: byExponent, lab: lab)
    }

    private func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

    private func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A change of the settled phase between analysed checkpoints (methods.md §5.3), the one rule every
/// command uses (analyze, cycles, study, audit, report).
///
/// Labels are order, edge or chaos on analysed epochs (ascending). Edge epochs neither make nor break a
/// phase: the settled phase changes from A to B (A, B ∈ {order, chaos}, A ≠ B) at the first analysed epoch
/// labelled B after the last one labelled A, provided the next `hysteresis` non-edge labels from there are
/// all B (hysteresis 1: every change counts; 2, the default: a single flickering epoch is ignored). A change
/// that cannot be confirmed because the labels end is not reported. The transition lies somewhere in
/// (lastEpochBefore, epoch]; `location` is the midpoint, the estimate the alignment statistic uses.
public struct PhaseTransition: Sendable, Codable, Equatable {
    public var from: Phase, to: Phase
    /// First analysed epoch of the new phase (where a "stop at the transition" rule can act).
    public var epoch: Int
    /// Last analysed epoch of the old phase.
    public var lastEpochBefore: Int

    public init(from: Phase, to: Phase, epoch: Int, lastEpochBefore: Int) {
        self.from = from
        self.to = to
        self.epoch = epoch
        self.lastEpochBefore = lastEpochBefore
    }

    public var location: Double { 0.5 * Double(epoch + lastEpochBefore) }
    public var name: String { from == .order ? "O->C" : "C->O" }

    enum CodingKeys: String, CodingKey {
        case from, to, epoch
        case lastEpochBefore = "last_epoch_before"
    }

    public static func detect(epochs: [Int], labels: [Phase], hysteresis: Int = 2) -> [PhaseTransition] {
        precondition(epochs.count == labels.count)
        let h = max(1, hysteresis)
        let settled = zip(epochs, labels).filter { $0.1 != .edge }
        guard let first = settled.first else { return [] }
        var state = first.1
        var lastOfState = first.0
        var out: [PhaseTransition] = []
        var i = 1
        while i < settled.count {
            let (e, l) = settled[i]
            if l == state { lastOfState = e; i += 1; continue }
            let window = settled[i..<min(settled.count, i + h)]
            if window.count == h && window.allSatisfy({ $0.1 == l }) {
                out.append(PhaseTransition(from: state, to: l, epoch: e, lastEpochBefore: lastOfState))
                state = l
                lastOfState = e
            }
            i += 1
        }
        return out
    }
}

/// Mean, median and fraction of values > 0 of one per-review quantity, over the reviews where it is finite
/// (`count` of them); nil when there are none.
public struct ReviewAggregate: Sendable, Equatable {
    public var mean: Double, median: Double, positiveFraction: Double, count: Int

    public init?(_ values: [Double]) {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return nil }
        let n = v.count
        mean = v.reduce(0, +) / Double(n)
        median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        positiveFraction = Double(v.filter { $0 > 0 }.count) / Double(n)
        count = n
    }
}
