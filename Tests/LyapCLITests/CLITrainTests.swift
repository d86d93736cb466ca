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
