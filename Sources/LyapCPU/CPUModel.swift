import LyapCore

/// Loss, gradients and logits of the classifier on the CPU, generic over the float type.
///
/// Two ways to use `threads` cores, chosen by the width alone:
/// - narrow (H < `wideFrom`, 128 by default: measured crossover on 2 cores): the batch is cut into `threads` slices, one per thread, each running
///   the whole pass with its own small products; slice gradients are summed in slice order.
/// - wide: one slice holds the whole batch and every phase is split across threads (products over
///   output columns, gate arithmetic over sequences), so each product keeps M = B rows. For large H
///   that halves OpenBLAS's per-call packing of Wh relative to the arithmetic.
/// Either way the pieces depend only on (H, threads, batch size), so results are bitwise reproducible.
public final class CPUModel<T: CPUScalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    public let threads: Int
    /// Smallest H that runs wide (tests lower it to exercise the wide path on small models).
    public let wideFrom: Int
    public static var defaultWideFrom: Int { 128 }
    /// The loss every pass computes and differentiates (`LossForm`).
    public var loss: LossForm = .logits
    /// The shared pad prefix (issue 14): when set, each row's leading run of this id is computed once per
    /// slice as one pad-only trajectory, and rows run only from their first other token. nil: every row
    /// runs all L steps (the computation of runs started before it existed).
    public var sharedPadID: Int32? = nil
    /// With the pad prefix shared: cut the batch into slices of equal work (`SharedSlices`, rows reordered by
    /// pad run) instead of in batch order. Same function, other float summation order; runs that shared before
    /// the balanced cut existed keep the batch order (`SharedSliceRule` in LyapTraining).
    public var balancesSharedSlices = true
    private(set) var workspaces: [ChunkWorkspace<T>] = []
    private lazy var team = ThreadTeam(size: threads)
    /// Wh transposed, for the AVX-512 recurrent products (empty where they do not run).
    private(set) var whT: [T] = []
    /// Wh with its H columns padded to a multiple of 16 ([4H][Hp]), for the backward's per-step products on
    /// lyap's kernels where they do not take H columns (shared pad prefix only; see `LSTMBackward`).
    private(set) var whPadded: [T] = []

    /// The summed gate bias of a two-bias layout (bias_ih + bias_hh in T), formed once per pass.
    private var gateBias: [T] = []

    public init(shape: ModelShape, threads: Int, wideFrom: Int = defaultWideFrom, biases: BiasLayout = .one) {
        _ = BLASThreads.pinnedToOne
        layout = ParameterLayout(shape, biases: biases)
        self.threads = max(1, threads)
        self.wideFrom = wideFrom
    }

    public var isWide: Bool { threads > 1 && layout.shape.hidden >= wideFrom }

    /// Slice k of a batch of n sequences: [k*n/s, (k+1)*n/s).
    private func slices(_ n: Int) -> [Range<Int>] {
        let s = isWide ? 1 : min(threads, n)
        return (0..<s).map { k in (k * n / s)..<((k + 1) * n / s) }
    }

    /// The batch as its slices see it, the batch row of each of its rows (nil: the same), and the slices.
    /// With the pad prefix shared on the narrow path, rows are reordered and cut by `SharedSlices` so the
    /// threads get equal work; with per-occurrence rows (every slot at every step) or unshared, the batch is
    /// cut in order (`slices`), the computation of runs before the split existed.
    private func plan(_ batch: Batch, perOccurrence: Bool) -> (batch: Batch, order: [Int]?, parts: [Range<Int>]) {
        let s = isWide ? 1 : min(threads, batch.count), L = batch.seqLen
        guard let padID = sharedPadID, balancesSharedSlices, s > 1, L > 0, !perOccurrence else { return (batch, nil, slices(batch.count)) }
        let (order, parts) = batch.tokens.withUnsafeBufferPointer {
            SharedSlices.plan(tokens: $0.baseAddress!, count: batch.count, steps: L, padID: padID, slices: s)
        }
        var tokens: [Int32] = []
        tokens.reserveCapacity(batch.tokens.count)
        for b in order { tokens += batch.tokens[(b * L)..<((b + 1) * L)] }
        return (Batch(tokens: tokens, labels: order.map { batch.labels[$0] }, seqLen: L), order, parts)
    }

    private func prepareWorkspaces(seqLen: Int, slices: [Range<Int>]) {
        let need = slices.map(\.count).max() ?? 0
        if workspaces.count < slices.count || !workspaces.allSatisfy({ $0.fits(seqLen: seqLen, count: need) }) {
            let cap = max(need, workspaces.first?.capacity ?? 0), count = max(slices.count, workspaces.count)
            workspaces = []  // the old buffers go before the new ones are made (the shared prefix's slices grow)
            workspaces = (0..<count).map { _ in
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
        let (sliced, order, parts) = plan(batch, perOccurrence: false)
        forEachSlice(parts, params, sliced, backward: false)
        var totals = LossTotals()
        var logits: [Float] = []
        logits.reserveCapacity(batch.count)
        for k in parts.indices {
            totals += workspaces[k].totals
            logits += workspaces[k].logits[0..<parts[k].count].map { Float($0) }
        }
        guard let order else { return (totals, logits) }
        var inBatchOrder = logits
        for (j, row) in order.enumerated() { inBatchOrder[row] = logits[j] }
        return (totals, inBatchOrder)
    }

    /// Mean BCE over the batch and its gradient with respect to every parameter, written into `grad`.
    /// With `frozenEmbedding` the embedding part of `grad` is left zero (no scatter of dX).
    /// `sliceSquares` (the embedding's size), when given, receives per element the sum over the row's
    /// occurrences of the squared per-occurrence gradient slice dX[b,t,:]² (Keras 3's v; zero when frozen).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func lossAndGradient(_ params: ParameterStore<T>, _ batch: Batch, into grad: inout [T],
                                frozenEmbedding: Bool = false, sliceSquares: UnsafeMutablePointer<T>? = nil) -> LossTotals {
        precondition(grad.count == layout.count)
        let (sliced, _, parts) = plan(batch, perOccurrence: sliceSquares != nil)
        forEachSlice(parts, params, sliced, backward: true, perOccurrence: sliceSquares != nil)
        reduce(parts, sliced, into: &grad, frozenEmbedding: frozenEmbedding, squares: sliceSquares)
        var totals = LossTotals()
        for k in parts.indices { totals += workspaces[k].totals }
        return totals
    }

    /// Whether the backward's per-step products run on lyap's kernels over Wh padded to `paddedWidth` columns
    /// (Float, H not a width they take; with the shared pad prefix only).
    static func padsBackwardProducts(hidden H: Int) -> Bool {
        RecurrentProducts.runsAny(T.self, columns: 16) && !RecurrentProducts.runsAny(T.self, columns: H)
    }

    /// Whether a pass forms Wh transposed for the forward's per-step products on lyap's kernels.
    static func transposesWh(hidden H: Int) -> Bool {
        RecurrentProducts.runs(T.self, columns: 4 * H) || RecurrentProducts.runsAny(T.self, columns: 4 * H)
    }

    static func paddedWidth(_ H: Int) -> Int { (H + 15) / 16 * 16 }

    /// Runs the forward (and backward) pass of every slice on its own thread.
    /// `perOccurrence`: the backward pass must give each occurrence of the pad id its own embedding slice
    /// (Keras 3's Adam form), so a shared pad prefix is shared in the forward pass only.
    private func forEachSlice(_ parts: [Range<Int>], _ params: ParameterStore<T>, _ batch: Batch, backward: Bool,
                              perOccurrence: Bool = false) {
        prepareWorkspaces(seqLen: batch.seqLen, slices: parts)
        let ws = workspaces, lay = layout, total = batch.count, lossForm = loss, padID = sharedPadID
        let spread = isWide ? Spread(team: team) : .inline
        let H = lay.shape.hidden, G = 4 * H
        let transposed = Self.transposesWh(hidden: H)
        if lay.biasHH != nil { gateBias = params.gateBias }
        if transposed {
            // Wh^T [H][4H] for the forward's per-step products (RecurrentProducts), once per pass.
            if whT.count != G * H { whT = [T](repeating: 0, count: G * H) }
            let wh = lay.wh.offset
            for r in 0..<G {
                for k in 0..<H { whT[k * G + r] = params.values[wh + r * H + k] }
            }
        }
        let padded = Self.padsBackwardProducts(hidden: H)
        if padded {
            let Hp = Self.paddedWidth(H), wh = lay.wh.offset
            if whPadded.count != G * Hp { whPadded = [T](repeating: 0, count: G * Hp) }
            for r in 0..<G {
                for k in 0..<H { whPadded[r * Hp + k] = params.values[wh + r * H + k] }
            }
        }
        params.values.withUnsafeBufferPointer { p in
            batch.tokens.withUnsafeBufferPointer { tok in
                batch.labels.withUnsafeBufferPointer { lab in
                  whT.withUnsafeBufferPointer { wt in
                   gateBias.withUnsafeBufferPointer { gb in
                    whPadded.withUnsafeBufferPointer { wp in
                    let ptrs = UnsafeSendable((p.baseAddress!, tok.baseAddress!, lab.baseAddress!, transposed ? wt.baseAddress : nil,
                                               lay.biasHH != nil ? gb.baseAddress : nil, padded && padID != nil ? wp.baseAddress : nil))
                    parallelFor(parts.count) { k in
                        let (pp, tp, lp, wtp, gbp, wpp) = ptrs.value
                        LSTMForward.run(params: pp, layout: lay, tokens: tp, labels: lp,
                                        first: parts[k].lowerBound, count: parts[k].count, ws: ws[k], spread: spread, whT: wtp,
                                        gateBias: gbp, loss: lossForm, padID: padID, perOccurrence: perOccurrence)
                        if backward {
                            LSTMBackward.run(params: pp, layout: lay, labels: lp, first: parts[k].lowerBound,
                                             count: parts[k].count, batchSize: total, ws: ws[k], spread: spread, loss: lossForm,
                                             whPadded: wpp)
                        }
                    }
                    }
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
    private func reduce(_ parts: [Range<Int>], _ batch: Batch, into grad: inout [T], frozenEmbedding: Bool,
                        squares: UnsafeMutablePointer<T>?) {
        let lay = layout, E = lay.shape.embed, L = batch.seqLen
        squares?.update(repeating: 0, count: lay.embedding.count)
        grad.withUnsafeMutableBufferPointer { g in
            let gp = g.baseAddress!
            (gp + lay.embedding.offset).update(repeating: 0, count: lay.embedding.count)
            for (k, part) in parts.enumerated() {
                let ws = workspaces[k]
                func add(_ src: UnsafeMutablePointer<T>, _ slot: TensorSlot) {
                    let dst = gp + slot.offset
                    if k == 0 {
                        dst.update(from: src, count: slot.count)
                    } else {
                        for i in 0..<slot.count { dst[i] += src[i] }
                    }
                }
                add(ws.gWx, lay.wx)
                add(ws.gWh, lay.wh)
                add(ws.gB, lay.bias)
                if let hh = lay.biasHH { add(ws.gB, hh) }  // d/d b_hh = d/d b_ih: both enter as their sum
                add(ws.gWd, lay.wd)
                gp[lay.bd.offset] = (k == 0 ? 0 : gp[lay.bd.offset]) + ws.gBd
                if frozenEmbedding { continue }
                let emb = gp + lay.embedding.offset, rows = ws.rowLayout
                func scatter(_ id: Int, _ src: UnsafeMutablePointer<T>) {
                    let dst = emb + id * E
                    for e in 0..<E { dst[e] += src[e] }
                    if let sq = squares.map({ $0 + id * E }) {
                        for e in 0..<E { sq[e] += src[e] * src[e] }
                    }
                }
                batch.tokens.withUnsafeBufferPointer { tok in
                    for t in 0..<L {
                        for s in 0..<rows.blockRows(t) {
                            scatter(Int(tok[rows.rows[s] * L + t]), ws.x + (rows.stepOffset[t] + s) * E)
                        }
                    }
                }
                // The shared pad trajectory's dX rows (packed layouts only; every one is the pad id's).
                if rows.injects, let padID = sharedPadID {
                    for t in 0..<rows.sharedSteps { scatter(Int(padID), ws.shared.x + t * E) }
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
