import LyapCore

/// Backpropagation through time for one batch slice (methods.md 3). The per-step work is the gate
/// deltas and one product for eps_h; the weight gradients are formed afterwards as three large
/// products over all steps. The embedding gradient is left in `ws.x` as dX[t][b][E] and scattered
/// by the caller in a fixed order.
enum LSTMBackward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        labels: UnsafePointer<UInt8>, first: Int, count nb: Int, batchSize: Int,
        ws: ChunkWorkspace<T>
    ) {
        let L = ws.seqLen, E = layout.shape.embed, H = layout.shape.hidden, G = 4 * H
        let wx = p + layout.wx.offset, wh = p + layout.wh.offset, wd = p + layout.wd.offset
        ws.x.withUnsafeMutableBufferPointer { xb in
        ws.gates.withUnsafeMutableBufferPointer { gb in
        ws.c.withUnsafeMutableBufferPointer { cb in
        ws.tanhC.withUnsafeMutableBufferPointer { tb in
        ws.h.withUnsafeMutableBufferPointer { hb in
        ws.dA.withUnsafeMutableBufferPointer { db in
        ws.dh.withUnsafeMutableBufferPointer { dhb in
        ws.dc.withUnsafeMutableBufferPointer { dcb in
        ws.gWx.withUnsafeMutableBufferPointer { gWx in
        ws.gWh.withUnsafeMutableBufferPointer { gWh in
        ws.gB.withUnsafeMutableBufferPointer { gB in
        ws.gWd.withUnsafeMutableBufferPointer { gWd in
            let x = xb.baseAddress!, gates = gb.baseAddress!, c = cb.baseAddress!, tc = tb.baseAddress!
            let h = hb.baseAddress!, dA = db.baseAddress!, dh = dhb.baseAddress!, dc = dcb.baseAddress!
            let invB = 1 / Double(batchSize)
            var gBd: T = 0
            for j in 0..<H { gWd[j] = 0 }
            for b in 0..<nb {
                let dz = T((sigmoidDouble(ws.logits[b]) - Double(labels[first + b])) * invB)
                let hl = h + ((L - 1) * nb + b) * H
                for j in 0..<H {
                    gWd[j] += dz * hl[j]
                    dh[b * H + j] = dz * wd[j]
                    dc[b * H + j] = 0
                }
                gBd += dz
            }
            ws.gBd = gBd
            for t in stride(from: L - 1, through: 0, by: -1) {
                let a = gates + t * nb * G, d = dA + t * nb * G
                for b in 0..<nb {
                    let row = a + b * G, drow = d + b * G
                    let tNow = tc + (t * nb + b) * H
                    let cPrev: UnsafeMutablePointer<T>? = t > 0 ? c + ((t - 1) * nb + b) * H : nil
                    let eh = dh + b * H, ec = dc + b * H
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
                if t > 0 {
                    T.gemm(transA: false, transB: false, m: nb, n: H, k: G,
                           alpha: 1, a: d, lda: G, b: wh, ldb: H, beta: 0, c: dh, ldc: H)
                }
            }
            if L > 1 {
                T.gemm(transA: true, transB: false, m: G, n: H, k: (L - 1) * nb,
                       alpha: 1, a: dA + nb * G, lda: G, b: h, ldb: H, beta: 0, c: gWh.baseAddress!, ldc: H)
            } else {
                for k in 0..<gWh.count { gWh[k] = 0 }
            }
            T.gemm(transA: true, transB: false, m: G, n: E, k: L * nb,
                   alpha: 1, a: dA, lda: G, b: x, ldb: E, beta: 0, c: gWx.baseAddress!, ldc: E)
            for r in 0..<G { gB[r] = 0 }
            for row in 0..<(L * nb) {
                let d = dA + row * G
                for r in 0..<G { gB[r] += d[r] }
            }
            T.gemm(transA: false, transB: false, m: L * nb, n: E, k: G,
                   alpha: 1, a: dA, lda: G, b: wx, ldb: E, beta: 0, c: x, ldc: E)
        }}}}}}}}}}}}
    }
}
