import Foundation
import Testing

@Suite(.serialized)
struct CLITrainTests {
    @Test func helpExplainsCommandsWithExamples() throws {
        let top = try CLI.run(["--help"])
        #expect(top.status == 0)
        for word in ["train", "eval", "devices"] { #expect(top.stdout.contains(word)) }
        let train = try CLI.run(["train", "--help"])
        #expect(train.stdout.contains("lyap train --out"))
        for flag in ["--vocab", "--embed", "--hidden", "--seq-len", "--batch", "--epochs", "--lr", "--beta1", "--beta2",
                     "--eps", "--seed", "--init-scale", "--init-preset", "--no-shuffle", "--resume", "--force",
                     "--checkpoint-every", "--train-size", "--test-size", "--label-noise"] {
            #expect(train.stdout.contains(flag), "train --help lacks \(flag)")
        }
        #expect(try CLI.run(["eval", "--help"]).stdout.contains("lyap eval --checkpoint"))
    }

    @Test func devicesListsTheCPU() throws {
        let r = try CLI.run(["devices"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("cpu"))
    }

    @Test func trainWritesARunDirectoryAndEvalReadsIt() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "3", "--checkpoint-every", "2"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        let fm = FileManager.default
        for f in ["config.json", "metrics.csv", "checkpoints/epoch-0002.safetensors", "checkpoints/epoch-0002.state.safetensors",
                  "checkpoints/epoch-0003.safetensors", "checkpoints/epoch-0003.state.safetensors"] {
            #expect(fm.fileExists(atPath: out + "/" + f), "missing \(f)")
        }
        #expect(!fm.fileExists(atPath: out + "/checkpoints/epoch-0001.safetensors"))
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,step,train_loss,train_acc,test_loss,test_acc,seconds")
        #expect(csv.count == 4)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as! [String: Any]
        let cfg = config["config"] as! [String: Any]
        #expect((cfg["data"] as! [String: Any])["sha256"] as? String != "")
        #expect(cfg["seed"] as? Int == 0)
        #expect(config["versions"] != nil)
        #expect(r.stdout.contains("epoch 3/3"))

        let e = try CLI.run(["eval", "--checkpoint", out + "/checkpoints/epoch-0003.safetensors", "--split", "both"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("test: loss") && e.stdout.contains("(8 reviews)"))
        #expect(e.stdout.contains("train: loss") && e.stdout.contains("(21 reviews)"))
        // eval reproduces the last metrics row's test loss
        let last = csv.last!.split(separator: ",")
        let loss = Double(last[4])!
        let printed = e.stdout.split(separator: "\n").first { $0.hasPrefix("test:") }!
        let evalLoss = Double(printed.split(separator: " ")[2])!
        #expect(abs(evalLoss - loss) < 1e-5)
    }

    /// Stopping and resuming through the CLI (--epochs extended) equals one uninterrupted run, bit for bit.
    @Test func resumeThroughTheCLIIsBitwise() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        #expect(try CLI.run(["train", "--out", a, "--epochs", "3", "--checkpoint-every", "1"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--checkpoint-every", "1"] + s.small).status == 0)
        let r = try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        for f in ["epoch-0003.safetensors", "epoch-0003.state.safetensors"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/checkpoints/" + f))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/checkpoints/" + f))
            #expect(x == y, "\(f) differs")
        }
    }

    @Test func forceReplacesAnExistingRun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", out, "--epochs", "2"] + s.small).status == 0)
        let r = try CLI.run(["train", "--out", out, "--epochs", "1", "--force"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoints/epoch-0002.safetensors"))
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoints/epoch-0001.safetensors"))
    }
}

/// `lyap train --analyze-every K`: the analysis columns in metrics.csv, filled every K epochs and at the
/// end, the same after an interrupted and resumed run.
@Suite(.serialized)
struct CLITrainAnalysisTests {
    @Test func analysisColumnsAreWrittenAndSurviveResume() throws {
        let s = try Scratch()
        defer { s.remove() }
        let flags = ["--analyze-every", "2", "--analyze-reviews", "4", "--checkpoint-every", "1"]
        let a = s.dir + "/a", b = s.dir + "/b"
        #expect(try CLI.run(["train", "--out", a, "--epochs", "3", "--backend", "cpu"] + flags + s.small).status == 0)
        let csv = try String(contentsOfFile: a + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(csv[0].joined(separator: ",") == "epoch,step,train_loss,train_acc,test_loss,test_acc,seconds,max_exponent,distance_initial,distance_end_of_drive,floor_fraction,phase")
        #expect(csv[1][7...].allSatisfy { $0.isEmpty }, "epoch 1 is not analysed")
        for row in [csv[2], csv[3]] {
            #expect(Double(row[7]) != nil && Double(row[8]) != nil && Double(row[9]) != nil, "\(row)")
            #expect(["order", "chaos"].contains(String(row[11])))
            let d = Double(row[9])!
            #expect(d >= -15 && d <= 3)
        }
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--backend", "cpu"] + flags + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"]).status == 0)
        let other = try String(contentsOfFile: b + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        // Everything but the wall time agrees with the uninterrupted run (epoch 2 is analysed as K=2 in both).
        for (x, y) in zip(csv, other) { #expect(Array(x[0..<6]) + Array(x[7...]) == Array(y[0..<6]) + Array(y[7...])) }
    }

    @Test func analysisFlagsAreChecked() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["train", "--out", s.dir + "/x", "--epochs", "1", "--analyze-reviews", "4"] + s.small)
        #expect(r.status != 0 && r.stderr.contains("--analyze-every"))
        let k = try CLI.run(["train", "--out", s.dir + "/y", "--epochs", "1", "--analyze-every", "1", "--analyze-exponents", "11"] + s.small)
        #expect(k.status != 0 && k.stderr.contains("--analyze-exponents"), "\(k.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/x") && !FileManager.default.fileExists(atPath: s.dir + "/y"))
    }
}

