import CLyapShared
import Foundation
import LyapCore
import LyapVulkan

/// M models of one shape trained together in one dispatch stream: every buffer holds the M models
/// back to back and every kernel's grid includes the model index. Parameters, gradients and Adam
/// moments stay on the device. Up to `stepsPerSubmit` training steps are recorded into one command
/// buffer: the host uploads their token ids and labels in one go, submits once, and reads back the
/// per-sequence losses of all of them after the last.
public final class VulkanLSTMEnsemble: @unchecked Sendable {
    public let context: VulkanContext
    public let shape: ModelShape
    public let models: Int, batchCapacity: Int, seqLen: Int
    /// Steps recorded into one submission by `trainSteps` / `evaluate(steps:)`.
    public let stepsPerSubmit: Int
    /// Device memory the ensemble's buffers take (`estimatedBytes` predicts it).
    public private(set) var deviceBytes = 0
    /// The largest of them (`estimatedLargestBuffer` predicts it).
    public private(set) var largestBufferBytes = 0

    /// Device memory an ensemble of this size takes, without creating one: parameters, gradients and Adam
    /// moments (4 P per model), the keras form's embedding slice squares (V E per model), the activations of every step (11H + E floats per row of L·B), the split-K
    /// scratch, and `stepsPerSubmit` slots of inputs and outputs. Lets a sweep size its ensembles to the
    /// device (tested against `deviceBytes`).
    public static func estimatedBytes(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int, stepsPerSubmit S: Int,
                                      biases: BiasLayout = .one) -> Int {
        let P = ParameterLayout(shape, biases: biases).count, H = shape.hidden, G = 4 * H, E = shape.embed, rows = M * L * B
        let scratch = scratchFloats(shape: shape, models: M, batch: B, seqLen: L)
        let perStep = M * (2 * L * B + 3 * B + shape.vocab + (L * B + 1) + 2)  // tokens, positions, labels, logits, loss, slot, starts, hyper
        let floats = 4 * M * P + M * shape.vocab * E + rows * (2 * G + 3 * H + E) + M * B + scratch.wh + scratch.wx + scratch.bias + S * perStep
        return 4 * floats + S * 8 * 256  // slot alignment padding, at most 256 bytes per slot
    }

    /// Floats of the split-K scratch buffers (partial sums of dWh, dWx, the gate bias), sized for the largest
    /// chunk count any batch size up to B gives.
    static func scratchFloats(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int) -> (wh: Int, wx: Int, bias: Int) {
        let G = 4 * shape.hidden
        func chunks(_ split: (Int) -> SplitK) -> Int { (1...B).map { split($0).chunks }.max()! }
        return (M * G * shape.hidden * chunks { SplitK.recurrent(shape: shape, models: M, batch: $0, seqLen: L) },
                M * G * shape.embed * chunks { SplitK.input(shape: shape, models: M, batch: $0, seqLen: L) },
                M * G * chunks { SplitK.bias(shape: shape, models: M, batch: $0, seqLen: L) })
    }

    /// The largest single buffer an ensemble of this size allocates on `device` (usually the gate
    /// pre-activations or deltas, M·L·B·4H floats): it must not exceed `device.largestStorageBuffer`, whatever
    /// the total memory (`largestBufferBytes` is what an ensemble allocated).
    public static func estimatedLargestBuffer(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int, stepsPerSubmit S: Int,
                                              device: VulkanDeviceInfo, biases: BiasLayout = .one) -> Int {
        let rows = M * L * B, scratch = scratchFloats(shape: shape, models: M, batch: B, seqLen: L)
        let floats = [M * ParameterLayout(shape, biases: biases).count, rows * 4 * shape.hidden, rows * max(shape.hidden, shape.embed),
                      scratch.wh, scratch.wx, scratch.bias].max()!
        let steppedFloats = [rows, M * shape.vocab, M * (L * B + 1)].max()!  // tokens, token slots, segment starts
        return max(4 * floats, SteppedBuffer.bytes(perStep: 4 * steppedFloats, steps: S, device: device))
    }

