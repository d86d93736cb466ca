import Foundation
import LyapCore
import LyapDynamics

/// The JSON of one analysed checkpoint (`lyap analyze --json`). Undefined numbers are left out (null inside lists).
public struct AnalysisReport: Encodable {
    struct Settings: Encodable {
        var drive: Int, steps: Int, transient: Int, reviews: Int, epsilon: Double, exponents: Int
        var renorm_every: Int, seed: UInt64, perturb_cell: Bool, jacobian_norm_iterations: Int
        var precision: String, autonomous: Bool, read_out_time: Int, averaged_steps: Int?
        /// The pad id whose leading runs the CPU drive computed once per model (absent: unshared, or on the GPU).
        var shared_pad_id: Int32?
    }

    struct Distance: Encodable {
        var initial: Double?
        var end_of_drive: Double?
    }

    struct Phase: Encodable {
        var distance_rule: String
        var exponent_rule: String?
        var lab_rule: String
    }

    /// Over reviews (those where the quantity is defined and finite: `reviews` of them).
    struct Aggregate: Encodable {
        var mean: Double, median: Double, positive_fraction: Double, reviews: Int
        init?(_ a: ReviewAggregate?) {
            guard let a else { return nil }
            (mean, median, positive_fraction, reviews) = (a.mean, a.median, a.positiveFraction, a.count)
        }
    }

    /// Every per-review quantity aggregated the same way.
    struct Aggregates: Encodable {
        var exponents: [Aggregate?]
        var ks_entropy: Aggregate?, kaplan_yorke: Aggregate?, jacobian_norm: Aggregate?
        /// Of ln(d + e^-15), per placement: the mean is `asymptotic_distance`.
        var log_distance: [String: Aggregate?]
        var reduced_sum: Aggregate?
    }

    struct Review: Encodable {
        var index: Int?, label: UInt8?
        var exponents: [Double?]
        var max_exponent: Double?
        var ks_entropy: Double?, kaplan_yorke: Double?, jacobian_norm: Double?
        var distance: Distance
        var reduced_sum: Double?
        var readout: Double?
        var collapsed_rows: Int
        /// ln ρ_n / τ_n at each step of `ftle_steps` (with --ftle).
        var ftle: [Double?]?
        /// The base trajectory's final hidden state (with --final-states).
        var h_T: [Double?]?
    }

    var checkpoint: String
    var epoch: Int?
    var model: [String: Int]
    var `protocol`: Settings
    var max_exponent: Double?
    var max_exponent_median: Double?
    var max_exponent_positive_fraction: Double?
    var exponents: [Double?]
    var ks_entropy: Double?
    var kaplan_yorke: Double?
    var jacobian_norm: Double?
    var asymptotic_distance: Distance
    var floor_fraction: Distance
    var chaos_threshold: Double?
    /// The distance-rule label (threshold-free, end-of-drive placement); the others are in `phases`.
    var phase: String
    var phases: Phase
    var reduced_sums: [Double?]
    /// Mean, median and fraction > 0 over reviews of every per-review quantity.
    var aggregates: Aggregates
    /// Zero-input steps (1-based, after the drive) that end each finite-time window (with --ftle).
    var ftle_steps: [Int]?
    var per_review: [Review]

