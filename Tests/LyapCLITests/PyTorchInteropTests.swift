import Foundation
import Testing

/// A checkpoint loads into PyTorch with load_state_dict(strict=True) and gives the loss lyap reports.
/// Needs python3 with torch and safetensors; skipped with a message where they are missing.
struct PyTorchInteropTests {
    static let torchAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import torch, safetensors"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: torchAvailable, "python3 cannot import torch and safetensors"))
    func pytorchReproducesLyapsTestLoss() throws {
        let s = try Scratch()
        defer { s.remove() }
        let out = s.dir + "/run"
        #expect(try CLI.run(["train", "--out", out, "--epochs", "2", "--precision", "float64"] + s.small).status == 0)
        let ckpt = out + "/checkpoints/epoch-0002.safetensors"
        let e = try CLI.run(["eval", "--checkpoint", ckpt, "--precision", "float64"])
        let line = e.stdout.split(separator: "\n").first { $0.hasPrefix("test:") }!
        let lyapLoss = Double(line.split(separator: " ")[2])!

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/torch_eval.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, ckpt, s.jsonl, "12"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let torchLoss = obj["loss"] as! Double
        #expect(obj["count"] as? Int == 8)
        #expect(abs(torchLoss - lyapLoss) < 2e-6, "PyTorch \(torchLoss) vs lyap \(lyapLoss)")
    }
}
