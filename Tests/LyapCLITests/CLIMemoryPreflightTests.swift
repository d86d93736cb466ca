import Foundation
import Testing
import LyapTestSupport

/// The memory preflight: a command that cannot fit is refused with one line naming the flags and both
/// figures, before anything is written; the estimate it prints agrees with the memory a run really takes.
@Suite(.serialized)
struct CLIMemoryPreflightTests {
    func expectRefusal(_ r: CLI.Result, _ phrases: [String], oneLine: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, "exit status 0; stderr: \(r.stderr)", sourceLocation: sourceLocation)
        if oneLine { #expect(r.stderrLines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation) }
        let last = String(r.stderrLines.last ?? "")
        #expect(last.hasPrefix("lyap: error:") && last.contains("needs") && (last.contains("available") || last.contains("heaps")), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        for p in phrases { #expect(last.contains(p), "'\(p)' not in: \(last)", sourceLocation: sourceLocation) }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    /// No fake figure: 100000 units need about 1.4 TB, more than any machine this runs on has free.
    @Test(arguments: [["--backend", "cpu"], []])
    func aHugeWidthIsRefusedInOneLineAndNothingIsWritten(_ backend: [String]) throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        expectRefusal(try CLI.run(["train", "--hidden", "100000", "--out", out, "--epochs", "1"] + backend), ["--hidden 100000", "TB"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Activations: B x L x H times the threads' slices, named by --batch and --seq-len.
    @Test func activationsThatDoNotFitNameTheBatchAndLength() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--data", s.jsonl, "--vocab", "40", "--hidden", "600", "--batch", "4096", "--seq-len", "500",
                             "--threads", "2", "--backend", "cpu"], environment: ["LYAP_AVAILABLE_MEMORY": "1000000000"])
        expectRefusal(r, ["--hidden 600 --batch 4096 --seq-len 500", "activations for B=4096 L=500", "1.0 GB available"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// On Vulkan the ensemble's buffers (`VulkanLSTMEnsemble.estimatedBytes`) against the device-local heaps,
    /// with the host figure faked large so that only the device can refuse.
    @Test(.vulkanDevice)
    func aModelLargerThanTheDevicesHeapsIsRefused() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--backend", "vulkan", "--hidden", "600", "--batch", "4096", "--seq-len", "500", "--epochs", "1"],
                            environment: ["LYAP_AVAILABLE_MEMORY": "1000000000000000"])
        expectRefusal(r, ["--hidden 600 --batch 4096 --seq-len 500", "on the device", "device-local heaps"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func everyCommandThatAllocatesAModelChecksFirst() throws {
        let s = try Scratch()
        defer { s.remove() }
        let run = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", run, "--epochs", "2", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        let tiny = ["LYAP_AVAILABLE_MEMORY": "1000"]
        let before = try FileManager.default.contentsOfDirectory(atPath: run).sorted()
        expectRefusal(try CLI.run(["train", "--out", run, "--resume", "--epochs", "3"], environment: tiny), ["--hidden 5", "1.0 kB available"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: run).sorted() == before)
        #expect(!FileManager.default.fileExists(atPath: run + "/checkpoints/epoch-0003.safetensors"))
        expectRefusal(try CLI.run(["eval", "--checkpoint", run + "/checkpoints/epoch-0002.safetensors", "--backend", "cpu"], environment: tiny),
                      ["--batch 32 --seq-len 12", "activations"])
        expectRefusal(try CLI.run(["audit", "--from", run, "--at", "1", "--perturb", "param:1e-3", "--backend", "cpu",
                                   "--out", s.dir + "/audit"], environment: tiny), [])
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/audit"))
        let analyze = try CLI.run(["analyze", "--checkpoint", run, "--backend", "cpu", "--reviews", "4", "--json", s.dir + "/d.json"], environment: tiny)
        expectRefusal(analyze, ["--reviews 4"], oneLine: false)
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/d.json"))
        let sweep = try CLI.run(["sweep", "--out", s.dir + "/sweep", "--widths", "2,5", "--epochs", "1", "--backend", "cpu", "--data", s.jsonl,
                                 "--vocab", "40", "--seq-len", "12", "--batch", "5"], environment: tiny)
        expectRefusal(sweep, ["--hidden 5"], oneLine: false)
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/sweep"))
        let study = try CLI.run(["study", "--out", s.dir + "/study", "--analyze-every", "1", "--reviews", "4", "--epochs", "1", "--backend", "cpu"] + s.small,
                                environment: tiny)
        expectRefusal(study, [], oneLine: false)
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/study"))
    }

    /// The estimate printed at the start of a run against the peak resident memory it reports at the end
    /// (VmHWM), above that of a tiny run (the binary, the data, the runtime): within a factor 1.5 either way.
    /// One shape where the embedding table and its Adam state dominate, one where both the weights and the
    /// activations count.
    @Test(arguments: [
        ["--vocab", "30000", "--embed", "64", "--hidden", "4", "--batch", "8", "--seq-len", "10", "--train-size", "8"],
        ["--vocab", "20000", "--embed", "32", "--hidden", "64", "--batch", "40", "--seq-len", "300", "--train-size", "40"],
    ])
    func theEstimateMatchesThePeakMemoryOfARun(_ shape: [String]) throws {
        let s = try Scratch(trainReviews: 40, maxTokens: 300)
        defer { s.remove() }
        let common = ["train", "--data", s.jsonl, "--epochs", "1", "--backend", "cpu", "--threads", "2", "--test-size", "4"]
        let base = try CLI.run(common + ["--out", s.dir + "/tiny", "--vocab", "40", "--embed", "4", "--hidden", "5", "--batch", "5", "--seq-len", "12"])
        let big = try CLI.run(common + ["--out", s.dir + "/big"] + shape)
        try #require(base.status == 0 && big.status == 0, "\(base.stderr) \(big.stderr)")
        let estimate = try #require(Self.bytes(big.stdout, #"about ([0-9.]+) (kB|MB|GB|TB) of memory"#), "no estimate in: \(big.stdout)")
        let peak = try #require(Self.bytes(big.stdout, #"peak resident memory ([0-9.]+) (kB|MB|GB|TB)"#), "no peak in: \(big.stdout)")
        let basePeak = try #require(Self.bytes(base.stdout, #"peak resident memory ([0-9.]+) (kB|MB|GB|TB)"#), "no peak in: \(base.stdout)")
        let measured = peak - basePeak
        #expect(estimate > measured / 1.5 && estimate < measured * 1.5, "estimated \(estimate) B, measured \(measured) B above a tiny run")
    }

    /// The figure of the first match of `pattern` ("NUMBER UNIT") in `text`, in bytes.
    static func bytes(_ text: String, _ pattern: String) -> Double? {
        guard let r = text.range(of: pattern, options: .regularExpression) else { return nil }
        let words = text[r].split(separator: " ")
        guard let unit = words.last(where: { ["kB", "MB", "GB", "TB"].contains(String($0)) }),
              let number = words.compactMap({ Double($0) }).first else { return nil }
        return number * ["kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12][String(unit)]!
    }
}
