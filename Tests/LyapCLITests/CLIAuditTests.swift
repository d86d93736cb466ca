import Foundation
import Testing

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
        let run = try trainedRun(s)
        let out = s.dir + "/audit"
        let r = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "2", "--backend", "cpu", "--out", out,
                             "--perturb", "lr:1.5", "--perturb", "adam-reset", "--perturb", "batch:7"])
        try #require(r.status == 0, "\(r.stderr)")
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
