import Foundation
import Testing
import LyapTestSupport

/// `lyap analyze` on run directories whose checkpoints do not fit: one stderr line naming the file and what
/// is wrong, a non-zero exit, and no JSON written.
extension CLIBadInputTests {
    static let analyzeFlags = ["--drive", "12", "--steps", "60", "--transient", "20", "--reviews", "4", "--exponents", "2"]

    /// A run of the Scratch model (V=40 E=4 H=5) with checkpoints at epochs 1...epochs, and a checkpoint of the
    /// same model with `extra` flags (another V or H) from a second run.
    func runAndStranger(_ s: Scratch, epochs: Int, extra: [String]) throws -> (run: String, stranger: String) {
        let run = s.dir + "/run", other = s.dir + "/other"
        #expect(try CLI.run(["train", "--out", run, "--epochs", "\(epochs)", "--checkpoint-every", "1", "--backend", "cpu"] + s.small).status == 0)
        #expect(try CLI.run(["train", "--out", other, "--epochs", "1", "--backend", "cpu"] + s.small + extra).status == 0)
        return (run, other + "/checkpoints/epoch-0001.safetensors")
    }

    func replace(_ target: String, with source: String) throws {
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
    }

    /// A checkpoint whose vocabulary is not the one in the run's config.json (V=50 against V=40), analysed as
    /// a run directory and as a single file of that run.
    @Test func checkpointVocabularyDiffersFromTheRunsConfig() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (run, stranger) = try runAndStranger(s, epochs: 2, extra: ["--vocab", "50"])
        let ckpt = run + "/checkpoints/epoch-0001.safetensors"
        try replace(ckpt, with: stranger)
        let out = s.dir + "/out.json"
        for path in [run, ckpt] {
            expectOneLineError(try CLI.run(["analyze", "--checkpoint", path, "--json", out] + Self.analyzeFlags),
                               ["epoch-0001.safetensors", "vocabulary V=50", "V=40", "config.json"])
            #expect(!FileManager.default.fileExists(atPath: out), "\(path): JSON written")
        }
    }

    /// Checkpoints of different shapes in one run directory (H=6 among H=5): found in the first batch of
    /// checkpoints (epoch 2) and in a later one (epoch 5: the CPU takes 4 checkpoints a batch), after the
    /// earlier batches were analysed; on Vulkan too (64 a batch) where there is a device.
    @Test func checkpointsOfDifferentShapesInOneRun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (run, stranger) = try runAndStranger(s, epochs: 5, extra: ["--hidden", "6"])
        let out = s.dir + "/out.json"
        let backends = ["cpu"] + (VulkanTestDevice.runsPart("the Vulkan backend's refusal") ? ["vulkan"] : [])
        for epoch in [5, 2] {
            let name = String(format: "epoch-%04d.safetensors", epoch)
            try replace(run + "/checkpoints/" + name, with: stranger)
            for backend in backends {
                let r = try CLI.run(["analyze", "--checkpoint", run, "--json", out, "--backend", backend] + Self.analyzeFlags)
                expectOneLineError(r, [name, "V=40 E=4 H=6", "differs from", "epoch-0001.safetensors", "V=40 E=4 H=5"])
                #expect(!FileManager.default.fileExists(atPath: out), "\(backend), \(name): JSON written")
            }
        }
    }
}
