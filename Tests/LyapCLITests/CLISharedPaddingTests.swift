import Foundation
import Testing

/// `--no-shared-padding` and config.json's `sharedPadding` through the CLI: new CPU runs record true, the flag
/// and post-padding record false, a run written before the field resumes unshared (bitwise as an unshared run),
/// the flag is refused on --resume; sweeps, audits and analyses record the choice.
@Suite(.serialized)
struct CLISharedPaddingTests {
    static let shared = "pad prefix shared", unshared = "every row through its pads"

    func config(_ dir: String) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        return json["config"] as! [String: Any]
    }

    func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func train(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let r = try CLI.run(["train"] + args)
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    /// The shared computation through the whole CLI: the same trajectory as the unshared one to float32
    /// rounding, and not bitwise (so the shared path really ran).
    @Test func aSharedRunFollowsTheUnsharedOne() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        _ = try train(["--out", a, "--epochs", "2", "--backend", "cpu"] + s.small)
        _ = try train(["--out", b, "--epochs", "2", "--backend", "cpu", "--no-shared-padding"] + s.small)
        let rows = { (dir: String) throws -> [[Double]] in
            try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",").dropFirst(2).dropLast().compactMap { Double($0) } }
        }
        let x = try rows(a), y = try rows(b)
        #expect(x.count == 2 && y.count == 2 && x[0].count == 4)
        for (r, q) in zip(x, y) {
            for (u, v) in zip(r, q) { #expect(abs(u - v) <= 1e-4, "metrics \(r) vs \(q)") }
        }
        let ca = try Data(contentsOf: URL(fileURLWithPath: a + "/checkpoints/epoch-0002.safetensors"))
        let cb = try Data(contentsOf: URL(fileURLWithPath: b + "/checkpoints/epoch-0002.safetensors"))
        #expect(ca != cb, "a shared run should differ from the unshared one in the last bits")
    }

    @Test func newRunsShareAndKeepSharingOnResume() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        #expect(try train(["--out", run, "--epochs", "1", "--backend", "cpu"] + s.small).stdout.contains(Self.shared))
        #expect(try config(run)["sharedPadding"] as? Bool == true)
        let resumed = try train(["--out", run, "--resume", "--epochs", "2"])
        #expect(resumed.stdout.contains(Self.shared), "\(resumed.stdout)")
        #expect(try config(run)["sharedPadding"] as? Bool == true)
    }

    @Test(arguments: [["--no-shared-padding"], ["--padding", "post"]])
    func theFlagAndPostPaddingRecordFalse(_ flags: [String]) throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        #expect(try train(["--out", run, "--epochs", "1", "--backend", "cpu"] + flags + s.small).stdout.contains(Self.unshared))
        #expect(try config(run)["sharedPadding"] as? Bool == false)
        #expect(try train(["--out", run, "--resume", "--epochs", "2"]).stdout.contains(Self.unshared))
        #expect(try config(run)["sharedPadding"] as? Bool == false)
    }

    /// A config.json without the field (every run written before it) resumes with the unshared computation:
    /// bitwise the checkpoints of a run trained with --no-shared-padding throughout.
    @Test func aRunWithoutTheFieldResumesUnshared() throws {
        let s = try Scratch()
        defer { s.remove() }
        let old = s.dir + "/old", plain = s.dir + "/plain"
        let common = ["--backend", "cpu", "--checkpoint-every", "1"] + s.small
        _ = try train(["--out", plain, "--epochs", "2", "--no-shared-padding"] + common)
        // Epoch 1 unshared, as an old run's was; then the field goes, and epoch 2 must be unshared too (shared,
        // it would differ in the last bits).
        _ = try train(["--out", old, "--epochs", "1", "--no-shared-padding"] + common)
        let path = old + "/config.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let stripped = text.replacingOccurrences(of: #""sharedPadding"\s*:\s*false\s*,?"#, with: "", options: .regularExpression)
        #expect(stripped != text)
        try stripped.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try train(["--out", old, "--resume", "--epochs", "2"]).stdout.contains(Self.unshared))
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("sharedPadding"))
        for f in ["epoch-0002.safetensors", "epoch-0002.state.safetensors"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: old + "/checkpoints/" + f))
            let b = try Data(contentsOf: URL(fileURLWithPath: plain + "/checkpoints/" + f))
            #expect(a == b, "\(f) differs")
        }
    }

    /// New shared runs record the balanced slice cut; a shared run whose config.json lacks `sharedSlices` (one
    /// written before the cut existed) resumes with the batch-order cut and keeps lacking it, so its epoch 2
    /// differs in the last bits from the same run resumed balanced.
    @Test func aSharedRunWithoutTheSliceRuleResumesInBatchOrder() throws {
        let s = try Scratch()
        defer { s.remove() }
        let old = s.dir + "/old", new = s.dir + "/new"
        let common = ["--backend", "cpu", "--checkpoint-every", "1", "--threads", "2"] + s.small
        for run in [old, new] {
            _ = try train(["--out", run, "--epochs", "1"] + common)
            #expect(try config(run)["sharedSlices"] as? String == "balanced")
        }
        let path = old + "/config.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let stripped = text.replacingOccurrences(of: #""sharedSlices"\s*:\s*"balanced"\s*,?"#, with: "", options: .regularExpression)
        #expect(stripped != text)
        try stripped.write(toFile: path, atomically: true, encoding: .utf8)
        for run in [old, new] { #expect(try train(["--out", run, "--resume", "--epochs", "2"]).stdout.contains(Self.shared)) }
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("sharedSlices"))
        let a = try Data(contentsOf: URL(fileURLWithPath: old + "/checkpoints/epoch-0002.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: new + "/checkpoints/epoch-0002.safetensors"))
        #expect(a != b, "the batch-order cut should differ from the balanced one in the last bits")
    }

    @Test func theFlagOnResumeIsOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        _ = try train(["--out", run, "--epochs", "1", "--backend", "cpu"] + s.small)
        let before = try String(contentsOfFile: run + "/config.json", encoding: .utf8)
        let r = try CLI.run(["train", "--out", run, "--resume", "--epochs", "2", "--no-shared-padding"])
        #expect(r.status != 0 && r.stderrLines.count == 1 && r.stderr.contains("drop --no-shared-padding"), "\(r.stderr)")
        #expect(try String(contentsOfFile: run + "/config.json", encoding: .utf8) == before)
        #expect(!FileManager.default.fileExists(atPath: run + "/checkpoints/epoch-0002.safetensors"))
    }

    @Test func sweepRecordsTheChoiceAndRefusesAnotherOnResume() throws {
        let s = try Scratch()
        defer { s.remove() }
        let args = ["--data", s.jsonl, "--vocab", "40", "--embed", "4", "--seq-len", "12", "--batch", "5", "--epochs", "1",
                    "--widths", "3", "--backend", "cpu", "--threads", "1"]
        func settings(_ dir: String) throws -> [String: Any] { try json(dir + "/sweep.json")["settings"] as! [String: Any] }
        #expect(try CLI.run(["sweep", "--out", s.dir + "/a"] + args).status == 0)
        #expect(try settings(s.dir + "/a")["sharedPadding"] as? Bool == true)
        #expect(try CLI.run(["sweep", "--out", s.dir + "/b", "--no-shared-padding"] + args).status == 0)
        #expect(try settings(s.dir + "/b")["sharedPadding"] as? Bool == false)
        let r = try CLI.run(["sweep", "--out", s.dir + "/a", "--resume", "--no-shared-padding"] + args)
        #expect(r.status != 0 && r.stderrLines.count == 1 && r.stderr.contains("--no-shared-padding"), "\(r.stderr)")
        #expect(try CLI.run(["sweep", "--out", s.dir + "/b", "--resume", "--no-shared-padding"] + args).status == 0)
    }

    @Test func auditAndAnalyzeRecordTheChoice() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        _ = try train(["--out", run, "--epochs", "1", "--backend", "cpu"] + s.small)
        for (flags, expected) in [([String](), true), (["--no-shared-padding"], false)] {
            let out = s.dir + "/audit\(expected)"
            let a = try CLI.run(["audit", "--from", run, "--at", "1", "--epochs", "1", "--perturb", "none", "--backend", "cpu",
                                 "--out", out] + flags)
            #expect(a.status == 0, "\(a.stderr)")
            #expect(try json(out + "/audit.json")["sharedPadding"] as? Bool == expected)
            let path = s.dir + "/analysis\(expected).json"
            let z = try CLI.run(["analyze", "--checkpoint", run + "/checkpoints/epoch-0001.safetensors", "--json", path, "--backend", "cpu",
                                 "--drive", "12", "--steps", "40", "--transient", "10", "--reviews", "6", "--exponents", "2"] + flags)
            #expect(z.status == 0, "\(z.stderr)")
            let settings = try json(path)["protocol"] as! [String: Any]
            #expect((settings["shared_pad_id"] as? Int).map { $0 == 0 } ?? false == expected, "\(settings)")
        }
        // An audit keeps the run's computation: twins of an unshared run do not share.
        let plain = s.dir + "/plain"
        _ = try train(["--out", plain, "--epochs", "1", "--backend", "cpu", "--no-shared-padding"] + s.small)
        let a = try CLI.run(["audit", "--from", plain, "--at", "1", "--epochs", "1", "--perturb", "none", "--backend", "cpu",
                             "--out", s.dir + "/auditPlain"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(try json(s.dir + "/auditPlain/audit.json")["sharedPadding"] as? Bool == false)
        let e = try CLI.run(["eval", "--checkpoint", run + "/checkpoints/epoch-0001.safetensors", "--backend", "cpu", "--no-shared-padding"])
        #expect(e.status == 0 && e.stdout.contains("test: loss"), "\(e.stderr)")
    }
}
