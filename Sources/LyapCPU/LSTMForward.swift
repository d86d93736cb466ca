import CLyapKernels
import LyapCore

/// Pointers to the weights a pass reads.
struct CellParameters<T: CPUScalar>: @unchecked Sendable {
    let embedding: UnsafePointer<T>, wx: UnsafePointer<T>, wh: UnsafePointer<T>
    /// Wh transposed ([H][4H]) for the AVX-512 recurrent products; nil where they do not run.
    let whT: UnsafePointer<T>?
    /// The gate bias (the summed pair with two biases).
    let bias: UnsafePointer<T>
    let E: Int, H: Int
    /// The shared pad prefix's products (`RecurrentProducts.runAny`) where they run; runs without the shared
    /// prefix keep the products they started with.
    var ownProducts = false

    init(_ p: UnsafePointer<T>, _ layout: ParameterLayout, whT: UnsafePointer<T>?, gateBias: UnsafePointer<T>?) {
        // With two biases the caller forms their sum once per pass (`gateBias`).
        precondition(layout.biasHH == nil || gateBias != nil, "two gate biases need their sum")
        embedding = p + layout.embedding.offset
        wx = p + layout.wx.offset
        wh = p + layout.wh.offset
        self.whT = whT
        bias = gateBias ?? p + layout.bias.offset
        E = layout.shape.embed
        H = layout.shape.hidden
    }
}

