import Foundation
import Testing

/// What config.json records about where a run came from and how it orders its data, and --resume with
/// the data at a new path.
@Suite(.serialized)
struct CLIProvenanceTests {
    func record(_ run: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/config.json"))) as! [String: Any]
    }

    /// The repository the tests (and so lyap) were built from, if git can say.
    static func head() -> (commit: String, dirty: Bool)? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", root] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
        }
        guard let commit = git(["rev-parse", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        return (commit, !(git(["status", "--porcelain"]) ?? "").isEmpty)
    }

    @Test func configRecordsVersionCommitAndCommandLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        let args = ["train", "--out", run, "--epochs", "1", "--backend", "cpu"] + s.small
        let r = try CLI.run(args)
        try #require(r.status == 0, "\(r.stderr)")
        let rec = try record(run)
        #expect(rec["command"] as? [String] == [CLI.binary] + args)
        let versions = try #require(rec["versions"] as? [String: Any])
        #expect((versions["lyap"] as? String)?.isEmpty == false)
        let source = versions["source"] as? [String: Any]
        if let head = Self.head() {
            #expect(source?["commit"] as? String == head.commit)
            #expect(source?["dirty"] as? Bool == head.dirty)
        } else {
            #expect(source == nil || source?["dirty"] == nil, "no git here, yet: \(String(describing: source))")
        }
    }

    @Test func configRecordsTheOrderScheme() throws {
        let s = try Scratch()
        defer { s.remove() }
        func order(_ extra: [String]) throws -> [String: Any]? {
            let run = s.dir + "/run-\(UUID().uuidString)"
            let r = try CLI.run(["train", "--out", run, "--epochs", "1", "--backend", "cpu", "--vocab", "40", "--embed", "4", "--hidden", "5",
                                 "--seq-len", "12", "--batch", "5"] + extra)
            try #require(r.status == 0, "\(r.stderr)")
            return (try record(run)["config"] as? [String: Any])?["order"] as? [String: Any]
        }
        let file = try order(["--data", s.jsonl, "--no-shuffle"])
        #expect(file?["scheme"] as? String == "file" && file?["seed"] == nil)
        let fixed = try order(["--no-shuffle", "--train-size", "10", "--test-size", "10"])
        #expect(fixed?["scheme"] as? String == "fixed-permutation" && fixed?["seed"] as? Int == 0xDE5)
        let shuffled = try order(["--data", s.jsonl, "--seed", "7"])
        #expect(shuffled?["scheme"] as? String == "shuffle" && shuffled?["seed"] as? Int == 7)
    }

    /// A run whose data moved resumes with --data at the new path when the bytes are the same (and ends
    /// bitwise like an uninterrupted run); other bytes are refused in one line and nothing changes.
    @Test func resumeAcceptsTheSameDataAtANewPath() throws {
        let s = try Scratch()
        defer { s.remove() }
        let whole = s.dir + "/whole", cut = s.dir + "/cut"
        #expect(try CLI.run(["train", "--out", whole, "--epochs", "2", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", cut, "--epochs", "1", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        let moved = s.dir + "/elsewhere/data.jsonl"
        try FileManager.default.createDirectory(atPath: s.dir + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: s.jsonl, toPath: moved)

        let other = s.dir + "/other.jsonl"
        try (String(contentsOfFile: moved, encoding: .utf8) + "\n{\"tokens\":[3],\"label\":1,\"split\":\"train\"}").write(toFile: other, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: cut + "/config.json"))
        let refused = try CLI.run(["train", "--out", cut, "--resume", "--epochs", "2", "--data", other])
        #expect(refused.status != 0 && refused.stderrLines.count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("--data \(other)") && refused.stderr.contains("sha256"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cut + "/config.json")) == before)
        #expect(!FileManager.default.fileExists(atPath: cut + "/checkpoints/epoch-0002.safetensors"))

        let r = try CLI.run(["train", "--out", cut, "--resume", "--epochs", "2", "--data", moved])
        #expect(r.status == 0, "\(r.stderr)")
        let data = (try record(cut)["config"] as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["source"] as? String == moved)
        for f in ["epoch-0002.safetensors", "epoch-0002.state.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: whole + "/checkpoints/" + f)) == Data(contentsOf: URL(fileURLWithPath: cut + "/checkpoints/" + f)), "\(f) differs")
        }
    }
}
