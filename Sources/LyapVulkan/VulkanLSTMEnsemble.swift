import CLyapShared
import Foundation
import LyapCore

/// M models of one shape trained together in one dispatch stream: every buffer holds the M models
/// back to back and every kernel's grid includes the model index. Parameters, gradients and Adam
/// moments stay on the device; the host uploads each step's token ids and labels and reads back the
/// per-sequence losses.
public final class VulkanLSTMEnsemble: @unchecked Sendable {
    public let context: VulkanContext
    public let shape: ModelShape
    public let models: Int, batchCapacity: Int, seqLen: Int
    public let layout: ParameterLayout
    private let kernels: LSTMKernels
    private let sequence: CommandSequence
    private let params, grads, adamM, adamV, tokens, labels, gates, cell, tanhCell, hidden, dA, dX: DeviceBuffer
    private let logits, loss, dz, slot, segStart, positions, hyper: DeviceBuffer
    private var segments: [TokenSegments]
    private var steps: [Int]
    /// Keep every model's embedding table fixed: the embedding-gradient dispatch is skipped and that part
    /// of the gradients is zero, so Adam (m = v = 0) leaves the table bitwise unchanged.
    public var frozenEmbedding = false { didSet { embeddingGradientsZeroed = false } }
    private var embeddingGradientsZeroed = false

