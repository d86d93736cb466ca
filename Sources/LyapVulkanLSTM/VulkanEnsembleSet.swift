import CLyapShared
import LyapCore
import LyapVulkan

/// Ensembles of different shapes (a width sweep's widths) trained in lockstep through one command buffer per
/// submission. The recording is phase by phase: the same phase of every ensemble (say, each one's recurrent
/// forward kernel) sits between the same two barriers, so a GPU may run them side by side. Recorded one
/// ensemble after another, every barrier would also wait for the other ensembles' work, and a width sweep
/// would take the sum of its widths' step latencies instead of about the largest.
///
/// Every ensemble computes exactly what it computes alone (bitwise): the order of recording is all that
/// changes, and the ensembles share no buffer. Models are numbered across the set in member order: the
/// first member's models, then the second's, and so on.
public final class VulkanEnsembleSet: @unchecked Sendable {
    public let members: [VulkanLSTMEnsemble]
    public let stepsPerSubmit: Int
    /// The command buffer every member records into (its last recording stays inspectable until the next).
    public let sequence: CommandSequence
    /// Every dispatch's GPU time and work over every submit so far (profile mode).
    public private(set) var kernelProfile = KernelProfile()

    /// One ensemble of `models[k]` models of `shapes[k]` per k; all take batches of up to `batch` sequences of
    /// length `seqLen`.
    public init(context: VulkanContext, compiler: ShaderCompiler, shapes: [ModelShape], models: [Int], batch: Int, seqLen: Int,
                stepsPerSubmit: Int = 16, profile: Bool = false, kernelConfig: KernelConfig = KernelConfig()) throws {
        precondition(!shapes.isEmpty && shapes.count == models.count)
        guard stepsPerSubmit >= 1 else { throw ConfigError("steps per submission must be at least 1, got \(stepsPerSubmit)") }
        let sequence = try CommandSequence(context, profile: profile)
        members = try zip(shapes, models).map { shape, m in
            try VulkanLSTMEnsemble(context: context, compiler: compiler, shape: shape, models: m, batch: batch, seqLen: seqLen,
                                   stepsPerSubmit: stepsPerSubmit, sequence: sequence, kernelConfig: kernelConfig)
        }
        self.sequence = sequence
        self.stepsPerSubmit = stepsPerSubmit
    }

    /// Device memory a set of this size takes (the sum of its ensembles'), without creating one.
    public static func estimatedBytes(shapes: [ModelShape], models: [Int], batch: Int, seqLen: Int, stepsPerSubmit: Int) -> Int {
        zip(shapes, models).reduce(0) {
            $0 + VulkanLSTMEnsemble.estimatedBytes(shape: $1.0, models: $1.1, batch: batch, seqLen: seqLen, stepsPerSubmit: stepsPerSubmit)
        }
    }

    public var models: Int { members.reduce(0) { $0 + $1.models } }
    public var deviceBytes: Int { members.reduce(0) { $0 + $1.deviceBytes } }
    /// Keep every model's embedding table fixed (see `VulkanLSTMEnsemble.frozenEmbedding`).
    public var frozenEmbedding: Bool {
        get { members[0].frozenEmbedding }
        set { for e in members { e.frozenEmbedding = newValue } }
    }

    /// The models' index ranges, one per member.
    private var ranges: [Range<Int>] {
        var start = 0
        return members.map { e in
            defer { start += e.models }
            return start..<(start + e.models)
        }
    }

    public func load(_ states: [TrainingState<Float>]) throws {
        precondition(states.count == models)
        for (e, r) in zip(members, ranges) { try e.load(Array(states[r])) }
    }

    public func states() throws -> [TrainingState<Float>] { try members.flatMap { try $0.states() } }

    /// Training steps in order (`steps[s][model]`, models numbered across the set), `stepsPerSubmit` per
    /// command buffer; every step's totals per model. Bitwise what each member's own `trainSteps` gives.
    public func trainSteps(_ steps: [[Batch]], adam: [AdamConfig]) throws -> [[LossTotals]] {
        precondition(adam.count == models)
        let ranges = ranges
        return try submissions(steps,
                               stage: { m, part in try members[m].prepareTraining(part, adam: Array(adam[ranges[m]])) },
                               phases: { m, push, s in members[m].trainingPhases(push, step: s) }).map { $0.map { $0.totals } }
    }

    /// Forward passes for several batches per model (`steps[s][model]`): totals and logits per model.
    public func evaluate(steps: [[Batch]]) throws -> [[(totals: LossTotals, logits: [Float])]] {
        try submissions(steps, stage: { m, part in try members[m].stage(part, backward: false) },
                        phases: { m, push, s in members[m].forwardPhases(push, step: s) })
    }

    /// Each chunk of `stepsPerSubmit` steps: every member stages its models' part, the steps are recorded
    /// phase by phase into one command buffer and submitted once; then each step's results, per model.
    private func submissions(_ steps: [[Batch]], stage: (Int, ArraySlice<[Batch]>) throws -> [LyapPush],
                             phases: (Int, LyapPush, Int) -> [StepPhase]) throws -> [[(totals: LossTotals, logits: [Float])]] {
        let ranges = ranges
        var out: [[(totals: LossTotals, logits: [Float])]] = []
        for chunk in members[0].chunks(steps) {
            let parts = ranges.map { r in chunk.map { Array($0[r]) }[...] }
            let pushes = try members.indices.map { try stage($0, parts[$0]) }
            try sequence.reset()
            for s in 0..<chunk.count { try record(members.indices.map { phases($0, pushes[$0][s], s) }) }
            try submit()
            let results = try members.indices.map { try members[$0].results(parts[$0]) }
            out += (0..<chunk.count).map { s in results.flatMap { $0[s] } }
        }
        return out
    }

    /// Phase i of every member, then one barrier; each member's part carries a debug label with its width.
    private func record(_ phases: [[StepPhase]]) throws {
        let count = phases[0].count
        precondition(phases.allSatisfy { $0.count == count }, "every ensemble's step has the same phases")
        for i in 0..<count {
            for (e, p) in zip(members, phases) {
                sequence.beginLabel("\(p[i].section) H=\(e.shape.hidden)")
                try p[i].record()
                sequence.endLabel()
            }
            sequence.barrier()
        }
    }

    private func submit() throws {
        try sequence.submitAndWait()
        kernelProfile.add(sequence.timings)
    }
}
