import LyapCore

/// Forward pass of one batch slice (methods.md 2.1): embedding gather, the input projection for all
/// steps as one product, then the recurrence one product per step. Gate activations, c, tanh(c) and h
/// of every step stay in the workspace for the backward pass. `spread` splits each phase across
/// threads: products over output columns, gate arithmetic over sequences.
enum LSTMForward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        tokens: UnsafePointer<Int32>, labels: UnsafePointer<UInt8>,
        first: Int, count nb: Int, ws: ChunkWorkspace<T>, spread: Spread = .inline, whT: UnsafePointer<T>? = nil,
        gateBias: UnsafePointer<T>? = nil,
        loss: LossForm = .logits
    ) {
        // With two biases the caller forms their sum once per pass (`gateBias`).
        precondition(layout.biasHH == nil || gateBias != nil, "two gate biases need their sum")
        let L = ws.seqLen, E = layout.shape.embed, H = layout.shape.hidden, G = 4 * H
        let emb = UnsafeSendable(p + layout.embedding.offset), wx = UnsafeSendable(p + layout.wx.offset)
        let wh = UnsafeSendable(p + layout.wh.offset), bias = UnsafeSendable(gateBias ?? p + layout.bias.offset)
        let tok = UnsafeSendable(tokens)
        spread.run(L) { steps in
            for t in steps {
                for b in 0..<nb {
                    let id = Int(tok.value[(first + b) * L + t])
                    (ws.x + (t * nb + b) * E).update(from: emb.value + id * E, count: E)
                    (ws.gates + (t * nb + b) * G).update(from: bias.value, count: G)
                }
            }
        }
        spread.run(L) { steps in
            let r0 = steps.lowerBound * nb
            T.gemm(transA: false, transB: true, m: steps.count * nb, n: G, k: E,
                   alpha: 1, a: ws.x + r0 * E, lda: E, b: wx.value, ldb: E, beta: 1, c: ws.gates + r0 * G, ldc: G)
        }
        for t in 0..<L {
            if t > 0, let whT, RecurrentProducts.runs(T.self, columns: G) {
                // whT is Wh transposed ([H][4H]), made once per pass by the caller.
                RecurrentProducts.run(ws.h + (t - 1) * nb * H, rows: nb, lda: H, whT, ldb: G, k: H, n: G,
                                      into: ws.gates + t * nb * G, ldc: G, accumulate: true, spread: spread)
            } else if t > 0 {
                spread.run(G) { cols in
                    T.gemm(transA: false, transB: true, m: nb, n: cols.count, k: H,
                           alpha: 1, a: ws.h + (t - 1) * nb * H, lda: H, b: wh.value + cols.lowerBound * H, ldb: H,
                           beta: 1, c: ws.gates + t * nb * G + cols.lowerBound, ldc: G)
                }
            }
            spread.run(nb) { seqs in cellStep(ws, t: t, nb: nb, H: H, seqs: seqs) }
        }
        var totals = LossTotals()
        let wd = p + layout.wd.offset, bd = p[layout.bd.offset]
        for b in 0..<nb {
            let hl = ws.h + ((L - 1) * nb + b) * H
            var z = bd
            for j in 0..<H { z += wd[j] * hl[j] }
            let zd = Double(z), y = Double(labels[first + b])
            ws.logits[b] = zd
            switch loss {
            case .logits:
                totals.lossSum += binaryCrossEntropy(logit: zd, label: y)
                totals.correct += ((zd > 0 ? 1.0 : 0.0) == y) ? 1 : 0
            case .sigmoidBCE:
                let prob = SigmoidBCE.probability(z)
                totals.lossSum += Double(SigmoidBCE.loss(p: prob, label: T(y)))
                totals.correct += ((prob > 0.5 ? 1.0 : 0.0) == y) ? 1 : 0  // the reproduction's `output > 0.5`
            }
            totals.count += 1
        }
        ws.totals = totals
    }

    /// Gate activations and the cell update of step t for sequences `seqs`.
    @inline(__always)
    static func cellStep<T: CPUScalar>(_ ws: ChunkWorkspace<T>, t: Int, nb: Int, H: Int, seqs: Range<Int>) {
        let G = 4 * H
        for b in seqs {
            let row = ws.gates + (t * nb + b) * G
            let cPrev: UnsafeMutablePointer<T>? = t > 0 ? ws.c + ((t - 1) * nb + b) * H : nil
            let cNow = ws.c + (t * nb + b) * H, tNow = ws.tanhC + (t * nb + b) * H, hNow = ws.h + (t * nb + b) * H
            if T.self == Float.self {
                func f(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
                FloatVectorMath.cellStep(row: f(row), cPrev: cPrev.map(f), cNow: f(cNow), tNow: f(tNow), hNow: f(hNow), H: H)
                continue
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
}
