import Foundation
import Testing
import LyapTestSupport

/// `lyap audit`: twin runs branched from a checkpoint (methods.md §6.3).
@Suite(.serialized)
struct CLIAuditTests {
    /// A 3-epoch run with checkpoints at 2 and 3, on the CPU.
    private func trainedRun(_ s: Scratch) throws -> String {
        let run = s.dir + "/run"
        let r = try CLI.run(["train", "--out", run, "--epochs", "3", "--checkpoint-every", "2", "--backend", "cpu"] + s.small)
        try #require(r.status == 0, "\(r.stderr)")
        return run
    }

    /// Trains the run, audits it at epoch 2 on the CPU into SCRATCH/audit with `args`, and returns (run, audit dir).
    private func audit(_ s: Scratch, epochs: Int, _ args: [String]) throws -> (run: String, out: String) {
        let run = try trainedRun(s)
        let out = s.dir + "/audit"
        let r = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", String(epochs), "--backend", "cpu", "--out", out] + args)
        try #require(r.status == 0, "\(r.stderr)")
        return (run, out)
    }

    private func readCSV(_ path: String) throws -> (header: [String], rows: [[String: String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { line -> [String: String] in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
        return (header, rows)
    }

    @Test func twinsDivergeAsExpectedAndTheUnperturbedTwinIsBitwiseIdentical() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try trainedRun(s)
        let r = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "3", "--backend", "cpu",
                             "--perturb", "none", "--perturb", "param:1e-3", "--perturb", "order:7", "--perturb", "labels:0.2"])
        try #require(r.status == 0, "\(r.stderr)")
        let out = run + "/audit-e2"
        let (header, rows) = try readCSV(out + "/audit.csv")
        #expect(header == ["twin", "perturbation", "epochs_after", "epoch", "d_theta",
                           "d_theta_embedding_weight", "d_theta_lstm_weight_ih_l0", "d_theta_lstm_weight_hh_l0",
                           "d_theta_lstm_bias_ih_l0", "d_theta_fc_weight", "d_theta_fc_bias",
                           "mean_abs_prob_diff", "disagreement", "abs_test_loss_diff", "test_loss_baseline", "test_loss_twin"])
        // 4 twins x (branch point + 3 epochs)
        #expect(rows.count == 16)
        func twin(_ p: String) -> [[String: String]] { rows.filter { $0["perturbation"]!.hasPrefix(p) } }
        for t in ["none", "param", "order", "labels"] {
            #expect(twin(t).map { $0["epochs_after"]! } == ["0", "1", "2", "3"], "\(t)")
            #expect(twin(t).map { $0["epoch"]! } == ["2", "3", "4", "5"], "\(t)")
        }
        // Determinism: exactly zero distance and identical test losses, every epoch.
        for row in twin("none") {
            for (k, v) in row where k.hasPrefix("d_theta") || k == "mean_abs_prob_diff" || k == "disagreement" || k == "abs_test_loss_diff" {
                #expect(Double(v)! == 0, "none twin: \(k) = \(v) at epoch \(row["epoch"]!)")
            }
            #expect(row["test_loss_baseline"] == row["test_loss_twin"])
        }
        // Parameter noise: d > 0 throughout, ~1e-3 right after branching and after the first epoch.
        let param = twin("param").map { Double($0["d_theta"]!)! }
        #expect(param.allSatisfy { $0 > 0 })
        #expect(abs(param[0] - 1e-3) < 1e-5, "d at branch \(param[0])")
        #expect(param[1] > 1e-4 && param[1] < 1e-2, "d after one epoch \(param[1])")
        // Order and labels: identical at the branch point, apart afterwards.
        for t in ["order", "labels"] {
            let d = twin(t).map { Double($0["d_theta"]!)! }
            #expect(d[0] == 0, "\(t) at branch")
            #expect(d.dropFirst().allSatisfy { $0 > 0 }, "\(t): \(d)")
        }
        // The baseline continues the original run exactly (same data-order stream from the saved RNG state):
        // its test loss at epoch 3 is the one the run logged.
        let metrics = try readCSV(run + "/metrics.csv").rows
        let logged = metrics.first { $0["epoch"] == "3" }!["test_loss"]!
        #expect(twin("none")[1]["test_loss_baseline"] == logged)
        // Test losses of the baseline agree across twins (one baseline).
        #expect(Set(rows.filter { $0["epochs_after"] == "3" }.map { $0["test_loss_baseline"]! }).count == 1)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/audit.json"))) as! [String: Any]
        let twins = json["twins"] as! [[String: Any]]
        #expect(twins.count == 4)
        #expect(twins[0]["lyapunovPerEpoch"] is NSNull)  // d == 0 everywhere: nothing to fit
        #expect((twins[1]["lyapunovPerEpoch"] as? Double)?.isFinite == true)
        #expect(twins[1]["epochsFitted"] as? Int == 4)
        #expect(twins[2]["epochsFitted"] as? Int == 3)
    }

    @Test func lrAdamResetAndBatchDivergeOnlyAfterBranching() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (run, out) = try audit(s, epochs: 2, ["--perturb", "lr:1.5", "--perturb", "adam-reset", "--perturb", "batch:7"])
        let rows = try readCSV(out + "/audit.csv").rows
        #expect(rows.count == 9)
        for p in ["lr:1.5", "adam-reset", "batch:7"] {
            let d = rows.filter { $0["perturbation"] == p }.map { Double($0["d_theta"]!)! }
            #expect(d.count == 3 && d[0] == 0 && d[1] > 0 && d[2] > 0, "\(p): \(d)")
        }
        // A second audit into the same place is refused without --force.
        let again = try CLI.run(["audit", "--from", run, "--at", "2", "--out", out, "--perturb", "none", "--backend", "cpu"])
        #expect(again.status != 0 && again.stderrLines.count == 1 && again.stderr.contains("--force"))
    }

    @Test func learningSignalSwapAndPerTensorPerturbationsChangeExactlyWhatTheyShould() throws {
        let s = try Scratch()
        defer { s.remove() }
        let kinds = ["loss-scale:0", "grad-noise:0", "loss-scale:0.1", "lr:1.1", "grad-noise:1e-3", "swap:0", "swap:1",
                     "param-tensor:1e-3", "param:1e-3"]
        let out = try audit(s, epochs: 2, kinds.flatMap { ["--perturb", $0] }).out
        let (header, rows) = try readCSV(out + "/audit.csv")
        #expect(rows.count == kinds.count * 3)
        #expect(!header.contains("phase_twin"))  // no dynamics columns without --analyze-every
        func twin(_ p: String) -> [[String: String]] { rows.filter { $0["perturbation"]! == p } }
        func d(_ p: String) -> [Double] { twin(p).map { Double($0["d_theta"]!)! } }
        // Zero-size learning-signal perturbations go through the gradient hook and change nothing, bitwise.
        for p in ["loss-scale:0.0", "grad-noise:0.0"] {
            #expect(twin(p).count == 3, "\(p)")
            for row in twin(p) {
                for (k, v) in row where k.hasPrefix("d_theta") || k == "mean_abs_prob_diff" || k == "disagreement" {
                    #expect(Double(v)! == 0, "\(p): \(k) = \(v)")
                }
                #expect(row["test_loss_baseline"] == row["test_loss_twin"], "\(p)")
            }
        }
        // Loss scale under Adam: the update is nearly scale-free (only the moments carried over from before the
        // branch see the change), so the twin moves, but clearly less than with the learning rate changed by 10%.
        let ls = d("loss-scale:0.1"), lr = d("lr:1.1")
        #expect(ls[0] == 0 && ls[1] > 0 && ls[2] > 0, "\(ls)")
        #expect(ls[1] < 0.5 * lr[1], "loss-scale \(ls[1]) vs lr \(lr[1])")
        // Gradient noise and a swapped minibatch: identical at branching, apart from the first epoch on.
        for p in ["grad-noise:0.001", "swap:0", "swap:1"] {
            let x = d(p)
            #expect(x.count == 3 && x[0] == 0 && x[1] > 0 && x[2] > 0, "\(p): \(x)")
        }
        #expect(d("swap:0") != d("swap:1"))
        // Per-tensor noise: every tensor (and so the whole vector) at relative distance EPS right after branching.
        let pt = try #require(twin("param-tensor:0.001").first)
        let tensorColumns = header.filter { $0.hasPrefix("d_theta_") }
        #expect(tensorColumns.count == 6)
        for k in tensorColumns + ["d_theta"] {
            #expect(abs(Double(pt[k]!)! / 1e-3 - 1) < 1e-3, "param-tensor: \(k) = \(pt[k]!)")
        }
        // Global noise spreads EPS over the tensors unevenly: not every tensor is at EPS.
        let pg = try #require(twin("param:0.001").first)
        #expect(abs(Double(pg["d_theta"]!)! / 1e-3 - 1) < 1e-3)
        #expect(tensorColumns.contains { abs(Double(pg[$0]!)! / 1e-3 - 1) > 0.05 })
        // Function distances (their arithmetic is AuditMeasuresTests'): none where the parameters are the
        // baseline's (every learning-signal twin at branching), some as soon as they differ.
        for p in ["grad-noise:0.001", "swap:0", "swap:1", "loss-scale:0.1", "lr:1.1"] {
            let rows = twin(p)
            #expect(rows.count == 3, "\(p)")
            for row in rows {
                let d = Double(row["d_theta"]!)!, mad = Double(row["mean_abs_prob_diff"]!)!, dis = Double(row["disagreement"]!)!
                if d == 0 { #expect(mad == 0 && dis == 0, "\(p) at \(row["epochs_after"]!): identical models, mad \(mad), disagreement \(dis)") }
                else { #expect(mad > 0 && mad < 1 && dis >= 0 && dis <= 1, "\(p) at \(row["epochs_after"]!): d \(d), mad \(mad), disagreement \(dis)") }
            }
            #expect(rows.first.map { Double($0["d_theta"]!)! } == 0 && rows.last.map { Double($0["d_theta"]!)! }! > 0, "\(p)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/audit.json"))) as! [String: Any]
        let notes = try #require(json["notes"] as? [String: String])
        #expect(notes["gradNoise"]?.contains("every step") == true && notes["swap"]?.contains("K and K+1") == true)
    }

    @Test func analyzeEveryComparesEachTwinsDynamicsWithTheBaseline() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = try audit(s, epochs: 3, ["--analyze-every", "2", "--analyze-reviews", "3", "--perturb", "none", "--perturb", "param:1e-2"]).out
        let (header, rows) = try readCSV(out + "/audit.csv")
        for c in ["max_exponent_baseline", "max_exponent_twin", "max_exponent_diff", "distance_initial_baseline",
                  "distance_initial_twin", "distance_initial_diff", "phase_baseline", "phase_twin"] {
            #expect(header.contains(c), "\(c)")
        }
        // Analysed: epochs after 0, 2 and the last (3); not 1.
        for row in rows {
            let analysed = ["0", "2", "3"].contains(row["epochs_after"]!)
            #expect((row["phase_twin"]! != "") == analysed, "\(row)")
            #expect((row["max_exponent_diff"]! != "") == analysed)
        }
        for row in rows where row["perturbation"] == "none" && row["phase_twin"] != "" {
            #expect(Double(row["max_exponent_diff"]!)! == 0 && Double(row["distance_initial_diff"]!)! == 0)
            #expect(row["phase_baseline"] == row["phase_twin"])
        }
        // The param twin's exponent differs from the baseline's at branching (its weights do).
        let p0 = try #require(rows.first { $0["perturbation"] == "param:0.01" && $0["epochs_after"] == "0" })
        #expect(Double(p0["max_exponent_diff"]!)! != 0)
        #expect(abs(Double(p0["max_exponent_baseline"]!)! + Double(p0["max_exponent_diff"]!)! - Double(p0["max_exponent_twin"]!)!) < 1e-8)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/audit.json"))) as! [String: Any]
        #expect(json["analysedEpochs"] as? [Int] == [2, 4, 5])
        #expect(json["baselineTransitions"] is [Any])
        let twins = json["twins"] as! [[String: Any]]
        #expect(twins.allSatisfy { $0["transitions"] is [Any] && $0["transitionShifts"] is [Any] })
    }

    @Test func reportDrawsTheAuditAndTheLossStagesOfARun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        let t = try CLI.run(["train", "--out", run, "--epochs", "3", "--checkpoint-every", "1", "--log-steps", "--backend", "cpu"] + s.small)
        try #require(t.status == 0, "\(t.stderr)")
        let st = try CLI.run(["stages", run, "--min-plateau", "2"])
        try #require(st.status == 0, "\(st.stderr)")
        let a = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "2", "--backend", "cpu", "--perturb", "param-tensor:1e-4"])
        try #require(a.status == 0, "\(a.stderr)")
        let r = try CLI.run(["report", run])
        try #require(r.status == 0, "\(r.stderr)")
        let audit = try String(contentsOfFile: run + "/report/audit-e2.svg", encoding: .utf8)
        #expect(audit.contains("data-series=\"param-tensor:0.0001"))
        let stages = try String(contentsOfFile: run + "/report/stages.svg", encoding: .utf8)
        #expect(stages.contains("data-series=\"loss per step\"") && stages.contains("data-series=\"smoothed\""))
        #expect(FileManager.default.fileExists(atPath: run + "/report/wasserstein.svg"))
        let html = try String(contentsOfFile: run + "/report/report.html", encoding: .utf8)
        #expect(html.contains("id=\"fig-audit-e2\"") && html.contains("id=\"fig-stages\""))
    }

    /// On Vulkan the learning-signal kinds read the gradient back between backward and Adam: zero-size
    /// ones change nothing, bitwise; non-zero ones move the twin from the first epoch on. `batch:` stays
    /// CPU-only (the ensemble is built for one batch size).
    @Test(.vulkanDevice)
    func learningSignalKindsRunOnVulkanAndBatchIsRefusedInOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try trainedRun(s)
        let r = try CLI.run(["audit", "--from", run, "--at", "2", "--backend", "vulkan", "--out", s.dir + "/vk", "--perturb", "batch:7"])
        #expect(r.status != 0 && r.stderrLines.count == 1 && r.stderr.contains("--backend cpu only"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/vk"))
        let kinds = ["none", "loss-scale:0", "grad-noise:0", "loss-scale:0.1", "grad-noise:1e-3"]
        let ok = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "2", "--backend", "vulkan", "--validate",
                              "--out", s.dir + "/vk"] + kinds.flatMap { ["--perturb", $0] })
        try #require(ok.status == 0, "\(ok.stderr)")
        let rows = try readCSV(s.dir + "/vk/audit.csv").rows
        func d(_ p: String) -> [Double] { rows.filter { $0["perturbation"]! == p }.map { Double($0["d_theta"]!)! } }
        // The unperturbed twin and the zero-size hooks stay bitwise on the baseline (determinism on Vulkan).
        #expect(d("none") == [0, 0, 0] && d("loss-scale:0.0") == [0, 0, 0] && d("grad-noise:0.0") == [0, 0, 0])
        for p in ["loss-scale:0.1", "grad-noise:0.001"] {
            let x = d(p)
            #expect(x.count == 3 && x[0] == 0 && x[1] > 0 && x[2] > 0, "\(p): \(x)")
        }
    }

    /// On Vulkan the twins train side by side in one ensemble by default; that must be bitwise what
    /// training them one after another gives, for every kind the Vulkan backend runs.
    @Test(.vulkanDevice)
    func twinsSideBySideOnVulkanEqualTwinsOneAfterAnother() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try trainedRun(s)
        let kinds = ["none", "param:1e-3", "param-tensor:1e-3", "lr:1.1", "order:5", "labels:0.1", "adam-reset", "swap:0",
                     "grad-noise:1e-3", "loss-scale:0.1"]
        var outputs: [String: (csv: String, json: String)] = [:]
        for mode in ["together", "sequential"] {
            let out = s.dir + "/" + mode
            let r = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "2", "--backend", "vulkan", "--validate", "--out", out,
                                 "--analyze-every", "1", "--analyze-reviews", "4"]
                                + (mode == "sequential" ? ["--sequential"] : []) + kinds.flatMap { ["--perturb", $0] })
            try #require(r.status == 0, "\(mode): \(r.stderr)")
            #expect(r.stdout.contains(mode == "together" ? "side by side" : "one after another"))
            // Everything but the command line (which differs by --sequential) must agree.
            var summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/audit.json"))) as! [String: Any]
            summary["command"] = nil
            let json = String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self)
            outputs[mode] = (try String(contentsOfFile: out + "/audit.csv", encoding: .utf8),
                             json.replacingOccurrences(of: s.dir + "/" + mode, with: "OUT").replacingOccurrences(of: (s.dir + "/" + mode).replacingOccurrences(of: "/", with: "\\/"), with: "OUT"))
        }
        #expect(outputs["together"]!.csv == outputs["sequential"]!.csv)
        #expect(outputs["together"]!.json == outputs["sequential"]!.json)
        // And the twins did diverge: the comparison is not between two empty tables.
        let rows = try readCSV(s.dir + "/together/audit.csv").rows
        #expect(rows.count == kinds.count * 3)
        for row in rows where Int(row["epochs_after"]!)! >= 1 {
            let d = Double(row["d_theta"]!)!
            #expect(row["perturbation"] == "none" ? d == 0 : d > 0, "\(row["perturbation"]!): d_theta \(d)")
        }
    }

    @Test func badInputsGiveOneLineAndWriteNothing() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = try trainedRun(s)
        let out = s.dir + "/never"
        let cases: [([String], String)] = [
            (["--from", run, "--at", "2", "--perturb", "bogus:1"], "unknown kind"),
            (["--from", run, "--at", "2", "--perturb", "param:abc"], "not a number"),
            (["--from", run, "--at", "2", "--perturb", "param"], "needs a size"),
            (["--from", run, "--at", "2", "--perturb", "param:-1"], "EPS"),
            (["--from", run, "--at", "2", "--perturb", "labels:1.5"], "FRAC"),
            (["--from", run, "--at", "2", "--perturb", "order:x"], "seed"),
            (["--from", run, "--at", "2", "--perturb", "none:3"], "no size"),
            (["--from", run, "--at", "2", "--perturb", "batch:0"], "positive integer"),
            (["--from", run, "--at", "2", "--perturb", "param-tensor:0"], "EPS"),
            (["--from", run, "--at", "2", "--perturb", "grad-noise:-1e-3"], "EPS must be >= 0"),
            (["--from", run, "--at", "2", "--perturb", "loss-scale:-1"], "1+EPS"),
            (["--from", run, "--at", "2", "--perturb", "loss-scale"], "needs a size"),
            (["--from", run, "--at", "2", "--perturb", "swap:x"], "non-negative integer"),
            (["--from", run, "--at", "2", "--perturb", "swap:3"], "full minibatches"),
            (["--from", run, "--at", "2", "--perturb", "none", "--analyze-every", "0"], "--analyze-every"),
            (["--from", run, "--at", "2", "--perturb", "none", "--analyze-reviews", "3"], "need --analyze-every"),
            (["--from", run, "--at", "1", "--perturb", "none"], "epoch-0001.safetensors"),
            (["--from", s.dir + "/missing", "--at", "2", "--perturb", "none"], "config.json"),
            (["--from", run, "--at", "2"], "--perturb"),
            (["--from", run, "--at", "2", "--perturb", "none", "--epochs", "0"], "--epochs"),
        ]
        for (args, needle) in cases {
            let r = try CLI.run(["audit", "--out", out, "--backend", "cpu"] + args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderrLines.count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(needle), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(args) wrote \(out)")
        }
        #expect(!FileManager.default.fileExists(atPath: run + "/audit-e2"))
    }
}