/// Forward pass (methods.md 2.1): embedding gather, the input projection for all steps as one product, then
/// the recurrence one product per step over the slots active at that step. Gate activations, c, tanh(c)
/// and h of every step stay in the trajectory for the backward pass. `spread` splits each phase across
/// threads: products over output columns, gate arithmetic over sequences.
enum LSTMForward {
    /// One slice: rows `first..<first+count` of `tokens`. With `padID`, each row's leading run of it is
    /// computed once, as a pad-only trajectory in `ws.shared` (`RowLayout.shared`); `perOccurrence` keeps a
    /// row per step for the backward pass (see `RowLayout`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        tokens: UnsafePointer<Int32>, labels: UnsafePointer<UInt8>,
        first: Int, count nb: Int, ws: ChunkWorkspace<T>, spread: Spread = .inline, whT: UnsafePointer<T>? = nil,
        gateBias: UnsafePointer<T>? = nil,
        loss: LossForm = .logits, padID: Int32? = nil, perOccurrence: Bool = false
    ) {
        let L = ws.seqLen
        var w = CellParameters(p, layout, whT: whT, gateBias: gateBias)
        w.ownProducts = padID != nil
        ws.rowLayout = padID.map {
            RowLayout.shared(tokens: tokens, steps: L, first: first, count: nb, padID: $0, perOccurrence: perOccurrence)
        } ?? .dense(steps: L, first: first, count: nb)
        let rows = ws.rowsTrajectory, P = ws.rowLayout.sharedSteps
        if P > 0, let padID {
            let shared = ws.shared.with(.single(steps: P))
            prepare(shared, w, tokens: nil, padID: padID, spread: .inline)
            recur(shared, w, spread: .inline)
        }
        prepare(rows, w, tokens: tokens, padID: 0, spread: spread)
        if P > 0 { enter(rows, from: ws.shared, H: w.H, G: 4 * w.H) }
        recur(rows, w, spread: spread)
        readout(ws, rows, params: p, layout: layout, labels: labels, first: first, count: nb, loss: loss)
    }

    /// Gathers each step's embedding rows and sets the gates to bias + Wx x (one product over all steps).
    /// `tokens` nil: every row reads `padID` (the shared trajectory), so one row is computed and copied.
    static func prepare<T: CPUScalar>(_ tr: Trajectory<T>, _ w: CellParameters<T>, tokens: UnsafePointer<Int32>?,
                                      padID: Int32, spread: Spread) {
        let lay = tr.layout, L = lay.steps, E = w.E, G = 4 * w.H
        if tokens == nil {
            // Every row reads the pad id: one row's product, copied to the others.
            let total = lay.stepRows
            guard total > 0 else { return }
            tr.x.update(from: w.embedding + Int(padID) * E, count: E)
            tr.gates.update(from: w.bias, count: G)
            T.gemm(transA: false, transB: true, m: 1, n: G, k: E, alpha: 1, a: tr.x, lda: E, b: w.wx, ldb: E, beta: 1, c: tr.gates, ldc: G)
            for r in 1..<max(total, 1) {
                (tr.x + r * E).update(from: tr.x, count: E)
                (tr.gates + r * G).update(from: tr.gates, count: G)
            }
            return
        }
        let tok = UnsafeSendable(tokens)
        spread.run(L) { steps in
            for t in steps {
                for s in 0..<lay.blockRows(t) {
                    let id = Int(tok.value![lay.rows[s] * L + t])
                    let r = lay.stepOffset[t] + s
                    (tr.x + r * E).update(from: w.embedding + id * E, count: E)
                    (tr.gates + r * G).update(from: w.bias, count: G)
                }
            }
        }
        spread.run(L) { steps in
            let r0 = lay.stepOffset[steps.lowerBound], n = lay.stepOffset[steps.upperBound] - r0
            if n > 0 {
                T.gemm(transA: false, transB: true, m: n, n: G, k: E,
                       alpha: 1, a: tr.x + r0 * E, lda: E, b: w.wx, ldb: E, beta: 1, c: tr.gates + r0 * G, ldc: G)
            }
        }
    }

    /// Puts the shared pad trajectory's states where the rows need them: packed, the state before each slot's
    /// first own step; per occurrence, every pad step's activations and states.
    static func enter<T: CPUScalar>(_ tr: Trajectory<T>, from shared: Trajectory<T>, H: Int, G: Int) {
        let lay = tr.layout
        for s in 0..<lay.slots where lay.start[s] > 0 {
            let steps = lay.injects ? (lay.start[s] - 1)..<lay.start[s] : 0..<lay.start[s]
            for t in steps {
                let r = tr.stateRow(t, s)
                (tr.h + r * H).update(from: shared.h + t * H, count: H)
                (tr.c + r * H).update(from: shared.c + t * H, count: H)
                if !lay.injects {
                    (tr.tanhC + r * H).update(from: shared.tanhC + t * H, count: H)
                    (tr.gates + tr.stepRow(t, s) * G).update(from: shared.gates + t * G, count: G)
                }
            }
        }
    }

    /// The recurrence: step t adds Wh h_{t-1} to the active slots' gates and runs their cell update.
    static func recur<T: CPUScalar>(_ tr: Trajectory<T>, _ w: CellParameters<T>, spread: Spread) {
        let lay = tr.layout, H = w.H, G = 4 * H
        for t in 0..<lay.steps {
            let n = lay.active[t]
            if n == 0 { continue }
            if t > 0 {
                let a = tr.h + lay.stateOffset[t - 1] * H, c = tr.gates + lay.stepOffset[t] * G
                if let whT = w.whT, w.ownProducts, RecurrentProducts.runsAny(T.self, columns: G) {
                    RecurrentProducts.runAny(a, rows: n, lda: H, whT, ldb: G, k: H, n: G, into: c, ldc: G, accumulate: true, spread: spread)
                } else if let whT = w.whT, RecurrentProducts.runs(T.self, columns: G) {
                    RecurrentProducts.run(a, rows: n, lda: H, whT, ldb: G, k: H, n: G, into: c, ldc: G, accumulate: true, spread: spread)
                } else {
                    let wh = UnsafeSendable(w.wh), a = UnsafeSendable(a), c = UnsafeSendable(c)
                    spread.run(G) { cols in
                        T.gemm(transA: false, transB: true, m: n, n: cols.count, k: H,
                               alpha: 1, a: a.value, lda: H, b: wh.value + cols.lowerBound * H, ldb: H,
                               beta: 1, c: c.value + cols.lowerBound, ldc: G)
                    }
                }
            }
            spread.run(n) { slots in
                for s in slots {
                    cell(row: tr.gates + tr.stepRow(t, s) * G, cPrev: t > 0 ? tr.c + tr.stateRow(t - 1, s) * H : nil,
                         cNow: tr.c + tr.stateRow(t, s) * H, tNow: tr.tanhC + tr.stateRow(t, s) * H,
                         hNow: tr.h + tr.stateRow(t, s) * H, H: H)
                }
            }
        }
    }

    /// The logit of every row from its last h, and the slice's loss totals (in batch order).
    static func readout<T: CPUScalar>(_ ws: ChunkWorkspace<T>, _ tr: Trajectory<T>, params p: UnsafePointer<T>,
                                      layout: ParameterLayout, labels: UnsafePointer<UInt8>, first: Int, count nb: Int,
                                      loss: LossForm) {
        let H = layout.shape.hidden, L = tr.layout.steps
        var totals = LossTotals()
        let wd = p + layout.wd.offset, bd = p[layout.bd.offset]
        for (s, row) in tr.layout.rows.enumerated() {
            let hl = tr.h + tr.stateRow(L - 1, s) * H
            var z = bd
            for j in 0..<H { z += wd[j] * hl[j] }
            ws.logits[row - first] = Double(z)
        }
        for b in 0..<nb {
            let zd = ws.logits[b], y = Double(labels[first + b])
            switch loss {
            case .logits:
                totals.lossSum += binaryCrossEntropy(logit: zd, label: y)
                totals.correct += ((zd > 0 ? 1.0 : 0.0) == y) ? 1 : 0
            case .sigmoidBCE:
                let prob = SigmoidBCE.probability(T(zd))  // zd is the T logit widened: T(zd) gives it back exactly
                totals.lossSum += Double(SigmoidBCE.loss(p: prob, label: T(y)))
                totals.correct += ((prob > 0.5 ? 1.0 : 0.0) == y) ? 1 : 0  // the reproduction's `output > 0.5`
            }
            totals.count += 1
        }
        ws.totals = totals
    }

    /// Gate activations and the cell update of one row.
    @inline(__always)
    static func cell<T: CPUScalar>(row: UnsafeMutablePointer<T>, cPrev: UnsafeMutablePointer<T>?, cNow: UnsafeMutablePointer<T>,
                                   tNow: UnsafeMutablePointer<T>, hNow: UnsafeMutablePointer<T>, H: Int) {
        if T.self == Float.self {
            func f(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
            // The same bits either way: AVX2 where the CPU has it, else Swift's SIMD8 (two SSE halves).
            if lyap_cell_step_f32(f(row), cPrev.map { UnsafePointer(f($0)) }, f(cNow), f(tNow), f(hNow), Int32(H)) == 0 {
                FloatVectorMath.cellStep(row: f(row), cPrev: cPrev.map(f), cNow: f(cNow), tNow: f(tNow), hNow: f(hNow), H: H)
            }
            return
        }
        for j in 0..<H {
            let i = sigmoid(row[j])
            let f = sigmoid(row[H + j])
            let g = T.hyperbolicTangent(row[2 * H + j])
            let o = sigmoid(row[3 * H + j])
            row[j] = i
            row[H + j] = f
            row[2 * H + j] = g
            row[3 * H + j] = o
            let cv = (cPrev.map { f * $0[j] } ?? 0) + i * g
            let tv = T.hyperbolicTangent(cv)
            cNow[j] = cv
            tNow[j] = tv
            hNow[j] = o * tv
        }
    }
}
