import Foundation
import LyapCore
import LyapDynamics

/// The three readings of "order" and "chaos" the campaign compares (docs/science/PROTOCOL.md), each a label
/// per analysed epoch from the metrics' analysis columns.
public enum PhaseRule: String, Sendable, Codable, CaseIterable {
    /// methods.md §5.3, the `phase` column lyap writes (order, edge or chaos).
    case lab
    /// Chaos when D̃ (end of drive) > ln(ε√H): perturbations grew on average.
    case distance
    /// The public reproduction's fixed threshold: order when D̃ (end of drive) < −14.5, chaos otherwise.
    case reproduction

    public static let reproductionThreshold = PhaseThresholds.reproduction

    /// Labels of the analysed epochs under this rule; nil when a needed input is missing (the distance rule
    /// needs ε and H, from the run's config.json). Epochs without a finite D̃ are left out of the
    /// distance-based rules.
    public func labels(_ m: RunMetrics, chaosThreshold: Double?) -> (epochs: [Int], labels: [Phase])? {
        if self == .distance && chaosThreshold == nil { return nil }
        let labelled = m.points.compactMap { p in label(p, chaosThreshold: chaosThreshold).map { (Int(p.epoch), $0) } }
        return (labelled.map(\.0), labelled.map(\.1))
    }

    /// The label of one analysed point (nil: not analysed, or not labelled by this rule).
    public func label(_ p: RunPoint, chaosThreshold: Double?) -> Phase? {
        guard p.analysed else { return nil }
        switch self {
        case .lab: return p.phase
        case .distance:
            guard let t = chaosThreshold, let d = p.distanceEndOfDrive else { return nil }
            return d > t ? .chaos : .order
        case .reproduction:
            return p.distanceEndOfDrive.map { $0 < Self.reproductionThreshold ? .order : .chaos }
        }
    }
}
