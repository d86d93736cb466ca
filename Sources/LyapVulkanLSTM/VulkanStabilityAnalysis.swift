import CLyapShared
import Foundation
import LyapCPUDynamics
import LyapCore
import LyapDynamics
import LyapVulkan

/// The stability analysis of methods.md §4-5 on a Vulkan device: `Shaders/lstm_tangent.comp` runs the
/// drive + zero-input loop of every (checkpoint, review), `stepsPerDispatch` steps per dispatch, in float32, with the CPU engine's
/// protocol (LyapDynamics' BatchedEngine): the same review set, the same seeded ξ and initial frames
/// (`AnalysisLaneVectors`), the same renormalisation schedule (`RenormSchedule`). The host turns the
/// kernel's outputs (h_T of the three trajectories, Kahan-compensated ln R_jj sums) into the same
/// `CheckpointAnalysis` the CPU returns, with distances, reduced sums and read-outs formed in Double.
///
/// Not on the GPU: `--jacobian-norm` (power iterations on JᵀJ) and `--precision float64`; both are refused.
public final class VulkanStabilityAnalysis: @unchecked Sendable {
    public let context: VulkanContext
    public let compiler: ShaderCompiler

    /// What the kernel leaves for one (checkpoint, review), before reduction to `ReviewDynamics`.
    public struct LaneOutput: Sendable, Equatable {
        /// h_T of base, twin A (perturbed at h_{-1}), twin B (perturbed at h_{drive-1}), H each.
        public var finalHidden: [Float]
        /// Σ ln R_jj over the accumulation window (Kahan sum minus its compensation, added in Double).
        public var logSums: [Double]
        /// The orthonormal tangent frame after the last step, k rows of 2H.
        public var finalFrame: [Float]
        public var collapsedRows: Int
        /// ln R_11 at every zero-input step (at the renormalisation steps; 0 at the others) with
        /// `finiteTimeSeries`, else empty.
        public var firstLogNorms: [Float] = []
    }

    /// Cell updates per dispatch; nil (the default) chooses: the whole drive + zero-input loop in one
    /// dispatch on a GPU, and on llvmpipe the longest run its loop limiter allows (see `LoopBudget`:
    /// llvmpipe ends a shader's loops after 65 535 iterations per invocation and returns wrong values,
    /// which is what once looked like corrupted shared state in long dispatches). A number forces that
    /// split; dispatches carry the state through a device buffer, with the same arithmetic and results
    /// (tested).
    public var stepsPerDispatch: Int?

    /// Times every dispatch with timestamp queries (`kernelProfile`).
    public let profile: Bool

    /// Guards `cached`, `builds` and `timings`: one call runs at a time, since calls share the plan's buffers.
    private let lock = Lock()
    private var cached: Plan?
    private var builds = 0
    private var timings = KernelProfile()

    public init(context: VulkanContext, compiler: ShaderCompiler, stepsPerDispatch: Int? = nil, profile: Bool = false) {
        self.context = context
        self.compiler = compiler
        self.stepsPerDispatch = stepsPerDispatch
        self.profile = profile
    }

    /// Every dispatch's GPU time and work so far (with `profile`).
    public var kernelProfile: KernelProfile { lock.withLock { timings } }

    /// Bytes of shared memory the kernel needs for width H and k tangents.
    public static func sharedBytes(hidden H: Int, tangents k: Int) -> Int {
        4 * ((3 + k) * 2 * H + (3 + k) * 4 * H + 6 * H + reductionWidth(H) + 2 * max(k, 1))
    }

    static func reductionWidth(_ H: Int) -> Int {
        var r = 1
        while r < 2 * H { r *= 2 }
        return r
    }

    /// The kernel's shared memory at width H with the config's k and the device's, where the first exceeds
    /// the second; nil where it fits.
    public func sharedMemoryShortfall(hidden H: Int, config c: AnalysisConfig) -> (need: Int, have: Int)? {
        let need = Self.sharedBytes(hidden: H, tangents: c.exponents), have = context.info.maxComputeSharedMemorySize
        return need > have ? (need, have) : nil
    }

