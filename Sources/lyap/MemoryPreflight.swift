import Foundation
import LyapCore
import LyapCPU
import LyapTraining

/// What a command will hold in memory at once, estimated from the sizes before anything is allocated or
/// written, so a model that cannot fit is refused with one line instead of a crash mid-run.
struct MemoryNeed {
    struct Part {
        var what: String
        var bytes: Int
        /// The options that make this part large, named in the refusal when it is the largest part.
        var flags: String
    }
    var parts: [Part]
    var total: Int { parts.reduce(0) { $0 &+ $1.bytes } }

    /// One line when `total` exceeds `available` (`where_` names the memory, e.g. "available").
    func check(available: Int?, in memory: String = "available") throws {
        guard let available, total > available else { return }
        let largest = parts.max { $0.bytes < $1.bytes }!
        let list = parts.filter { $0.bytes > 0 }.map { "\($0.what) \(Self.format($0.bytes))" }.joined(separator: ", ")
        throw ConfigError("\(largest.flags): needs \(Self.format(total)) (\(list)), \(Self.format(available)) \(memory)")
    }

    /// Decimal units with one decimal: "412.3 GB", "21.9 MB".
    static func format(_ bytes: Int) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        let x = Double(bytes)
        guard let (size, unit) = units.first(where: { x >= $0.0 }) else { return "\(bytes) B" }
        return String(format: "%.1f %@", x / size, unit)
    }
}

enum MemoryPreflight {
    /// Host bytes of one model trained with Adam: the run's Double copy of the parameters (initial weights),
    /// the backend's parameters, m, v and gradient (4 P of its scalar), and the copies a checkpoint makes
    /// (state read back and encoded: 3 P of its scalar); on Vulkan the backend's part lives on the device
    /// and the host keeps the read-back state in Double.
    static func trainingHost(_ shape: ModelShape, scalarBytes: Int, onDevice: Bool) -> Int {
        let P = ParameterLayout(shape).count
        return onDevice ? P * (8 + 3 * 8 + 3 * 4) : P * (8 + 7 * scalarBytes)
    }

    /// The CPU analysis engine on one parameter set (`StabilityAnalysis`): the parameters in Double, the cell's
    /// recurrent matrix and its transpose, the input table (V x 4H in Double, then in the engine's precision),
    /// and per thread a block of lanes with 3 + k state rows.
    static func analysis(_ shape: ModelShape, reviews S: Int, exponents k: Int, threads: Int, seqLen L: Int, scalarBytes s: Int = 4) -> Int {
        let P = ParameterLayout(shape).count, H = shape.hidden, G = 4 * H, V = shape.vocab
        let lanes = min(S, s == 4 ? 16 : 8)
        let perThread = lanes * (4 * H + (3 + k) * 6 * H + 2 * H) * s + lanes * (k + 1) * 8
        return 8 * P + s * (2 * G * H + G + H) + (8 + s) * V * G + max(1, threads) * perThread + 4 * S * L
    }

    /// The part every backend needs (the parameters and Adam state on the host), checked before a backend
    /// is chosen so that a model far too large is refused before anything else is said or done.
    static func trainingWeights(_ c: RunConfig) throws {
        let s = c.precision == .float64 ? 8 : 4
        let bytes = min(trainingHost(c.model, scalarBytes: s, onDevice: false), trainingHost(c.model, scalarBytes: 4, onDevice: true))
        try MemoryNeed(parts: [.init(what: "weights and Adam state", bytes: bytes,
                                     flags: "--vocab \(c.model.vocab) --embed \(c.model.embed) --hidden \(c.model.hidden)")])
            .check(available: AvailableMemory.host())
    }

