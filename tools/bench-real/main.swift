// lyap-bench-real: training on the archive's own tokens (issue 14). Times the CPU Float backend's training
// steps with the shared pad prefix and without it (`--no-shared-padding`'s computation), and PyTorch's
// nn.LSTM on the same batches with the same Adam form (torch), runs interleaved, median of `--reps`.
// `--epoch` also times a full-corpus epoch (every training batch, then the whole test split) both ways.
//
//   swift build -c release --product lyap-bench-real
//   .build/release/lyap-bench-real [--data ../shared/data/aclImdb_v1-labeled.tar.gz] [--batches 40] [--reps 5]
//                                  [--threads 2] [--no-torch] [--epoch] [--only shared|unshared|torch]
import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapTraining

struct Options {
    var data = "../shared/data/aclImdb_v1-labeled.tar.gz"
    var batches = 40, reps = 5, batchSize = 32, hidden = 60
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var torch = true, epoch = false
    /// `--only shared|unshared|torch`: time one variant (for a profiler).
    var only: Int?
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lyap-bench-real: \(message)\n".utf8))
    exit(2)
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        func int() -> Int {
            guard let v = args.popFirst(), let n = Int(v), n > 0 else { fail("\(a) needs a positive integer") }
            return n
        }
        switch a {
        case "--data":
            guard let v = args.popFirst() else { fail("--data needs a path") }
            o.data = v
        case "--batches": o.batches = int()
        case "--reps": o.reps = int()
        case "--threads": o.threads = int()
        case "--hidden": o.hidden = int()
        case "--no-torch": o.torch = false
        case "--epoch": o.epoch = true
        case "--only":
            let names = ["shared", "unshared", "torch"]
            guard let v = args.popFirst(), let i = names.firstIndex(of: v) else { fail("--only needs one of \(names.joined(separator: ", "))") }
            o.only = i
        case "-h", "--help":
            print("usage: lyap-bench-real [--data PATH] [--batches 40] [--reps 5] [--threads N] [--hidden 60] [--no-torch] [--epoch] [--only shared|unshared|torch]")
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    return o
}

let o = parse()
guard FileManager.default.fileExists(atPath: o.data) else { fail("--data \(o.data): no such file") }
let data: Dataset
do { data = try DatasetLoader.load(.path(o.data), options: DataOptions()) } catch { fail("--data \(o.data): \(error)") }
let train = data.train
var rng = LabRNG(seed: 0, stream: "bench-real/order")
let order = rng.permutation(train.count)
let count = min(o.batches, train.count / o.batchSize)
let batches = (0..<count).map { train.batch(order[($0 * o.batchSize)..<(($0 + 1) * o.batchSize)]) }
let L = train.seqLen, shape = ModelShape(vocab: data.vocabSize, embed: 32, hidden: o.hidden)

/// Share of pad ids, and the work of the shared prefix relative to B·L row-steps: Σ(L − p_i) + max p_i per
/// slice of `slices` as the backend cuts them (`SharedSlices`; p_i capped at L − 1, as the backend does).
func leads(_ b: Batch) -> [Int] {
    (0..<b.count).map { r in
        var p = 0
        while p < L - 1 && b.tokens[r * L + p] == Vocabulary.padID { p += 1 }
        return p
    }
}

func workShare(_ b: Batch, slices: Int) -> (pad: Double, work: Double) {
    let leads = leads(b)
    let pads = b.tokens.filter { $0 == Vocabulary.padID }.count
    let plan = slices > 1 ? b.tokens.withUnsafeBufferPointer {
        SharedSlices.plan(tokens: $0.baseAddress!, count: b.count, steps: L, padID: Vocabulary.padID, slices: slices)
    } : (order: Array(0..<b.count), parts: [0..<b.count])
    var work = 0
    for range in plan.parts {
        let part = range.map { leads[plan.order[$0]] }
        work += part.reduce(0) { $0 + L - $1 } + (part.max() ?? 0)
    }
    return (Double(pads) / Double(b.tokens.count), Double(work) / Double(b.count * L))
}

let slices = o.hidden >= CPUModel<Float>.defaultWideFrom ? 1 : min(o.threads, o.batchSize)
let shares = batches.map { workShare($0, slices: slices) }
let initial = TrainingState(params: InitPreset.keras.initialize(ParameterLayout(shape), seed: 0)).converted(to: Float.self)

/// User + system CPU seconds of this process so far.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// Wall and CPU ms per training step over every batch, after two warm-up steps, from the same initial state.
func lyapSteps(shared: Bool) throws -> (wall: Double, cpu: Double) {
    let backend = CPUBackend<Float>(shape: shape, threads: o.threads)
    backend.sharedPadID = shared ? Vocabulary.padID : nil
    try backend.load(initial)
    for b in batches.prefix(2) { _ = try backend.trainStep(b, adam: AdamConfig()) }
    try backend.load(initial)
    let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
    for b in batches { _ = try backend.trainStep(b, adam: AdamConfig()) }
    let n = Double(batches.count)
    return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / n, (cpuSeconds() - c0) * 1e3 / n)
}

// The PyTorch peer reads the same batches from a raw file: int32 ids [N][B][L], then uint8 labels [N][B].
let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("lyap-bench-real-\(getpid()).bin")
var blob = Data()
for b in batches { b.tokens.withUnsafeBytes { blob.append(contentsOf: $0) } }
for b in batches { blob.append(contentsOf: b.labels) }
try blob.write(to: tokenFile)
defer { try? FileManager.default.removeItem(at: tokenFile) }
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("torch_real_steps.py").path

