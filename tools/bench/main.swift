// lyap-bench: benchmarks (not tests). `swift run -c release lyap-bench train-step` times one training
// step (B=32, L=500, E=32, V=10000) of the CPU Float backend over a range of widths and, where
// `python3 -c 'import torch'` works, PyTorch's nn.LSTM step in the same run.
// `--backend vulkan [--device N] [--models M] [--steps-per-submit S]` times the Vulkan backend instead
// (M models per step, S steps recorded into each submission; the time per step is a submission's / S);
// `--torch-device cuda` runs the PyTorch peer (cuDNN) on the GPU, one model after another.
// `--configs SPEC` (with --backend vulkan) is the kernel lab (KernelLab.swift): each kernel configuration
// checked against the CPU float64 backend, then timed; `--profile` adds the per-kernel GPU times.
// `--interleave` (with --backend vulkan) also times every width's ensemble in one step (InterleavedStep.swift).
// `lyap-bench floors` prints one epoch's arithmetic and memory floors on a GPU (Floors.swift), no device needed.
import Foundation
import LyapCore
import LyapCPU
import LyapVulkan
import LyapVulkanLSTM

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
    var configs: [KernelConfig]?
    var profile = false
    var interleave = false
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
        case "--configs":
            let v = value()
            do { o.configs = try LabSpec.parse(v) } catch { fail("--configs \(v): \(error)") }
        case "--profile": o.profile = true
        case "--interleave": o.interleave = true
        case "-h", "--help":
            print("""
                usage: lyap-bench train-step [--widths 8,16,...] [--batch 32] [--seq-len 500] [--threads N] [--no-torch]
                                             [--backend cpu|vulkan] [--device N] [--models M] [--steps-per-submit S]
                                             [--torch-device cpu|cuda] [--profile] [--configs SPEC] [--interleave]
                  --profile        (vulkan) GPU time per kernel, from timestamp queries, after the table
                  --interleave     (vulkan) also time one step of every width's ensemble together, recorded side by
                                   side in one command buffer (lyap sweep --interleave-widths), against the widths
                                   one after another and PyTorch's models one after another
                  --configs SPEC   (vulkan) the kernel lab: every combination of the listed kernel configurations,
                                   e.g. "flat=64,128,256;persistent=auto,128,256;rowreg=auto,off" (flat: the
                                   grid-stride kernels' workgroup size; persistent: lstm_forward/lstm_backward's,
                                   auto = one invocation per gate row up to 256; rowreg: rows of Wh in registers,
                                   auto/on/off; a key left out stays automatic). At each width, each configuration
                                   first trains 2 steps next to the CPU float64 backend (a FAILED one is not timed),
                                   then is timed like --backend vulkan. No PyTorch peer.
                """)
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    if o.backend != "vulkan" {
        if o.configs != nil { fail("--configs times Vulkan kernel configurations: add --backend vulkan") }
        if o.profile { fail("--profile times Vulkan kernels: add --backend vulkan") }
        if o.interleave { fail("--interleave times Vulkan ensembles side by side: add --backend vulkan") }
    }
    if o.interleave && o.configs != nil { fail("--interleave and --configs are separate benchmarks: give one") }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lyap-bench: \(message)\n".utf8))
    exit(2)
}

/// Median wall milliseconds of one training step (of all `models` models together on Vulkan), and on
/// Vulkan with --profile the per-kernel table.
func lyapStepMs(hidden: Int, _ o: Options, vulkan: (VulkanContext, ShaderCompiler)?) throws -> (ms: Double, profile: String?) {
    let p = BenchProblem(hidden: hidden, o)
    if let vulkan {
        let e = try benchEnsemble(p, o, vulkan)
        let ms = try vulkanStepMs(e, p.batch, o)
        return (ms, o.profile ? e.kernelProfile.table(peaks: DevicePeaks.datasheet(deviceName: vulkan.0.info.name)) : nil)
    }
    let backend = CPUBackend<Float>(shape: p.shape, threads: o.threads)
    try backend.load(TrainingState(params: p.params))
    return (try medianMs(hidden: hidden, stepsPerCall: 1) { _ = try backend.trainStep(p.batch, adam: AdamConfig()) }, nil)
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

if CommandLine.arguments.dropFirst().first == "floors" {
    Floors.run(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
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
if let configs = o.configs, let vulkan {
    KernelLab(o: o, vulkan: vulkan, configs: configs).run()
    exit(0)
}
print("train step: B=\(o.batch) L=\(o.seqLen) E=\(o.embed) V=\(o.vocab), \(o.backend == "vulkan" ? "\(o.models) model(s) per step" : "\(o.threads) threads"), median of 20 steps (5 for H>=256) after 2 warm-up")
var lyapMs: [Int: Double] = [:], profiles: [Int: String] = [:]
for h in o.widths {
    do { (lyapMs[h], profiles[h]) = try lyapStepMs(hidden: h, o, vulkan: vulkan) } catch { fail("H=\(h): \(error)") }
}
var interleaved: (ms: Double, profile: String?)?
if o.interleave, let vulkan {
    do { interleaved = try interleavedStepMs(o, vulkan) } catch { fail("--interleave: \(error)") }
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
if let interleaved { print(interleavedSummary(ms: interleaved.ms, perWidth: lyapMs, torch: peer?.ms, o)) }
for h in o.widths {
    if let table = profiles[h] { print("\nGPU time per kernel at H=\(h) (timestamp queries, warm-up and timed steps):\n" + table) }
}
if let table = interleaved?.profile { print("\nGPU time per kernel, all widths interleaved:\n" + table) }

/// A peer script beside this source file, or, for a binary carried to another machine (tools/gpu-session.sh),
/// the same path under the current directory.
func peerScript(_ name: String) -> String {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.fileExists(atPath: here) ? here : FileManager.default.currentDirectoryPath + "/tools/bench/" + name
}
