// lyap-bench-dynamics: benchmark (not a test) of the stability analysis of one model: R reviews driven for
// D steps, then zero input up to S cell updates, k tangent vectors with Gram–Schmidt every τ steps, and the
// two perturbed twins (methods.md §5.2). Times lyap's CPU Float and Double paths and, where importable, the
// same job written in JAX (jvp + vmap + scan) and PyTorch (torch.func.jvp + vmap), in the same run.
//
//   swift build -c release --product lyap-bench-dynamics
//   .build/release/lyap-bench-dynamics [--checkpoint PATH] [--exponents 8,1,full] [--reviews 500] [--no-peers]
// `full` is the whole spectrum, k = 2H: timed in float32 only (unless --precisions is given), and checked
// against one float64 run re-orthonormalised every step (max |Δλ| over reviews and exponents, each review's
// spectrum sorted; also printed in Gram–Schmidt order) and against
// the reference-free identity Σλ = mean ln|det J_t| (max over reviews). The peers skip it.
// `--vulkan [--device N] [--checkpoints M]` adds the Vulkan kernel (lstm_tangent), analysing M copies of the
// checkpoint in one call as `lyap analyze RUN --backend vulkan` does for a run's M checkpoints.
import Foundation
import LyapCore
import LyapDynamics
import LyapCPUDynamics
import LyapTraining
import LyapVulkan
import LyapVulkanLSTM

