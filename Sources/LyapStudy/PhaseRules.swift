import Foundation
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

    public static let reproductionThreshold = -14.5

    /// Labels of the analysed epochs under this rule; nil when a needed input is missing (the distance rule
    /// needs ε and H, from the run's config.json). Epochs without a finite D̃ are left out of the
    /// distance-based rules.
    public func labels(_ m: RunMetrics, chaosThreshold: Double?) -> (epochs: [Int], labels: [Phase])? {
        switch self {
        case .lab:
            return (m.phaseEpochs, m.phases)
        case .distance:
            guard let threshold = chaosThreshold else { return nil }
            return m.labelled { $0 > threshold ? .chaos : .order }
        case .reproduction:
            return m.labelled { $0 < Self.reproductionThreshold ? .order : .chaos }
        }
    }
}

extension RunMetrics {
    /// The analysed epochs with a finite D̃ (end of drive), labelled by `rule`.
    func labelled(_ rule: (Double) -> Phase) -> (epochs: [Int], labels: [Phase]) {
        var e: [Int] = [], l: [Phase] = []
        for (k, epoch) in analysedEpochs.enumerated() where distanceEndOfDrive[k].isFinite {
            e.append(epoch)
            l.append(rule(distanceEndOfDrive[k]))
        }
        return (e, l)
    }
}
