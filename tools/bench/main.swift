// lyap-bench: benchmarks (not tests). `swift run -c release lyap-bench train-step` times one training
// step (B=32, L=500, E=32, V=10000) of the CPU Float backend over a range of widths and, where
// `python3 -c 'import torch'` works, PyTorch's nn.LSTM step in the same run.
// `--backend vulkan [--device N] [--models M] [--steps-per-submit S]` times the Vulkan backend instead
// (M models per step, S steps recorded into each submission; the time per step is a submission's / S);
// `--torch-device cuda` runs the PyTorch peer (cuDNN) on the GPU, one model after another.
import Foundation
import LyapCore
import LyapCPU
import LyapVulkan

struct Options {
    var widths = [8, 16, 32, 60, 128, 256, 512]
    var batch = 32, seqLen = 500, embed = 32, vocab = 10000
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var torch = true
    var backend = "cpu"
    var device: Int?
    var models = 1
    var stepsPerSubmit = 16
    var torchDevice = "cpu"
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    if args.first == "train-step" { args = args.dropFirst() }
    while let a = args.popFirst() {
        func value() -> String {
            guard let v = args.popFirst() else { fail("\(a) needs a value") }
            return v
        }
        func int() -> Int {
            let v = value()
            guard let n = Int(v), n > 0 else { fail("\(a) \(v) must be a positive integer") }
            return n
        }
        switch a {
        case "--widths":
            let v = value()
            let ws = v.split(separator: ",").compactMap { Int($0) }
            guard !ws.isEmpty, ws.allSatisfy({ $0 > 0 }) else { fail("--widths \(v) must be a comma-separated list of positive integers") }
            o.widths = ws
        case "--batch": o.batch = int()
        case "--seq-len": o.seqLen = int()
        case "--threads": o.threads = int()
        case "--no-torch": o.torch = false
        case "--backend":
            o.backend = value()
            guard ["cpu", "vulkan"].contains(o.backend) else { fail("--backend \(o.backend): use cpu or vulkan") }
        case "--device": o.device = int()
        case "--models": o.models = int()
        case "--steps-per-submit": o.stepsPerSubmit = int()
        case "--torch-device":
            o.torchDevice = value()
            guard ["cpu", "cuda"].contains(o.torchDevice) else { fail("--torch-device \(o.torchDevice): use cpu or cuda") }
        case "-h", "--help":
            print("usage: lyap-bench train-step [--widths 8,16,...] [--batch 32] [--seq-len 500] [--threads N] [--no-torch]")
            print("                             [--backend cpu|vulkan] [--device N] [--models M] [--steps-per-submit S]")
            print("                             [--torch-device cpu|cuda]")
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lyap-bench: \(message)\n".utf8))
    exit(2)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Median wall milliseconds of one training step (of all `models` models together on Vulkan).
func lyapStepMs(hidden: Int, _ o: Options, vulkan: (VulkanContext, ShaderCompiler)?) throws -> Double {
    let shape = ModelShape(vocab: o.vocab, embed: o.embed, hidden: hidden)
    let params = InitPreset.keras.initialize(ParameterLayout(shape), seed: 1).converted(to: Float.self)
    var rng = LabRNG(seed: 2)
    let batch = Batch(tokens: (0..<(o.batch * o.seqLen)).map { _ in Int32(rng.below(o.vocab)) },
                      labels: (0..<o.batch).map { _ in UInt8(rng.below(2)) }, seqLen: o.seqLen)
    let step: () throws -> Void
    var stepsPerCall = 1
    if let (ctx, compiler) = vulkan {
        let e = try VulkanLSTMEnsemble(context: ctx, compiler: compiler, shape: shape, models: o.models, batch: o.batch, seqLen: o.seqLen,
                                       stepsPerSubmit: o.stepsPerSubmit)
        try e.load([TrainingState<Float>](repeating: TrainingState(params: params), count: o.models))
        let batches = [Batch](repeating: batch, count: o.models), adam = [AdamConfig](repeating: AdamConfig(), count: o.models)
        let steps = [[Batch]](repeating: batches, count: o.stepsPerSubmit)
        stepsPerCall = o.stepsPerSubmit
        step = { _ = try e.trainSteps(steps, adam: adam) }
    } else {
        let backend = CPUBackend<Float>(shape: shape, threads: o.threads)
        try backend.load(TrainingState(params: params))
        step = { _ = try backend.trainStep(batch, adam: AdamConfig()) }
    }
    let reps = hidden >= 256 ? 5 : 20
    for _ in 0..<2 { try step() }
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try step()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(stepsPerCall))
    }
    return median(times)
}

/// Runs the PyTorch peer; nil (with the reason on stderr) when torch is not importable.
func torchStepMs(_ o: Options) -> (ms: [Int: Double], version: String)? {
    let script = peerScript("torch_train_step.py")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script, o.widths.map(String.init).joined(separator: ","),
                   "\(o.batch)", "\(o.seqLen)", "\(o.embed)", "\(o.vocab)", "\(o.threads)", o.torchDevice]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        FileHandle.standardError.write(Data("lyap-bench: PyTorch peer not run (python3 cannot import torch)\n".utf8))
        return nil
    }
    var ms: [Int: Double] = [:]
    var version = "?"
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let h = obj["hidden"] as? Int, let t = obj["ms"] as? Double else { continue }
        ms[h] = t
        version = obj["torch"] as? String ?? version
    }
    return (ms, version)
}

