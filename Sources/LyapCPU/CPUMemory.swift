import LyapCore

/// What the CPU backend allocates, predicted from the sizes alone (the memory preflight) and counted
/// from its buffers (the test that the prediction is right).
extension CPUModel {
    /// Bytes of the per-slice workspaces (activations and gradient shares for BPTT) and the transposed Wh a
    /// batch of `batch` sequences of `seqLen` ids needs: `threads` slices of ceil(B/threads) sequences on
    /// narrow models, one slice of B on wide ones (see `CPUModel`).
    public static func estimatedWorkspaceBytes(shape: ModelShape, threads: Int, batch B: Int, seqLen L: Int,
                                               wideFrom: Int = defaultWideFrom) -> Int {
        let wide = threads > 1 && shape.hidden >= wideFrom
        let slices = wide ? 1 : min(max(1, threads), B)
        let capacity = (B + slices - 1) / slices
        let H = shape.hidden, G = 4 * H, E = shape.embed, rows = L * capacity
        let floats = [rows * E, rows * G, rows * H, rows * H, rows * H, rows * G, capacity * H, capacity * H,
                      G * E, G * H, G, H,
                      L * E, L * G, L * H, L * H, L * H, L * G, L * H, L * H, capacity * paddedWidth(H)].reduce(0) { $0 + max($1, 1) }
        let transposed = (transposesWh(hidden: H) ? G * H : 0)
            + (padsBackwardProducts(hidden: H) ? G * paddedWidth(H) : 0)
        return slices * (floats * MemoryLayout<T>.stride + capacity * MemoryLayout<Double>.stride) + transposed * MemoryLayout<T>.stride
    }

    /// Bytes the workspaces hold now (after a pass).
    public var allocatedWorkspaceBytes: Int {
        workspaces.reduce(0) { $0 + $1.bytes } + (whT.count + whPadded.count) * MemoryLayout<T>.stride
    }
}

extension ChunkWorkspace {
    var bytes: Int { owned.reduce(0) { $0 + $1.1 } * MemoryLayout<T>.stride + logits.count * MemoryLayout<Double>.stride }
}

extension CPUBackend {
    /// Parameters, Adam's m and v, the gradient (4 P scalars) and the workspaces of a `batch` x `seqLen` step.
    public static func estimatedBytes(shape: ModelShape, threads: Int, batch: Int, seqLen: Int,
                                      wideFrom: Int = CPUModel<T>.defaultWideFrom) -> Int {
        4 * ParameterLayout(shape).count * MemoryLayout<T>.stride
            + CPUModel<T>.estimatedWorkspaceBytes(shape: shape, threads: threads, batch: batch, seqLen: seqLen, wideFrom: wideFrom)
    }

    /// Bytes the backend holds now, counted from its arrays and buffers.
    public var allocatedBytes: Int {
        let (p, mv, g) = counts
        return (p + mv + g) * MemoryLayout<T>.stride + model.allocatedWorkspaceBytes
    }
}