/// `--keep`: a run keeps only the retained checkpoints (and the newest), and still resumes.
struct CLIRetentionTests {
    @Test func keepPrunesCheckpointsAndResumeStillWorks() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "5", "--checkpoint-every", "1", "--keep", "every:2,best",
                             "--backend", "cpu"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let losses = csv.map { ($0.split(separator: ",").map(String.init)) }.map { (Int($0[0])!, Double($0[4])!) }
        let best = losses.min { $0.1 < $1.1 }!.0
        let expected = Set([2, 4, 5, best])
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints").filter { !$0.hasPrefix(".") }
        let epochs = Set(files.compactMap { Int($0.dropFirst("epoch-".count).prefix(4)) })
        #expect(epochs == expected, "kept \(epochs.sorted()), expected \(expected.sorted())")
        #expect(files.count == 2 * expected.count, "model and state file for each kept epoch: \(files.sorted())")
        #expect(try CLI.run(["train", "--out", out, "--resume", "--epochs", "6"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoints/epoch-0006.safetensors"))
        if best != 5 { #expect(!FileManager.default.fileExists(atPath: out + "/checkpoints/epoch-0005.safetensors")) }
        let bad = try CLI.run(["train", "--out", s.dir + "/x", "--epochs", "1", "--keep", "transitions"] + s.small)
        #expect(bad.status != 0 && bad.stderr.contains("--analyze-every"))
    }
}

/// `--log-steps`: one row per optimizer step in steps.csv, identical after an interrupted and resumed run,
/// and read by `lyap stages`.
struct CLIStepLogTests {
    @Test func stepLogIsCompleteAndSurvivesResume() throws {
        let s = try Scratch()
        defer { s.remove() }
        let a = s.dir + "/a", b = s.dir + "/b"
        #expect(try CLI.run(["train", "--out", a, "--epochs", "3", "--checkpoint-every", "1", "--log-steps", "--backend", "cpu"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--epochs", "2", "--checkpoint-every", "1", "--log-steps", "--backend", "cpu"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", b, "--resume", "--epochs", "3"]).status == 0)
        let x = try String(contentsOfFile: a + "/steps.csv", encoding: .utf8)
        let y = try String(contentsOfFile: b + "/steps.csv", encoding: .utf8)
        let lines = x.split(separator: "\n")
        #expect(lines.first == "step,loss")
        #expect(lines.count == 1 + 3 * 5, "21 reviews in batches of 5 give 5 steps per epoch")
        #expect(lines.dropFirst().enumerated().allSatisfy { Int($1.split(separator: ",")[0]) == $0 + 1 })
        #expect(x == y, "steps.csv differs after resume")
        let st = try CLI.run(["stages", a])
        #expect(st.status == 0, "\(st.stderr)")
        #expect(st.stdout.contains("steps.csv"), "\(st.stdout)")
    }
}

/// --early-checkpoints through the CLI: epoch 0 and inner points evaluated and analysed.
struct CLIEarlyCheckpointTests {
    @Test func earlyPointsAreAnalysed() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "2", "--early-checkpoints", "2:1", "--analyze-every", "2",
                             "--analyze-reviews", "3", "--backend", "cpu"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        let early = try String(contentsOfFile: out + "/early.csv", encoding: .utf8).split(separator: "\n")
        #expect(early.first == "step,epoch,test_loss,test_acc,max_exponent,distance_initial,distance_end_of_drive,floor_fraction,phase")
        #expect(early.count == 3)  // epoch 0 and one point inside epoch 1
        for row in early.dropFirst() { #expect(!row.hasSuffix(","), "\(row)") }
        // Epoch 1, the early epoch's end, is analysed too although --analyze-every is 2.
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 3 && !metrics[1].hasSuffix(","))
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoints/early/step-0000000.safetensors"))

        // lyap cycles reads the early points: its best point is the lowest test loss over both files.
        let c = try CLI.run(["cycles", out, "--null-draws", "10"])
        #expect(c.status == 0, "\(c.stderr)")
        func rows(_ lines: [Substring], step: Int, loss: Int) -> [(Int, Double)] {
            lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { (Int($0[step])!, Double($0[loss])!) }
        }
        let all = rows(early, step: 0, loss: 2) + rows(metrics, step: 1, loss: 4)
        let best = all.min { $0.1 < $1.1 }!
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/cycles.json"))) as! [String: Any]
        let lab = ((j["study"] as! [String: Any])["rules"] as! [[String: Any]])[0]
        #expect((lab["best_point"] as? [String: Any])?["bestStep"] as? Int == best.0)

        let bad = try CLI.run(["train", "--out", s.dir + "/bad", "--early-checkpoints", "8", "--backend", "cpu"] + s.small)
        #expect(bad.status != 0 && bad.stderrLines.count == 1 && bad.stderr.contains("--early-checkpoints"))
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/bad"))
    }
}
