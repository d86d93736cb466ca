import LyapCore

/// Forward pass of one batch slice (methods.md 2.1): embedding gather, the input projection for all
/// steps as one product, then the recurrence one product per step. Gate activations, c, tanh(c) and h
/// of every step stay in the workspace for the backward pass.
enum LSTMForward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        tokens: UnsafePointer<Int32>, labels: UnsafePointer<UInt8>,
        first: Int, count nb: Int, ws: ChunkWorkspace<T>
    ) {
        let L = ws.seqLen, E = layout.shape.embed, H = layout.shape.hidden, G = 4 * H
        let rows = L * nb
        let emb = p + layout.embedding.offset, wx = p + layout.wx.offset, wh = p + layout.wh.offset
        let bias = p + layout.bias.offset, wd = p + layout.wd.offset
        let bd = p[layout.bd.offset]
        ws.x.withUnsafeMutableBufferPointer { xb in
        ws.gates.withUnsafeMutableBufferPointer { gb in
        ws.c.withUnsafeMutableBufferPointer { cb in
        ws.tanhC.withUnsafeMutableBufferPointer { tb in
        ws.h.withUnsafeMutableBufferPointer { hb in
            let x = xb.baseAddress!, gates = gb.baseAddress!, c = cb.baseAddress!
            let tc = tb.baseAddress!, h = hb.baseAddress!
            for t in 0..<L {
                for b in 0..<nb {
                    let id = Int(tokens[(first + b) * L + t])
                    (x + (t * nb + b) * E).update(from: emb + id * E, count: E)
                    (gates + (t * nb + b) * G).update(from: bias, count: G)
                }
            }
            T.gemm(transA: false, transB: true, m: rows, n: G, k: E,
                   alpha: 1, a: x, lda: E, b: wx, ldb: E, beta: 1, c: gates, ldc: G)
            for t in 0..<L {
                let a = gates + t * nb * G
                if t > 0 {
                    T.gemm(transA: false, transB: true, m: nb, n: G, k: H,
                           alpha: 1, a: h + (t - 1) * nb * H, lda: H, b: wh, ldb: H, beta: 1, c: a, ldc: G)
                }
                for b in 0..<nb {
                    let row = a + b * G
                    let cPrev: UnsafeMutablePointer<T>? = t > 0 ? c + ((t - 1) * nb + b) * H : nil
                    let cNow = c + (t * nb + b) * H, tNow = tc + (t * nb + b) * H, hNow = h + (t * nb + b) * H
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
            var totals = LossTotals()
            for b in 0..<nb {
                let hl = h + ((L - 1) * nb + b) * H
                var z = bd
                for j in 0..<H { z += wd[j] * hl[j] }
                let zd = Double(z), y = Double(labels[first + b])
                ws.logits[b] = zd
                totals.lossSum += binaryCrossEntropy(logit: zd, label: y)
                totals.correct += ((zd > 0 ? 1.0 : 0.0) == y) ? 1 : 0
                totals.count += 1
            }
            ws.totals = totals
        }}}}}
    }
}