    public init(context: VulkanContext, compiler: ShaderCompiler, shape: ModelShape, models: Int, batch: Int, seqLen: Int,
                profile: Bool = false) throws {
        precondition(models >= 1 && batch >= 1 && seqLen >= 1)
        self.context = context
        self.shape = shape
        self.models = models
        batchCapacity = batch
        self.seqLen = seqLen
        layout = ParameterLayout(shape)
        kernels = try LSTMKernels(context, compiler: compiler, hidden: shape.hidden)
        sequence = try CommandSequence(context, profile: profile)
        let M = models, P = layout.count, rows = models * seqLen * batch, H = shape.hidden, G = 4 * H
        func buffer(_ name: String, _ count: Int) throws -> DeviceBuffer {
            try DeviceBuffer(context, bytes: max(count, 1) * 4, name: name)
        }
        params = try buffer("params", M * P)
        grads = try buffer("grads", M * P)
        adamM = try buffer("adam.exp_avg", M * P)
        adamV = try buffer("adam.exp_avg_sq", M * P)
        tokens = try buffer("tokens", M * batch * seqLen)
        labels = try buffer("labels", M * batch)
        gates = try buffer("gates", rows * G)
        cell = try buffer("cell", rows * H)
        tanhCell = try buffer("tanh_cell", rows * H)
        hidden = try buffer("hidden", rows * H)
        dA = try buffer("gate_deltas", rows * G)
        dX = try buffer("input_deltas", rows * shape.embed)
        logits = try buffer("logits", M * batch)
        loss = try buffer("loss", M * batch)
        dz = try buffer("dz", M * batch)
        slot = try buffer("token_slot", M * shape.vocab)
        segStart = try buffer("token_segment_start", M * (seqLen * batch + 1))
        positions = try buffer("token_positions", M * seqLen * batch)
        hyper = try buffer("adam_hyper", M * 2)
        segments = (0..<M).map { _ in TokenSegments(vocab: shape.vocab, capacity: seqLen * batch) }
        steps = [Int](repeating: 0, count: M)
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

    // MARK: steps

    /// Forward only, per model: totals and logits.
    public func evaluate(_ batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        let push = try prepare(batches, backward: false)
        try sequence.reset()
        try recordForward(push)
        try submit()
        return try results(batches, count: Int(push.B))
    }

    /// Forward and backward: leaves the gradients on the device (see `gradientValues`).
    public func gradients(_ batches: [Batch]) throws -> [LossTotals] {
        let push = try prepare(batches, backward: true)
        try sequence.reset()
        try recordForward(push)
        try recordBackward(push)
        try submit()
        return try results(batches, count: Int(push.B)).map(\.totals)
    }

    /// One training step for every model (forward, backward, Adam), recorded into one command buffer.
    public func trainStep(_ batches: [Batch], adam: [AdamConfig]) throws -> [LossTotals] {
        precondition(adam.count == models)
        var push = try prepare(batches, backward: true)
        var h: [Float] = []
        for k in 0..<models {
            steps[k] += 1
            let n = Double(steps[k])
            h.append(Float(adam[k].lr / (1 - pow(adam[k].beta1, n))))
            h.append(Float((1 - pow(adam[k].beta2, n)).squareRoot()))
        }
        try hyper.upload(h)
        // beta1, beta2, eps are shared by the ensemble (learning rates may differ per model).
        push.beta1 = Float(adam[0].beta1)
        push.beta2 = Float(adam[0].beta2)
        push.eps = Float(adam[0].eps)
        try sequence.reset()
        try recordForward(push)
        try recordBackward(push)
        sequence.beginLabel("adam")
        try sequence.dispatch(kernels.adam, buffers: [params, grads, adamM, adamV, hyper], push: bytes(push),
                               groups: kernels.groups(models * layout.count))
        sequence.endLabel()
        try submit()
        return try results(batches, count: Int(push.B)).map(\.totals)
    }

    /// GPU nanoseconds per dispatch, by pipeline name, over every submit so far (profile mode).
    public private(set) var kernelTimes: [String: [Double]] = [:]

    private func submit() throws {
        try sequence.submitAndWait()
        for t in sequence.timings { kernelTimes[t.pipeline, default: []].append(t.nanoseconds) }
    }

    // MARK: recording

    private func prepare(_ batches: [Batch], backward: Bool) throws -> LyapPush {
        precondition(batches.count == models)
        let B = batches[0].count
        guard B >= 1, B <= batchCapacity, batches.allSatisfy({ $0.count == B && $0.seqLen == seqLen }) else {
            throw ConfigError("Vulkan batches must share one size <= \(batchCapacity) and L = \(seqLen)")
        }
        let v = Int32(shape.vocab)
        var tok: [Int32] = [], lab: [Float] = []
        tok.reserveCapacity(models * B * seqLen)
        for b in batches {
            if let bad = b.tokens.first(where: { $0 < 0 || $0 >= v }) {
                throw ConfigError("token id \(bad) is outside the vocabulary [0, \(v)) (--vocab)")
            }
            tok += b.tokens
            lab += b.labels.map { Float($0) }
        }
        try tokens.upload(tok)
        try labels.upload(lab)
        if backward {
            var s: [Int32] = [], starts: [UInt32] = [], pos: [UInt32] = []
            for (k, b) in batches.enumerated() {
                segments[k].build(tokens: b.tokens[...], batch: B, seqLen: seqLen)
                s += segments[k].slot
                starts += segments[k].segStart
                pos += segments[k].positions
            }
            try slot.upload(s)
            try segStart.upload(starts)
            try positions.upload(pos)
            if frozenEmbedding && !embeddingGradientsZeroed {
                // Once: no other gradient kernel writes this part, and the skipped dispatch would.
                let zeros = [Float](repeating: 0, count: layout.embedding.count)
                for k in 0..<models { try grads.upload(zeros, atByte: (k * layout.count + layout.embedding.offset) * 4) }
                embeddingGradientsZeroed = true
            }
        }
        var p = LyapPush(layout: layout)
        p.M = UInt32(models)
        p.B = UInt32(B)
        p.L = UInt32(seqLen)
        p.segCap = UInt32(seqLen * batchCapacity)
        p.invB = 1 / Float(B)
        return p
    }

    private func bytes(_ p: LyapPush) -> [UInt8] { withUnsafeBytes(of: p) { Array($0) } }

    private func recordForward(_ p: LyapPush) throws {
        let b = bytes(p), M = models, B = Int(p.B), H = shape.hidden
        sequence.beginLabel("forward")
        try sequence.dispatch(kernels.inputProjection, buffers: [params, tokens, gates], push: b,
                               groups: kernels.groups(M * seqLen * B * 4 * H))
        sequence.barrier()
        try sequence.dispatch(kernels.forward, buffers: [params, gates, cell, tanhCell, hidden], push: b, groups: (M * B, 1, 1))
        sequence.barrier()
        try sequence.dispatch(kernels.headLoss, buffers: [params, hidden, labels, logits, loss, dz], push: b,
                               groups: kernels.groups(M * B))
        sequence.barrier()
        sequence.endLabel()
    }

    private func recordBackward(_ p: LyapPush) throws {
        let b = bytes(p), M = models, B = Int(p.B), H = shape.hidden, G = 4 * H, E = shape.embed
        sequence.beginLabel("backward")
        try sequence.dispatch(kernels.backward, buffers: [params, gates, cell, tanhCell, dz, dA], push: b, groups: (M * B, 1, 1))
        sequence.barrier()
        try sequence.dispatch(kernels.gradRecurrent, buffers: [dA, hidden, grads], push: b, groups: kernels.groups(M * G * H))
        try sequence.dispatch(kernels.gradInput, buffers: [params, tokens, dA, grads], push: b, groups: kernels.groups(M * G * E))
        try sequence.dispatch(kernels.gradSmall, buffers: [dA, hidden, dz, grads], push: b, groups: kernels.groups(M * (G + H + 1)))
        try sequence.dispatch(kernels.inputDelta, buffers: [params, dA, dX], push: b, groups: kernels.groups(M * seqLen * B * E))
        sequence.barrier()
        if !frozenEmbedding {
            try sequence.dispatch(kernels.gradEmbedding, buffers: [dX, slot, segStart, positions, grads], push: b,
                                   groups: kernels.groups(M * shape.vocab * E))
        }
        sequence.barrier()
        sequence.endLabel()
    }

    private func results(_ batches: [Batch], count B: Int) throws -> [(totals: LossTotals, logits: [Float])] {
        let z = try logits.download(Float.self, count: models * B)
        let l = try loss.download(Float.self, count: models * B)
        return (0..<models).map { k in
            var t = LossTotals()
            var zs: [Float] = []
            for b in 0..<B {
                let zi = z[k * B + b], y = Double(batches[k].labels[b])
                t.lossSum += Double(l[k * B + b])
                t.correct += ((zi > 0 ? 1.0 : 0.0) == y) ? 1 : 0
                t.count += 1
                zs.append(zi)
            }
            return (t, zs)
        }
    }
}
