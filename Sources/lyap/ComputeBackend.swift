import Foundation
import LyapCore
import LyapCPU
import LyapDynamics
import LyapCPUDynamics
import LyapStudy
import LyapTraining
import LyapVulkan
import LyapVulkanLSTM

/// The compute backend of a command, resolved once from --backend/--device/--validate (`resolve`, which
/// logs the choice in one line). The one file of lyap that names the concrete kinds: it makes the training,
/// evaluation, ensemble and analysis backends and owns the fallback policies (auto takes a real GPU only;
/// an analysis the GPU cannot hold runs on the CPU while training stays on the GPU, `analysis`).
final class ComputeBackend {
    /// The kinds besides cpu and vulkan (`ComputeKind`): a new backend is one line here, or registered by a test.
    nonisolated(unsafe) static var kinds: [any ComputeKind] = []

    private enum Kind {
        case cpu
        case vulkan(VulkanContext)
        case other(any ComputeKind)
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }
    /// The Vulkan backends made so far with --profile, for `profileTable`.
    private var profiled: [VulkanLSTMEnsemble] = []
    private var analyses: [VulkanStabilityAnalysis] = []

    /// config.json's `backend`: "cpu", "vulkan: DEVICE (DRIVER)" or the kind's record name.
    var recordName: String {
        switch kind {
        case .cpu: return "cpu"
        case .vulkan(let c): return "vulkan: \(c.info.name) (\(c.info.driverName))"
        case .other(let k): return k.recordName
        }
    }

    /// Whether it computes on a Vulkan device (ensembles, --pad-widths, --interleave-widths, --profile).
    var onDevice: Bool {
        if case .vulkan = kind { return true }
        return false
    }

    /// auto: a real GPU when there is one, otherwise the CPU backend (a CPU-type Vulkan device such as
    /// lavapipe is slower than the CPU backend, so auto never takes one); says which it took.
    /// With validation on, a message while the context is created fails here, before the command writes
    /// anything; `checkValidation` at the end of the command catches the ones that come later.
    static func resolve(_ requested: String, device: Int?, validate: Bool) throws -> ComputeBackend {
        let b = ComputeBackend(try choose(requested, device: device, validate: validate))
        try b.checkValidation()
        return b
    }

    private static func choose(_ requested: String, device: Int?, validate: Bool) throws -> Kind {
        let environment = VulkanOptions.fromEnvironment()
        var options = VulkanOptions(validation: validate || environment.validation)
        options.dispatchLog = environment.dispatchLog
        switch requested {
        case "cpu":
            if device != nil { throw ConfigError("--device applies to --backend vulkan or auto, not cpu") }
            return .cpu
        case "vulkan":
            switch Vulkan.devices() {
            case .failure(let e): throw ConfigError("--backend vulkan: \(e)")
            case .success(let list):
                if list.isEmpty { throw ConfigError("--backend vulkan: the Vulkan loader lists no devices") }
                return .vulkan(try VulkanContext.create(deviceIndex: device, options: options))
            }
        case "auto":
            switch Vulkan.devices() {
            case .failure(let e):
                if device != nil { throw ConfigError("--device \(device!): \(e)") }
                info("backend auto: Vulkan unavailable (\(e)); using the CPU")
                return .cpu
            case .success(let list):
                if let d = device {
                    return .vulkan(try VulkanContext.create(deviceIndex: d, options: options))
                }
                guard let gpu = list.first(where: { !$0.isCPU }) else {
                    info("backend auto: no GPU (only CPU-type Vulkan devices); using the CPU backend")
                    return .cpu
                }
                let c = try VulkanContext.create(deviceIndex: gpu.index, options: options)
                info("backend auto: using \(gpu.name)")
                return .vulkan(c)
            }
        default:
            if let k = kinds.first(where: { $0.name == requested }) {
                if device != nil { throw ConfigError("--device applies to --backend vulkan or auto, not \(requested)") }
                return .other(k)
            }
            throw ConfigError("--backend \(requested): use auto, cpu or vulkan")
        }
    }

