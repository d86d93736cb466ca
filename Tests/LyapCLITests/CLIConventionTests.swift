import Foundation
import Testing
import LyapIO
import LyapTestSupport

/// `--lstm-biases` and `--adam-form` through the CLI: recorded in config.json, both biases in the
/// checkpoints, bitwise resume, eval of a two-bias run, the refusals; and a run directory without the new
/// fields (what lyap wrote before them) resumes bitwise.
@Suite(.serialized)
struct CLIConventionTests {
    func config(_ dir: String) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        return json["config"] as! [String: Any]
    }

    func sameCheckpoint(_ a: String, _ b: String, epoch: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for f in [String(format: "epoch-%04d.safetensors", epoch), String(format: "epoch-%04d.state.safetensors", epoch)] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/checkpoints/" + f))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/checkpoints/" + f))
            #expect(x == y, "\(f) differs", sourceLocation: sourceLocation)
        }
    }

    @Test func helpNamesTheFlagsAndTheirValues() throws {
        let help = try CLI.run(["train", "--help"]).stdout
        for word in ["--lstm-biases", "--adam-form", "values: one, two", "values: torch, keras, keras2", "1e-7"] {
            #expect(help.contains(word), "train --help lacks \(word)")
        }
    }

    @Test(arguments: [["--lstm-biases", "two", "--adam-form", "keras"], ["--adam-form", "keras2"], ["--lstm-biases", "two"]])
    func conventionsAreRecordedAndResumeBitwise(_ flags: [String]) throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        let r = try CLI.run(["train", "--out", a, "--epochs", "3", "--checkpoint-every", "1", "--backend", "cpu"] + flags + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--checkpoint-every", "1", "--backend", "cpu"] + flags + s.small).status == 0)
        let resumed = try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try sameCheckpoint(a, b, epoch: 3)
        let cfg = try config(a), two = flags.contains("two"), form = flags.contains("keras") ? "keras" : (flags.contains("keras2") ? "keras2" : nil)
        #expect(cfg["lstmBiases"] as? String == (two ? "two" : nil))
        #expect(cfg["adamForm"] as? String == form)
        #expect((cfg["adam"] as! [String: Any])["eps"] as? Double == (form == nil ? 1e-8 : 1e-7), "the effective eps is recorded")
        let weights = try SafeTensorsFile.read(path: a + "/checkpoints/epoch-0003.safetensors")
        let ih = try weights.tensor("lstm.bias_ih_l0", dtype: nil, shape: [20]).asDoubles()
        let hh = try weights.tensor("lstm.bias_hh_l0", dtype: nil, shape: [20]).asDoubles()
        #expect(two ? hh.contains { $0 != 0 } && hh != ih : hh.allSatisfy { $0 == 0 })
        let state = try SafeTensorsFile.read(path: a + "/checkpoints/epoch-0003.state.safetensors")
        #expect((state.tensors["adam.exp_avg.lstm.bias_hh_l0"] != nil) == two)
        // eval reproduces the run's last test loss (a two-bias checkpoint is evaluated as trained).
        let e = try CLI.run(["eval", "--checkpoint", a + "/checkpoints/epoch-0003.safetensors", "--backend", "cpu"])
        #expect(e.status == 0, "\(e.stderr)")
        let printed = e.stdout.split(separator: "\n").first { $0.hasPrefix("test:") }!
        let last = try String(contentsOfFile: a + "/metrics.csv", encoding: .utf8).split(separator: "\n").last!.split(separator: ",")
        #expect(abs(Double(printed.split(separator: " ")[2])! - Double(last[4])!) < 1e-6)
    }

    @Test func givenEpsIsKeptAndTheFormsChangeTheTrajectory() throws {
        let s = try Scratch()
        defer { s.remove() }
        var losses: [String: String] = [:]
        for (name, flags) in [("torch", [String]()), ("keras", ["--adam-form", "keras", "--eps", "1e-6"]), ("two", ["--lstm-biases", "two"])] {
            let out = s.dir + "/" + name
            let r = try CLI.run(["train", "--out", out, "--epochs", "2", "--backend", "cpu"] + flags + s.small)
            #expect(r.status == 0, "\(r.stderr)")
            losses[name] = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n").last!.split(separator: ",")[2].description
        }
        #expect((try config(s.dir + "/keras")["adam"] as! [String: Any])["eps"] as? Double == 1e-6)
        #expect(losses["torch"] != losses["keras"] && losses["torch"] != losses["two"], "\(losses)")
    }

    /// A default run's config.json has no lstmBiases/adamForm (exactly what lyap wrote before the flags),
    /// and such a run resumes bitwise.
    @Test func aRunWithoutTheNewFieldsResumesBitwise() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        #expect(try CLI.run(["train", "--out", a, "--epochs", "3", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        let text = try String(contentsOfFile: b + "/config.json", encoding: .utf8)
        #expect(!text.contains("lstmBiases") && !text.contains("adamForm"))
        #expect(try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"]).status == 0)
        try sameCheckpoint(a, b, epoch: 3)
        let w = try SafeTensorsFile.read(path: a + "/checkpoints/epoch-0003.safetensors")
        #expect(try w.tensor("lstm.bias_hh_l0", dtype: nil, shape: [20]).asDoubles().allSatisfy { $0 == 0 })
    }

    @Test func badValuesAndChangesOnResumeAreOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        let bad = try CLI.run(["train", "--out", s.dir + "/x", "--adam-form", "adamw"] + s.small)
        #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("--adam-form"), "\(bad.stderr)")
        let bias = try CLI.run(["train", "--out", s.dir + "/x", "--lstm-biases", "three"] + s.small)
        #expect(bias.status != 0 && bias.stderrLines.count == 1 && bias.stderr.contains("--lstm-biases"), "\(bias.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/x"))
        let run = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", run, "--epochs", "1", "--backend", "cpu", "--lstm-biases", "two", "--adam-form", "keras"] + s.small).status == 0)
        let again = try CLI.run(["train", "--out", run, "--resume", "--adam-form", "torch"])
        #expect(again.status != 0 && again.stderrLines.count == 1 && again.stderr.contains("drop --adam-form"), "\(again.stderr)")
        let audit = try CLI.run(["audit", "--from", run, "--at", "1", "--perturb", "none", "--out", s.dir + "/audit"])
        #expect(audit.status != 0 && audit.stderrLines.count == 1 && audit.stderr.contains("--lstm-biases two --adam-form keras"), "\(audit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/audit"))
    }

    /// Vulkan trains the new conventions like the CPU Double reference (eval of its checkpoint on both).
    @Test(.vulkanDevice)
    func vulkanTrainsTwoBiasesWithKerasAdam() throws {
        let s = try Scratch()
        defer { s.remove() }
        let gpuRun = s.dir + "/vk", cpuRun = s.dir + "/cpu"
        let flags = ["--epochs", "2", "--lstm-biases", "two", "--adam-form", "keras"] + s.small
        let r = try CLI.run(["train", "--out", gpuRun, "--backend", "vulkan", "--validate"] + flags)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLI.run(["train", "--out", cpuRun, "--backend", "cpu", "--precision", "float64"] + flags).status == 0)
        let a = try SafeTensorsFile.read(path: gpuRun + "/checkpoints/epoch-0002.safetensors")
        let b = try SafeTensorsFile.read(path: cpuRun + "/checkpoints/epoch-0002.safetensors")
        for name in ["lstm.bias_ih_l0", "lstm.bias_hh_l0", "embedding.weight", "lstm.weight_hh_l0"] {
            let x = try a.tensors[name]!.asDoubles(), y = try b.tensors[name]!.asDoubles()
            let worst = zip(x, y).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-3, "\(name): vulkan vs cpu float64 differ by \(worst) after 2 epochs")
        }
    }
}
