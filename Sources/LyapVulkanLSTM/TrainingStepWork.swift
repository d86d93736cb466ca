import LyapCore
import LyapVulkan

/// The work of each kernel of one training step of M models (batch B, length L), for the floors of the
/// `--profile` table. Flops count the multiply-adds of the products (2 each) and the single operations
/// of sums; activations and Adam's arithmetic are counted roughly (a few operations per value), as they
/// never set the floor. Bytes are compulsory traffic: each array a kernel reads or writes, once, with
/// repeated weight reads served by caches. Embedding rows are gathered at most once per distinct row.
struct TrainingStepWork {
    let M, B, L, H, E, V, P: Int
    var G: Int { 4 * H }
    /// Rows (m, t, b) of the step.
    var rows: Int { M * L * B }
    /// Rows with a recurrent product (t >= 1).
    var recurrentRows: Int { M * (L - 1) * B }
    private var gatheredEmbedding: Int { min(rows, M * V) * E }

    init(shape: ModelShape, models: Int, batch: Int, seqLen: Int, biases: BiasLayout = .one) {
        M = models
        B = batch
        L = seqLen
        H = shape.hidden
        E = shape.embed
        V = shape.vocab
        P = shape.parameterCount(biases: biases)
    }

    var inputProjection: KernelWork {
        .multiplyAdds(rows * G * E) + .floats(rows + gatheredEmbedding + M * G * (E + 1) + rows * G)
    }
    var forward: KernelWork {
        .multiplyAdds(recurrentRows * G * H) + .operations(rows * H * 12)
            + .floats(M * G * H + 2 * rows * G + 3 * rows * H)
    }
    var headLoss: KernelWork { .multiplyAdds(M * B * H) + .floats(M * B * H + M * (H + 1) + 5 * M * B) }
    var backward: KernelWork {
        .multiplyAdds(recurrentRows * G * H) + .operations(rows * H * 16)
            + .floats(M * G * H + rows * (G + 2 * H) + M * B + rows * G)
    }
    func gradRecurrentPart(_ s: SplitK) -> KernelWork {
        .multiplyAdds(recurrentRows * G * H) + .floats(rows * G + rows * H + M * s.chunks * G * H)
    }
    func gradInputPart(_ s: SplitK) -> KernelWork {
        .multiplyAdds(rows * G * E) + .floats(rows * G + rows + gatheredEmbedding + M * s.chunks * G * E)
    }
    func gradBiasPart(_ s: SplitK) -> KernelWork { .operations(rows * G) + .floats(rows * G + M * s.chunks * G) }
    func gradSumParts(_ s: SplitK, outputs: Int) -> KernelWork {
        .operations(M * (s.chunks - 1) * outputs) + .floats(M * s.chunks * outputs + M * outputs)
    }
    var gradHead: KernelWork { .multiplyAdds(M * B * (H + 1)) + .floats(M * B * H + M * B + M * (H + 1)) }
    var inputDelta: KernelWork { .multiplyAdds(rows * E * G) + .floats(rows * G + M * G * E + rows * E) }
    var gradEmbedding: KernelWork { .operations(rows * E) + .floats(rows * E + 2 * rows + M * V * (E + 1)) }
    var adam: KernelWork { .operations(M * P * 12) + .floats(7 * M * P + 2 * M) }
}

extension VulkanLSTMEnsemble {
    /// The work of every dispatch of one training step, by kernel name (`Shaders/NAME.comp`), in recording
    /// order: what a profiled step records, available without a device (for `lyap-bench floors`).
    public static func stepWork(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int,
                                frozenEmbedding: Bool = false) -> [(kernel: String, work: KernelWork)] {
        let w = TrainingStepWork(shape: shape, models: M, batch: B, seqLen: L)
        let wh = SplitK.recurrent(shape: shape, models: M, batch: B, seqLen: L)
        let wx = SplitK.input(shape: shape, models: M, batch: B, seqLen: L)
        let bias = SplitK.bias(shape: shape, models: M, batch: B, seqLen: L)
        let G = 4 * shape.hidden
        var out: [(LSTMKernel, KernelWork)] = [
            (.inputProjection, w.inputProjection), (.forward, w.forward), (.headLoss, w.headLoss),
            (.backward, w.backward), (.gradRecurrentPart, w.gradRecurrentPart(wh)), (.gradInputPart, w.gradInputPart(wx)),
            (.gradBiasPart, w.gradBiasPart(bias)), (.gradHead, w.gradHead), (.inputDelta, w.inputDelta),
            (.gradSumParts, w.gradSumParts(wh, outputs: G * shape.hidden)), (.gradSumParts, w.gradSumParts(wx, outputs: G * shape.embed)),
            (.gradSumParts, w.gradSumParts(bias, outputs: G)),
        ]
        if !frozenEmbedding { out.append((.gradEmbedding, w.gradEmbedding)) }
        out.append((.adam, w.adam))
        return out.map { (kernel: $0.0.name, work: $0.1) }
    }
}
