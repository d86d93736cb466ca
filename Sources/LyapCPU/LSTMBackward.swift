import LyapCore

/// Backpropagation through time for one batch slice (methods.md 3). The per-step work is the gate
/// deltas and one product for eps_h; the weight gradients are formed afterwards as three large
/// products over all steps. The embedding gradient is left in `ws.x` as dX[t][b][E] and scattered
/// by the caller in a fixed order. `spread` splits phases as in the forward pass.
enum LSTMBackward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        labels: UnsafePointer<UInt8>, first: Int, count nb: Int, batchSize: Int,
        ws: ChunkWorkspace<T>, spread: Spread = .inline, loss: LossForm = .logits
    ) {
        let L = ws.seqLen, E = layout.shape.embed, H = layout.shape.hidden, G = 4 * H
        let wx = UnsafeSendable(p + layout.wx.offset), wh = UnsafeSendable(p + layout.wh.offset)
        let wd = p + layout.wd.offset
        let invB = 1 / Double(batchSize)
        var gBd: T = 0
        for j in 0..<H { ws.gWd[j] = 0 }
        for b in 0..<nb {
            let dz: T
            switch loss {
            case .logits: dz = T((sigmoidDouble(ws.logits[b]) - Double(labels[first + b])) * invB)
            case .sigmoidBCE:  // logits[b] is the T logit widened, so T(...) gives it back exactly
                dz = SigmoidBCE.gradient(p: SigmoidBCE.probability(T(ws.logits[b])), label: T(labels[first + b]), batch: batchSize)
            }
            let hl = ws.h + ((L - 1) * nb + b) * H
            for j in 0..<H {
                ws.gWd[j] += dz * hl[j]
                ws.dh[b * H + j] = dz * wd[j]
                ws.dc[b * H + j] = 0
            }
            gBd += dz
        }
        ws.gBd = gBd
        for t in stride(from: L - 1, through: 0, by: -1) {
            spread.run(nb) { seqs in cellStepBack(ws, t: t, nb: nb, H: H, seqs: seqs) }
            if t > 0, RecurrentProducts.runs(T.self, columns: H) {
                RecurrentProducts.run(ws.dA + t * nb * G, rows: nb, lda: G, wh.value, ldb: H, k: G, n: H,
                                      into: ws.dh, ldc: H, accumulate: false, spread: spread)
            } else if t > 0 {
                spread.run(H) { cols in
                    T.gemm(transA: false, transB: false, m: nb, n: cols.count, k: G,
                           alpha: 1, a: ws.dA + t * nb * G, lda: G, b: wh.value + cols.lowerBound, ldb: H,
                           beta: 0, c: ws.dh + cols.lowerBound, ldc: H)
                }
            }
        }
        spread.run(G) { rows in
            let r0 = rows.lowerBound
            if L > 1 {
                T.gemm(transA: true, transB: false, m: rows.count, n: H, k: (L - 1) * nb,
                       alpha: 1, a: ws.dA + nb * G + r0, lda: G, b: ws.h, ldb: H, beta: 0, c: ws.gWh + r0 * H, ldc: H)
            } else {
                (ws.gWh + r0 * H).update(repeating: 0, count: rows.count * H)
            }
            T.gemm(transA: true, transB: false, m: rows.count, n: E, k: L * nb,
                   alpha: 1, a: ws.dA + r0, lda: G, b: ws.x, ldb: E, beta: 0, c: ws.gWx + r0 * E, ldc: E)
            for r in rows { ws.gB[r] = 0 }
            for row in 0..<(L * nb) {
                let d = ws.dA + row * G
                for r in rows { ws.gB[r] += d[r] }
            }
        }
        spread.run(L) { steps in
            let r0 = steps.lowerBound * nb
            T.gemm(transA: false, transB: false, m: steps.count * nb, n: E, k: G,
                   alpha: 1, a: ws.dA + r0 * G, lda: G, b: wx.value, ldb: E, beta: 0, c: ws.x + r0 * E, ldc: E)
        }
    }

    /// Gate deltas of step t for sequences `seqs`; updates eps_c in place and leaves dA[t].
    @inline(__always)
    static func cellStepBack<T: CPUScalar>(_ ws: ChunkWorkspace<T>, t: Int, nb: Int, H: Int, seqs: Range<Int>) {
        let G = 4 * H
        for b in seqs {
            let row = ws.gates + (t * nb + b) * G, drow = ws.dA + (t * nb + b) * G
            let tNow = ws.tanhC + (t * nb + b) * H
            let cPrev: UnsafeMutablePointer<T>? = t > 0 ? ws.c + ((t - 1) * nb + b) * H : nil
            let eh = ws.dh + b * H, ec = ws.dc + b * H
            for j in 0..<H {
                let i = row[j], f = row[H + j], g = row[2 * H + j], o = row[3 * H + j]
                let tv = tNow[j]
                let dO = eh[j] * tv * (o * (1 - o))
                let ect = ec[j] + eh[j] * o * (1 - tv * tv)
                let cp: T = cPrev?[j] ?? 0
                drow[j] = ect * g * (i * (1 - i))
                drow[H + j] = ect * cp * (f * (1 - f))
                drow[2 * H + j] = ect * i * (1 - g * g)
                drow[3 * H + j] = dO
                ec[j] = ect * f
            }
        }
    }
}