    /// Throws a clear error when the shape or the protocol cannot run on this device.
    public func check(hidden H: Int, embed E: Int, config c: AnalysisConfig) throws(ConfigError) {
        if c.jacobianNormIterations > 0 {
            throw ConfigError("--jacobian-norm \(c.jacobianNormIterations): the asymptotic Jacobian norm is computed by the CPU backend only (use --backend cpu)")
        }
        if c.precision == .float64 {
            throw ConfigError("--precision float64: the Vulkan analysis runs in float32 only (use --backend cpu for the float64 oracle)")
        }
        if let (need, have) = sharedMemoryShortfall(hidden: H, config: c) {
            var kMax = c.exponents
            while kMax > 0 && Self.sharedBytes(hidden: H, tangents: kMax) > have { kMax -= 1 }
            let hint = Self.sharedBytes(hidden: H, tangents: 0) > have
                ? "H=\(H) does not fit even with --exponents 0"
                : "at most --exponents \(kMax) fits at H=\(H)"
            throw ConfigError("--exponents \(c.exponents) with H=\(H) needs \(need) bytes of shared memory per workgroup; \(context.info.name) has \(have) (\(hint); use --backend cpu for more)")
        }
        _ = try dispatchSteps(hidden: H, embed: E, config: c)
    }

    /// Invocations per workgroup: one per gate row up to 256.
    func workgroupSize(hidden H: Int) -> Int { LSTMKernels.persistentSize(hidden: H, device: context.info) }

    /// Cell updates per dispatch: `stepsPerDispatch` if set; else all of them, or on llvmpipe as many as
    /// its loop limiter allows (an error when not even one step fits).
    public func dispatchSteps(hidden H: Int, embed E: Int, config c: AnalysisConfig) throws(ConfigError) -> Int {
        if let s = stepsPerDispatch { return max(1, s) }
        guard LoopBudget.applies(to: context.info) else { return c.steps }
        let size = workgroupSize(hidden: H)
        guard let s = LoopBudget.tangentSteps(hidden: H, embed: E, tangents: c.exponents, renorm: c.effectiveRenormEvery,
                                              workgroup: size, rowsInRegisters: LSTMKernels.rowsInRegisters(hidden: H, workgroup: size),
                                              total: c.steps) else {
            throw ConfigError("--exponents \(c.exponents) with H=\(H): one step of the tangent kernel needs more loop iterations than llvmpipe allows per invocation (its loop limiter stops at 65535 and the results would be wrong); use --backend cpu, a GPU, or fewer exponents")
        }
        return s
    }

    /// Analyses several checkpoints of one shape against one review set: the `[CheckpointAnalysis]` of
    /// `StabilityAnalysis.analyze` (CPU), review by review comparable with it.
    public func analyze(_ checkpoints: [ParameterStore<Float>], reviews: ReviewSet, config: AnalysisConfig) throws -> [CheckpointAnalysis] {
        let raw = try run(checkpoints, reviews: reviews, config: config)
        let H = checkpoints.first?.layout.shape.hidden ?? 0
        return zip(checkpoints, raw).map { params, lanes in
            CheckpointAnalysis(config: config, hidden: H, perReview: Self.reduce(lanes, params: params, reviews: reviews, config: config))
        }
    }

    public func analyze(_ checkpoints: [ParameterStore<Double>], reviews: ReviewSet, config: AnalysisConfig) throws -> [CheckpointAnalysis] {
        try analyze(checkpoints.map { $0.withSummedBias().converted(to: Float.self) }, reviews: reviews, config: config)
    }

