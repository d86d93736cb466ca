import Foundation
import Testing
import LyapIO

/// Every bad input: exit status non-zero, exactly one line on stderr naming the flag or file and the
/// problem, no crash, and no run directory created or changed.
@Suite(.serialized)
struct CLIBadInputTests {
    func expectOneLineError(_ r: CLI.Result, _ phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, "exit status 0", sourceLocation: sourceLocation)
        #expect(r.stderrLines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("lyap: error:") || r.stderr.hasPrefix("Error:"), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        for p in phrases { #expect(r.stderr.contains(p), "'\(p)' not in: \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        (["--hidden", "0"], "--hidden"), (["--embed", "0"], "--embed"), (["--seq-len", "0"], "--seq-len"),
        (["--batch", "0"], "--batch"), (["--lr", "0"], "--lr"), (["--lr=-1"], "--lr"), (["--epochs", "0"], "--epochs"),
        (["--beta1", "1"], "--beta1"), (["--init-scale", "0"], "--init-scale"), (["--label-noise", "1.5"], "--label-noise"),
        (["--train-size", "100"], "--train-size"), (["--checkpoint-every", "0"], "--checkpoint-every"),
        (["--profile", "--backend", "cpu"], "--profile"), (["--peak-gflops", "5"], "--peak-gflops"),
    ])
    func badFlagsAreRejectedBeforeAnythingIsWritten(_ extra: [String], _ flag: String) throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        expectOneLineError(try CLI.run(["train", "--out", out, "--epochs", "1"] + s.small + extra), [flag])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingDataPath() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        expectOneLineError(try CLI.run(["train", "--out", out, "--data", s.dir + "/nope.tar.gz"]), ["nope.tar.gz"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func badJSONLLineNamesFileAndLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let bad = s.dir + "/bad.jsonl"
        try "{\"tokens\":[3,4],\"label\":0,\"split\":\"train\"}\n{\"tokens\":[3,4],\"label\":7,\"split\":\"train\"}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        expectOneLineError(try CLI.run(["train", "--out", s.dir + "/run", "--data", bad, "--vocab", "40"]), ["bad.jsonl", "2"])
        let big = s.dir + "/big.jsonl"
        try "{\"tokens\":[3,400],\"label\":0,\"split\":\"train\"}\n".write(toFile: big, atomically: true, encoding: .utf8)
        expectOneLineError(try CLI.run(["train", "--out", s.dir + "/run", "--data", big, "--vocab", "40"]), ["big.jsonl", "400"])
    }

    @Test func existingRunIsNeitherOverwrittenNorTouched() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", out, "--epochs", "1"] + s.small).status == 0)
        let before = try snapshot(out)
        expectOneLineError(try CLI.run(["train", "--out", out, "--epochs", "1"] + s.small), ["--resume", "--force"])
        #expect(try snapshot(out) == before)
        // --resume with a changed setting is refused too, and leaves the run alone.
        expectOneLineError(try CLI.run(["train", "--out", out, "--resume", "--hidden", "6"]), ["--hidden"])
        #expect(try snapshot(out) == before)
        expectOneLineError(try CLI.run(["train", "--out", s.dir + "/none", "--resume"]), ["config.json"])
    }

    @Test func badInitWeights() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        // Weights for H=6 into a run with H=5.
        #expect(try CLI.run(["train", "--out", s.dir + "/h6", "--epochs", "1"] + s.small + ["--hidden", "6"]).status == 0)
        let h6 = s.dir + "/h6/checkpoints/epoch-0001.safetensors"
        expectOneLineError(try CLI.run(["train", "--out", out, "--epochs", "1", "--init", h6] + s.small), ["--hidden"])
        // Truncated body.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: h6))
        let cut = s.dir + "/cut.safetensors"
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: cut))
        expectOneLineError(try CLI.run(["train", "--out", out, "--epochs", "1", "--init", cut] + s.small), ["cut.safetensors"])
        expectOneLineError(try CLI.run(["eval", "--checkpoint", cut]), ["cut.safetensors"])
        // Wrong dtype.
        var f = try SafeTensorsFile.read(path: h6)
        f.tensors["fc.bias"] = SafeTensor(int64s: [0], shape: [1])
        let dtype = s.dir + "/dtype.safetensors"
        try f.write(path: dtype)
        expectOneLineError(try CLI.run(["eval", "--checkpoint", dtype]), ["dtype.safetensors", "fc.bias"])
        expectOneLineError(try CLI.run(["train", "--out", out, "--epochs", "1", "--init", s.dir + "/missing.safetensors"] + s.small),
                           ["missing.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func nonFiniteLossStopsWithOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        expectOneLineError(try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "3", "--lr", "1e38"] + s.small), ["loss", "--lr"])
    }

    func snapshot(_ dir: String) throws -> [String: Data] {
        var m: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir)
            if !isDir.boolValue { m[rel] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel)) }
        }
        return m
    }
}

extension CLIBadInputTests {
    /// Only train, eval and analyze profile kernels; the other computing commands refuse the flags in one line.
    @Test func profilingFlagsOutsideTrainAndEvalAreRefused() throws {
        let s = try Scratch()
        defer { s.remove() }
        expectOneLineError(try CLI.run(["audit", "--from", s.dir + "/none", "--at", "1", "--out", s.dir + "/a", "--perturb", "none", "--profile"]),
                           ["--profile", "lyap audit"])
        expectOneLineError(try CLI.run(["sweep", "--out", s.dir + "/s", "--widths", "4", "--capture", "renderdoc", "--data", s.jsonl, "--vocab", "40"]),
                           ["--capture", "lyap sweep"])
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/a") && !FileManager.default.fileExists(atPath: s.dir + "/s"))
    }
}