struct Options {
    var checkpoint: String?
    var hidden = 60, embed = 32, vocab = 10000
    var reviews = 500, drive = 500, steps = 1600, transient = 500
    /// 0 stands for `full` (2H).
    var exponents = [8, 1, 0]
    var precisions: [DynamicsPrecision] = [.float32, .float64]
    var precisionsGiven = false
    /// Re-orthonormalisation intervals of the lyap CPU rows (nil: the library's default).
    var renormEvery: [Int?] = [nil]
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var reps = 3
    var peers = ["jax", "torch"]
    var vulkan = false
    var device: Int?
    var checkpoints = 1
    /// The full spectrum's float64 reference exponents are read from / written to this file (JSON).
    var referenceCache: String?
    /// Error budget of the full spectrum (`ShadowSpectrum`) on the reviews off by > 1e-3 and the first N others.
    var shadow: Int?
    /// Each full-spectrum job's per-review exponents (Gram–Schmidt order) are written here as JSON.
    var exponentsOut: String?
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lyap-bench-dynamics: \(message)\n".utf8))
    exit(2)
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
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
        case "--checkpoint": o.checkpoint = value()
        case "--hidden": o.hidden = int()
        case "--reviews": o.reviews = int()
        case "--drive": o.drive = int()
        case "--steps": o.steps = int()
        case "--transient": o.transient = int()
        case "--threads": o.threads = int()
        case "--reps": o.reps = int()
        case "--exponents":
            let v = value()
            let ks = v.split(separator: ",").map { $0 == "full" ? 0 : Int($0) ?? -1 }
            guard !ks.isEmpty, ks.allSatisfy({ $0 >= 0 }) else { fail("--exponents \(v) must be a list of positive integers or full") }
            o.exponents = ks
        case "--precisions":
            let v = value()
            let ps = v.split(separator: ",").compactMap { DynamicsPrecision(rawValue: String($0)) }
            guard !ps.isEmpty else { fail("--precisions \(v): use float32,float64") }
            o.precisions = ps
            o.precisionsGiven = true
        case "--renorm-every":
            let v = value()
            let rs = v.split(separator: ",").compactMap { Int($0) }
            guard !rs.isEmpty, rs.allSatisfy({ $0 >= 1 }) else { fail("--renorm-every \(v) must be a list of positive integers") }
            o.renormEvery = rs
        case "--peers": o.peers = value().split(separator: ",").map(String.init)
        case "--no-peers": o.peers = []
        case "--vulkan": o.vulkan = true
        case "--device": o.device = int()
        case "--checkpoints": o.checkpoints = int()
        case "--reference-cache": o.referenceCache = value()
        case "--exponents-out": o.exponentsOut = value()
        case "--shadow": o.shadow = Int(value()) ?? -1; if o.shadow! < 0 { fail("--shadow must be a count of reviews (0 or more)") }
        case "-h", "--help":
            print("usage: lyap-bench-dynamics [--checkpoint PATH] [--hidden 60] [--reviews 500] [--drive 500] [--steps 1600] [--transient 500] [--exponents 8,1,full] [--precisions float32,float64] [--renorm-every N,...] [--threads N] [--reps 3] [--peers jax,torch | --no-peers] [--vulkan [--device N] [--checkpoints M]] [--reference-cache FILE] [--shadow N] [--exponents-out DIR]")
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    return o
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

let o = parse()
let params: ParameterStore<Double>
if let path = o.checkpoint {
    do { params = try ModelWeights.read(path: path) } catch { fail("\(path): \(error)") }
} else {
    params = InitPreset.keras.initialize(ParameterLayout(ModelShape(vocab: o.vocab, embed: o.embed, hidden: o.hidden)), seed: 1)
}
let shape = params.layout.shape
let full = 2 * shape.hidden
let exponentList = o.exponents.map { $0 == 0 ? full : $0 }
if let k = exponentList.first(where: { $0 > full }) { fail("--exponents \(k) exceeds 2H = \(full) (use full)") }
// Random pre-padded reviews (the cost does not depend on the words).
let tokens: [Int32] = {
    var rng = LabRNG(seed: 7, stream: "bench-reviews")
    var t: [Int32] = []
    for _ in 0..<o.reviews {
        let pad = rng.below(o.drive / 2)
        for s in 0..<o.drive { t.append(s < pad ? 0 : Int32(3 + rng.below(shape.vocab - 3))) }
    }
    return t
}()
let reviews = ReviewSet(drive: o.drive, tokens: tokens, indices: (0..<o.reviews).map { $0 }, labels: Array(repeating: nil, count: o.reviews))

let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("load average before: \(load)")
print("stability analysis: \(shape), \(o.reviews) reviews, drive \(o.drive), steps \(o.steps), transient \(o.transient), \(o.threads) threads; model: \(o.checkpoint ?? "keras init, seed 1"); median of \(o.reps) after 1 warm-up")

/// User + system CPU seconds of this process so far (all threads).
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

struct Row {
    var who: String; var k: Int; var seconds: Double; var cpu: Double; var lambda1: Double; var dEnd: Double
    /// Full spectrum only: max |Δλ| against the float64 every-step run (sorted spectra), max |Σλ − mean ln|det J||.
    var deviation: Double? = nil, detGap: Double? = nil
}
var rows: [Row] = []

/// The benchmark's protocol with k exponents.
func protocolConfig(k: Int) -> AnalysisConfig {
    var c = AnalysisConfig()
    c.drive = o.drive
    c.steps = o.steps
    c.transient = o.transient
    c.reviews = o.reviews
    c.exponents = k
    c.threads = o.threads
    return c
}

/// What a cached reference was computed for: it is used only for the same job.
/// Compared field by field: JSONEncoder's key order differs between processes (Swift seeds its hashing per process).
struct ReferenceCache: Codable, Equatable {
    var checkpoint: String, weightSum: Double, reviews: Int, drive: Int, steps: Int, transient: Int, k: Int
    var exponents: [[Double]]
}

/// The full spectrum's reference exponents per review: float64, re-orthonormalised every step (one run, timed for
/// information), or read from --reference-cache when that file holds the same job's.
func fullReference(k: Int) -> [[Double]] {
    let key = ReferenceCache(checkpoint: o.checkpoint ?? "keras init, seed 1", weightSum: params.values.reduce(0, +), reviews: o.reviews, drive: o.drive, steps: o.steps,
                             transient: o.transient, k: k, exponents: [])
    if let path = o.referenceCache, let data = FileManager.default.contents(atPath: path),
       let cached = try? JSONDecoder().decode(ReferenceCache.self, from: data) {
        var bare = cached
        bare.exponents = []
        if bare == key {
            print("  reference for k=\(k): float64 every step, read from \(path)")
            return cached.exponents
        }
    }
    var c = protocolConfig(k: k)
    c.precision = .float64
    c.renormEvery = 1
    let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
    let a: CheckpointAnalysis
    do { a = try StabilityAnalysis.analyze(params, reviews: reviews, config: c) } catch { fail("\(error)") }
    print(String(format: "  reference for k=%d (float64, renormalised every step): %.3f s (%.2f CPU s)", k,
                 Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, cpuSeconds() - c0))
    let exponents = a.perReview.map(\.exponents)
    if let path = o.referenceCache {
        var out = key
        out.exponents = exponents
        do { try JSONEncoder().encode(out).write(to: URL(fileURLWithPath: path)) } catch { fail("--reference-cache \(path): \(error)") }
    }
    return exponents
}

/// The largest |mean of a cluster in `x` − mean of the same cluster in `y`| over the clusters of `y` (both sorted
/// descending; a cluster is a run of exponents less than `within` apart, singletons included). Growth a finite run
/// shares out among nearly equal exponents in a different way moves the members, not the cluster's mean.
func clusterMeanGap(_ x: [Double], _ y: [Double], within: Double) -> (gap: Double, clustered: Int) {
    var worst = 0.0, clustered = 0, start = 0
    for end in 1...y.count where end == y.count || y[end - 1] - y[end] >= within {
        let n = Double(end - start)
        worst = max(worst, abs(x[start..<end].reduce(0, +) / n - y[start..<end].reduce(0, +) / n))
        if end - start > 1 { clustered += end - start }
        start = end
    }
    return (worst, clustered)
}

/// max over reviews and exponents of |λ − λ_ref| with each review's spectrum sorted (a pair of nearly equal
/// exponents may come out of Gram–Schmidt in either order after a finite run: float32 and float64 then differ
/// by the pair's gap at those two indices), the same in Gram–Schmidt order, and max over reviews of
/// |Σλ − mean ln|det J_t||.
func fullSpectrumChecks(_ a: CheckpointAnalysis, reference r: [[Double]]) -> (sorted: Double, raw: Double, detGap: Double, bad: [Int]) {
    var sorted = 0.0, raw = 0.0, gap = 0.0, worst = "", over = 0, total = 0
    let clusterWidths = [0.005, 0.02]
    var clusterGap = [0.0, 0.0], clustered = [0, 0]
    var bad: [String] = [], badLanes: [Int] = []
    for (lane, (x, y)) in zip(a.perReview, r).enumerated() {
        var reviewWorst = 0.0, reviewOver = 0
        for (l, m) in zip(x.exponents.sorted(by: >), y.sorted(by: >)) {
            sorted = max(sorted, abs(l - m))
            reviewWorst = max(reviewWorst, abs(l - m))
            reviewOver += abs(l - m) > 1e-3 ? 1 : 0
            total += 1
        }
        over += reviewOver
        if reviewOver > 0 {
            badLanes.append(lane)
            bad.append(String(format: "%d (λ1 %+.4f, %d off, max %.1e)", x.index ?? -1, y.max() ?? .nan, reviewOver, reviewWorst))
        }
        for (j, (l, m)) in zip(x.exponents, y).enumerated() where abs(l - m) > raw {
            raw = abs(l - m)
            worst = String(format: "λ%d = %.6f vs %.6f, λ%d = %.6f vs %.6f (review %d)", j + 1, l, m, j + 2,
                           x.exponents[min(j + 1, x.exponents.count - 1)], y[min(j + 1, y.count - 1)], x.index ?? -1)
        }
        gap = max(gap, abs(x.exponents.reduce(0, +) - (x.logDeterminant ?? .nan)))
        for (i, w) in clusterWidths.enumerated() {
            let c = clusterMeanGap(x.exponents.sorted(by: >), y.sorted(by: >), within: w)
            clusterGap[i] = max(clusterGap[i], c.gap)
            clustered[i] += c.clustered
        }
    }
    for (i, w) in clusterWidths.enumerated() {
        print(String(format: "    clusters of exponents less than %g apart (%d of %d exponents are in one with others): max |Δ cluster mean| %.1e",
                     w, clustered[i], total, clusterGap[i]))
    }
    if raw > 0 { print("    largest deviation in Gram–Schmidt order: \(worst); \(over) of \(total) sorted exponents off by more than 1e-3") }
    if !bad.isEmpty { print("    reviews with an exponent off by more than 1e-3 (float64 λ1): " + bad.joined(separator: ", ")) }
    return (sorted, raw, gap, badLanes)
}

/// One job's exponents per review, in Gram–Schmidt order: `{"index": [...], "exponents": [[...], ...]}`.
func writeExponents(_ a: CheckpointAnalysis, to dir: String, name: String) {
    let path = (dir as NSString).appendingPathComponent(name)
    struct Dump: Encodable { var index: [Int]; var exponents: [[Double]] }
    let dump = Dump(index: a.perReview.map { $0.index ?? -1 }, exponents: a.perReview.map(\.exponents))
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(dump).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch { fail("--exponents-out \(dir): \(error)") }
    print("    exponents written to \(path)")
}

func sortedGap(_ a: [Double], _ b: [Double]) -> Double {
    zip(a.sorted(), b.sorted()).map { abs($0 - $1) }.max() ?? 0
}

/// Per review: the engine's float32 error against the float64 reference, split into the algorithm's error along one
/// (float32) trajectory and the float32-vs-float64 trajectory effect, next to how much a 1e-7 relative perturbation
/// of the state at the start of the zero-input phase moves the float64 exponents themselves.
func shadowReport(lanes: [Int], engine: CheckpointAnalysis, reference: [[Double]], k: Int) {
    var c = protocolConfig(k: k)
    c.renormEvery = 1
    let t0 = DispatchTime.now().uptimeNanoseconds
    let onFloat = ShadowSpectrum.run(params, reviews: reviews, lanes: lanes, config: c, trajectory: .float32)
    let onDouble = ShadowSpectrum.run(params, reviews: reviews, lanes: lanes, config: c, trajectory: .float64)
    let moved = ShadowSpectrum.run(params, reviews: reviews, lanes: lanes, config: c, trajectory: .float64, perturbation: 1e-7)
    let turned = ShadowSpectrum.run(params, reviews: reviews, lanes: lanes, config: c, trajectory: .float64, framePerturbation: 1e-7)
    print(String(format: "  error budget of %d reviews (%.1f s): max over sorted exponents of", lanes.count,
                 Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
    print("  | review | λ1 (f64) | engine f32 − f64 ref | algorithm: f32 − f64 on the f32 trajectory | trajectory: f64 on f32 traj − f64 ref | f64: 1e-7 perturbed − unperturbed | shadow f64 − engine f64 | f64: initial frame turned by 1e-7 − unturned |")
    print("  |---:|---:|---:|---:|---:|---:|---:|---:|")
    var worst = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    for (i, lane) in lanes.enumerated() {
        let g = [sortedGap(engine.perReview[lane].exponents, reference[lane]), sortedGap(onFloat[i].float32!, onFloat[i].float64),
                 sortedGap(onFloat[i].float64, reference[lane]), sortedGap(moved[i].float64, onDouble[i].float64),
                 sortedGap(onDouble[i].float64, reference[lane]), sortedGap(turned[i].float64, onDouble[i].float64)]
        for j in 0..<6 { worst[j] = max(worst[j], g[j]) }
        print(String(format: "  | %d | %+.4f | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e |", lane, reference[lane].max()!, g[0], g[1], g[2], g[3],
                     g[4], g[5]))
    }
    print(String(format: "  | max | | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e |", worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]))
}

for k in exponentList {
    let reference = k == full ? fullReference(k: k) : nil
    for p in k == full && !o.precisionsGiven ? [.float32] : o.precisions {
      for renorm in o.renormEvery {
        var c = protocolConfig(k: k)
        c.precision = p
        c.renormEvery = renorm
        var times: [Double] = [], cpus: [Double] = []
        var last: CheckpointAnalysis?
        for rep in 0...o.reps {
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
            do { last = try StabilityAnalysis.analyze(params, reviews: reviews, config: c) } catch { fail("\(error)") }
            if rep > 0 {
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                cpus.append(cpuSeconds() - c0)
            }
        }
        var r = Row(who: "lyap cpu \(p.rawValue)", k: k, seconds: median(times), cpu: median(cpus), lambda1: last!.maxExponent!,
                    dEnd: last!.distance(.endOfDrive).logMean)
        var checks = ""
        if let reference {
            let f = fullSpectrumChecks(last!, reference: reference)
            (r.deviation, r.detGap) = (f.sorted, f.detGap)
            if let n = o.shadow {
                let others = (0..<o.reviews).filter { !f.bad.contains($0) }.prefix(n)
                shadowReport(lanes: f.bad + others, engine: last!, reference: reference, k: k)
            }
            if let dir = o.exponentsOut { writeExponents(last!, to: dir, name: "\(p.rawValue)-k\(k)-every\(c.effectiveRenormEvery).json") }
            checks = String(format: ", max |Δλ| vs float64 every step %.2e sorted (%.2e in Gram–Schmidt order), max |Σλ − mean ln|det J|| %.2e",
                            f.sorted, f.raw, f.detGap)
        }
        rows.append(r)
        print(String(format: "  %@ k=%d (renormalised every %d): %.3f s (%.2f CPU s)  (λ1 mean %+.5f, D~ end %.3f%@)", r.who, k,
                     c.effectiveRenormEvery, r.seconds, r.cpu, r.lambda1, r.dEnd, checks))
      }
    }
}

if o.vulkan {
    let ctx: VulkanContext, compiler: ShaderCompiler
    do {
        ctx = try VulkanContext.create(deviceIndex: o.device, options: VulkanOptions())
        compiler = ShaderCompiler(sources: try ShaderLibrary.sources(), cacheDirectory: nil)
    } catch { fail("--vulkan: \(error)") }
    let g = VulkanStabilityAnalysis(context: ctx, compiler: compiler)
    let models = [ParameterStore<Double>](repeating: params, count: o.checkpoints)
    for k in exponentList {
        let c = protocolConfig(k: k)
        var times: [Double] = []
        var last: CheckpointAnalysis?
        for rep in 0...o.reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do { last = try g.analyze(models, reviews: reviews, config: c).last } catch { fail("--vulkan k=\(k): \(error)") }
            if rep > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        }
        let r = Row(who: "lyap vulkan float32 (\(ctx.info.name), \(o.checkpoints) checkpoint\(o.checkpoints == 1 ? "" : "s"))", k: k,
                    seconds: median(times), cpu: .nan, lambda1: last!.maxExponent!, dEnd: last!.distance(.endOfDrive).logMean)
        rows.append(r)
        print(String(format: "  %@ k=%d: %.3f s  (λ1 mean %+.5f, D~ end %.3f)", r.who, k, r.seconds, r.lambda1, r.dEnd))
    }
}

/// The peers read the model and the reviews from raw little-endian float32/int32 files.
func writePeerInputs(_ dir: URL, params: ParameterStore<Double>, tokens: [Int32]) throws {
    let shape = params.layout.shape
    let l = params.layout, G = shape.gateRows
    var table = [Float](repeating: 0, count: shape.vocab * G)
    for v in 0..<shape.vocab {
        for r in 0..<G {
            var a = params.values[l.bias.offset + r]
            for e in 0..<shape.embed { a += params.values[l.wx.offset + r * shape.embed + e] * params.values[l.embedding.offset + v * shape.embed + e] }
            table[v * G + r] = Float(a)
        }
    }
    func write<T>(_ a: [T], _ name: String) throws {
        try a.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent(name)) }
    }
    try write(params[l.wh].map { Float($0) }, "U.f32")
    try write(params[l.bias].map { Float($0) }, "bias.f32")
    try write(table, "table.f32")
    try write(tokens, "tokens.i32")
}