    /// The process's shader compiler: embedded GLSL (or LYAP_SHADER_DIR), SPIR-V cached on disk.
    private lazy var compilerResult: Result<ShaderCompiler, Error> = Result {
        ShaderCompiler(sources: try ShaderLibrary.sources(), cacheDirectory: Self.spirvCacheDirectory)
    }
    private func compiler() throws -> ShaderCompiler { try compilerResult.get() }

    /// Where compiled SPIR-V is kept between runs: $XDG_CACHE_HOME/lyap/spirv or ~/.cache/lyap/spirv.
    static var spirvCacheDirectory: String? {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (env["HOME"].map { $0 + "/.cache" } ?? "")
        guard !base.isEmpty else { return nil }
        let dir = base + "/lyap/spirv"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Fails the command when validation reported anything.
    func checkValidation() throws {
        guard case .vulkan(let ctx) = kind, ctx.validationErrors + ctx.validationWarnings > 0 else { return }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        throw ConfigError("Vulkan validation reported \(count(ctx.validationErrors, "error")) and \(count(ctx.validationWarnings, "warning")); first: \((ctx.validationMessages.first ?? "").replacingOccurrences(of: "\n", with: " "))")
    }

    /// Refuses a precision the backend does not compute in, with `message` for Vulkan and float64.
    func check(precision: RunConfig.Precision,
               message: String = "--precision float64 runs on the CPU backend only (--backend cpu)") throws {
        switch kind {
        case .cpu: return
        case .vulkan: if precision == .float64 { throw ConfigError(message) }
        case .other(let k): try k.check(precision: precision)
        }
    }

    // MARK: training and evaluation

    /// The backend that trains run `c`: the CPU backend in the run's precision, one model of a Vulkan
    /// ensemble with the run's conventions, or the kind's.
    func training(_ c: RunConfig, stepsPerSubmit: Int, profile: Bool = false) throws -> any TrainingBackend {
        try check(precision: c.precision)
        switch kind {
        case .cpu:
            switch c.precision {
            case .float32: return CPUBackends.forRun(c, Float.self)
            case .float64: return CPUBackends.forRun(c, Double.self)
            }
        case .vulkan(let ctx):
            let b = try VulkanBackend(context: ctx, compiler: compiler(), shape: c.model, biases: c.layout.biases, batch: c.batch,
                                      seqLen: c.seqLen, stepsPerSubmit: stepsPerSubmit, profile: profile)
            b.ensemble.padRow = c.padRow
            b.ensemble.lossForm = c.loss
            if profile { profiled.append(b.ensemble) }
            return b
        case .other(let k):
            return try k.training(c)
        }
    }

    /// A backend that evaluates a checkpoint of `shape`.
    func evaluation(shape: ModelShape, biases: BiasLayout, precision: RunConfig.Precision, loss: LossForm, batch: Int, seqLen: Int,
                    threads: Int, sharedPadID: Int32?, stepsPerSubmit: Int, profile: Bool) throws -> any LSTMBackend {
        try check(precision: precision)
        switch kind {
        case .cpu:
            switch precision {
            case .float32:
                let b = CPUBackends.make(Float.self, shape: shape, threads: threads, biases: biases, sharedPadID: sharedPadID)
                b.loss = loss
                return b
            case .float64:
                let b = CPUBackends.make(Double.self, shape: shape, threads: threads, biases: biases, sharedPadID: sharedPadID)
                b.loss = loss
                return b
            }
        case .vulkan(let ctx):
            let b = try VulkanBackend(context: ctx, compiler: compiler(), shape: shape, biases: biases, batch: batch, seqLen: seqLen,
                                      stepsPerSubmit: stepsPerSubmit, profile: profile)
            b.ensemble.lossForm = loss
            if profile { profiled.append(b.ensemble) }
            return b
        case .other(let k):
            return try k.evaluation(shape: shape, biases: biases, precision: precision, loss: loss, threads: threads, sharedPadID: sharedPadID)
        }
    }

    /// `lyap audit`'s twins side by side: one Vulkan ensemble of `models` models with run `c`'s conventions;
    /// nil where the backend trains one model at a time.
    func auditEnsemble(_ c: RunConfig, models: Int, stepsPerSubmit: Int) throws -> VulkanLSTMEnsemble? {
        guard case .vulkan(let ctx) = kind else { return nil }
        try check(precision: c.precision, message: "the run uses float64, which runs on --backend cpu only")
        let e = try VulkanLSTMEnsemble(context: ctx, compiler: compiler(), shape: c.model, models: models, batch: c.batch,
                                       seqLen: c.seqLen, stepsPerSubmit: stepsPerSubmit)
        e.padRow = c.padRow
        e.lossForm = c.loss
        return e
    }

    /// The backend for one group of sweep configurations (all of one variant; of one width unless padded or
    /// interleaved).
    func group(_ group: [SweepConfiguration], plan: SweepPlan, stepsPerSubmit: Int, interleave: Bool = false) throws -> ModelGroup {
        let s = plan.settings, frozen = group[0].variant.frozenEmbedding
        let widths = group.map(\.width), padded = Set(widths).count > 1 && !interleave
        let shape = ModelShape(vocab: s.vocab, embed: s.embed, hidden: widths.max()!)
        switch kind {
        case .cpu:
            precondition(!padded, "the CPU backend trains each configuration at its own width")
            let run = plan.runConfig(group[0]), padID = run.sharedPadID, rule = run.sharedSliceRule
            switch s.precision {
            case .float32:
                let b = group.map { _ in CPUBackends.make(Float.self, shape: shape, threads: plan.threads, sharedPadID: padID, sliceRule: rule) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            case .float64:
                let b = group.map { _ in CPUBackends.make(Double.self, shape: shape, threads: plan.threads, sharedPadID: padID, sliceRule: rule) }
                for x in b { x.frozenEmbedding = frozen }
                return BackendGroup(b)
            }
        case .other(let k):
            throw ConfigError("--backend \(k.name): lyap sweep runs on cpu or vulkan")
        case .vulkan(let ctx) where interleave:
            var shapes: [ModelShape] = [], counts: [Int] = []
            for c in group {
                if shapes.last?.hidden == c.width { counts[counts.count - 1] += 1; continue }
                shapes.append(ModelShape(vocab: s.vocab, embed: s.embed, hidden: c.width))
                counts.append(1)
            }
            let set = try VulkanEnsembleSet(context: ctx, compiler: compiler(), shapes: shapes, models: counts, batch: s.batch,
                                            seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            set.frozenEmbedding = frozen
            return EnsembleSetGroup(set)
        case .vulkan(let ctx):
            let e = try VulkanLSTMEnsemble(context: ctx, compiler: compiler(), shape: shape, models: group.count,
                                           batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            e.frozenEmbedding = frozen
            return EnsembleGroup(e, widths: padded ? widths : nil)
        }
    }

    /// How many models of each width one ensemble takes (nil where the backend trains one at a time):
    /// `fraction` of the device's local memory and what its largest buffer binds, at least 1 (a model that
    /// does not fit at all fails when its ensemble is created, with the reason).
    func modelsThatFit(plan: SweepPlan, stepsPerSubmit: Int, fraction: Double = 0.75) -> ((Int) -> Int)? {
        guard case .vulkan(let ctx) = kind else { return nil }
        let device = ctx.info
        return { w in
            let s = plan.settings, shape = ModelShape(vocab: s.vocab, embed: s.embed, hidden: w)
            let one = VulkanLSTMEnsemble.estimatedBytes(shape: shape, models: 1, batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit)
            let inBuffer = VulkanLSTMEnsemble.maxModels(shape: shape, batch: s.batch, seqLen: s.seqLen, stepsPerSubmit: stepsPerSubmit, device: device)
            guard device.deviceLocalMemoryBytes > 0 else { return max(1, inBuffer) }
            return max(1, min(inBuffer, Int(fraction * Double(device.deviceLocalMemoryBytes)) / max(one, 1)))
        }
    }

    /// Checks the device memory of `models` models of `shape` training (or evaluating) batches of B×L;
    /// false (nothing checked) where the backend computes in host memory.
    func checkDeviceMemory(shape: ModelShape, models: Int, batch: Int, seqLen: Int, stepsPerSubmit: Int,
                           what: String, flags: String) throws -> Bool {
        guard case .vulkan(let ctx) = kind else { return false }
        let device = VulkanLSTMEnsemble.estimatedBytes(shape: shape, models: models, batch: batch, seqLen: seqLen, stepsPerSubmit: stepsPerSubmit)
        let heaps = Int(clamping: ctx.info.deviceLocalMemoryBytes)
        try MemoryNeed(parts: [.init(what: what, bytes: device, flags: flags)])
            .check(available: heaps > 0 ? heaps : nil, in: "in \(ctx.info.name)'s device-local heaps")
        return true
    }

    // MARK: the stability analysis

    /// The analysis backend. On Vulkan: the GPU analysis, checked against the shape and protocol; where
    /// only the tangent kernel's shared memory is short and `strict` is false (commands that train for
    /// hours, or chose the GPU themselves with auto), one line says it runs on the CPU instead and the CPU
    /// engine is returned (NVIDIA's 48 KiB hold k = 1 only up to H = 375). Other problems throw.
    func analysis(shape: ModelShape, config: AnalysisConfig, strict: Bool = false, stepsPerDispatch: Int? = nil,
                  profile: Bool = false) throws -> any StabilityBackend {
        switch kind {
        case .cpu:
            return CPUStabilityBackend()
        case .other(let k):
            let a = k.analysis()
            try a.check(shape: shape, config: config)
            return a
        case .vulkan(let ctx):
            let g = VulkanStabilityAnalysis(context: ctx, compiler: try compiler(), stepsPerDispatch: stepsPerDispatch, profile: profile)
            if !strict, let (need, have) = g.sharedMemoryShortfall(hidden: shape.hidden, config: config) {
                info("the stability analysis at H=\(shape.hidden), k=\(config.exponents) needs \(need) bytes of shared memory per workgroup on the GPU and \(ctx.info.name) has \(have): it runs on the CPU (float32, \(config.threads) threads)")
                return CPUStabilityBackend()
            }
            try g.check(hidden: shape.hidden, embed: shape.embed, config: config)
            if profile { analyses.append(g) }
            return g
        }
    }

    // MARK: profiling and capture

    /// The --profile floors' peak rates of a known device (nil on the CPU or an unknown device).
    var datasheetPeaks: DevicePeaks? {
        guard case .vulkan(let ctx) = kind else { return nil }
        return DevicePeaks.datasheet(deviceName: ctx.info.name)
    }

    /// The --profile table of each profiled backend made since the last call (nil where none was).
    func profileTable(peaks: DevicePeaks?) -> String? {
        let tables = profiled.map { $0.kernelProfile.table(peaks: peaks) } + analyses.map { $0.kernelProfile.table(peaks: peaks) }
        profiled = []
        analyses = []
        return tables.isEmpty ? nil : tables.joined(separator: "\n")
    }

    /// Starts a RenderDoc capture (Vulkan only); the caller ends it.
    func startCapture() throws -> RenderDocCapture {
        guard case .vulkan(let ctx) = kind else { throw ConfigError("--capture renderdoc needs --backend vulkan") }
        let rd = try RenderDocCapture(context: ctx)
        try rd.startCapture()
        return rd
    }
}