    static func reduce(_ lanes: [LaneOutput], params p: ParameterStore<Float>, reviews: ReviewSet, config c: AnalysisConfig) -> [ReviewDynamics] {
        let l = p.layout, H = l.shape.hidden
        let steps = Double(c.renormSchedule.accumulated)
        let wd = Array(p.values[l.wd.range]), bd = Double(p.values[l.bd.offset])
        let windows = c.finiteTimeSeries ? c.renormSchedule.renormalizationSteps : []
        return lanes.enumerated().map { lane, o in
            var dA = 0.0, dB = 0.0, sum = 0.0, logit = bd
            for j in 0..<H {
                let h = Double(o.finalHidden[j])
                let a = Double(o.finalHidden[H + j]) - h, b = Double(o.finalHidden[2 * H + j]) - h
                dA += a * a
                dB += b * b
                sum += h
                logit += Double(wd[j]) * h
            }
            var r = ReviewDynamics(reviewIndex: reviews.indices[lane], label: reviews.labels[lane],
                                   exponents: o.logSums.map { $0 / steps },
                                   distance: [.initial: dA.squareRoot(), .endOfDrive: dB.squareRoot()],
                                   reducedSum: sum, readout: logit, jacobianNorm: nil, collapsedRows: o.collapsedRows,
                                   finalState: c.finalStates ? (0..<H).map { Double(o.finalHidden[$0]) } : nil)
            if c.finiteTimeSeries {
                // ln R_11 / τ per window, as the CPU engine records it.
                var previous = 0
                r.finiteTimeExponents = windows.map { n in
                    defer { previous = n }
                    return Double(o.firstLogNorms[n - 1]) / Double(n - previous)
                }
            }
            return r
        }
    }

    /// The kernel's raw outputs per checkpoint and review. Checkpoints go to the device in groups small
    /// enough for the workgroup-count limit and the largest buffer; each group is one dispatch. Repeated calls with the same
    /// shape, review set and config reuse one `Plan`.
    public func run(_ given: [ParameterStore<Float>], reviews: ReviewSet, config c: AnalysisConfig) throws -> [[LaneOutput]] {
        let checkpoints = given.map { $0.withSummedBias() }  // lstm_tangent reads one gate bias
        guard let first = checkpoints.first else { return [] }
        let layout = first.layout, shape = layout.shape
        for m in checkpoints where m.layout != layout {
            throw ConfigError("models of different shapes in one analysis: \(shape) and \(m.layout.shape)")
        }
        try StabilityAnalysis.validate(c, reviews: reviews, shape: shape)
        try check(hidden: shape.hidden, embed: shape.embed, config: c)
        let H = shape.hidden, k = c.exponents, S = reviews.count, n = 2 * H
        let group = try checkpointsPerDispatch(checkpoints.count, layout: layout, reviews: S, config: c)
        let totalSteps = c.steps, perDispatch = try dispatchSteps(hidden: H, embed: shape.embed, config: c)
        let auto = c.autonomousSteps

        var push = LyapPush(layout: layout)
        push.B = UInt32(S)
        push.drive = UInt32(reviews.drive)
        push.autoSteps = UInt32(c.autonomousSteps)
        push.transient = UInt32(c.transient)
        push.renorm = UInt32(c.effectiveRenormEvery)
        push.tangents = UInt32(k)

        return try lock.withLock { () throws -> [[LaneOutput]] in
            let plan = try plan(for: Plan.Key(layout: layout, reviews: reviews, config: c), group: group)
            let out = plan.outputs, sequence = plan.sequence, bindings = plan.bindings
            var result: [[LaneOutput]] = []
            result.reserveCapacity(checkpoints.count)
            for start in stride(from: 0, to: checkpoints.count, by: group) {
                let chunk = checkpoints[start..<min(checkpoints.count, start + group)]
                let M = chunk.count
                try out.params.upload(chunk.flatMap(\.values))
                push.M = UInt32(M)
                let work = TangentWork(H: H, E: shape.embed, P: layout.count, k: k, models: M, reviews: S, drive: reviews.drive,
                                       schedule: c.renormSchedule, ftle: plan.key.ftle)
                try sequence.reset()
                sequence.beginLabel("stability analysis")
                if let series = out.series {
                    // The kernel writes the renormalisation steps only; the rest would be old memory.
                    try sequence.fill(series)
                    sequence.barrier()
                }
                for begin in stride(from: 0, to: totalSteps, by: perDispatch) {
                    push.chunkBegin = UInt32(begin)
                    push.chunkEnd = UInt32(min(totalSteps, begin + perDispatch))
                    try sequence.dispatch(plan.pipeline, buffers: bindings, push: push, groups: (S, M, 1),
                                          work: work.dispatch(begin: Int(push.chunkBegin), end: Int(push.chunkEnd)))
                    sequence.barrier()
                }
                sequence.endLabel()
                try sequence.submitAndWait()
                timings.add(sequence.timings)
                let h = try out.finalH.download(Float.self, count: M * S * 3 * H)
                let lg = k > 0 ? try out.logs.download(Float.self, count: M * S * 2 * k) : []
                let q = k > 0 ? try out.finalQ.download(Float.self, count: M * S * k * n) : []
                let lost = try out.collapsed.download(UInt32.self, count: M * S)
                let firsts = try out.series?.download(Float.self, count: M * S * auto) ?? []
                for m in 0..<M {
                    result.append((0..<S).map { s in
                        let lane = m * S + s
                        return LaneOutput(
                            finalHidden: Array(h[(lane * 3 * H)..<((lane + 1) * 3 * H)]),
                            logSums: (0..<k).map { Double(lg[lane * 2 * k + $0]) - Double(lg[lane * 2 * k + k + $0]) },
                            finalFrame: Array(q[(lane * k * n)..<((lane + 1) * k * n)]),
                            collapsedRows: Int(lost[lane]),
                            firstLogNorms: firsts.isEmpty ? [] : Array(firsts[(lane * auto)..<((lane + 1) * auto)]))
                    })
                }
            }
            return result
        }
    }

