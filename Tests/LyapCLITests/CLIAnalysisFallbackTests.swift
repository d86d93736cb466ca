import Foundation
import Testing
import LyapTestSupport

/// A width whose tangent kernel needs more shared memory than the Vulkan device has (H=40 with k=80 needs
/// about 80 KB; lavapipe has 32 KB and NVIDIA 48 KB): training on Vulkan keeps its --analyze-every columns by
/// analysing on the CPU, and so does `lyap analyze --backend auto`, each saying so in one line, while an
/// explicit `lyap analyze --backend vulkan` is refused.
@Suite(.serialized)
struct CLIAnalysisFallbackTests {
    static let flags = ["--data", "", "--vocab", "40", "--embed", "4", "--hidden", "40", "--seq-len", "12", "--batch", "5"]

    func model(_ s: Scratch) -> [String] { Self.flags.map { $0.isEmpty ? s.jsonl : $0 } }

    @Test(.vulkanDevice)
    func analysisTooWideForTheGPUsSharedMemoryRunsOnTheCPU() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        let r = try CLI.run(["train", "--out", out, "--epochs", "1", "--backend", "vulkan", "--analyze-every", "1",
                             "--analyze-reviews", "2", "--analyze-exponents", "80"] + model(s))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("on vulkan:"), "training must stay on Vulkan: \(r.stdout)")
        #expect(r.stdout.contains("H=40, k=80 needs") && r.stdout.contains("runs on the CPU"), "\(r.stdout)")
        let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        let header = metrics[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = metrics[1].split(separator: ",", omittingEmptySubsequences: false)
        let lambda = try #require(header.firstIndex(of: "max_exponent"))
        #expect(Double(row[lambda])?.isFinite == true, "max_exponent column: \(metrics[1])")

        let ckpt = out + "/checkpoints/epoch-0001.safetensors"
        let common = ["analyze", "--checkpoint", ckpt, "--reviews", "2", "--drive", "12", "--steps", "60", "--transient", "20",
                      "--exponents", "80"]
        let explicit = try CLI.run(common + ["--backend", "vulkan", "--json", s.dir + "/vk.json"])
        #expect(explicit.status != 0 && explicit.stderrLines.count == 1 && explicit.stderr.contains("shared memory"), "\(explicit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/vk.json"))
        let auto = try CLI.run(common + ["--backend", "auto", "--device", "0", "--json", s.dir + "/auto.json"])
        #expect(auto.status == 0 && auto.stdout.contains("runs on the CPU"), "\(auto.stdout) \(auto.stderr)")
        let cpu = try CLI.run(common + ["--backend", "cpu", "--json", s.dir + "/cpu.json"])
        #expect(cpu.status == 0, "\(cpu.stderr)")
        // The fallback is the CPU engine itself: the same JSON as --backend cpu.
        let a = try String(contentsOfFile: s.dir + "/auto.json", encoding: .utf8)
        let b = try String(contentsOfFile: s.dir + "/cpu.json", encoding: .utf8)
        #expect(a.replacingOccurrences(of: "auto.json", with: "") == b.replacingOccurrences(of: "cpu.json", with: ""))
    }
}