func runPeer(_ name: String, _ dir: URL, k: Int, shape: ModelShape, o: Options) -> (seconds: Double, cpu: Double, lambda1: Double, dEnd: Double, version: String)? {
    let script = peerScript("\(name)_analyze.py")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script, dir.path, "\(shape.hidden)", "\(shape.vocab)", "\(o.reviews)", "\(o.drive)", "\(o.steps)",
                   "\(o.transient)", "\(k)", "\(k == 1 ? 5 : 1)", "\(o.threads)", "\(o.reps)"]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0,
          let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let s = obj["seconds"] as? Double, let cpu = obj["cpu_seconds"] as? Double, let l = obj["lambda1"] as? Double,
          let d = obj["d_end"] as? Double else {
        let why = String(decoding: errData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no output"
        FileHandle.standardError.write(Data("lyap-bench-dynamics: \(name) peer not run: \(why)\n".utf8))
        return nil
    }
    return (s, cpu, l, d, obj["version"] as? String ?? "?")
}

if !o.peers.isEmpty {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lyap-bench-dynamics-\(getpid())")
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try writePeerInputs(dir, params: params, tokens: tokens)
    } catch { fail("cannot write peer inputs: \(error)") }
    defer { try? FileManager.default.removeItem(at: dir) }
    for name in o.peers {
        for k in exponentList where k != full {
            guard let r = runPeer(name, dir, k: k, shape: shape, o: o) else { break }
            rows.append(Row(who: "\(name) \(r.version) float32", k: k, seconds: r.seconds, cpu: r.cpu, lambda1: r.lambda1, dEnd: r.dEnd))
            print(String(format: "  %@ k=%d: %.3f s (%.2f CPU s)  (λ1 mean %+.5f, D~ end %.3f)", rows.last!.who, k, r.seconds, r.cpu,
                         r.lambda1, r.dEnd))
        }
    }
}

print("")
print("| job | k | wall s | CPU s | λ1 mean | D~ end_of_drive | wall / lyap cpu float32 | max abs Δλ vs f64, sorted | max abs(Σλ − ln det J) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows {
    let base = rows.first { $0.who == "lyap cpu float32" && $0.k == r.k }
    let ratio = base.map { String(format: "%.2fx", r.seconds / $0.seconds) } ?? "n/a"
    let cpu = r.cpu.isNaN ? "n/a" : String(format: "%.2f", r.cpu)  // a GPU job's host CPU time says nothing
    let dev = r.deviation.map { String(format: "%.1e", $0) } ?? "", gap = r.detGap.map { String(format: "%.1e", $0) } ?? ""
    print(String(format: "| %@ | %d | %.2f | %@ | %+.5f | %.3f | %@ | %@ | %@ |", r.who, r.k, r.seconds, cpu, r.lambda1, r.dEnd, ratio, dev, gap))
}

/// A peer script beside this source file, or, for a binary carried to another machine (tools/gpu-session.sh),
/// the same path under the current directory.
func peerScript(_ name: String) -> String {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.fileExists(atPath: here) ? here : FileManager.default.currentDirectoryPath + "/tools/bench-dynamics/" + name
}