let o = parse()
var vulkan: (VulkanContext, ShaderCompiler)?
var lyapName = "lyap cpu-f32"
if o.backend == "vulkan" {
    do {
        let ctx = try VulkanContext.create(deviceIndex: o.device, options: VulkanOptions())
        vulkan = (ctx, ShaderCompiler(sources: try ShaderLibrary.sources(), cacheDirectory: nil))
        lyapName = "lyap vulkan x\(o.models)"
        print("device: \(ctx.info.name), driver \(ctx.info.driverName) \(ctx.info.driverInfo), Vulkan \(ctx.info.apiVersion)")
    } catch { fail("\(error)") }
}
print("train step: B=\(o.batch) L=\(o.seqLen) E=\(o.embed) V=\(o.vocab), \(o.backend == "vulkan" ? "\(o.models) model(s) per step" : "\(o.threads) threads"), median of 20 steps (5 for H>=256) after 2 warm-up")
var lyapMs: [Int: Double] = [:]
for h in o.widths {
    do { lyapMs[h] = try lyapStepMs(hidden: h, o, vulkan: vulkan) } catch { fail("H=\(h): \(error)") }
}
let peer = o.torch ? torchStepMs(o) : nil
let peerRuns = o.backend == "vulkan" ? o.models : 1
if let peer { print("peer: PyTorch \(peer.version) nn.LSTM on \(o.torchDevice), \(peerRuns) model(s) one after another") }
print("| H | \(lyapName) ms/step | tokens/s | PyTorch ms/step | PyTorch / lyap |")
print("|---:|---:|---:|---:|---:|")
for h in o.widths {
    let ms = lyapMs[h]!
    let tps = Double(o.batch * o.seqLen * o.models) / (ms / 1000)
    let t = peer?.ms[h].map { $0 * Double(peerRuns) }
    let tCol = t.map { String(format: "%.1f", $0) } ?? "n/a"
    let ratio = t.map { String(format: "%.2fx", $0 / ms) } ?? "n/a"
    print(String(format: "| %d | %.1f | %.0f | %@ | %@ |", h, ms, tps, tCol, ratio))
}

/// A peer script beside this source file, or, for a binary carried to another machine (tools/gpu-session.sh),
/// the same path under the current directory.
func peerScript(_ name: String) -> String {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.fileExists(atPath: here) ? here : FileManager.default.currentDirectoryPath + "/tools/bench/" + name
}