    /// `lyap train` (and study, sweep, audit): refuses a run that does not fit, before its directory is created.
    /// `deviceModels`: models of one Vulkan ensemble; `extra`: what the command keeps besides (audit traces).
    /// Returns the host bytes estimated.
    @discardableResult
    static func training(_ c: RunConfig, backend: ComputeBackend, stepsPerSubmit: Int, deviceModels: Int = 1,
                         extra: [MemoryNeed.Part] = []) throws -> Int {
        let shape = c.model, s = c.precision == .float64 ? 8 : 4
        let weightFlags = "--vocab \(shape.vocab) --embed \(shape.embed) --hidden \(shape.hidden)"
        let actFlags = "--hidden \(shape.hidden) --batch \(c.batch) --seq-len \(c.seqLen)"
        var parts = extra
        if backend.onDevice {
            parts.append(.init(what: "weights and Adam state", bytes: trainingHost(shape, scalarBytes: 4, onDevice: true), flags: weightFlags))
            try analysisPart(c, threads: c.threads).map { parts.append($0) }
            let host = MemoryNeed(parts: parts)
            try host.check(available: AvailableMemory.host())
            let what = "weights, Adam state and activations for B=\(c.batch) L=\(c.seqLen)\(deviceModels > 1 ? " of \(deviceModels) models" : "") on the device"
            _ = try backend.checkDeviceMemory(shape: shape, models: deviceModels, batch: c.batch, seqLen: c.seqLen,
                                              stepsPerSubmit: stepsPerSubmit, what: what, flags: actFlags)
            return host.total
        }
        let work = s == 8
            ? CPUModel<Double>.estimatedWorkspaceBytes(shape: shape, threads: c.threads, batch: c.batch, seqLen: c.seqLen)
            : CPUModel<Float>.estimatedWorkspaceBytes(shape: shape, threads: c.threads, batch: c.batch, seqLen: c.seqLen)
        parts.append(.init(what: "weights and Adam state", bytes: trainingHost(shape, scalarBytes: s, onDevice: false), flags: weightFlags))
        parts.append(.init(what: "activations for B=\(c.batch) L=\(c.seqLen) on \(c.threads) thread\(c.threads == 1 ? "" : "s")", bytes: work,
                           flags: actFlags + " --threads \(c.threads)"))
        try analysisPart(c, threads: c.threads).map { parts.append($0) }
        let need = MemoryNeed(parts: parts)
        try need.check(available: AvailableMemory.host())
        return need.total
    }

    private static func analysisPart(_ c: RunConfig, threads: Int) throws -> MemoryNeed.Part? {
        guard let a = c.analysis else { return nil }
        return .init(what: "analysis of \(a.reviews) reviews", bytes: analysis(c.model, reviews: a.reviews, exponents: a.exponents, threads: threads, seqLen: c.seqLen),
                     flags: "--hidden \(c.model.hidden) --vocab \(c.model.vocab) --analyze-reviews \(a.reviews)")
    }

    /// Forward passes only (`lyap eval`): the checkpoint in Double, the backend's arrays and workspaces.
    static func evaluation(_ shape: ModelShape, batch: Int, seqLen: Int, threads: Int, scalarBytes s: Int, backend: ComputeBackend,
                           stepsPerSubmit: Int, checkpoint: String) throws {
        let P = ParameterLayout(shape).count
        let weights = MemoryNeed.Part(what: "weights", bytes: P * (8 + 5 * s), flags: "--checkpoint \(checkpoint) (V=\(shape.vocab), E=\(shape.embed), H=\(shape.hidden))")
        let actFlags = "--batch \(batch) --seq-len \(seqLen) (H=\(shape.hidden))"
        if backend.onDevice {
            try MemoryNeed(parts: [weights]).check(available: AvailableMemory.host())
            _ = try backend.checkDeviceMemory(shape: shape, models: 1, batch: batch, seqLen: seqLen, stepsPerSubmit: stepsPerSubmit,
                                              what: "buffers for B=\(batch) L=\(seqLen) on the device", flags: actFlags)
            return
        }
        let work = s == 8
            ? CPUModel<Double>.estimatedWorkspaceBytes(shape: shape, threads: threads, batch: batch, seqLen: seqLen)
            : CPUModel<Float>.estimatedWorkspaceBytes(shape: shape, threads: threads, batch: batch, seqLen: seqLen)
        try MemoryNeed(parts: [weights, .init(what: "activations for B=\(batch) L=\(seqLen)", bytes: work, flags: actFlags)])
            .check(available: AvailableMemory.host())
    }
}