    /// The most models of this shape one ensemble holds on `device` with every buffer within
    /// `largestStorageBuffer` (0 when not even one fits).
    public static func maxModels(shape: ModelShape, batch B: Int, seqLen L: Int, stepsPerSubmit S: Int, device: VulkanDeviceInfo) -> Int {
        func fits(_ m: Int) -> Bool {
            estimatedLargestBuffer(shape: shape, models: m, batch: B, seqLen: L, stepsPerSubmit: S, device: device) <= device.largestStorageBuffer
        }
        guard fits(1) else { return 0 }
        var lo = 1, hi = 1
        while fits(hi * 2) { hi *= 2 }
        hi *= 2
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if fits(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }
    public let layout: ParameterLayout
    private let kernels: LSTMKernels
    /// The workgroup sizes and ROWREG choice the pipelines were built with.
    public var resolvedKernelConfig: KernelConfig.Resolved { kernels.config }
    /// Every pipeline's name, e.g. "lstm_forward.H60.wg256.rowreg" (the --profile table's rows).
    public var pipelineNames: [String] { kernels.pipelines.map(\.name) }
    let sequence: CommandSequence
    private let params, grads, adamM, adamV, gates, cell, tanhCell, hidden, dA, dX, dz: DeviceBuffer
    /// The keras Adam form's per-element sums of squared embedding slices [m][V][E] (grad_embedding writes
    /// them only in that form).
    private let sliceSquares: DeviceBuffer
    /// Scratch of the split-K gradient reductions (SplitK): per-chunk partial sums [m][c][output] of dWh,
    /// dWx and the gate bias.
    private let whParts, wxParts, biasParts: DeviceBuffer
    /// One slot per step of a submission.
    private let tokens, labels, logits, loss, slot, segStart, positions, hyper: SteppedBuffer
    private var segments: [TokenSegments]
    private var steps: [Int]
    /// Keep every model's embedding table fixed: the embedding-gradient dispatch is skipped and that part
    /// of the gradients is zero, so Adam (m = v = 0) leaves the table bitwise unchanged.
    public var frozenEmbedding = false { didSet { embeddingGradientsZeroed = false } }
    /// `.zero`: embedding row 0 (the pad id) gets a zero gradient every step, as nn.Embedding(padding_idx=0).
    public var padRow: PadRow = .trained
    /// The loss trained and evaluated (`LossForm`); accuracy then counts sigmoid(z) > 0.5 as PyTorch does.
    public var lossForm: LossForm = .logits
    private var embeddingGradientsZeroed = false

    /// `kernelConfig`: the kernels' workgroup sizes and ROWREG choice (the default is the automatic one);
    /// a ConfigError where it is not possible at this width on this device.
    public convenience init(context: VulkanContext, compiler: ShaderCompiler, shape: ModelShape, biases: BiasLayout = .one,
                            models: Int, batch: Int, seqLen: Int,
                            stepsPerSubmit: Int = 16, profile: Bool = false, kernelConfig: KernelConfig = KernelConfig()) throws {
        try self.init(context: context, compiler: compiler, shape: shape, biases: biases, models: models, batch: batch, seqLen: seqLen,
                      stepsPerSubmit: stepsPerSubmit, sequence: try CommandSequence(context, profile: profile), kernelConfig: kernelConfig)
    }

    /// Records into `sequence`, which a `VulkanEnsembleSet` shares among its ensembles.
    init(context: VulkanContext, compiler: ShaderCompiler, shape: ModelShape, biases: BiasLayout = .one, models: Int, batch: Int, seqLen: Int,
         stepsPerSubmit: Int, sequence: CommandSequence, kernelConfig: KernelConfig) throws {
        precondition(models >= 1 && batch >= 1 && seqLen >= 1)
        precondition(sequence.context === context)
        guard stepsPerSubmit >= 1 else { throw ConfigError("steps per submission must be at least 1, got \(stepsPerSubmit)") }
        self.context = context
        self.stepsPerSubmit = stepsPerSubmit
        self.shape = shape
        self.models = models
        batchCapacity = batch
        self.seqLen = seqLen
        layout = ParameterLayout(shape, biases: biases)
        let launch = try kernelConfig.resolved(hidden: shape.hidden, device: context.info)
        let largest = Self.estimatedLargestBuffer(shape: shape, models: models, batch: batch, seqLen: seqLen,
                                                  stepsPerSubmit: stepsPerSubmit, device: context.info, biases: biases)
        if largest > context.info.largestStorageBuffer {
            let most = Self.maxModels(shape: shape, batch: batch, seqLen: seqLen, stepsPerSubmit: stepsPerSubmit, device: context.info)
            throw ConfigError("\(models) models of H=\(shape.hidden) with B=\(batch), L=\(seqLen) need a \(formatBytes(largest)) buffer; \(context.info.name) binds at most \(formatBytes(context.info.largestStorageBuffer)) (maxStorageBufferRange, maxMemoryAllocationSize): "
                + (most > 0 ? "at most \(most) such models per ensemble (--max-models \(most))" : "not even one such model fits; use a smaller --batch or --seq-len"))
        }
        if LoopBudget.applies(to: context.info) {
            let worst = LoopBudget.training(shape: shape, models: models, batch: batch, seqLen: seqLen, kernels: launch, biases: biases)
            if worst.iterations > LoopBudget.iterations {
                throw ConfigError("\(context.info.name): H=\(shape.hidden), L=\(seqLen), B=\(batch) needs about \(worst.iterations) loop iterations per invocation in \(worst.kernel); llvmpipe silently stops shader loops after 65535 (Mesa's loop limiter), so the results would be wrong. Use --backend cpu (faster on this machine anyway), a GPU, or a smaller --seq-len/--hidden/--batch")
            }
        }
        kernels = try LSTMKernels(context, compiler: compiler, hidden: shape.hidden, config: launch)
        self.sequence = sequence
        let M = models, P = layout.count, rows = models * seqLen * batch, H = shape.hidden, G = 4 * H
        var total = 0
        var largestBuffer = 0
        func buffer(_ name: String, _ count: Int) throws -> DeviceBuffer {
            let b = try DeviceBuffer(context, bytes: max(count, 1) * 4, name: name)
            total += b.bytes
            largestBuffer = max(largestBuffer, b.bytes)
            return b
        }
        func stepped(_ name: String, _ count: Int) throws -> SteppedBuffer {
            let b = try SteppedBuffer(context, name: name, bytesPerStep: count * 4, steps: stepsPerSubmit)
            total += b.buffer.bytes
            largestBuffer = max(largestBuffer, b.buffer.bytes)
            return b
        }
        params = try buffer("params", M * P)
        grads = try buffer("grads", M * P)
        adamM = try buffer("adam.exp_avg", M * P)
        adamV = try buffer("adam.exp_avg_sq", M * P)
        tokens = try stepped("tokens", M * batch * seqLen)
        labels = try stepped("labels", M * batch)
        gates = try buffer("gates", rows * G)
        cell = try buffer("cell", rows * H)
        tanhCell = try buffer("tanh_cell", rows * H)
        hidden = try buffer("hidden", rows * H)
        dA = try buffer("gate_deltas", rows * G)
        dX = try buffer("input_deltas", rows * shape.embed)
        logits = try stepped("logits", M * batch)
        loss = try stepped("loss", M * batch)
        dz = try buffer("dz", M * batch)
        sliceSquares = try buffer("embedding_slice_squares", M * layout.embedding.count)
        let scratch = Self.scratchFloats(shape: shape, models: M, batch: batch, seqLen: seqLen)
        whParts = try buffer("grad_wh_parts", scratch.wh)
        wxParts = try buffer("grad_wx_parts", scratch.wx)
        biasParts = try buffer("grad_bias_parts", scratch.bias)
        slot = try stepped("token_slot", M * shape.vocab)
        segStart = try stepped("token_segment_start", M * (seqLen * batch + 1))
        positions = try stepped("token_positions", M * seqLen * batch)
        hyper = try stepped("adam_hyper", M * 2)
        segments = (0..<M).map { _ in TokenSegments(vocab: shape.vocab, capacity: seqLen * batch) }
        steps = [Int](repeating: 0, count: M)
        deviceBytes = total
        largestBufferBytes = largestBuffer
    }

    // MARK: state

    public func load(_ states: [TrainingState<Float>]) throws {
        precondition(states.count == models)
        var p: [Float] = [], m: [Float] = [], v: [Float] = []
        for s in states {
            guard s.params.layout == layout else {
                throw ConfigError("parameters have shape \(s.params.layout.shape), the Vulkan backend was built for \(shape)")
            }
            p += s.params.values
            m += s.m
            v += s.v
        }
        try params.upload(p)
        try adamM.upload(m)
        try adamV.upload(v)
        steps = states.map(\.step)
    }

    public func states() throws -> [TrainingState<Float>] {
        let P = layout.count
        let p = try params.download(Float.self, count: models * P)
        let m = try adamM.download(Float.self, count: models * P)
        let v = try adamV.download(Float.self, count: models * P)
        return (0..<models).map { k in
            TrainingState(params: ParameterStore(layout: layout, values: Array(p[(k * P)..<((k + 1) * P)])),
                          m: Array(m[(k * P)..<((k + 1) * P)]), v: Array(v[(k * P)..<((k + 1) * P)]), step: steps[k])
        }
    }

    /// Gradients of the last `gradients(_:)` or `trainStep` call, per model.
    public func gradientValues() throws -> [[Float]] {
        let P = layout.count
        let g = try grads.download(Float.self, count: models * P)
        return (0..<models).map { Array(g[($0 * P)..<(($0 + 1) * P)]) }
    }

    /// Replaces the gradients on the device (per model): with `gradients(_:)` and `adamStep(adam:)`, a
    /// training step whose gradient the host changes between backward and Adam (`lyap audit`'s
    /// learning-signal perturbations).
    public func setGradientValues(_ values: [[Float]]) throws {
        precondition(values.count == models && values.allSatisfy { $0.count == layout.count })
        try grads.upload(values.flatMap { $0 })
    }

    /// The Adam update of every model from the gradients on the device: the last part of `trainStep`.
    public func adamStep(adam: [AdamConfig]) throws {
        precondition(adam.count == models)
        if adam[0].form.needsSliceSquares {
            throw ConfigError("--adam-form keras needs the embedding slice squares of the same step; it cannot run with gradient perturbations (lyap audit)")
        }
        try hyper.upload([advanceSteps(adam)])
        var push = LyapPush(layout: layout)
        push.M = UInt32(models)
        setAdamConstants(&push, adam)
        try sequence.reset()
        try record(adamPhases(push, step: 0))
        try submit()
    }

    /// Counts one more step per model and returns its Adam hyper-parameters, two per model: torch form
    /// lr / (1 - beta1^t) and sqrt(1 - beta2^t); keras forms Keras' float32 alpha and 0.
    private func advanceSteps(_ adam: [AdamConfig]) -> [Float] {
        var h: [Float] = []
        for k in 0..<models {
            steps[k] += 1
            let n = Double(steps[k])
            if adam[k].form == .torch {
                h.append(Float(adam[k].lr / (1 - pow(adam[k].beta1, n))))
                h.append(Float((1 - pow(adam[k].beta2, n)).squareRoot()))
            } else {
                h.append(KerasAdam.alpha(step: steps[k], config: adam[k], as: Float.self))
                h.append(0)
            }
        }
        return h
    }

    /// beta1, beta2, eps and the form are shared by the ensemble (learning rates may differ per model).
    private func setAdamConstants(_ p: inout LyapPush, _ adam: [AdamConfig]) {
        let a = adam[0]
        precondition(adam.allSatisfy { $0.form == a.form }, "one Adam form per ensemble")
        p.adamForm = a.form == .torch ? 0 : (a.form == .keras ? 1 : 2)
        p.beta1 = Float(a.form == .torch ? a.beta1 : 1 - a.beta1)
        p.beta2 = Float(a.form == .torch ? a.beta2 : 1 - a.beta2)
        p.eps = Float(a.eps)
    }

    // MARK: steps

    /// Forward only, per model: totals and logits.
    public func evaluate(_ batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        try evaluate(steps: [batches])[0]
    }

    /// Forward passes for several batches per model (`steps[s][model]`), `stepsPerSubmit` per submission.
    public func evaluate(steps: [[Batch]]) throws -> [[(totals: LossTotals, logits: [Float])]] {
        var out: [[(totals: LossTotals, logits: [Float])]] = []
        for chunk in chunks(steps) {
            let push = try stage(chunk, backward: false)
            try sequence.reset()
            for (s, p) in push.enumerated() { try record(forwardPhases(p, step: s)) }
            try submit()
            out += try results(chunk)
        }
        return out
    }

    /// Forward and backward: leaves the gradients on the device (see `gradientValues`).
    public func gradients(_ batches: [Batch]) throws -> [LossTotals] {
        let push = try stage([batches], backward: true)[0]
        try sequence.reset()
        try record(forwardPhases(push, step: 0) + backwardPhases(push, step: 0))
        try submit()
        return try results([batches])[0].map(\.totals)
    }

    /// One training step for every model (forward, backward, Adam).
    public func trainStep(_ batches: [Batch], adam: [AdamConfig]) throws -> [LossTotals] {
        try trainSteps([batches], adam: adam)[0]
    }

    /// Training steps in order (`steps[s][model]`), `stepsPerSubmit` recorded into each command buffer
    /// with a barrier between steps; returns every step's totals per model. Bitwise the same as calling
    /// `trainStep` once per step.
    public func trainSteps(_ steps: [[Batch]], adam: [AdamConfig]) throws -> [[LossTotals]] {
        precondition(adam.count == models)
        var out: [[LossTotals]] = []
        for chunk in chunks(steps) {
            let push = try prepareTraining(chunk, adam: adam)
            try sequence.reset()
            for s in push.indices { try record(trainingPhases(push[s], step: s)) }
            try submit()
            out += try results(chunk).map { $0.map(\.totals) }
        }
        return out
    }

    /// Every dispatch's GPU time and work over every submit so far (profile mode).
    public private(set) var kernelProfile = KernelProfile()

    private func submit() throws {
        try sequence.submitAndWait()
        kernelProfile.add(sequence.timings)
    }

    func chunks(_ steps: [[Batch]]) -> [ArraySlice<[Batch]>] {
        stride(from: 0, to: steps.count, by: stepsPerSubmit).map { steps[$0..<min($0 + stepsPerSubmit, steps.count)] }
    }

    // MARK: recording

    /// Stages up to `stepsPerSubmit` training steps: their inputs uploaded, every model's step count
    /// advanced, one push-constant block per step with the Adam constants.
    func prepareTraining(_ chunk: ArraySlice<[Batch]>, adam: [AdamConfig]) throws -> [LyapPush] {
        precondition(adam.count == models)
        var push = try stage(chunk, backward: true)
        try hyper.upload(chunk.map { _ in advanceSteps(adam) })
        for s in push.indices { setAdamConstants(&push[s], adam) }
        return push
    }

    /// Checks and uploads the inputs of up to `stepsPerSubmit` steps into their slots; one push-constant
    /// block per step.
    func stage(_ chunk: ArraySlice<[Batch]>, backward: Bool) throws -> [LyapPush] {
        precondition(chunk.count <= stepsPerSubmit)
        let v = Int32(shape.vocab)
        var tok: [[Int32]] = [], lab: [[Float]] = [], pushes: [LyapPush] = []
        var s: [[Int32]] = [], starts: [[UInt32]] = [], pos: [[UInt32]] = []
        for batches in chunk {
            precondition(batches.count == models)
            let B = batches[0].count
            guard B >= 1, B <= batchCapacity, batches.allSatisfy({ $0.count == B && $0.seqLen == seqLen }) else {
                throw ConfigError("Vulkan batches must share one size <= \(batchCapacity) and L = \(seqLen)")
            }
            var t: [Int32] = [], l: [Float] = []
            t.reserveCapacity(models * B * seqLen)
            for b in batches {
                if let bad = b.tokens.first(where: { $0 < 0 || $0 >= v }) {
                    throw ConfigError("token id \(bad) is outside the vocabulary [0, \(v)) (--vocab)")
                }
                t += b.tokens
                l += b.labels.map { Float($0) }
            }
            tok.append(t)
            lab.append(l)
            if backward {
                var ss: [Int32] = [], st: [UInt32] = [], ps: [UInt32] = []
                for (k, b) in batches.enumerated() {
                    segments[k].build(tokens: b.tokens[...], batch: B, seqLen: seqLen, skipping: padRow == .zero ? 0 : nil)
                    ss += segments[k].slot
                    st += segments[k].segStart
                    ps += segments[k].positions
                }
                s.append(ss)
                starts.append(st)
                pos.append(ps)
            }
            var p = LyapPush(layout: layout)
            p.M = UInt32(models)
            p.B = UInt32(B)
            p.L = UInt32(seqLen)
            p.segCap = UInt32(seqLen * batchCapacity)
            p.invB = 1 / Float(B)
            pushes.append(p)
        }
        try tokens.upload(tok)
        try labels.upload(lab)
        if backward {
            try slot.upload(s)
            try segStart.upload(starts)
            try positions.upload(pos)
            if frozenEmbedding && !embeddingGradientsZeroed {
                // Once: no other gradient kernel writes this part, and the skipped dispatch would.
                let zeros = [Float](repeating: 0, count: layout.embedding.count)
                for k in 0..<models { try grads.upload(zeros, atByte: (k * layout.count + layout.embedding.offset) * 4) }
                try sliceSquares.upload([Float](repeating: 0, count: models * layout.embedding.count))
                embeddingGradientsZeroed = true
            }
        }
        return pushes
    }

    private func bytes(_ p: LyapPush) -> [UInt8] { withUnsafeBytes(of: p) { Array($0) } }

    /// Records phases with a barrier after each, and one debug label around each run of phases of the
    /// same section.
    private func record(_ phases: [StepPhase]) throws {
        for (i, phase) in phases.enumerated() {
            if i == 0 || phases[i - 1].section != phase.section { sequence.beginLabel(phase.section) }
            try phase.record()
            sequence.barrier()
            if i == phases.count - 1 || phases[i + 1].section != phase.section { sequence.endLabel() }
        }
    }

    /// One training step: forward, backward, Adam.
    func trainingPhases(_ p: LyapPush, step s: Int) -> [StepPhase] {
        forwardPhases(p, step: s) + backwardPhases(p, step: s) + adamPhases(p, step: s)
    }

    func forwardPhases(_ p: LyapPush, step s: Int) -> [StepPhase] {
        let b = bytes(p), M = models, B = Int(p.B), H = shape.hidden
        let work = TrainingStepWork(shape: shape, models: M, batch: B, seqLen: seqLen, biases: layout.biases)
        return [
            StepPhase(section: "forward") { [self] in
                try sequence.dispatch(kernels.inputProjection, slices: [params.whole, tokens.slot(s), gates.whole], push: b,
                                      groups: kernels.groups(M * seqLen * B * 4 * H), work: work.inputProjection)
            },
            StepPhase(section: "forward") { [self] in
                try sequence.dispatch(kernels.forward, buffers: [params, gates, cell, tanhCell, hidden], push: b, groups: (M * B, 1, 1),
                                      work: work.forward)
            },
            StepPhase(section: "forward") { [self] in
                try sequence.dispatch(kernels.headLoss(for: lossForm), slices: [params.whole, hidden.whole, labels.slot(s), logits.slot(s), loss.slot(s), dz.whole],
                                      push: b, groups: kernels.groups(M * B), work: work.headLoss)
            },
        ]
    }

    func adamPhases(_ p: LyapPush, step s: Int) -> [StepPhase] {
        let work = TrainingStepWork(shape: shape, models: models, batch: Int(p.B), seqLen: seqLen, biases: layout.biases)
        return [StepPhase(section: "adam") { [self] in
            try sequence.dispatch(kernels.adam, slices: [params.whole, grads.whole, adamM.whole, adamV.whole, hyper.slot(s), sliceSquares.whole],
                                  push: bytes(p), groups: kernels.groups(models * layout.count), work: work.adam)
        }]
    }

    func backwardPhases(_ p: LyapPush, step s: Int) -> [StepPhase] {
        let b = bytes(p), M = models, B = Int(p.B), H = shape.hidden, G = 4 * H, E = shape.embed
        let wh = SplitK.recurrent(shape: shape, models: M, batch: B, seqLen: seqLen)
        let wx = SplitK.input(shape: shape, models: M, batch: B, seqLen: seqLen)
        let bias = SplitK.bias(shape: shape, models: M, batch: B, seqLen: seqLen)
        let work = TrainingStepWork(shape: shape, models: M, batch: B, seqLen: seqLen, biases: layout.biases)
        /// Pass 1's push block: the chunking.
        func part(_ split: SplitK) -> [UInt8] {
            var q = p
            q.splits = UInt32(split.chunks)
            q.splitRows = UInt32(split.chunkRows)
            return bytes(q)
        }
        /// Pass 2: add the chunks of `outputs` values per model into the gradients at `offset`.
        func sum(_ parts: DeviceBuffer, _ split: SplitK, outputs: Int, at offset: Int) throws {
            var q = p
            q.splits = UInt32(split.chunks)
            q.splitOutputs = UInt32(outputs)
            q.splitDst = UInt32(offset)
            try sequence.dispatch(kernels.gradSumParts, buffers: [parts, grads], push: bytes(q), groups: kernels.groups(M * outputs),
                                  work: work.gradSumParts(split, outputs: outputs))
        }
        return [
            StepPhase(section: "backward") { [self] in
                try sequence.dispatch(kernels.backward, buffers: [params, gates, cell, tanhCell, dz, dA], push: b, groups: (M * B, 1, 1),
                                      work: work.backward)
            },
            StepPhase(section: "backward") { [self] in
                try sequence.dispatch(kernels.gradRecurrentPart, buffers: [dA, hidden, whParts], push: part(wh),
                                      groups: kernels.groups(M * wh.chunks * G * H), work: work.gradRecurrentPart(wh))
                try sequence.dispatch(kernels.gradInputPart, slices: [params.whole, tokens.slot(s), dA.whole, wxParts.whole], push: part(wx),
                                      groups: kernels.groups(M * wx.chunks * G * E), work: work.gradInputPart(wx))
                try sequence.dispatch(kernels.gradBiasPart, buffers: [dA, biasParts], push: part(bias), groups: kernels.groups(M * bias.chunks * G),
                                      work: work.gradBiasPart(bias))
                try sequence.dispatch(kernels.gradHead, buffers: [hidden, dz, grads], push: b, groups: kernels.groups(M * (H + 1)),
                                      work: work.gradHead)
                try sequence.dispatch(kernels.inputDelta, buffers: [params, dA, dX], push: b, groups: kernels.groups(M * seqLen * B * E),
                                      work: work.inputDelta)
            },
            StepPhase(section: "backward") { [self] in
                try sum(whParts, wh, outputs: G * H, at: layout.wh.offset)
                try sum(wxParts, wx, outputs: G * E, at: layout.wx.offset)
                try sum(biasParts, bias, outputs: G, at: layout.bias.offset)
                // d/d bias_hh = d/d bias_ih: the same reduction written again (same bits).
                if let hh = layout.biasHH { try sum(biasParts, bias, outputs: G, at: hh.offset) }
                if !frozenEmbedding {
                    try sequence.dispatch(kernels.gradEmbedding, slices: [dX.whole, slot.slot(s), segStart.slot(s), positions.slot(s), grads.whole,
                                                                          sliceSquares.whole],
                                          push: b, groups: kernels.groups(M * shape.vocab * E), work: work.gradEmbedding)
                }
            },
        ]
    }

    /// Each step's totals and logits per model, from one download of the loss and logit slots.
    func results(_ chunk: ArraySlice<[Batch]>) throws -> [[(totals: LossTotals, logits: [Float])]] {
        let cap = models * batchCapacity
        let z = try logits.download(Float.self, count: cap, used: chunk.count)
        let l = try loss.download(Float.self, count: cap, used: chunk.count)
        return chunk.enumerated().map { s, batches in
            let B = batches[0].count
            return (0..<models).map { k in
                var t = LossTotals()
                var zs: [Float] = []
                for b in 0..<B {
                    let zi = z[s][k * B + b], y = Double(batches[k].labels[b])
                    t.lossSum += Double(l[s][k * B + b])
                    let positive = lossForm == .sigmoidBCE ? 1 / (1 + expf(-zi)) > 0.5 : zi > 0
                    t.correct += ((positive ? 1.0 : 0.0) == y) ? 1 : 0
                    t.count += 1
                    zs.append(zi)
                }
                return (t, zs)
            }
        }
    }
}

/// Dispatches with no barrier between them: one phase of a step. The recording puts a barrier after every
/// phase; `VulkanEnsembleSet` records the same phase of several ensembles before that barrier.
struct StepPhase {
    /// The debug label ("forward", "backward", "adam").
    let section: String
    let record: () throws -> Void
    init(section: String, _ record: @escaping () throws -> Void) {
        self.section = section
        self.record = record
    }
}