    /// Checkpoints per dispatch (the y workgroups) out of `count`: at most the workgroup-count limit, and few
    /// enough that every per-checkpoint buffer (the saved state, the final frames) stays within the device's
    /// largest storage buffer. A ConfigError when the reviews do not fit one dispatch even so.
    func checkpointsPerDispatch(_ count: Int, layout: ParameterLayout, reviews S: Int, config c: AnalysisConfig) throws(ConfigError) -> Int {
        let info = context.info, limit = info.maxWorkgroupCount
        guard S <= limit.x else {
            throw ConfigError("--reviews \(S) exceeds the device's workgroup-count limit (\(limit.x)) for one dispatch")
        }
        let bytes = 4 * CheckpointFloats(layout: layout, reviews: S, config: c).largest, most = info.largestStorageBuffer
        guard bytes <= most else {
            throw ConfigError("--reviews \(S) with H=\(layout.shape.hidden) and --exponents \(c.exponents) need \(formatBytes(bytes)) of state per checkpoint in one buffer; \(info.name) binds at most \(formatBytes(most)) (maxStorageBufferRange, maxMemoryAllocationSize); use fewer --reviews")
        }
        return max(1, min(limit.y, count, most / bytes))
    }

    /// Floats per checkpoint of each buffer indexed by checkpoint (`Plan.Outputs` holds a group of them).
    struct CheckpointFloats {
        let params, finalH, logs, collapsed, finalQ, saved, series: Int

        init(layout: ParameterLayout, reviews S: Int, config c: AnalysisConfig) {
            let H = layout.shape.hidden, k = c.exponents, n = 2 * H
            params = layout.count
            finalH = S * 3 * H
            logs = S * 2 * k
            collapsed = S
            finalQ = S * k * n
            saved = S * ((3 + k) * n + 2 * k + 1)
            series = c.finiteTimeSeries && k > 0 ? S * c.autonomousSteps : 0
        }

        var largest: Int { max(params, finalH, logs, collapsed, finalQ, saved, series) }
    }

    /// Plans built so far (tests check that repeated calls with one key build one).
    var planBuilds: Int { lock.withLock { builds } }

    /// The plan for `key` with room for `group` checkpoints: the cached one, grown if it is too small, or a
    /// new one. Call with `lock` held.
    private func plan(for key: Plan.Key, group: Int) throws -> Plan {
        if let p = cached, p.key == key {
            if p.outputs.capacity < group { p.outputs = try Plan.Outputs(context, key: key, capacity: group) }
            return p
        }
        cached = nil  // frees the old plan's buffers before the new ones are allocated
        let H = key.layout.shape.hidden, k = key.config.exponents, size = workgroupSize(hidden: H)
        var defines: [String: String] = [:]
        if LSTMKernels.rowsInRegisters(hidden: H, workgroup: size) { defines["ROWREG"] = "1" }
        if key.ftle { defines["FTLE"] = "1" }
        let kernel = LSTMKernel.tangent
        let spirv = try compiler.compile(kernel.file, defines: defines)
        let pipeline = try ComputePipeline(context, name: "\(kernel.name).H\(H).k\(k).wg\(size)\(key.ftle ? ".ftle" : "")", spirv: spirv,
                                           bindings: kernel.bindings + (key.ftle ? 1 : 0),
                                           pushConstantBytes: MemoryLayout<LyapPush>.size,
                                           specialization: [size, H, k, Self.reductionWidth(H)].map { UInt32($0) })
        let p = try Plan(context, key: key, pipeline: pipeline, capacity: group, profile: profile)
        cached = p
        builds += 1
        return p
    }

