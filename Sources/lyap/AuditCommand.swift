import ArgumentParser
import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapIO
import LyapTraining
import LyapVulkan

/// One perturbation of a twin run (methods.md §6.3), parsed from `KIND:SIZE`.
enum Perturbation: Equatable, CustomStringConvertible {
    case none
    case param(Double)       // theta += eps * ||theta|| * zeta/||zeta||, global
    case lr(Double)          // learning rate x factor for the first epoch after branching
    case order(UInt64)       // data-order stream from a different seed
    case labels(Double)      // flip this fraction of the training labels
    case adamReset           // Adam moments and step set to zero
    case batch(Int)          // minibatch size for the first epoch after branching

    static let kinds = "none, param:EPS, lr:FACTOR, order:SEED, labels:FRAC, adam-reset, batch:SIZE"

    static func parse(_ spec: String) throws -> Perturbation {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let kind = parts[0], size = parts.count > 1 ? parts[1] : nil
        func number() throws -> Double {
            guard let s = size else { throw ConfigError("--perturb \(spec): \(kind) needs a size (\(kind):SIZE)") }
            guard let v = Double(s), v.isFinite else { throw ConfigError("--perturb \(spec): size '\(s)' is not a number") }
            return v
        }
        switch kind {
        case "none", "adam-reset":
            if let s = size, !s.isEmpty, s != "0" { throw ConfigError("--perturb \(spec): \(kind) takes no size") }
            return kind == "none" ? .none : .adamReset
        case "param":
            let e = try number()
            guard e > 0 else { throw ConfigError("--perturb \(spec): EPS must be > 0") }
            return .param(e)
        case "lr":
            let f = try number()
            guard f > 0 else { throw ConfigError("--perturb \(spec): FACTOR must be > 0") }
            return .lr(f)
        case "order":
            guard let s = size, let seed = UInt64(s) else {
                throw ConfigError("--perturb \(spec): order needs a non-negative integer seed (order:SEED)")
            }
            return .order(seed)
        case "labels":
            let q = try number()
            guard q > 0, q <= 1 else { throw ConfigError("--perturb \(spec): FRAC must be in (0, 1]") }
            return .labels(q)
        case "batch":
            guard let s = size, let b = Int(s), b >= 1 else {
                throw ConfigError("--perturb \(spec): batch needs a positive integer size (batch:SIZE)")
            }
            return .batch(b)
        default:
            throw ConfigError("--perturb \(spec): unknown kind '\(kind)' (kinds: \(kinds))")
        }
    }

