import LyapDynamics

/// What `lyap cycles` computes for one run beyond the cycles themselves (docs/science/PROTOCOL.md): the
/// collapses, the transitions and their alignment under each phase rule, and the dynamics around collapses.
public struct CycleStudy: Sendable, Codable {
    public struct RuleResult: Sendable, Codable {
        public var rule: PhaseRule
        /// Why the rule could not be applied (then everything else is empty).
        public var note: String?
        public var analysedEpochs: [Int]
        public var transitions: [PhaseTransition]
        /// S1 with the test-loss minima, and with the collapse epochs.
        public var minimaAlignment: Alignment?
        public var collapseAlignment: Alignment?
        /// S3 and S4 on every evaluated point (early ones included) in step order.
        public var bestPoint: BestPointTest?
        public var edgeWidths: EdgeWidths?
        public var firstOrderToChaos: PhaseTransition? { transitions.first { $0.from == .order && $0.to == .chaos } }
        enum CodingKeys: String, CodingKey {
            case rule, note, analysedEpochs = "analysed_epochs", transitions
            case minimaAlignment = "minima_alignment", collapseAlignment = "collapse_alignment"
            case bestPoint = "best_point", edgeWidths = "edge_widths"
        }
    }

    public struct Settings: Sendable, Codable, Equatable {
        public var hysteresis: Int
        public var nullDraws: Int
        public var seed: UInt64
        /// ln(ε√H) from the run's analysis settings; nil when unknown (no config.json).
        public var chaosThreshold: Double?
        public var collapseWindow: Int
        /// Collapses whose one-epoch drop is below this are left out (PROTOCOL.md's secondary set: 0.5); nil keeps all.
        public var minimumDrop: Double?
        public init(hysteresis: Int = 2, nullDraws: Int = 1000, seed: UInt64 = 0, chaosThreshold: Double?, collapseWindow: Int = 8,
                    minimumDrop: Double? = nil) {
            self.hysteresis = hysteresis
            self.nullDraws = nullDraws
            self.seed = seed
            self.chaosThreshold = chaosThreshold
            self.collapseWindow = collapseWindow
            self.minimumDrop = minimumDrop
        }
    }

    public var settings: Settings
    public var collapses: [Collapse]
    public var minima: [Int]
    public var rules: [RuleResult]
    /// S2 per read-out: "max_exponent" (mean λ1) and "distance_end_of_drive" (D̃).
    public var dynamics: [String: CollapseDynamics]

    public static let readOuts = ["max_exponent", "distance_end_of_drive"]

    /// `early`: the points of early.csv (lyap train --early-checkpoints), if any.
    public init(metrics m: RunMetrics, cycles: CycleDetector.Result, settings s: Settings, early: [RunPoint] = []) {
        let collapses = Collapse.find(cycles: cycles.cycles, epochs: m.epochs, values: m.testLoss).filter { $0.drop >= s.minimumDrop ?? -.infinity }
        let minima = cycles.minima.map(\.epoch), collapseEpochs = collapses.map(\.epoch)
        settings = s
        self.collapses = collapses
        self.minima = minima
        // Every evaluated point (epoch ends and early points) in step order, for S3 and S4.
        let points = (m.points + early).sorted { $0.step < $1.step }
        rules = PhaseRule.allCases.map { rule in
            guard let (epochs, labels) = rule.labels(m, chaosThreshold: s.chaosThreshold) else {
                return RuleResult(rule: rule, note: "needs ε and H from the run's config.json", analysedEpochs: [], transitions: [])
            }
            guard let first = epochs.first, let last = epochs.last else {
                return RuleResult(rule: rule, note: "no analysed epoch", analysedEpochs: [], transitions: [])
            }
            let t = PhaseTransition.detect(epochs: epochs, labels: labels, hysteresis: s.hysteresis)
            func align(_ e: [Int]) -> Alignment? {
                Alignment.compute(minima: e, transitions: t, rangeStart: first, rangeEnd: last, draws: s.nullDraws, seed: s.seed)
            }
            let label = { (p: RunPoint) in rule.label(p, chaosThreshold: s.chaosThreshold) }
            let labelled = points.compactMap { p in label(p).map { (p.step, $0) } }
            let stepTransitions = PhaseTransition.detect(epochs: labelled.map(\.0), labels: labelled.map(\.1), hysteresis: s.hysteresis)
            return RuleResult(rule: rule, note: t.isEmpty ? "no transition" : nil, analysedEpochs: epochs, transitions: t,
                              minimaAlignment: align(minima), collapseAlignment: align(collapseEpochs),
                              bestPoint: BestPointTest.evaluate(points: points, hysteresis: s.hysteresis, labels: label),
                              edgeWidths: EdgeWidths.evaluate(points: points.filter { label($0) != nil }, transitions: stepTransitions,
                                                              chaosThreshold: s.chaosThreshold))
        }
        var d: [String: CollapseDynamics] = [:]
        for name in Self.readOuts {
            d[name] = CollapseDynamics.compute(series: [Self.series(m, collapseEpochs, name)], window: s.collapseWindow,
                                               draws: s.nullDraws, seed: s.seed)
        }
        dynamics = d
    }

    static func series(_ m: RunMetrics, _ collapses: [Int], _ readOut: String) -> CollapseDynamics.Series {
        CollapseDynamics.Series(collapses: collapses, epochs: m.analysedEpochs,
                                values: readOut == "max_exponent" ? m.maxExponent : m.distanceEndOfDrive)
    }

    /// S1 and S2 pooled over runs (each with its own metrics and study).
    public struct Pooled: Sendable, Codable {
        public var runs: Int
        public var minimaAlignment: [String: PooledAlignment]
        public var collapseAlignment: [String: PooledAlignment]
        public var dynamics: [String: CollapseDynamics]
        enum CodingKeys: String, CodingKey {
            case runs, minimaAlignment = "minima_alignment", collapseAlignment = "collapse_alignment", dynamics
        }
    }

    public static func pooled(_ runs: [(metrics: RunMetrics, study: CycleStudy)], settings s: Settings) -> Pooled {
        var minimaA: [String: PooledAlignment] = [:], collapseA: [String: PooledAlignment] = [:]
        for rule in PhaseRule.allCases {
            func pool(_ events: (CycleStudy) -> [Int]) -> PooledAlignment? {
                let items = runs.compactMap { r -> PooledAlignment.Run? in
                    guard let res = r.study.rules.first(where: { $0.rule == rule }), let a = res.analysedEpochs.first,
                          let b = res.analysedEpochs.last else { return nil }
                    return PooledAlignment.Run(epochs: events(r.study), transitions: res.transitions.map(\.location), rangeStart: a, rangeEnd: b)
                }
                return PooledAlignment.compute(runs: items, draws: s.nullDraws, seed: s.seed)
            }
            minimaA[rule.rawValue] = pool(\.minima)
            collapseA[rule.rawValue] = pool { $0.collapses.map(\.epoch) }
        }
        var d: [String: CollapseDynamics] = [:]
        for name in readOuts {
            d[name] = CollapseDynamics.compute(series: runs.map { series($0.metrics, $0.study.collapses.map(\.epoch), name) },
                                               window: s.collapseWindow, draws: s.nullDraws, seed: s.seed)
        }
        return Pooled(runs: runs.count, minimaAlignment: minimaA, collapseAlignment: collapseA, dynamics: d)
    }
}
