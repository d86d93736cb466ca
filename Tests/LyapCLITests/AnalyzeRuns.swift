import Foundation
import Testing

/// Trained runs for the `lyap analyze` tests, and readers of the JSON it writes.
enum AnalyzeRuns {
    /// A lavapipe-sized protocol: 12 driven steps, 288 zero-input steps (the first 100 transient), all 8 test
    /// reviews of the Scratch data (an even count, so the median is the mean of the middle two), k = 3.
    static let protocolFlags = ["--drive", "12", "--steps", "300", "--transient", "100", "--reviews", "8", "--exponents", "3"]

    /// The Scratch model at H = 8 trained on the CPU for `epochs` epochs (a checkpoint each) at lr 0.05 from
    /// weights `initScale` times the default ones. The dynamics are non-trivial under
    /// `protocolFlags` (measured): at scale 5 λ1 ≈ ±0.002 and D̃ falls from -8 (epoch 1) into the floor band
    /// -15..-14 (epochs 3-4); at scale 8 λ1 ≈ +0.01, positive for 75-100% of the reviews, D̃ ≈ -5..-10,
    /// between the floor and ln(ε√H) + 1 (phases: order by distance, chaos by λ1, edge by the lab rule).
    static func train(_ s: Scratch, name: String = "run", epochs: Int, initScale: Double,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let out = s.dir + "/" + name
        let r = try CLI.run(["train", "--out", out, "--epochs", "\(epochs)", "--checkpoint-every", "1", "--backend", "cpu"] + s.small
                            + ["--hidden", "8", "--init-scale", "\(initScale)", "--lr", "0.05"])
        #expect(r.status == 0, "train failed: \(r.stderr)", sourceLocation: sourceLocation)
        return out
    }

    /// `lyap analyze --json PATH ARGS`, expecting success.
    @discardableResult
    static func analyze(_ args: [String], json: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let r = try CLI.run(["analyze", "--json", json] + args)
        #expect(r.status == 0, "analyze \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    static func object(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// The per-checkpoint entries of a run directory's JSON.
    static func checkpoints(_ path: String) throws -> [Checkpoint] {
        try #require(object(path)["checkpoints"] as? [[String: Any]]).map(Checkpoint.init)
    }

    /// One analysed checkpoint of the JSON.
    struct Checkpoint {
        let json: [String: Any]
        init(_ json: [String: Any]) { self.json = json }

        var epoch: Int? { json["epoch"] as? Int }
        var maxExponent: Double? { json["max_exponent"] as? Double }
        var precision: String? { (json["protocol"] as? [String: Any])?["precision"] as? String }
        /// D̃ of a placement ("initial" or "end_of_drive").
        func distance(_ placement: String) -> Double? { (json["asymptotic_distance"] as? [String: Any])?[placement] as? Double }
        /// A phase label: "distance_rule", "exponent_rule" or "lab_rule".
        func phase(_ rule: String) -> String? { (json["phases"] as? [String: Any])?[rule] as? String }
        var reviews: [[String: Any]] { json["per_review"] as? [[String: Any]] ?? [] }
        /// λ1 of every review.
        var reviewExponents: [Double] { reviews.compactMap { $0["max_exponent"] as? Double } }
        /// d_s of every review for a placement.
        func reviewDistances(_ placement: String) -> [Double] {
            reviews.compactMap { ($0["distance"] as? [String: Any])?[placement] as? Double }
        }
    }
}