    var description: String {
        switch self {
        case .none: return "none"
        case .param(let e): return "param:\(e)"
        case .lr(let f): return "lr:\(f)"
        case .order(let s): return "order:\(s)"
        case .labels(let q): return "labels:\(q)"
        case .adamReset: return "adam-reset"
        case .batch(let b): return "batch:\(b)"
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Perturbation audit: twin runs branched from a checkpoint, with divergence measures per epoch.",
        discussion: """
            Trains a baseline twin and one twin per --perturb from RUN's checkpoint at --at, with the run's own
            settings (data, data-order stream continued from the saved state), and writes OUT/audit.csv (one row
            per twin per epoch after branching; epochs_after 0 is right after the perturbation) and
            OUT/audit.json (per twin the slope of ln d_theta vs epoch: the training-trajectory Lyapunov exponent).
            Kinds: none, param:EPS, lr:FACTOR (first epoch only), order:SEED, labels:FRAC, adam-reset,
            batch:SIZE (first epoch only; CPU backend).
            Example:
              lyap audit --from runs/demo --at 10 --perturb none --perturb param:1e-5 --perturb order:7 --epochs 5
            """)

    @Option(help: "Run directory to branch from.") var from: String
    @Option(help: "Checkpoint epoch to branch at.") var at: Int
    @Option(help: "Perturbation KIND:SIZE (repeatable): none, param:EPS, lr:FACTOR, order:SEED, labels:FRAC, adam-reset, batch:SIZE.")
    var perturb: [String] = []
    @Option(help: "Epochs to train each twin after branching (default 5).") var epochs: Int = 5
    @Option(help: "Seed for the random parts of perturbations (param noise, flipped labels; default: the run's seed).")
    var perturbSeed: UInt64?
    @Option(help: "Output directory (default RUN/audit-eEPOCH).") var out: String?
    @Flag(help: "Replace an audit already in the output directory.") var force = false
    @OptionGroup var compute: BackendOptions

    func run() throws {
        try reportingErrors {
            guard !perturb.isEmpty else { throw ConfigError("--perturb: give at least one KIND:SIZE (kinds: \(Perturbation.kinds))") }
            let kinds = try perturb.map(Perturbation.parse)
            guard epochs >= 1 else { throw ConfigError("--epochs \(epochs): must be >= 1") }
            let dir = RunDirectory(from)
            let record = try RunFiles.record(dir, flag: "--from")
            let cfg = record.config
            for p in [dir.modelPath(epoch: at), dir.statePath(epoch: at)] where !FileManager.default.fileExists(atPath: p) {
                throw ConfigError("--at \(at): checkpoint file \(p) not found")
            }
            let outDir = out ?? (from + "/audit-e\(at)")
            if !force, FileManager.default.fileExists(atPath: outDir + "/audit.csv") || FileManager.default.fileExists(atPath: outDir + "/audit.json") {
                throw ConfigError("--out \(outDir): already holds an audit; use --force to replace it")
            }
            let data = try RunFiles.data(for: cfg)
            if data.sourceSHA256 != cfg.data.sha256 {
                throw ConfigError("data \(cfg.data.source): content changed since the run (sha256 \(data.sourceSHA256.prefix(12))..., recorded \(cfg.data.sha256.prefix(12))...)")
            }
            let params = try ModelWeights.read(path: dir.modelPath(epoch: at), expected: cfg.model)
            let choice = try BackendChoice.choose(compute.backend ?? cfg.backendKind, device: compute.device, validate: compute.validate)
            let setup = AuditSetup(config: cfg, data: data, params: params, statePath: dir.statePath(epoch: at), at: at,
                                   epochs: epochs, perturbations: kinds, seed: perturbSeed ?? cfg.seed)
            let result: AuditResult
            switch choice {
            case .cpu:
                info("audit of \(from) at epoch \(at): \(kinds.count) perturbed twin(s) + baseline, \(epochs) epochs each, on cpu")
                switch cfg.precision {
                case .float32: result = try setup.run(CPUBackend<Float>(shape: cfg.model, threads: cfg.threads))
                case .float64: result = try setup.run(CPUBackend<Double>(shape: cfg.model, threads: cfg.threads))
                }
            case .vulkan(let ctx):
                if kinds.contains(where: { if case .batch = $0 { return true } else { return false } }) {
                    throw ConfigError("--perturb batch:SIZE runs on --backend cpu only (the Vulkan backend is built for one batch size)")
                }
                guard cfg.precision == .float32 else { throw ConfigError("the run uses float64, which runs on --backend cpu only") }
                info("audit of \(from) at epoch \(at) on \(choice.recordName)")
                let backend = try VulkanBackend(context: ctx, compiler: try BackendChoice.compiler(), shape: cfg.model,
                                                batch: cfg.batch, seqLen: cfg.seqLen, stepsPerSubmit: try compute.stepsPerSubmit)
                result = try setup.run(backend)
            }
            try BackendChoice.checkValidation(choice)
            do {
                try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            } catch {
                throw ConfigError("--out \(outDir): cannot create the directory (\(error.localizedDescription))")
            }
            try result.csv.write(path: outDir + "/audit.csv")
            try JSONFile.write(result.summary(from: from, at: at, backend: choice.recordName), to: outDir + "/audit.json")
            for t in result.twins {
                info("\(t.name): d_theta after \(epochs) epochs \(String(format: "%.3e", t.finalD)), lyapunov \(t.slope.map { String(format: "%.4f", $0) } ?? "n/a") per epoch")
            }
            info("wrote \(outDir)/audit.csv and audit.json")
        }
    }
}

/// Everything one audit needs, independent of the backend.
struct AuditSetup {
    let config: RunConfig
    let data: Dataset
    let params: ParameterStore<Double>
    let statePath: String
    let at: Int
    let epochs: Int
    let perturbations: [Perturbation]
    let seed: UInt64