    /// What `run` builds for one key and reuses while the key stays the same: the pipeline, the review
    /// set's tokens, ξ and initial frames on the device, the per-checkpoint buffers and a command sequence
    /// (the dispatches are recorded again on every call, so the steps per dispatch are not in the key).
    private final class Plan {
        struct Key: Equatable {
            let layout: ParameterLayout
            let reviews: ReviewSet
            /// The whole config: more than the kernel and the lane vectors read, but callers keep one
            /// config for all their calls, and a field left out by mistake would reuse stale inputs.
            let config: AnalysisConfig

            var ftle: Bool { config.finiteTimeSeries && config.exponents > 0 }
        }

        /// The buffers indexed by checkpoint, with room for `capacity` of them.
        struct Outputs {
            let capacity: Int
            let params, finalH, logs, collapsed, finalQ, saved: DeviceBuffer
            let series: DeviceBuffer?

            init(_ ctx: VulkanContext, key: Key, capacity group: Int) throws(VulkanError) {
                let f = CheckpointFloats(layout: key.layout, reviews: key.reviews.count, config: key.config)
                capacity = group
                params = try buffer(ctx, "analysis.params", group * f.params)
                finalH = try buffer(ctx, "analysis.final_h", group * f.finalH)
                logs = try buffer(ctx, "analysis.log_sums", group * f.logs)
                collapsed = try buffer(ctx, "analysis.collapsed", group * f.collapsed)
                finalQ = try buffer(ctx, "analysis.final_frame", group * f.finalQ)
                saved = try buffer(ctx, "analysis.saved_state", group * f.saved)
                series = key.ftle ? try buffer(ctx, "analysis.first_log_norms", group * f.series) : nil
            }
        }

        let key: Key
        let pipeline: ComputePipeline
        let tokens, xi, frames: DeviceBuffer
        var outputs: Outputs
        let sequence: CommandSequence

        init(_ ctx: VulkanContext, key: Key, pipeline: ComputePipeline, capacity: Int, profile: Bool) throws(VulkanError) {
            let H = key.layout.shape.hidden, k = key.config.exponents, S = key.reviews.count, n = 2 * H
            self.key = key
            self.pipeline = pipeline
            let vectors = AnalysisLaneVectors(reviews: key.reviews, hidden: H, config: key.config)
            var xiValues = [Float](repeating: 0, count: S * n)
            for s in 0..<S {
                for j in 0..<H {
                    xiValues[s * n + j] = Float(vectors.xi[s * H + j])
                    xiValues[s * n + H + j] = Float(vectors.xiCell[s * H + j])
                }
            }
            tokens = try buffer(ctx, "analysis.tokens", key.reviews.tokens.count)
            xi = try buffer(ctx, "analysis.xi", S * n)
            frames = try buffer(ctx, "analysis.frames", S * k * n)
            if !key.reviews.tokens.isEmpty { try tokens.upload(key.reviews.tokens) }
            try xi.upload(xiValues)
            if k > 0 { try frames.upload(vectors.frames.map { Float($0) }) }
            outputs = try Outputs(ctx, key: key, capacity: capacity)
            sequence = try CommandSequence(ctx, profile: profile)
        }

        var bindings: [DeviceBuffer] {
            [outputs.params, tokens, xi, frames, outputs.finalH, outputs.logs, outputs.collapsed, outputs.finalQ, outputs.saved]
                + (outputs.series.map { [$0] } ?? [])
        }
    }
}

/// A buffer of `count` 32-bit values (at least one).
private func buffer(_ ctx: VulkanContext, _ name: String, _ count: Int) throws(VulkanError) -> DeviceBuffer {
    try DeviceBuffer(ctx, bytes: max(count, 1) * 4, name: name)
}
