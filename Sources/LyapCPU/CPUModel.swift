import LyapCore

/// Loss, gradients and logits of the classifier on the CPU, generic over the float type.
/// A batch is cut into `threads` contiguous slices, one per thread; slice results are summed in slice
/// order, so for a fixed thread count every result is bitwise reproducible.
public final class CPUModel<T: CPUScalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    public let threads: Int
    private var workspaces: [ChunkWorkspace<T>] = []

    public init(shape: ModelShape, threads: Int) {
        _ = BLASThreads.pinnedToOne
        layout = ParameterLayout(shape)
        self.threads = max(1, threads)
    }

    /// Slice k of a batch of n sequences: [k*n/s, (k+1)*n/s).
    private func slices(_ n: Int) -> [Range<Int>] {
        let s = min(threads, n)
        return (0..<s).map { k in (k * n / s)..<((k + 1) * n / s) }
    }

    private func prepareWorkspaces(seqLen: Int, slices: [Range<Int>]) {
        let need = slices.map(\.count).max() ?? 0
        if workspaces.count < slices.count || !workspaces.allSatisfy({ $0.fits(seqLen: seqLen, count: need) }) {
            let cap = max(need, workspaces.first?.capacity ?? 0)
            workspaces = (0..<max(slices.count, workspaces.count)).map { _ in
                ChunkWorkspace<T>(seqLen: seqLen, capacity: cap, shape: layout.shape)
            }
        }
    }

    /// Checks every id against the vocabulary before any kernel indexes the table with it.
    public func validate(_ batch: Batch) throws(ConfigError) {
        let v = Int32(layout.shape.vocab)
        if let bad = batch.tokens.first(where: { $0 < 0 || $0 >= v }) {
            throw ConfigError("token id \(bad) is outside the vocabulary [0, \(v)) (--vocab)")
        }
    }

    /// Forward only. Returns totals and logits.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func evaluate(_ params: ParameterStore<T>, _ batch: Batch) -> (totals: LossTotals, logits: [Float]) {
        let parts = slices(batch.count)
        forEachSlice(parts, params, batch, backward: false)
        var totals = LossTotals()
        var logits: [Float] = []
        logits.reserveCapacity(batch.count)
        for k in parts.indices {
            totals += workspaces[k].totals
            logits += workspaces[k].logits[0..<parts[k].count].map { Float($0) }
        }
        return (totals, logits)
    }

    /// Mean BCE over the batch and its gradient with respect to every parameter, written into `grad`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func lossAndGradient(_ params: ParameterStore<T>, _ batch: Batch, into grad: inout [T]) -> LossTotals {
        precondition(grad.count == layout.count)
        let parts = slices(batch.count)
        forEachSlice(parts, params, batch, backward: true)
        reduce(parts, batch, into: &grad)
        var totals = LossTotals()
        for k in parts.indices { totals += workspaces[k].totals }
        return totals
    }

    /// Runs the forward (and backward) pass of every slice on its own thread.
    private func forEachSlice(_ parts: [Range<Int>], _ params: ParameterStore<T>, _ batch: Batch, backward: Bool) {
        prepareWorkspaces(seqLen: batch.seqLen, slices: parts)
        let ws = workspaces, lay = layout, total = batch.count
        params.values.withUnsafeBufferPointer { p in
            batch.tokens.withUnsafeBufferPointer { tok in
                batch.labels.withUnsafeBufferPointer { lab in
                    let ptrs = UnsafeSendable((p.baseAddress!, tok.baseAddress!, lab.baseAddress!))
                    parallelFor(parts.count) { k in
                        let (pp, tp, lp) = ptrs.value
                        LSTMForward.run(params: pp, layout: lay, tokens: tp, labels: lp,
                                        first: parts[k].lowerBound, count: parts[k].count, ws: ws[k])
                        if backward {
                            LSTMBackward.run(params: pp, layout: lay, labels: lp, first: parts[k].lowerBound,
                                             count: parts[k].count, batchSize: total, ws: ws[k])
                        }
                    }
                }
            }
        }
    }

    /// Sums slice gradients in slice order; the embedding gradient is a scatter-add of dX rows in
    /// (slice, step, sequence) order.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    private func reduce(_ parts: [Range<Int>], _ batch: Batch, into grad: inout [T]) {
        let lay = layout, E = lay.shape.embed, L = batch.seqLen
        grad.withUnsafeMutableBufferPointer { g in
            let gp = g.baseAddress!
            (gp + lay.embedding.offset).update(repeating: 0, count: lay.embedding.count)
            for (k, part) in parts.enumerated() {
                let ws = workspaces[k], nb = part.count
                func add(_ src: [T], _ slot: TensorSlot) {
                    let dst = gp + slot.offset
                    if k == 0 {
                        src.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: slot.count) }
                    } else {
                        for i in 0..<slot.count { dst[i] += src[i] }
                    }
                }
                add(ws.gWx, lay.wx)
                add(ws.gWh, lay.wh)
                add(ws.gB, lay.bias)
                add(ws.gWd, lay.wd)
                gp[lay.bd.offset] = (k == 0 ? 0 : gp[lay.bd.offset]) + ws.gBd
                ws.x.withUnsafeBufferPointer { dx in
                    let emb = gp + lay.embedding.offset
                    for t in 0..<L {
                        for b in 0..<nb {
                            let id = Int(batch.tokens[(part.lowerBound + b) * L + t])
                            let src = dx.baseAddress! + (t * nb + b) * E, dst = emb + id * E
                            for e in 0..<E { dst[e] += src[e] }
                        }
                    }
                }
            }
        }
    }
}

/// A pointer handed to worker threads that each touch disjoint memory.
struct UnsafeSendable<P>: @unchecked Sendable {
    let value: P
    init(_ value: P) { self.value = value }
}