func torchSteps() -> (ms: Double, version: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script, tokenFile.path, "\(count)", "\(o.batchSize)", "\(L)", "\(shape.vocab)", "\(o.hidden)", "\(o.threads)"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0, let line = text.split(separator: "\n").last,
          let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let ms = obj["ms"] as? Double, let v = obj["torch"] as? String else { return nil }
    return (ms, v)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

print("data: \(data.description)")
print(String(format: "batches: %d of B=%d from the training split (seeded order), %.1f %% pad ids; shared-prefix work %.1f %% of B*L (%d slices)",
             count, o.batchSize, 100 * shares.map(\.pad).reduce(0, +) / Double(count),
             100 * shares.map(\.work).reduce(0, +) / Double(count), slices))
// The Vulkan backend runs one sequence per workgroup through all L steps: its dependent chain is L. A shared
// prefix computed first (one dispatch) and the rows after it (a second) would make it max p + L - min p.
let chains = batches.map { b -> Int in let p = leads(b); return p.max()! + L - p.min()! }
print(String(format: "dependent chain per batch on a GPU: %d steps today; shared prefix first, then the rows: mean %.0f, max %d",
             L, Double(chains.reduce(0, +)) / Double(count), chains.max()!))
print("H=\(o.hidden), E=32, V=\(shape.vocab), L=\(L), threads \(o.threads), Adam torch form, \(o.reps) interleaved reps")
var sharedMs: [Double] = [], denseMs: [Double] = [], torchMs: [Double] = [], sharedCPU: [Double] = [], denseCPU: [Double] = []
var torchVersion: String?
for r in 0..<o.reps {
    // Rotate which variant goes first, so drift on a shared machine does not favour one.
    let variants = o.only.map { [$0] } ?? [0, 1, 2].map { ($0 + r) % 3 }
    for v in variants {
        switch v {
        case 0:
            let t = try lyapSteps(shared: true)
            sharedMs.append(t.wall)
            sharedCPU.append(t.cpu)
        case 1:
            let t = try lyapSteps(shared: false)
            denseMs.append(t.wall)
            denseCPU.append(t.cpu)
        default:
            guard o.torch else { continue }
            if let t = torchSteps() {
                torchMs.append(t.ms)
                torchVersion = t.version
            }
        }
    }
    guard o.only == nil else { continue }
    print(String(format: "rep %d: lyap shared %.1f ms/step (CPU %.1f), lyap unshared %.1f ms/step (CPU %.1f)%@", r + 1,
                 sharedMs.last!, sharedCPU.last!, denseMs.last!, denseCPU.last!,
                 torchMs.count == r + 1 ? String(format: ", torch %.1f ms/step", torchMs.last!) : ""))
}
print("| variant | ms/step (median of \(o.reps)) | min | max | vs lyap shared |")
print("|---|---:|---:|---:|---:|")
let s = sharedMs.isEmpty ? Double.nan : median(sharedMs)
for (name, xs) in [("lyap cpu float32, shared pad prefix", sharedMs), ("lyap cpu float32, --no-shared-padding", denseMs),
                   ("torch \(torchVersion ?? "-") nn.LSTM", torchMs)] where !xs.isEmpty {
    print(String(format: "| %@ | %.1f | %.1f | %.1f | %.2fx |", name, median(xs), xs.min()!, xs.max()!, median(xs) / s))
}
if !sharedCPU.isEmpty && !denseCPU.isEmpty { print(String(format: "CPU ms/step (user + system, median): lyap shared %.1f, unshared %.1f (%.2fx)",
             median(sharedCPU), median(denseCPU), median(denseCPU) / median(sharedCPU))) }
else if !sharedCPU.isEmpty || !denseCPU.isEmpty {
    print(String(format: "CPU ms/step (user + system, median): %.1f", median(sharedCPU.isEmpty ? denseCPU : sharedCPU)))
}
if o.torch && torchMs.isEmpty { print("(PyTorch did not run: `python3 -c 'import torch'` fails or the script failed)") }

if o.epoch {
    /// One full-corpus epoch as `lyap train` runs it: every training batch in order, then the whole test split.
    func epoch(shared: Bool) throws -> (train: Double, test: Double) {
        let backend = CPUBackend<Float>(shape: shape, threads: o.threads)
        backend.sharedPadID = shared ? Vocabulary.padID : nil
        try backend.load(initial)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try backend.trainEpoch(train, order: order, batchSize: o.batchSize, adam: AdamConfig()) { _, _ in }
        let t1 = DispatchTime.now().uptimeNanoseconds
        _ = try backend.evaluate(data.test, batchSize: o.batchSize)
        let t2 = DispatchTime.now().uptimeNanoseconds
        return (Double(t1 - t0) / 1e9, Double(t2 - t1) / 1e9)
    }
    let a = try epoch(shared: true), b = try epoch(shared: false)
    print("| full-corpus epoch | train s | test s | total s |")
    print("|---|---:|---:|---:|")
    print(String(format: "| shared pad prefix | %.1f | %.1f | %.1f |", a.train, a.test, a.train + a.test))
    print(String(format: "| --no-shared-padding | %.1f | %.1f | %.1f |", b.train, b.test, b.train + b.test))
    print(String(format: "speed-up: %.2fx", (b.train + b.test) / (a.train + a.test)))
}
