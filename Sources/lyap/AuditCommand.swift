import ArgumentParser
import Foundation
import LyapCore
import LyapCPU
import LyapData
import LyapIO
import LyapTraining
import LyapAudit

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Perturbation audit: twin runs branched from a checkpoint, with divergence measures per epoch.",
        discussion: """
            Trains a baseline twin and one twin per --perturb from RUN's checkpoint
            at --at, with the run's own settings (data, data-order stream continued
            from the saved state). Writes OUT/audit.csv, one row per twin per epoch
            after branching (epochs_after 0: right after the perturbation):
              d_theta = ||theta'-theta||/||theta||, and the same per tensor
              (PyTorch names); on the test set mean |sigma(z')-sigma(z)|, the
              prediction disagreement rate and |delta test loss|.
            and OUT/audit.json: per twin the training-trajectory Lyapunov
            exponent, the slope of ln d_theta vs epoch over the initial
            exponential stretch.

            Kinds, once at branching:
              none; param:EPS (theta += EPS*||theta||*zeta/||zeta||);
              param-tensor:EPS (the same per tensor, by each tensor's norm);
              adam-reset.
            Every epoch: order:SEED (data order from another seed);
              labels:FRAC (this fraction of training labels flipped).
            First epoch after branching only:
              lr:FACTOR; swap:K (minibatches K and K+1, 0-based, exchanged);
              batch:SIZE (CPU backend only);
              grad-noise:EPS (g += EPS*||g||*zeta/||zeta||, a fresh zeta at
              every step);
              loss-scale:EPS (loss and gradients x (1+EPS), EPS > -1).
            On Vulkan these two read the gradient back to the host at every
            step of that epoch.

            --analyze-every K runs the run's stability analysis (as lyap train
            --analyze-every) on every twin at every K-th epoch after branching
            and the last; audit.csv gets each twin's max exponent, asymptotic
            distance and phase next to the baseline's and the differences,
            audit.json the phase transitions of every twin and the baseline.

            Example:
              lyap audit --from runs/demo --at 10 --perturb none \\
                --perturb param:1e-5 --perturb order:7 --epochs 5
            """)

    @Option(help: "Run directory to branch from.") var from: String
    @Option(help: "Checkpoint epoch to branch at.") var at: Int
    @Option(help: "Perturbation KIND:SIZE (repeatable): \(Perturbation.kinds).")
    var perturb: [String] = []
    @Option(help: "Epochs to train each twin after branching (default 5).") var epochs: Int = 5
    @Option(help: "Seed for the random parts of perturbations (param and gradient noise, flipped labels; default: the run's seed).")
    var perturbSeed: UInt64?
    @Option(help: "Output directory (default RUN/audit-eEPOCH).") var out: String?
    @Flag(help: "Replace an audit already in the output directory.") var force = false
    @Option(help: "Run the stability analysis on every twin every K epochs after branching (and at the last).") var analyzeEvery: Int?
    @Option(help: "Test reviews the analysis drives with (default 500).") var analyzeReviews: Int?
    @Option(help: "Lyapunov exponents the analysis computes (default 1: lambda_1; 0: distance only).") var analyzeExponents: Int?
    @Flag(help: "Vulkan: train the twins one after another instead of side by side in one ensemble (same results, bitwise).")
    var sequential = false
    @OptionGroup var compute: BackendOptions
    @OptionGroup var padSharing: PadSharingOptions

    func run() throws {
        try reportingErrors {
            guard !perturb.isEmpty else { throw ConfigError("--perturb: give at least one KIND:SIZE (kinds: \(Perturbation.kinds))") }
            let kinds = try perturb.map(Perturbation.parse)
            try compute.refuseProfiling("lyap audit")
            guard epochs >= 1 else { throw ConfigError("--epochs \(epochs): must be >= 1") }
            if let k = analyzeEvery, k < 1 { throw ConfigError("--analyze-every \(k): must be >= 1") }
            if analyzeEvery == nil, analyzeReviews != nil || analyzeExponents != nil {
                throw ConfigError("--analyze-reviews and --analyze-exponents need --analyze-every K")
            }
            let dir = RunDirectory(from)
            let record = try RunFiles.record(dir, flag: "--from")
            var cfg = record.config
            if cfg.layout.biases != .one || cfg.optimizer.form != .torch {
                throw ConfigError("--from \(from): lyap audit supports runs with one bias and --adam-form torch; this run has --lstm-biases \(cfg.layout.biases.rawValue) --adam-form \(cfg.optimizer.form.rawValue)")
            }
            for p in [dir.modelPath(epoch: at), dir.statePath(epoch: at)] where !FileManager.default.fileExists(atPath: p) {
                throw ConfigError("--at \(at): checkpoint file \(p) not found")
            }
            let outDir = out ?? (from + "/audit-e\(at)")
            if !force, FileManager.default.fileExists(atPath: outDir + "/audit.csv") || FileManager.default.fileExists(atPath: outDir + "/audit.json") {
                throw ConfigError("--out \(outDir): already holds an audit; use --force to replace it")
            }
            let backend = try ComputeBackend.resolve(compute.backend ?? cfg.backendKind, device: compute.device, validate: compute.validate)
            let twins = kinds.count + 1
            var preflight = cfg
            preflight.analysis = analyzeEvery.map { RunConfig.AnalysisSchedule(every: $0, reviews: analyzeReviews ?? 500, exponents: analyzeExponents ?? 1) }
            let traces = twins * (epochs + 1) * (8 * ParameterLayout(cfg.model).count + 4 * cfg.data.testCount)
            try MemoryPreflight.training(preflight, backend: backend, stepsPerSubmit: try compute.stepsPerSubmit,
                                         deviceModels: sequential ? 1 : twins,
                                         extra: [.init(what: "\(twins) twins' parameters after each of \(epochs + 1) epochs", bytes: traces,
                                                       flags: "--epochs \(epochs) --perturb (\(twins) twins, H=\(cfg.model.hidden))")])
            let data = try RunFiles.data(for: cfg)
            if data.sourceSHA256 != cfg.data.sha256 {
                throw ConfigError("data \(cfg.data.source): content changed since the run (sha256 \(data.sourceSHA256.prefix(12))..., recorded \(cfg.data.sha256.prefix(12))...)")
            }
            // The twins keep the run's computation, so the baseline continues the run exactly; --no-shared-padding
            // turns sharing off.
            cfg.sharedPadding = cfg.sharesPadPrefix && padSharing.shared(padding: data.train.padding, backend: backend.recordName)
            let params = try ModelWeights.read(path: dir.modelPath(epoch: at), expected: cfg.model)
            if backend.onDevice, let why = kinds.lazy.compactMap(\.vulkanLimitation).first { throw ConfigError(why) }
            for case .swap(let k) in kinds { try AuditSetup.checkSwap(k, count: data.train.count, batchSize: cfg.batch) }
            var setup = AuditSetup(config: cfg, data: data, params: params, statePath: dir.statePath(epoch: at), at: at,
                                   epochs: epochs, perturbations: kinds, seed: perturbSeed ?? cfg.seed)
            if let k = analyzeEvery {
                let schedule = RunConfig.AnalysisSchedule(every: k, reviews: analyzeReviews ?? 500, exponents: analyzeExponents ?? 1)
                setup.analysis = (k, try TrainingAnalysis.analyzer(schedule, run: cfg, data: data, backend: backend))
            }
            let result: AuditResult
            try backend.check(precision: cfg.precision, message: "the run uses float64, which runs on --backend cpu only")
            if !backend.onDevice {
                info("audit of \(from) at epoch \(at): \(kinds.count) perturbed twin(s) + baseline, \(epochs) epochs each, on \(backend.recordName)")
                result = try runEach(setup, try backend.training(cfg, stepsPerSubmit: try compute.stepsPerSubmit))
            } else if sequential {
                info("audit of \(from) at epoch \(at) on \(backend.recordName): \(kinds.count) perturbed twin(s) + baseline, one after another")
                result = try runEach(setup, try backend.training(cfg, stepsPerSubmit: try compute.stepsPerSubmit))
            } else {
                info("audit of \(from) at epoch \(at) on \(backend.recordName): \(kinds.count) perturbed twin(s) + baseline side by side in one ensemble")
                let ensemble = try backend.auditEnsemble(cfg, models: kinds.count + 1, stepsPerSubmit: try compute.stepsPerSubmit)!
                result = try setup.runTogether(ensemble)
            }
            try backend.checkValidation()
            do {
                try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            } catch {
                throw ConfigError("--out \(outDir): cannot create the directory (\(error.localizedDescription))")
            }
            try result.csv.write(path: outDir + "/audit.csv")
            try JSONFile.write(AuditSummary(result, from: from, at: at, backend: backend.recordName, sharedPadding: cfg.sharesPadPrefix), to: outDir + "/audit.json")
            for t in result.twins {
                info("\(t.name): d_theta after \(epochs) epochs \(String(format: "%.3e", t.finalD)), lyapunov \(t.growth.map { String(format: "%.4f", $0.rate) } ?? "n/a") per epoch")
            }
            info("wrote \(outDir)/audit.csv and audit.json")
        }
    }

    /// The baseline and each twin one after another on one backend.
    private func runEach<B: TrainingBackend>(_ setup: AuditSetup, _ b: B) throws -> AuditResult {
        try setup.run(b) { b.gradientTransform = $0 }
    }
}
