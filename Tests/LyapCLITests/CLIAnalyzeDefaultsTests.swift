import Foundation
import Testing

/// `lyap analyze` with no protocol flag runs the paper's protocol (issue 4, methods.md §4.4, §4.6, §5.2):
/// drive 500, --steps 1600 (T = 1599), transient 500, 500 reviews, ε = 1e-3, k = 8 renormalised every step
/// (every 5 for k = 1), float32, seed 0, as the JSON records it.
@Suite(.serialized)
struct CLIAnalyzeDefaultsTests {
    @Test func noProtocolFlagMeansThePapersProtocol() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "1", "--backend", "cpu"] + s.small).status == 0)
        // 500 test reviews (ids below the model's V = 40), enough for the default --reviews.
        let data = s.dir + "/reviews.jsonl"
        try (0..<504).map { i in
            let toks = (0..<(1 + i % 17)).map { "\(3 + (7 * i + 11 * $0) % 37)" }.joined(separator: ",")
            return "{\"tokens\":[\(toks)],\"label\":\(i % 2),\"split\":\"\(i < 500 ? "test" : "train")\"}"
        }.joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let ckpt = s.dir + "/run/checkpoints/epoch-0001.safetensors"
        let spectrum = s.dir + "/spectrum.json", leading = s.dir + "/leading.json"
        try AnalyzeRuns.analyze(["--checkpoint", ckpt, "--data", data, "--backend", "cpu"], json: spectrum)
        try AnalyzeRuns.analyze(["--checkpoint", ckpt, "--data", data, "--backend", "cpu", "--exponents", "1"], json: leading)
        for (path, k, renorm) in [(spectrum, 8, 1), (leading, 1, 5)] {
            let j = try AnalyzeRuns.object(path)
            let p = try #require(j["protocol"] as? [String: Any])
            #expect(p["drive"] as? Int == 500)
            #expect(p["steps"] as? Int == 1600 && p["read_out_time"] as? Int == 1599)
            #expect(p["transient"] as? Int == 500 && p["averaged_steps"] as? Int == 600)
            #expect(p["reviews"] as? Int == 500 && (j["per_review"] as? [Any])?.count == 500)
            #expect(p["epsilon"] as? Double == 1e-3)
            #expect(p["exponents"] as? Int == k && (j["exponents"] as? [Any])?.count == k)
            #expect(p["renorm_every"] as? Int == renorm)
            #expect(p["seed"] as? Int == 0 && p["precision"] as? String == "float32")
            #expect(p["perturb_cell"] as? Bool == false && p["autonomous"] as? Bool == false)
            #expect(p["jacobian_norm_iterations"] as? Int == 0)
            // ε enters the threshold-free rule: ln(ε √H) with H = 5.
            let threshold = try #require(j["chaos_threshold"] as? Double)
            #expect(abs(threshold - log(1e-3 * 5.0.squareRoot())) < 1e-12)
        }
    }
}