    /// What one twin looks like after each epoch (index 0: right after branching).
    struct Trace {
        var params: [[Double]] = []
        var logits: [[Float]] = []
        var testLoss: [Double] = []
    }

    func run<B: LSTMBackend>(_ backend: B) throws -> AuditResult {
        let saved = try TrainingStateFile.read(path: statePath, params: params.converted(to: B.Scalar.self))
        guard saved.epoch == at else { throw TrainingError("\(statePath): records epoch \(saved.epoch), expected \(at)") }
        let baseline = try trace(backend, saved, .none)
        var twins: [AuditResult.Twin] = []
        for (i, p) in perturbations.enumerated() {
            let t = try trace(backend, saved, p)
            twins.append(AuditResult.Twin(name: "twin\(i + 1)", perturbation: p, layout: params.layout,
                                          baseline: baseline, twin: t, firstEpoch: at))
        }
        return AuditResult(twins: twins, layout: params.layout)
    }

    private func trace<B: LSTMBackend>(_ backend: B, _ saved: TrainingStateFile.Contents<B.Scalar>,
                                       _ p: Perturbation) throws -> Trace {
        var state = saved.state
        var rng = saved.dataOrder
        var train = data.train
        var adam = config.adam
        switch p {
        case .none: break
        case .param(let eps):
            var g = LabRNG(seed: seed, stream: "audit-param")
            let theta = state.params.values.map(Double.init)
            let zeta = theta.map { _ in g.normal() }
            let nt = norm(theta), nz = norm(zeta)
            state.params.values = zip(theta, zeta).map { B.Scalar($0 + eps * nt * $1 / nz) }
        case .lr(let f): adam.lr *= f
        case .order(let s): rng = LabRNG(seed: s, stream: "data-order")
        case .labels(let q):
            var g = LabRNG(seed: seed, stream: "audit-labels")
            let n = Int((q * Double(train.count)).rounded())
            for i in g.permutation(train.count).prefix(max(n, 1)) { train.labels[i] = 1 - train.labels[i] }
        case .adamReset:
            state = TrainingState(params: state.params)
        case .batch: break
        }
        try backend.load(state)
        var out = Trace()
        try record(backend, into: &out)
        for epoch in 1...epochs {
            var B = config.batch
            if epoch == 1, case .batch(let b) = p { B = b }
            var order = Array(0..<train.count)
            if config.shuffle { rng.shuffle(&order) }
            let a = epoch == 1 ? adam : config.adam
            _ = try backend.trainEpoch(train, order: order, batchSize: B, adam: a) { _, t in
                guard t.lossSum.isFinite else { throw TrainingError("audit twin \(p): training loss is \(t.lossSum) at epoch \(at + epoch)") }
            }
            try record(backend, into: &out)
        }
        return out
    }

    private func record<B: LSTMBackend>(_ backend: B, into t: inout Trace) throws {
        let s = try backend.state()
        t.params.append(s.params.values.map(Double.init))
        let (totals, logits) = try backend.evaluateWithLogits(data.test, batchSize: config.batch)
        t.logits.append(logits)
        t.testLoss.append(totals.meanLoss)
    }
}

func norm<C: Collection<Double>>(_ v: C) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

struct AuditResult {
    struct Row {
        var epochsAfter: Int, epoch: Int
        var dTheta: Double
        var dTensor: [Double]
        var meanAbsProb: Double, disagreement: Double
        var baseLoss: Double, twinLoss: Double
    }

    struct Twin {
        let name: String
        let perturbation: Perturbation
        var rows: [Row] = []

