import Foundation
import LyapCore
@testable import LyapDynamics
import LyapStudy
import Testing

/// The JSON of `lyap analyze --json` on a hand-made analysis: the headline numbers are the review means,
/// undefined numbers are left out (null inside lists), and the run's transitions are detected per rule.
struct AnalysisReportTests {
    static func json(_ value: some Encodable) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any])
    }

    @Test func headlineNumbersAreReviewMeansAndUndefinedOnesAreNull() throws {
        var c = AnalysisConfig()
        c.exponents = 2
        c.epsilon = 1e-3
        let reviews = [
            ReviewDynamics(index: 3, label: 1, exponents: [0.2, -0.1], distance: [.initial: 1e-3, .endOfDrive: 2e-3],
                           reducedSum: 0.5, readout: 1.5, jacobianNorm: nil, collapsedRows: 0),
            ReviewDynamics(index: 7, label: 0, exponents: [-0.4, -0.6], distance: [.initial: 0, .endOfDrive: 1e-2],
                           reducedSum: .nan, readout: .infinity, jacobianNorm: nil, collapsedRows: 2),
        ]
        let a = CheckpointAnalysis(config: c, hidden: 4, perReview: reviews)
        let j = try Self.json(AnalysisReport(a, checkpoint: "run/model-e3.safetensors", epoch: 3,
                                             shape: ModelShape(vocab: 9, embed: 2, hidden: 4), autonomous: false))
        #expect(j["checkpoint"] as? String == "run/model-e3.safetensors" && j["epoch"] as? Int == 3)
        #expect(j["model"] as? [String: Int] == ["vocab": 9, "embed": 2, "hidden": 4])
        #expect(abs((j["max_exponent"] as? Double ?? .nan) - -0.1) < 1e-15)
        #expect(j["max_exponent_positive_fraction"] as? Double == 0.5)
        let spectrum = try #require(j["exponents"] as? [Double])
        #expect(spectrum.count == 2 && abs(spectrum[0] - -0.1) < 1e-15 && abs(spectrum[1] - -0.35) < 1e-15)
        // ln(d + e^-15) averaged over reviews: a zero distance sits on the floor at -15.
        let distance = try #require(j["asymptotic_distance"] as? [String: Double])
        #expect(abs(distance["initial"]! - (log(1e-3 + exp(-15)) - 15) / 2) < 1e-12)
        #expect(abs(distance["end_of_drive"]! - (log(2e-3 + exp(-15)) + log(1e-2 + exp(-15))) / 2) < 1e-12)
        let sums = try #require(j["reduced_sums"] as? [Any])
        #expect(sums.count == 2 && sums[0] as? Double == 0.5 && sums[1] is NSNull)
        // An undefined field is left out; an undefined entry of a list is null.
        #expect(j["jacobian_norm"] == nil && j["max_exponent_median"] != nil)
        let per = try #require(j["per_review"] as? [[String: Any]])
        #expect(per.map { $0["index"] as? Int } == [3, 7] && per.map { $0["collapsed_rows"] as? Int } == [0, 2])
        #expect(per[0]["max_exponent"] as? Double == 0.2 && per[0]["readout"] as? Double == 1.5 && per[1]["readout"] == nil)
        let settings = try #require(j["protocol"] as? [String: Any])
        #expect(settings["reviews"] as? Int == 2 && settings["exponents"] as? Int == 2 && settings["epsilon"] as? Double == 1e-3)
        #expect(settings["read_out_time"] as? Int == c.steps - 1 && settings["autonomous"] as? Bool == false)
        let phases = try #require(j["phases"] as? [String: String])
        #expect(j["phase"] as? String == phases["distance_rule"] && phases["exponent_rule"] == "order")
    }

    @Test func transitionsPerRule() throws {
        let o = PhaseLabels(byDistance: .order, byExponent: .order, lab: .order)
        let x = PhaseLabels(byDistance: .chaos, byExponent: .order, lab: .edge)
        let y = PhaseLabels(byDistance: .chaos, byExponent: .order, lab: .chaos)
        let t = RunAnalysisReport.Transitions(epochs: [2, 4, 6, 8], phases: [o, o, x, y], hysteresis: 1)
        #expect(t.distance == [PhaseTransition(from: .order, to: .chaos, epoch: 6, lastEpochBefore: 4)])
        #expect(t.exponent == [])
        // Edge epochs are skipped: the lab rule's transition lands on the first chaos epoch after the last order one.
        #expect(t.lab == [PhaseTransition(from: .order, to: .chaos, epoch: 8, lastEpochBefore: 4)])
        let noExponents = PhaseLabels(byDistance: .order, byExponent: nil, lab: .order)
        let u = RunAnalysisReport.Transitions(epochs: [1, 2], phases: [noExponents, o], hysteresis: 1)
        #expect(u.exponent == nil && u.distance == [])
        let j = try Self.json(u)
        #expect(j.keys.sorted() == ["distance", "lab"])
    }
}
