import ArgumentParser
import Foundation
import LyapCore
import LyapData
import LyapDynamics
import LyapIO
import LyapTraining
import LyapStudy

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Stability analysis of checkpoints: Lyapunov exponents, the asymptotic distance, phase labels.",
        discussion: """
            Each review drives the cell for --drive steps, then the cell runs on the zero input until --steps cell
            updates in all (T = steps - 1). Tangent vectors of the zero-input phase give λ1..λk after --transient
            steps; twin trajectories perturbed by ξ ~ N(0, ε² I) at h_-1 ("initial") and at the end of the drive
            ("end_of_drive") give D̃ = mean ln(‖h'_T - h_T‖ + e^-15). The phase is chaos when D̃(end_of_drive) >
            ln(ε √H) (methods.md §5.3). The reviews and vectors are seeded, the same for every checkpoint.
            PATH may be a run directory: all its checkpoints are analysed in epoch order and the transitions listed.
            Examples:
              lyap analyze --checkpoint runs/demo/checkpoints/epoch-0005.safetensors --json e5.json
              lyap analyze --checkpoint runs/demo --exponents 1 --reviews 200 --json dynamics.json
              lyap analyze --checkpoint model.safetensors --autonomous --exponents 120 --precision float64
            """)

    @Option(help: "A checkpoint (safetensors with PyTorch names) or a run directory (all its checkpoints).")
    var checkpoint: String
    @Option(help: "embedded, an IMDb .tar.gz, an extracted aclImdb folder, or a .jsonl file (default: the run's, else embedded).")
    var data: String?
    @Option(help: "Class-balanced subset of the test split to draw reviews from (default: the run's, else all).")
    var testSize: Int?
    @Option(help: "Lyapunov exponents k, 0...2H; 0 gives the asymptotic distance only (default 8).")
    var exponents: Int = 8
    @Option(help: "Write the results as JSON here.") var json: String?
    @Option(help: "Driven steps: the review's tokens, pre-padded (default 500).") var drive: Int = 500
    @Option(help: "Cell updates in all, the drive included; T = steps - 1 (default 1600).") var steps: Int = 1600
    @Option(help: "Zero-input steps before exponents are averaged (default 500).") var transient: Int = 500
    @Option(help: "Reviews from the test split, a seeded fixed subset (default 500).") var reviews: Int = 500
    @Option(help: "Perturbation size ε: ξ ~ N(0, ε² I_H) (default 1e-3).") var epsilon: Double = 1e-3
    @Option(help: "Steps between re-orthonormalisations (default 1 for k > 1, 5 for k = 1).") var renormEvery: Int?
    @Option(help: "Seed of the review subset, perturbations and tangent frames (default 0).") var seed: UInt64 = 0
    @Flag(help: "Analyse the zero-input map from h = c = 0 with no review (no data needed; --drive is 0).")
    var autonomous = false
    @Flag(help: "Perturb c as well as h (an independent draw of the same size).") var perturbCell = false
    @Option(help: "Power iterations per step for the asymptotic Jacobian norm exp<ln‖J_t‖₂> (default 0: off; 2 is plenty).")
    var jacobianNorm: Int = 0
    @Option(help: "float32 (fast path) or float64 (the oracle) (default float32).") var precision: DynamicsPrecision = .float32
    @Flag(help: "Keep each review's finite-time λ1 series ln ρ_n/τ_n at every renormalisation (JSON: ftle_steps, per_review ftle).")
    var ftle = false
    @Flag(help: "Keep each review's final hidden state h_T (JSON: per_review h_T).") var finalStates = false
    @Option(help: "Vulkan: cell updates per dispatch (default: all in one on a GPU, what llvmpipe's loop limit allows there); results do not depend on it.")
    var stepsPerDispatch: Int?
    @Option(help: "Threads over review blocks (default: all cores); results do not depend on it.") var threads: Int?
    @Option(help: "A phase change counts once it holds for this many analysed checkpoints (default 2).")
    var hysteresis: Int = 2

    @OptionGroup var compute: BackendOptions
    @OptionGroup var padSharing: PadSharingOptions

    func run() throws {
        try reportingErrors {
            if hysteresis < 1 { throw ConfigError("--hysteresis \(hysteresis) must be at least 1") }
            let (files, runDir) = try Self.checkpoints(checkpoint)
            let firstShape = try ModelWeights.shape(of: SafeTensorsFile.read(path: files[0].path), path: files[0].path)
            var config = AnalysisConfig()
            config.drive = autonomous ? 0 : drive
            config.steps = steps
            config.transient = transient
            config.reviews = reviews
            config.epsilon = epsilon
            config.exponents = exponents
            config.renormEvery = renormEvery
            config.seed = seed
            config.perturbCell = perturbCell
            config.jacobianNormIterations = jacobianNorm
            config.precision = precision
            config.finiteTimeSeries = ftle
            config.finalStates = finalStates
            config.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            try config.validate(hidden: firstShape.hidden)
            let run = RunFiles.config(in: runDir)
            if let run, run.model.vocab != firstShape.vocab {
                throw ConfigError("\(files[0].path): vocabulary V=\(firstShape.vocab) does not match the run's V=\(run.model.vocab) (\(runDir!)/config.json)")
            }
            let reviewSet = autonomous ? ReviewSet.autonomous : try loadReviews(shape: firstShape, run: run)
            let needsCPU = precision == .float64 || jacobianNorm > 0
            let backend = try ComputeBackend.resolve(compute.backend ?? (needsCPU ? "cpu" : "auto"), device: compute.device,
                                                     validate: compute.validate)
            let peaks = try compute.profilePeaks(backend)
            if backend.onDevice, let n = stepsPerDispatch, n < 1 { throw ConfigError("--steps-per-dispatch \(n) must be at least 1") }
            let engine = try backend.analysis(shape: firstShape, config: config, strict: compute.backend == "vulkan",
                                              stepsPerDispatch: stepsPerDispatch, profile: compute.profile)
            if engine.runsOnHost && !autonomous {
                // The CPU drive computes the reviews' leading pad runs once per model (AnalysisConfig.sharedPadID).
                config.sharedPadID = padSharing.padID(padding: try (run?.dataConventions() ?? LyapData.DataConventions()).padding)
            }
            if engine.runsOnHost {
                let together = min(engine.checkpointsPerCall, files.count)
                let bytes = together * MemoryPreflight.analysis(firstShape, reviews: max(1, reviewSet.count), exponents: exponents, threads: config.threads,
                                                                seqLen: max(1, config.drive), scalarBytes: precision == .float64 ? 8 : 4)
                try MemoryNeed(parts: [.init(what: "\(together) checkpoint(s) analysed together with \(reviewSet.count) reviews", bytes: bytes,
                                             flags: "--reviews \(reviews) --exponents \(exponents) (V=\(firstShape.vocab), H=\(firstShape.hidden))")])
                    .check(available: AvailableMemory.host())
            }
            info("\(files.count) checkpoint\(files.count == 1 ? "" : "s"), model \(firstShape); \(autonomous ? "autonomous map from h=c=0" : "\(reviewSet.count) test reviews"), drive \(config.drive), steps \(config.steps), transient \(config.transient), k=\(config.exponents) (renormalised every \(config.effectiveRenormEvery)), ε=\(config.epsilon), \(engine.runsOnHost ? "\(config.precision.rawValue), \(config.threads) threads" : "float32 on \(backend.recordName)")")
            if config.exponents > 8 && !(engine.runsOnHost && config.precision == .float64) {
                info("k > 8 in float32: a cluster of nearly equal exponents may share its growth differently from float64, "
                     + "members off by up to a few 1e-3 while the cluster's mean holds (within 4e-5 over clusters 0.02 wide on the "
                     + "benchmark model); --precision float64 --renorm-every 4 takes about 1.1x the time and leaves only pairs "
                     + "closer than 0.003 sharing differently (up to 1.2e-3), every step about 2.3x (BENCHMARKS.md)")
            }
            var entries: [(file: CheckpointFile, result: CheckpointAnalysis)] = []
            let capture = try compute.startCapture(backend)
            let group = engine.checkpointsPerCall
            for start in stride(from: 0, to: files.count, by: group) {
                let batch = Array(files[start..<min(files.count, start + group)])
                var params: [ParameterStore<Double>] = []
                for f in batch {
                    let file = try SafeTensorsFile.read(path: f.path)
                    let shape = try ModelWeights.shape(of: file, path: f.path)
                    if shape != firstShape {
                        throw ConfigError("\(f.path): model \(shape) differs from \(files[0].path) (\(firstShape))")
                    }
                    params.append(try ModelWeights.parameters(from: file, path: f.path, layout: ParameterLayout(shape)))
                }
                let t0 = Date()
                let progress = ProgressLine(label: batch.count == 1 ? batch[0].name : "\(batch[0].name)...\(batch.last!.name)")
                let results = try engine.analyze(params, reviews: reviewSet, config: config,
                                                 progress: { done, total in progress.update(done, total) })
                let seconds = Date().timeIntervalSince(t0) / Double(batch.count)
                for (f, r) in zip(batch, results) {
                    entries.append((f, r))
                    info("\(f.name) (\(entries.count)/\(files.count)): \(Self.oneLine(r)), \(String(format: "%.1f", seconds)) s")
                }
            }
            try capture?.endCapture()
            printSummary(entries)
            if compute.profile, let table = backend.profileTable(peaks: peaks) { say(table) }
            try backend.checkValidation()
            let isDirectory = Self.isDirectory(checkpoint)
            let transitions = isDirectory ? Self.transitions(entries, hysteresis: hysteresis) : nil
            if let transitions {
                for (rule, list) in [("distance", transitions.distance), ("exponent", transitions.exponent), ("lab", transitions.lab)] {
                    guard let list else { continue }
                    let text = list.isEmpty ? "none" : list.map { "epoch \($0.epoch) \($0.from.rawValue)->\($0.to.rawValue)" }.joined(separator: ", ")
                    say("transitions (\(rule) rule, hysteresis \(hysteresis)): \(text)")
                }
            }
            if let json {
                let reports = entries.map { AnalysisReport($0.result, checkpoint: $0.file.path, epoch: $0.file.epoch, shape: firstShape,
                                                             autonomous: autonomous) }
                if !isDirectory {
                    try JSONFile.write(reports[0], to: json)
                } else {
                    try JSONFile.write(RunAnalysisReport(run: runDir ?? checkpoint, hysteresis: hysteresis, checkpoints: reports,
                                                         transitions: transitions!), to: json)
                }
                info("wrote \(json)")
            }
        }
    }

    struct CheckpointFile {
        let path: String
        let epoch: Int?
        var name: String { epoch.map { "epoch \($0)" } ?? URL(fileURLWithPath: path).lastPathComponent }
    }

    /// The checkpoint files of PATH and the run directory they belong to (if any).
    static func checkpoints(_ path: String) throws -> ([CheckpointFile], String?) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ConfigError("--checkpoint \(path): no such file or directory")
        }
        if !isDir.boolValue {
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().deletingLastPathComponent().path
            let inRun = url.deletingLastPathComponent().lastPathComponent == "checkpoints"
                && FileManager.default.fileExists(atPath: dir + "/config.json")
            return ([CheckpointFile(path: path, epoch: epoch(of: url.lastPathComponent))], inRun ? dir : nil)
        }
        let run = RunDirectory(path)
        let folder = FileManager.default.fileExists(atPath: run.checkpointsPath) ? run.checkpointsPath : path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let found = names.compactMap { n -> CheckpointFile? in
            guard !n.hasSuffix(".state.safetensors"), let e = epoch(of: n) else { return nil }
            return CheckpointFile(path: folder + "/" + n, epoch: e)
        }.sorted { $0.epoch! < $1.epoch! }
        if found.isEmpty { throw ConfigError("--checkpoint \(path): no checkpoints (epoch-NNNN.safetensors) in \(folder)") }
        return (found, FileManager.default.fileExists(atPath: run.configPath) ? path : nil)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func epoch(of name: String) -> Int? {
        guard name.hasPrefix("epoch-"), name.hasSuffix(".safetensors"), !name.hasSuffix(".state.safetensors") else { return nil }
        return Int(name.dropFirst("epoch-".count).dropLast(".safetensors".count))
    }


    /// The fixed review subset: data as `lyap eval` defaults it, padded to the drive length.
    private func loadReviews(shape: ModelShape, run: RunConfig?) throws -> ReviewSet {
        let source = data ?? run?.data.source ?? "embedded"
        var o = LyapData.DataOptions()
        // A JSONL file fixes its ids itself; load it whole so that ids outside the checkpoint's vocabulary
        // are reported as a vocabulary mismatch rather than as a bad file.
        o.vocabSize = source.hasSuffix(".jsonl") ? Int(Int32.max) : shape.vocab
        o.seqLen = drive
        o.testSize = testSize ?? (data == nil ? run?.data.testSize : nil)
        o.conventions = try run?.dataConventions() ?? LyapData.DataConventions()
        let ds = try DatasetLoader.load(source == "embedded" ? .embedded : .path(source), options: o)
        let set = try ReviewSet.select(from: ds.test.tokens, labels: ds.test.labels, seqLen: ds.test.seqLen, count: reviews,
                                       drive: drive, seed: seed, padding: ds.test.padding)
        try set.validate(vocab: shape.vocab)
        return set
    }

    static func oneLine(_ r: CheckpointAnalysis) -> String {
        let i = r.distance(.initial), e = r.distance(.endOfDrive), p = r.phase
        var s = ""
        if let l = r.maxExponent, let f = r.positiveFraction {
            s += String(format: "λ1 %+.5f (%.0f%% > 0), ", l, 100 * f)
        }
        s += String(format: "D~ initial %.2f end_of_drive %.2f (floor %.0f%%), phase %@",
                    i.logMean, e.logMean, 100 * e.floorFraction, p.byDistance.rawValue)
        if let x = p.byExponent { s += " / λ1: \(x.rawValue)" }
        return s + " / lab: \(p.lab.rawValue)"
    }

    private func printSummary(_ entries: [(file: CheckpointFile, result: CheckpointAnalysis)]) {
        guard let first = entries.first?.result else { return }
        say(String(format: "chaos threshold ln(ε√H) = %.3f; D~ floor -15", first.chaosThreshold))
        say("checkpoint      λ1 mean   λ1 median  >0      D~ init   D~ end   floor   phase   by λ1   lab")
        for (f, r) in entries {
            let name = (f.epoch.map { "epoch \($0)" } ?? f.name).padding(toLength: 14, withPad: " ", startingAt: 0)
            let l1 = r.maxExponent.map { String(format: "%+.5f", $0) } ?? "-"
            let med = r.maxExponentMedian.map { String(format: "%+.5f", $0) } ?? "-"
            let pos = r.positiveFraction.map { String(format: "%.2f", $0) } ?? "-"
            let i = r.distance(.initial), e = r.distance(.endOfDrive)
            say(String(format: "%@  %@  %@  %@  %7.2f  %7.2f  %5.2f   %@  %@  %@", name, l1.leftPad(9), med.leftPad(9), pos.leftPad(5),
                       i.logMean, e.logMean, e.floorFraction, r.phase.byDistance.rawValue.leftPad(5),
                       (r.phase.byExponent?.rawValue ?? "-").leftPad(5), r.phase.lab.rawValue.leftPad(5)))
        }
        if entries.count == 1 {
            let r = entries[0].result
            if !r.exponents.isEmpty {
                say("mean spectrum: " + r.exponents.map { String(format: "%+.5f", $0) }.joined(separator: " "))
                let ky = r.kaplanYorke.map { String(format: "%.3f", $0) } ?? "undefined with k exponents"
                say(String(format: "KS entropy rate %.5f nats/step, Kaplan-Yorke dimension %@", r.ksEntropy ?? 0, ky))
            }
            if let j = r.jacobianNorm { say(String(format: "asymptotic Jacobian norm exp<ln‖J_t‖₂> = %.5f", j)) }
        }
    }

    static func transitions(_ entries: [(file: CheckpointFile, result: CheckpointAnalysis)], hysteresis: Int) -> RunAnalysisReport.Transitions {
        RunAnalysisReport.Transitions(epochs: entries.enumerated().map { $0.element.file.epoch ?? $0.offset },
                                      phases: entries.map(\.result.phase), hysteresis: hysteresis)
    }
}

/// A stdout line at most every 10 s while one batch of checkpoints runs (long float64 or k = 2H jobs).
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private var last = Date()

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard done < total, Date().timeIntervalSince(last) >= 10 else { return }
        last = Date()
        info("\(label): \(100 * done / total)% of review blocks done")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

extension DynamicsPrecision: ExpressibleByArgument {}
