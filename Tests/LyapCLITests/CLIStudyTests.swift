import Foundation
import Testing
import LyapCore

/// `lyap cycles` and `lyap stages` on run directories written by the test.
struct CLIStudyTests {
    /// metrics.csv with a cycling test loss (minima 50, 160, 270, 410; maxima 150, 260, 400; noise 0.01) and,
    /// optionally, phases every 5 epochs: chaos in [55, 155) and [265, 405), order elsewhere.
    func writeMetrics(_ dir: String, phases: Bool) throws {
        let knots: [(Double, Double)] = [(0, 1.0), (50, 0.3), (150, 0.6), (160, 0.35), (260, 0.65), (270, 0.4), (400, 0.7), (410, 0.45), (599, 0.6)]
        var rng = LabRNG(seed: 2)
        var lines = ["epoch,step,train_loss,train_acc,test_loss,test_acc,seconds" + (phases ? ",max_exponent,distance_initial,distance_end_of_drive,floor_fraction,phase" : "")]
        for e in 1..<600 {
            let x = Double(e)
            let k = knots.lastIndex { $0.0 <= x }!
            let (e0, v0) = knots[k], (e1, v1) = knots[min(k + 1, knots.count - 1)]
            let v = (e1 == e0 ? v0 : v0 + (v1 - v0) * (x - e0) / (e1 - e0)) + 0.01 * rng.normal()
            var line = "\(e),\(10 * e),\(0.7 * exp(-x / 100) + 0.01),0.9,\(v),\(1 - v / 2),1.0"
            if phases {
                let chaos = (55..<155).contains(e) || (265..<405).contains(e)
                line += e % 5 == 0 ? ",0.1,-3,-3,0.5,\(chaos ? "chaos" : "order")" : ",,,,,"
            }
            lines.append(line)
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.csv", atomically: true, encoding: .utf8)
    }

    func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func cyclesWithPhases() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        try writeMetrics(run, phases: true)
        let r = try CLI.run(["cycles", run, "--patience", "20", "--null-draws", "500"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("cycles (min -> max -> min): 3"))
        #expect(r.stdout.contains("transitions (hysteresis 2): 4"))
        let j = try json(run + "/cycles.json")
        let cycles = try #require(j["cycles"] as? [String: Any])
        let extrema = try #require(cycles["extrema"] as? [[String: Any]])
        #expect(extrema.compactMap { $0["kind"] as? String } == ["minimum", "maximum", "minimum", "maximum", "minimum", "maximum", "minimum"])
        let epochs = extrema.compactMap { $0["epoch"] as? Int }
        for (a, b) in zip(epochs, [50, 150, 160, 260, 270, 400, 410]) { #expect(abs(a - b) <= 8) }
        let transitions = try #require(j["transitions"] as? [[String: Any]])
        #expect(transitions.compactMap { $0["epoch"] as? Int } == [55, 155, 265, 405])
        let a = try #require(j["alignment"] as? [String: Any])
        #expect((a["nullDraws"] as? Int) == 500)
        try expectAlignmentMatchesExactNull(a, extrema: extrema, transitions: transitions)
        let es = try #require(j["earlyStopping"] as? [String: Any])
        #expect(((es["firstOrderToChaos"] as? [String: Any])?["epoch"] as? Int) == 55)
        let csv = try String(contentsOfFile: run + "/cycles-extrema.csv", encoding: .utf8)
        #expect(csv.hasPrefix("epoch,kind,smoothed,raw\n") && csv.split(separator: "\n").count == 8)
        #expect(FileManager.default.fileExists(atPath: run + "/cycles-transitions.csv"))
    }

    /// The alignment block against a recomputation from the run's own cycles.json: the statistic (mean distance
    /// from each minimum in range to the nearest transition midpoint) exactly, and the Monte Carlo p and null
    /// mean against the exact null, every cyclic offset of the transitions over [rangeStart, rangeEnd] enumerated
    /// (within 4.5 binomial / sampling standard deviations of the draws). The minima of `writeMetrics` sit within
    /// a few epochs of the transitions, so p is also known to be small.
    func expectAlignmentMatchesExactNull(_ a: [String: Any], extrema: [[String: Any]], transitions: [[String: Any]]) throws {
        let start = try #require(a["rangeStart"] as? Int), end = try #require(a["rangeEnd"] as? Int)
        let draws = Double(try #require(a["nullDraws"] as? Int))
        let minima = extrema.filter { $0["kind"] as? String == "minimum" }.compactMap { $0["epoch"] as? Int }
            .filter { $0 >= start && $0 <= end }.map(Double.init)
        let locations = try transitions.map { t in
            0.5 * Double(try #require(t["epoch"] as? Int) + (try #require(t["last_epoch_before"] as? Int)))
        }
        try #require(!minima.isEmpty && !locations.isEmpty)
        func statistic(_ locs: [Double]) -> Double {
            minima.map { m in locs.map { abs(m - $0) }.min()! }.reduce(0, +) / Double(minima.count)
        }
        let observed = statistic(locations)
        #expect(abs(try #require(a["statistic"] as? Double) - observed) < 1e-12, "statistic \(a["statistic"]!) vs \(observed)")
        let n = end - start + 1
        let null = (0..<n).map { offset in
            statistic(locations.map { x in
                let u = (x - Double(start) + Double(offset)).truncatingRemainder(dividingBy: Double(n))
                return Double(start) + (u < 0 ? u + Double(n) : u)
            })
        }
        let pExact = Double(null.filter { $0 <= observed }.count) / Double(n)
        let meanExact = null.reduce(0, +) / Double(n)
        let sdExact = (null.map { ($0 - meanExact) * ($0 - meanExact) }.reduce(0, +) / Double(n)).squareRoot()
        let p = try #require(a["p"] as? Double), nullMean = try #require(a["nullMean"] as? Double)
        #expect(abs(p - pExact) <= 4.5 * (max(pExact * (1 - pExact), 1 / Double(n)) / draws).squareRoot(), "p \(p) vs exact \(pExact)")
        #expect(abs(nullMean - meanExact) <= 4.5 * sdExact / draws.squareRoot(), "null mean \(nullMean) vs exact \(meanExact)")
        #expect(pExact < 0.05 && observed < 10, "minima 50, 160, 270, 410 against transitions near 55, 155, 265, 405")
    }

    @Test func cyclesUnderEveryRuleAndPooledOverRuns() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        try writeMetrics(a, phases: true)
        try writeMetrics(b, phases: true)
        let one = try CLI.run(["cycles", a, "--null-draws", "200"])
        #expect(one.status == 0, "\(one.stderr)")
        let study = try #require(try json(a + "/cycles.json")["study"] as? [String: Any])
        let rules = try #require(study["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["rule"] as? String } == ["lab", "distance", "reproduction"])
        // No config.json: the distance rule cannot know ln(eps sqrt H) and says so; D~ = -3 everywhere is
        // chaos for the reproduction rule, so it has no transition; the lab rule has the phase column's four.
        #expect((rules[1]["note"] as? String)?.contains("config.json") == true)
        #expect((rules[2]["transitions"] as? [Any])?.count == 0)
        #expect((rules[0]["transitions"] as? [Any])?.count == 4)
        #expect((study["collapses"] as? [Any])?.count == 3)

        let noJSON = try CLI.run(["cycles", a, b])
        #expect(noJSON.status != 0 && noJSON.stderrLines.count == 1 && noJSON.stderr.contains("--json"))
        let out = s.dir + "/pooled.json"
        let r = try CLI.run(["cycles", a, b, "--json", out, "--null-draws", "200"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("== pooled over 2 runs"))
        let j = try json(out)
        #expect((j["runs"] as? [Any])?.count == 2)
        let pooled = try #require(j["pooled"] as? [String: Any])
        let lab = try #require((pooled["minima_alignment"] as? [String: Any])?["lab"] as? [String: Any])
        // Both runs' minima inside the analysed range 5..595 (50, 160, 270, 410 each; the first minimum is
        // found within a few epochs of 50).
        #expect(lab["epochsUsed"] as? Int == 8 && lab["runsUsed"] as? Int == 2)
        #expect((pooled["minima_alignment"] as? [String: Any])?["reproduction"] == nil)
    }

    /// PROTOCOL.md's secondary analysis: the distance-based rules on the initial placement's D̃. Here D̃_initial
    /// is −16 in the order stretches and −3 in the chaos ones while D̃_end stays −3: the reproduction rule finds the
    /// four transitions only with `--placement initial`, and the lab rule (the phase column) is the same either way.
    @Test func cyclesOnTheInitialPlacement() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        try writeMetrics(run, phases: true)
        let path = run + "/metrics.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line -> String in
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if f.count == 12, f[11] == "order" { f[8] = "-16" }
            return f.joined(separator: ",")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        func rules(_ extra: [String]) throws -> [[String: Any]] {
            let r = try CLI.run(["cycles", run, "--null-draws", "200"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let j = try json(run + "/cycles.json")
            #expect(j["placement"] as? String == (extra.isEmpty ? "end_of_drive" : "initial"))
            return try #require((j["study"] as? [String: Any])?["rules"] as? [[String: Any]])
        }
        let end = try rules([]), initial = try rules(["--placement", "initial"])
        #expect((end[2]["transitions"] as? [Any])?.count == 0)
        #expect(((initial[2]["transitions"] as? [[String: Any]]) ?? []).compactMap { $0["epoch"] as? Int } == [55, 155, 265, 405])
        #expect((end[0]["transitions"] as? [Any])?.count == 4 && (initial[0]["transitions"] as? [Any])?.count == 4)
        let bad = try CLI.run(["cycles", run, "--placement", "middle"])
        #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("--placement"))
    }

    /// PROTOCOL.md's secondary collapse set: `--min-drop X` keeps the collapses whose one-epoch drop is ≥ X, and
    /// the collapse statistics follow the kept set.
    @Test func cyclesKeepOnlyLargeCollapsesOnRequest() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        try writeMetrics(run, phases: true)
        func collapses(_ extra: [String]) throws -> [Double] {
            let r = try CLI.run(["cycles", run, "--null-draws", "200"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let study = try #require(try json(run + "/cycles.json")["study"] as? [String: Any])
            return try #require(study["collapses"] as? [[String: Any]]).compactMap { $0["drop"] as? Double }
        }
        let all = try collapses([])
        try #require(all.count == 3)
        let sorted = all.sorted(), cut = (sorted[0] + sorted[1]) / 2
        try #require(sorted[0] < sorted[1])
        let kept = try collapses(["--min-drop", String(cut)])
        #expect(kept.count == 2 && zip(kept, all.filter { $0 >= cut }).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(try collapses(["--min-drop", "10"]).isEmpty)
        let bad = try CLI.run(["cycles", run, "--min-drop", "-1"])
        #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("--min-drop"))
    }

    @Test func cyclesWithoutAnalysisColumnsSaysHowToGetThem() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        try writeMetrics(run, phases: false)
        let r = try CLI.run(["cycles", run, "--json", s.dir + "/c.json"])
        #expect(r.status == 0)
        #expect(r.stderrLines.count == 1 && r.stderr.contains("--analyze-every"))
        #expect(r.stdout.contains("cycles (min -> max -> min): 3"))
        let j = try json(s.dir + "/c.json")
        #expect(j["alignment"] == nil && j["transitions"] == nil)
    }

    @Test func missingMetricsAndBadFlagsAreOneLineErrors() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["cycles", s.dir + "/nope"])
        #expect(r.status != 0 && r.stderrLines.count == 1 && r.stderr.contains("metrics.csv"))
        let st = try CLI.run(["stages", s.dir + "/nope"])
        #expect(st.status != 0 && st.stderrLines.count == 1 && st.stderr.contains("nope"))
        try writeMetrics(s.dir + "/run", phases: false)
        let p = try CLI.run(["cycles", s.dir + "/run", "--patience", "0"])
        #expect(p.status != 0 && p.stderrLines.count == 1 && p.stderr.contains("--patience"))
    }

    @Test func stagesOnATrainedRunWithAStepLog() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        let t = try CLI.run(["train", "--out", run, "--epochs", "3", "--checkpoint-every", "1"] + s.small)
        #expect(t.status == 0, "\(t.stderr)")
        // Three stages: plateau to 1000, descent to 1500, secondary plateau to 5000, then a drop and a plateau.
        var lines = ["step,loss"]
        for step in 1...8000 {
            let x = Double(step)
            let y: Double = x <= 1000 ? log(0.69) : x <= 1500 ? log(0.69) + (log(0.2) - log(0.69)) * (x - 1000) / 500
                : x <= 5000 ? log(0.2) : x <= 5500 ? log(0.2) + (log(0.02) - log(0.2)) * (x - 5000) / 500 : log(0.02)
            lines.append("\(step),\(exp(y))")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: run + "/steps.csv", atomically: true, encoding: .utf8)
        let r = try CLI.run(["stages", run])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("initial plateau") && !r.stdout.contains("not found"))
        let j = try json(run + "/stages.json")
        let d = try #require(j["initialDescent"] as? [String: Any])
        let start = try #require(d["startStep"] as? Int), end = try #require(d["endStep"] as? Int)
        #expect(abs(log(Double(start) / 1000)) < 0.12 && abs(log(Double(end) / 1500)) < 0.12, "descent \(start)..\(end)")
        let models = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { !$0.hasSuffix(".state.safetensors") && $0.hasSuffix(".safetensors") }
        let rows = try #require(j["checkpoints"] as? [[String: Any]])
        #expect(rows.count == models.count && rows.count >= 3)
        #expect((rows.first?["alphaToFirst"] as? Double) == 0)
        #expect(rows.dropFirst().allSatisfy { (($0["alphaToPrevious"] as? Double) ?? -1) > 0 })
        let csv = try String(contentsOfFile: run + "/stages-wasserstein.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == rows.count + 1 && csv[0].hasPrefix("epoch,alpha_to_previous,alpha_to_first"))
        let curve = try String(contentsOfFile: run + "/stages-curve.csv", encoding: .utf8).split(separator: "\n")
        #expect(curve.count == 8001)
        #expect(curve[500].hasPrefix("500,") && curve[500].hasSuffix(",initial_plateau"))
        #expect(curve[3000].hasSuffix(",secondary_plateau"))
        // Without steps.csv: falls back to train_loss per epoch in metrics.csv.
        try FileManager.default.removeItem(atPath: run + "/steps.csv")
        let m = try CLI.run(["stages", run, "--min-plateau", "1"])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout.contains("train_loss per epoch"))
    }
}
