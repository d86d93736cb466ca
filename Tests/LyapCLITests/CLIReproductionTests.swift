import Foundation
import Testing
import LyapIO

/// The reproduction's convention flags through `lyap train`: recorded in config.json, pad row zero in
/// the checkpoints, bitwise resume; bad combinations refused with one line and nothing written.
@Suite(.serialized)
struct CLIReproductionTests {
    /// An aclImdb folder with 12 reviews per class folder built from a few words.
    static func corpus(in dir: String) throws -> String {
        let words = ["good", "bad", "film", "plot", "great", "awful", "acting", "the", "a", "movie", "don't", "Story."]
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for part in ["train", "test"] {
            for label in ["pos", "neg"] {
                let folder = "\(dir)/aclImdb/\(part)/\(label)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for i in 0..<12 {
                    let text = (0..<(3 + next(12))).map { _ in words[next(words.count)] }.joined(separator: " ")
                    try (text + (label == "pos" ? " great" : " awful")).write(toFile: "\(folder)/\(i)_5.txt", atomically: true, encoding: .utf8)
                }
            }
        }
        return dir + "/aclImdb"
    }

    static let flags = ["--tokenizer", "reproduction", "--padding", "post", "--split", "pooled:0.75", "--vocab-from", "all",
                        "--init-preset", "reproduction", "--pad-row", "zero", "--loss", "sigmoid-bce"]

    @Test func conventionsAreRecordedKeepThePadRowAndResumeBitwise() throws {
        let s = try Scratch()
        defer { s.remove() }
        let data = try Self.corpus(in: s.dir)
        let common = ["--data", data, "--vocab", "30", "--embed", "3", "--hidden", "4", "--seq-len", "10", "--batch", "7",
                      "--precision", "float64", "--threads", "2", "--checkpoint-every", "1", "--backend", "cpu"] + Self.flags
        let whole = try CLI.run(["train", "--out", s.dir + "/whole", "--epochs", "2"] + common)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect((whole.stdout + whole.stderr).contains("36 train / 12 test"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.dir + "/whole/config.json"))) as! [String: Any]
        let c = config["config"] as! [String: Any]
        let conventions = try #require(c["conventions"] as? [String: String])
        #expect(conventions == ["tokenizer": "reproduction", "padding": "post", "split": "pooled:0.75", "vocabularyFrom": "all",
                                "padRow": "zero", "loss": "sigmoid-bce"])
        #expect(c["initPreset"] as? String == "reproduction")
        let weights = try SafeTensorsFile.read(path: s.dir + "/whole/checkpoints/epoch-0002.safetensors")
        let emb = try #require(weights.tensors["embedding.weight"])
        #expect(emb.data.prefix(3 * 8).allSatisfy { $0 == 0 }, "pad row moved")
        #expect(emb.data.dropFirst(3 * 8).contains { $0 != 0 })

        let cut = try CLI.run(["train", "--out", s.dir + "/cut", "--epochs", "1"] + common)
        #expect(cut.status == 0, "\(cut.stderr)")
        let resumed = try CLI.run(["train", "--out", s.dir + "/cut", "--resume", "--epochs", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for f in ["epoch-0002.safetensors", "epoch-0002.state.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: s.dir + "/whole/checkpoints/" + f))
                    == Data(contentsOf: URL(fileURLWithPath: s.dir + "/cut/checkpoints/" + f)), "\(f) differs after resume")
        }
        let again = try CLI.run(["train", "--out", s.dir + "/cut", "--resume", "--epochs", "3", "--padding", "pre"])
        #expect(again.status != 0 && again.stderr.contains("drop --padding"))
    }

    /// --protocol reproduction is the separate flags plus nn.LSTM's two biases and torch-form Adam.
    @Test func theProtocolIsItsPiecesWithTwoBiases() throws {
        let s = try Scratch()
        defer { s.remove() }
        let data = try Self.corpus(in: s.dir)
        let common = ["--data", data, "--vocab", "30", "--embed", "3", "--hidden", "4", "--seq-len", "10", "--batch", "7",
                      "--precision", "float64", "--threads", "2", "--epochs", "1", "--backend", "cpu"]
        let p = try CLI.run(["train", "--out", s.dir + "/protocol", "--protocol", "reproduction", "--split", "pooled:0.75"] + common)
        #expect(p.status == 0, "\(p.stderr)")
        let pieces = try CLI.run(["train", "--out", s.dir + "/pieces", "--lstm-biases", "two"] + Self.flags + common)
        #expect(pieces.status == 0, "\(pieces.stderr)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.dir + "/protocol/config.json"))) as! [String: Any]
        let c = config["config"] as! [String: Any]
        #expect(c["lstmBiases"] as? String == "two" && c["adamForm"] as? String == "torch")
        #expect((c["conventions"] as? [String: String])?["protocol"] == "reproduction")
        // The same training: both bias vectors are in the checkpoint, and the weights are bitwise those of the pieces.
        let a = try SafeTensorsFile.read(path: s.dir + "/protocol/checkpoints/epoch-0001.safetensors")
        let b = try SafeTensorsFile.read(path: s.dir + "/pieces/checkpoints/epoch-0001.safetensors")
        #expect(a.tensors["lstm.bias_hh_l0"] != nil)
        for (name, t) in b.tensors { #expect(a.tensors[name]?.data == t.data, "\(name)") }
    }

    @Test func todaysRunsWriteNoConventions() throws {
        let s = try Scratch()
        defer { s.remove() }
        let r = try CLI.run(["train", "--out", s.dir + "/run", "--epochs", "1", "--padding", "pre", "--loss", "logits"] + s.small)
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: s.dir + "/run/config.json", encoding: .utf8)
        #expect(!text.contains("conventions"))
    }

    @Test(arguments: [
        (["--protocol", "reproduction", "--lstm-biases", "one"], "--lstm-biases one contradicts --protocol reproduction"),
        (["--protocol", "reproduction", "--adam-form", "keras"], "--adam-form keras contradicts --protocol reproduction"),
        (["--protocol", "keras"], "--protocol keras: the known protocol is reproduction"),
        (["--protocol", "reproduction", "--padding", "pre"], "--padding pre contradicts --protocol reproduction"),
        (["--split", "pooled:2"], "--split pooled:2: the training fraction"),
        (["--tokenizer", "reproduction"], "--tokenizer reproduction needs review text"),
    ])
    func badCombinationsAreOneLine(_ extra: [String], _ phrase: String) throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "1"] + s.small + extra)
        #expect(r.status != 0)
        #expect(r.stderrLines.count == 1 && r.stderr.contains(phrase), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
