import Foundation
import Testing
import LyapTestSupport

/// `lyap analyze` and `lyap tanh-map` through the built binary.
@Suite(.serialized)
struct CLIAnalyzeTests {
    /// A scratch run with checkpoints at epochs 1 and 2 of the tiny JSONL model (H=5, so 2H=10).
    static func trainedRun() throws -> (Scratch, String) {
        let s = try Scratch()
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "2", "--checkpoint-every", "1"] + s.small)
        #expect(r.status == 0, "train failed: \(r.stderr)")
        return (s, out)
    }

    static let small = ["--drive", "12", "--steps", "300", "--transient", "100", "--reviews", "6", "--exponents", "3"]

    func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func expectOneLineError(_ r: CLI.Result, _ phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, "exit status 0", sourceLocation: sourceLocation)
        #expect(r.stderrLines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        for p in phrases { #expect(r.stderr.contains(p), "'\(p)' not in: \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func analyzeOneCheckpointWritesTheDocumentedJSON() throws {
        let (s, run) = try Self.trainedRun()
        defer { s.remove() }
        let out = s.dir + "/one.json"
        let r = try CLI.run(["analyze", "--checkpoint", run + "/checkpoints/epoch-0002.safetensors", "--json", out] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("λ1 mean") && r.stdout.contains("mean spectrum"))
        let j = try json(out)
        for key in ["max_exponent", "exponents", "asymptotic_distance", "floor_fraction", "reduced_sums", "per_review", "phase"] {
            #expect(j[key] != nil, "missing \(key)")
        }
        let d = try #require(j["asymptotic_distance"] as? [String: Double])
        #expect(Set(d.keys) == ["initial", "end_of_drive"])
        #expect(d.values.allSatisfy { $0 >= -15 && $0 < 3 })
        #expect((j["exponents"] as? [Double])?.count == 3)
        #expect((j["reduced_sums"] as? [Double])?.count == 6)
        let reviews = try #require(j["per_review"] as? [[String: Any]])
        #expect(reviews.count == 6)
        #expect(reviews.allSatisfy { ($0["exponents"] as? [Double])?.count == 3 && $0["index"] is Int })
        let mean = reviews.map { ($0["exponents"] as! [Double])[0] }.reduce(0, +) / 6
        #expect(abs(mean - (j["max_exponent"] as! Double)) < 1e-12)
        #expect(["order", "chaos"].contains(j["phase"] as? String))
        #expect((j["epoch"] as? Int) == 2)
    }

    @Test func ftleSeriesAndFinalStatesAreInTheJSONOnlyWhenAskedFor() throws {
        let (s, run) = try Self.trainedRun()
        defer { s.remove() }
        let ckpt = run + "/checkpoints/epoch-0002.safetensors", out = s.dir + "/diag.json", plain = s.dir + "/plain.json"
        let r = try CLI.run(["analyze", "--checkpoint", ckpt, "--json", out, "--ftle", "--final-states", "--renorm-every", "10",
                             "--backend", "cpu"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(out)
        let steps = try #require(j["ftle_steps"] as? [Int])
        #expect(steps.count == 29 && steps.first == 10 && steps.last == 288)  // 288 zero-input steps, renormalised every 10
        let reviews = try #require(j["per_review"] as? [[String: Any]])
        for v in reviews {
            #expect((v["ftle"] as? [Double])?.count == steps.count)
            #expect((v["h_T"] as? [Double])?.count == 5)
        }
        #expect(try CLI.run(["analyze", "--checkpoint", ckpt, "--json", plain, "--backend", "cpu"] + Self.small).status == 0)
        let p = try json(plain)
        #expect(p["ftle_steps"] == nil)
        #expect(try #require(p["per_review"] as? [[String: Any]]).allSatisfy { $0["ftle"] == nil && $0["h_T"] == nil })
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", ckpt, "--ftle", "--backend", "cpu"] + Self.small + ["--exponents", "0"]),
                           ["--ftle needs --exponents"])
        if VulkanTestDevice.runsPart("--ftle on the Vulkan backend") {
            let vk = s.dir + "/vk.json"
            let g = try CLI.run(["analyze", "--checkpoint", ckpt, "--json", vk, "--ftle", "--final-states", "--renorm-every", "10",
                                 "--backend", "vulkan", "--validate"] + Self.small)
            #expect(g.status == 0, "\(g.stderr)")
            let gj = try json(vk)
            #expect((gj["ftle_steps"] as? [Int]) == steps)
            let gpuReviews = try #require(gj["per_review"] as? [[String: Any]])
            for (a, b) in zip(gpuReviews, reviews) {
                let x = try #require(a["ftle"] as? [Double]), y = try #require(b["ftle"] as? [Double])
                #expect(x.count == y.count)
                // float32 against the CPU's float32 path: the same windows to well within float noise.
                #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 1e-3 + 1e-3 * abs($1) }, "\(x.prefix(4)) vs \(y.prefix(4))")
            }
        }
    }

    @Test func analyzeARunDirectoryListsEveryCheckpointAndTransitions() throws {
        let (s, run) = try Self.trainedRun()
        defer { s.remove() }
        let out = s.dir + "/run.json"
        let r = try CLI.run(["analyze", "--checkpoint", run, "--json", out, "--precision", "float64"] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("epoch 1 (1/2)") && r.stdout.contains("epoch 2 (2/2)") && r.stdout.contains("transitions"))
        let j = try json(out)
        let entries = try #require(j["checkpoints"] as? [[String: Any]])
        #expect(entries.map { $0["epoch"] as? Int } == [1, 2])
        let t = try #require(j["transitions"] as? [String: Any])
        #expect(t["distance"] is [Any] && t["lab"] is [Any])
        // The same reviews for every checkpoint.
        let idx = entries.map { ($0["per_review"] as! [[String: Any]]).map { $0["index"] as! Int } }
        #expect(idx[0] == idx[1])
    }

    @Test func autonomousNeedsNoData() throws {
        let (s, run) = try Self.trainedRun()
        defer { s.remove() }
        let out = s.dir + "/auto.json"
        let r = try CLI.run(["analyze", "--checkpoint", run + "/checkpoints/epoch-0001.safetensors", "--autonomous",
                             "--data", s.dir + "/missing.jsonl", "--exponents", "10", "--steps", "800", "--jacobian-norm", "2",
                             "--json", out])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(out)
        let reviews = try #require(j["per_review"] as? [[String: Any]])
        #expect(reviews.count == 1 && reviews[0]["index"] == nil, "the autonomous lane has no review index")
        #expect((j["exponents"] as? [Double])?.count == 10)
        #expect(j["jacobian_norm"] is Double)
        #expect(((j["protocol"] as? [String: Any])?["drive"] as? Int) == 0)
    }

    @Test func badInputGetsOneLine() throws {
        let (s, run) = try Self.trainedRun()
        defer { s.remove() }
        let ck = run + "/checkpoints/epoch-0001.safetensors"
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", ck, "--exponents", "11"]), ["--exponents 11", "2H = 10"])
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", ck, "--drive", "12", "--steps", "12"]), ["--steps 12", "--drive 12"])
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", ck, "--drive", "12", "--reviews", "9"]), ["--reviews 9"])
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", s.dir + "/nope"]), ["nope"])
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", s.dir]), ["no checkpoints"])
        // A data set whose ids do not fit the checkpoint's V=40.
        let big = s.dir + "/big.jsonl"
        try (0..<8).map { "{\"tokens\":[3,4,\(45 + $0)],\"label\":\($0 % 2),\"split\":\"\($0 < 4 ? "test" : "train")\"}" }.joined(separator: "\n")
            .write(toFile: big, atomically: true, encoding: .utf8)
        expectOneLineError(try CLI.run(["analyze", "--checkpoint", ck, "--data", big, "--drive", "12", "--reviews", "2"]),
                           ["vocabulary", "V=40"])
    }

    @Test func tanhMapWritesCSVAndJSON() throws {
        let s = try Scratch()
        defer { s.remove() }
        let csv = s.dir + "/t.csv", out = s.dir + "/t.json"
        let r = try CLI.run(["tanh-map", "--r-min", "9.2", "--r-max", "9.5", "--r-count", "61", "--keep", "5", "--csv", csv, "--json", out])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "r,lambda,k1,k2,k3,k4,k5")
        #expect(lines.count == 62)
        let j = try json(out)
        let first = try #require(j["first_chaotic_r"] as? Double)
        #expect(first > 9.3 && first < 9.36, "first order→chaos transition at \(first) (methods.md: 9.33-9.34)")
        #expect((j["points"] as? [[String: Any]])?.count == 61)
        expectOneLineError(try CLI.run(["tanh-map", "--keep", "10", "--iterations", "5"]), ["--keep 10"])
        expectOneLineError(try CLI.run(["tanh-map", "--r-count", "0"]), ["--r-count 0"])
    }
}