        init(name: String, perturbation: Perturbation, layout: ParameterLayout,
             baseline: AuditSetup.Trace, twin: AuditSetup.Trace, firstEpoch: Int) {
            self.name = name
            self.perturbation = perturbation
            for k in baseline.params.indices {
                let a = baseline.params[k], b = twin.params[k]
                let diff = zip(a, b).map { $1 - $0 }
                let dTensor = layout.slots.map { s in
                    let n = norm(a[s.range])
                    return n > 0 ? norm(diff[s.range]) / n : (norm(diff[s.range]) > 0 ? .infinity : 0)
                }
                let za = baseline.logits[k], zb = twin.logits[k]
                var mad = 0.0, dis = 0
                for (x, y) in zip(za, zb) {
                    mad += abs(sigmoid(Double(y)) - sigmoid(Double(x)))
                    if (x > 0) != (y > 0) { dis += 1 }
                }
                rows.append(Row(epochsAfter: k, epoch: firstEpoch + k, dTheta: norm(diff) / norm(a), dTensor: dTensor,
                                meanAbsProb: mad / Double(max(za.count, 1)), disagreement: Double(dis) / Double(max(za.count, 1)),
                                baseLoss: baseline.testLoss[k], twinLoss: twin.testLoss[k]))
            }
        }

        var finalD: Double { rows.last?.dTheta ?? .nan }

        /// Least-squares slope of ln d_theta vs epochs after branching, over the rows with d > 0.
        var slope: Double? {
            let pts = rows.filter { $0.dTheta > 0 && $0.dTheta.isFinite }.map { (Double($0.epochsAfter), log($0.dTheta)) }
            guard pts.count >= 2 else { return nil }
            let mx = pts.map(\.0).reduce(0, +) / Double(pts.count), my = pts.map(\.1).reduce(0, +) / Double(pts.count)
            let sxx = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
            let sxy = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            return sxy / sxx
        }
    }

    let twins: [Twin]
    let layout: ParameterLayout

    static func column(_ tensor: String) -> String {
        "d_theta_" + tensor.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    var csv: CSVTable {
        let header = ["twin", "perturbation", "epochs_after", "epoch", "d_theta"] + layout.slots.map { Self.column($0.name) }
            + ["mean_abs_prob_diff", "disagreement", "abs_test_loss_diff", "test_loss_baseline", "test_loss_twin"]
        let g = { (x: Double) in String(format: "%.9g", x) }
        var rows: [[String]] = []
        for t in twins {
            for r in t.rows {
                rows.append([t.name, t.perturbation.description, String(r.epochsAfter), String(r.epoch), g(r.dTheta)]
                            + r.dTensor.map(g)
                            + [g(r.meanAbsProb), g(r.disagreement), g(abs(r.twinLoss - r.baseLoss)), g(r.baseLoss), g(r.twinLoss)])
            }
        }
        return CSVTable(header: header, rows: rows)
    }

    struct Summary: Encodable {
        struct TwinSummary: Encodable {
            let name: String, perturbation: String
            /// Slope of ln d_theta vs epoch (per epoch), over the epochs with d_theta > 0; nil with fewer than 2.
            let lyapunovPerEpoch: Double?
            let epochsFitted: Int
            let finalDTheta: Double
            let finalDisagreement: Double

            enum K: String, CodingKey { case name, perturbation, lyapunovPerEpoch, epochsFitted, finalDTheta, finalDisagreement }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                try c.encode(name, forKey: .name)
                try c.encode(perturbation, forKey: .perturbation)
                try c.encode(lyapunovPerEpoch, forKey: .lyapunovPerEpoch)  // null when it cannot be fitted
                try c.encode(epochsFitted, forKey: .epochsFitted)
                try c.encode(finalDTheta, forKey: .finalDTheta)
                try c.encode(finalDisagreement, forKey: .finalDisagreement)
            }
        }
        let from: String, at: Int, backend: String, epochs: Int
        let twins: [TwinSummary]
    }

    func summary(from: String, at: Int, backend: String) -> Summary {
        Summary(from: from, at: at, backend: backend, epochs: (twins.first?.rows.count ?? 1) - 1,
                twins: twins.map { t in
                    Summary.TwinSummary(name: t.name, perturbation: t.perturbation.description, lyapunovPerEpoch: t.slope,
                                        epochsFitted: t.rows.filter { $0.dTheta > 0 && $0.dTheta.isFinite }.count,
                                        finalDTheta: t.finalD, finalDisagreement: t.rows.last?.disagreement ?? .nan)
                })
    }
}

private func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
