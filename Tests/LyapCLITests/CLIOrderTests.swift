import Foundation
import Testing

/// lyap sweep and audit follow a run's data order like lyap train: --no-shuffle in the source's order, and a
/// sweep started before the order was recorded resumes in the class-sorted order it started with.
@Suite(.serialized)
struct CLIOrderTests {
    func column(_ path: String, _ name: String) throws -> [Double] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let k = try #require(lines[0].firstIndex { $0 == name })
        return lines.dropFirst().map { Double($0[k])! }
    }

    func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-7 * max(1, abs($1)) }
    }

    var shape: [String] { ["--vocab", "40", "--embed", "4", "--seq-len", "12", "--batch", "5", "--threads", "2", "--backend", "cpu"] }

    /// Trains one configuration with lyap train. `legacyAfter: K`: K epochs, then config.json rewritten
    /// without "order" (as a run written before the order was recorded) and resumed to `epochs`.
    func trainLosses(_ s: Scratch, epochs: Int, shuffle: Bool, legacyAfter: Int? = nil) throws -> [Double] {
        let run = s.dir + "/train-\(UUID().uuidString)"
        let r = try CLI.run(["train", "--out", run, "--data", s.jsonl, "--hidden", "5", "--epochs", String(legacyAfter ?? epochs),
                             "--checkpoint-every", "1"] + shape + (shuffle ? [] : ["--no-shuffle"]))
        try #require(r.status == 0, "\(r.stderr)")
        if legacyAfter != nil {
            var rec = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/config.json"))) as! [String: Any]
            var config = rec["config"] as! [String: Any]
            config["order"] = nil
            rec["config"] = config
            try JSONSerialization.data(withJSONObject: rec).write(to: URL(fileURLWithPath: run + "/config.json"))
            let again = try CLI.run(["train", "--out", run, "--resume", "--epochs", String(epochs)])
            try #require(again.status == 0, "\(again.stderr)")
        }
        return try column(run + "/metrics.csv", "test_loss")
    }

    @Test func noShuffleSweepTrainsInTheFilesOrderLikeTrain() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/sweep"
        let r = try CLI.run(["sweep", "--out", out, "--data", s.jsonl, "--widths", "5", "--epochs", "3", "--no-shuffle"] + shape)
        try #require(r.status == 0, "\(r.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as! [String: Any]
        #expect(((manifest["settings"] as? [String: Any])?["order"] as? [String: Any])?["scheme"] as? String == "file")
        let sweep = try column(out + "/sweep.csv", "test_loss")
        #expect(close(sweep, try trainLosses(s, epochs: 3, shuffle: false)), "\(sweep)")
        #expect(!close(sweep, try trainLosses(s, epochs: 3, shuffle: true)))
    }

    @Test func anOldNoShuffleSweepResumesClassSorted() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/sweep"
        let args = ["--data", s.jsonl, "--widths", "5", "--epochs", "4", "--no-shuffle", "--checkpoint-every", "2"] + shape
        let cut = try CLI.run(["sweep", "--out", out] + args, environment: ["LYAP_TEST_INTERRUPT_AFTER_EPOCH": "2"])
        #expect(cut.status != 0)
        // As written before the order was recorded.
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as! [String: Any]
        var settings = manifest["settings"] as! [String: Any]
        settings["order"] = nil
        manifest["settings"] = settings
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: out + "/sweep.json"))
        let resumed = try CLI.run(["sweep", "--out", out, "--resume"] + args)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        let after = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep.json"))) as! [String: Any]
        #expect((after["settings"] as? [String: Any])?["order"] == nil)
        // Epochs 3 and 4 continue in the class-sorted order from the state of epoch 2 (trained in file order).
        let sweep = try column(out + "/sweep.csv", "test_loss")
        let legacy = try trainLosses(s, epochs: 4, shuffle: false, legacyAfter: 2)
        let fileOrder = try trainLosses(s, epochs: 4, shuffle: false)
        #expect(close(sweep, legacy), "\(sweep) vs \(legacy)")
        #expect(close(Array(legacy.prefix(2)), Array(fileOrder.prefix(2))) && !close(Array(legacy.suffix(2)), Array(fileOrder.suffix(2))))
    }

    /// The audit's unperturbed twin continues a --no-shuffle run exactly as the run itself did.
    @Test func auditBaselineOfANoShuffleRunFollowsTheRun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        let r = try CLI.run(["train", "--out", run, "--data", s.jsonl, "--hidden", "5", "--epochs", "3", "--checkpoint-every", "2", "--no-shuffle"] + shape)
        try #require(r.status == 0, "\(r.stderr)")
        let a = try CLI.run(["audit", "--from", run, "--at", "2", "--epochs", "1", "--backend", "cpu", "--perturb", "param:1e-3", "--out", s.dir + "/audit"])
        try #require(a.status == 0, "\(a.stderr)")
        let lines = try String(contentsOfFile: s.dir + "/audit/audit.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let epochCol = try #require(lines[0].firstIndex { $0 == "epoch" }), lossCol = try #require(lines[0].firstIndex { $0 == "test_loss_baseline" })
        let row = try #require(lines.dropFirst().first { $0[epochCol] == "3" })
        #expect(close([Double(row[lossCol])!], [try column(run + "/metrics.csv", "test_loss")[2]]))
    }
}