    public init(_ r: CheckpointAnalysis, checkpoint: String, epoch: Int?, shape: ModelShape, autonomous: Bool) {
        let c = r.config
        self.checkpoint = checkpoint
        self.epoch = epoch
        model = ["vocab": shape.vocab, "embed": shape.embed, "hidden": shape.hidden]
        self.protocol = Settings(
            drive: c.drive, steps: c.steps, transient: c.transient, reviews: r.perReview.count, epsilon: c.epsilon,
            exponents: c.exponents, renorm_every: c.effectiveRenormEvery, seed: c.seed, perturb_cell: c.perturbCell,
            jacobian_norm_iterations: c.jacobianNormIterations, precision: c.precision.rawValue, autonomous: autonomous,
            read_out_time: c.steps - 1, averaged_steps: c.exponents > 0 ? c.accumulatedSteps : nil, shared_pad_id: c.sharedPadID)
        max_exponent = finite(r.maxExponent)
        max_exponent_median = finite(r.maxExponentMedian)
        max_exponent_positive_fraction = finite(r.positiveFraction)
        exponents = r.exponents.map(finite)
        ks_entropy = finite(r.ksEntropy)
        kaplan_yorke = finite(r.kaplanYorke)
        jacobian_norm = finite(r.jacobianNorm)
        let i = r.distance(.initial), e = r.distance(.endOfDrive)
        asymptotic_distance = Distance(initial: finite(i.logMean), end_of_drive: finite(e.logMean))
        floor_fraction = Distance(initial: finite(i.floorFraction), end_of_drive: finite(e.floorFraction))
        chaos_threshold = finite(r.chaosThreshold)
        let p = r.phase
        phase = p.byDistance.rawValue
        phases = Phase(distance_rule: p.byDistance.rawValue, exponent_rule: p.byExponent?.rawValue, lab_rule: p.lab.rawValue)
        reduced_sums = r.perReview.map { finite($0.reducedSum) }
        aggregates = Aggregates(
            exponents: r.exponentAggregates.map(Aggregate.init), ks_entropy: Aggregate(r.aggregate(\.ksEntropy)),
            kaplan_yorke: Aggregate(r.aggregate(\.kaplanYorke)), jacobian_norm: Aggregate(r.aggregate(\.jacobianNorm)),
            log_distance: ["initial": Aggregate(r.logDistanceAggregate(.initial)), "end_of_drive": Aggregate(r.logDistanceAggregate(.endOfDrive))],
            reduced_sum: Aggregate(r.aggregate(\.reducedSum)))
        ftle_steps = c.finiteTimeSeries && c.exponents > 0 ? c.renormSchedule.renormalizationSteps : nil
        per_review = r.perReview.map { v in
            Review(index: v.index, label: v.label, exponents: v.exponents.map(finite), max_exponent: finite(v.exponents.first),
                   ks_entropy: finite(v.ksEntropy), kaplan_yorke: finite(v.kaplanYorke), jacobian_norm: finite(v.jacobianNorm),
                   distance: Distance(initial: finite(v.distance[.initial]), end_of_drive: finite(v.distance[.endOfDrive])),
                   reduced_sum: finite(v.reducedSum), readout: finite(v.readout), collapsed_rows: v.collapsedRows,
                   ftle: v.finiteTimeExponents?.map(finite), h_T: v.finalState?.map(finite))
        }
    }
}

/// The JSON of a run directory: one entry per checkpoint in epoch order, and the phase transitions.
public struct RunAnalysisReport: Encodable {
    var run: String
    var hysteresis: Int
    var checkpoints: [AnalysisReport]
    var transitions: Transitions

    public init(run: String, hysteresis: Int, checkpoints: [AnalysisReport], transitions: Transitions) {
        self.run = run
        self.hysteresis = hysteresis
        self.checkpoints = checkpoints
        self.transitions = transitions
    }

    /// The phase transitions over a run's checkpoints under each rule (exponent: only when every checkpoint
    /// has exponents).
    public struct Transitions: Encodable {
        public var distance: [PhaseTransition]?
        public var exponent: [PhaseTransition]?
        public var lab: [PhaseTransition]?

        public init(epochs: [Int], phases: [PhaseLabels], hysteresis: Int) {
            distance = PhaseTransition.detect(epochs: epochs, labels: phases.map(\.byDistance), hysteresis: hysteresis)
            exponent = phases.allSatisfy { $0.byExponent != nil }
                ? PhaseTransition.detect(epochs: epochs, labels: phases.map { $0.byExponent! }, hysteresis: hysteresis) : nil
            lab = PhaseTransition.detect(epochs: epochs, labels: phases.map(\.lab), hysteresis: hysteresis)
        }
    }
}

private func finite(_ x: Double?) -> Double? {
    guard let x, x.isFinite else { return nil }
    return x
}
