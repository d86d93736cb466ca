import CLyapKernels
import LyapCore

/// Backpropagation through time for one batch slice (methods.md 3). The per-step work is the gate
/// deltas and one product for eps_h; the weight gradients are formed afterwards as three large
/// products over all steps. The embedding gradient is left in x as dX (one row per step row) and scattered
/// by the caller in a fixed order. `spread` splits phases as in the forward pass.
///
/// With a shared pad prefix (packed `RowLayout`), a slot's adjoints at its first own step flow into the
/// shared trajectory's step before it; that trajectory is then back-propagated once, and its deltas join
/// the weight gradients (its dX rows are all the pad id's).
enum LSTMBackward {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: CPUScalar>(
        params p: UnsafePointer<T>, layout: ParameterLayout,
        labels: UnsafePointer<UInt8>, first: Int, count nb: Int, batchSize: Int,
        ws: ChunkWorkspace<T>, spread: Spread = .inline, loss: LossForm = .logits, whPadded: UnsafePointer<T>? = nil
    ) {
        let H = layout.shape.hidden
        let rows = ws.rowsTrajectory, lay = rows.layout, L = lay.steps, P = lay.injects ? lay.sharedSteps : 0
        let w = CellParameters(p, layout, whT: nil, gateBias: p + layout.bias.offset)
        // Own products (padded Wh, or one-row loops) only where the pad prefix is shared: runs without it keep
        // the computation they started with.
        let own = lay.injects ? whPadded.map { OwnProducts(whPadded: $0, out: ws.dhPadded) } ?? OwnProducts() : nil
        let wd = p + layout.wd.offset
        let invB = 1 / Double(batchSize)
        var slotOf = [Int](repeating: 0, count: nb)
        for (s, row) in lay.rows.enumerated() { slotOf[row - first] = s }
        var gBd: T = 0
        for j in 0..<H { ws.gWd[j] = 0 }
        for b in 0..<nb {
            let dz: T
            switch loss {
            case .logits: dz = T((LyapCore.sigmoid(ws.logits[b]) - Double(labels[first + b])) * invB)
            case .sigmoidBCE:  // logits[b] is the T logit widened, so T(...) gives it back exactly
                dz = SigmoidBCE.gradient(p: SigmoidBCE.probability(T(ws.logits[b])), label: T(labels[first + b]), batch: batchSize)
            }
            let s = slotOf[b]
            let hl = rows.h + rows.stateRow(L - 1, s) * H
            for j in 0..<H {
                ws.gWd[j] += dz * hl[j]
                ws.dh[s * H + j] = dz * wd[j]
                ws.dc[s * H + j] = 0
            }
            gBd += dz
        }
        ws.gBd = gBd
        if P > 0 {
            ws.injectH.update(repeating: 0, count: P * H)
            ws.injectC.update(repeating: 0, count: P * H)
        }
        let inject = UnsafeSendable((ws.dh, ws.dc, ws.injectH, ws.injectC))
        steps(rows, w, dh: ws.dh, dc: ws.dc, spread: spread, own: own) { t in
            // Slots entering at step t: their adjoints of h_{t-1}, c_{t-1} belong to the shared trajectory.
            guard P > 0 else { return }
            let (dh, dc, ih, ic) = inject.value
            for s in lay.carried[t - 1]..<lay.carried[t] {
                for j in 0..<H {
                    ih[(t - 1) * H + j] += dh[s * H + j]
                    ic[(t - 1) * H + j] += dc[s * H + j]
                }
            }
        }
        gradients(rows, w, ws: ws, accumulate: false, spread: spread)
        guard P > 0 else { return }
        let shared = ws.shared.with(.single(steps: P))
        ws.dh.update(from: ws.injectH + (P - 1) * H, count: H)
        ws.dc.update(from: ws.injectC + (P - 1) * H, count: H)
        steps(shared, w, dh: ws.dh, dc: ws.dc, spread: .inline, own: own ?? OwnProducts()) { t in
            let (dh, dc, ih, ic) = inject.value
            for j in 0..<H {
                dh[j] += ih[(t - 1) * H + j]
                dc[j] += ic[(t - 1) * H + j]
            }
        }
        gradients(shared, w, ws: ws, accumulate: true, spread: .inline)
    }

    /// BPTT over the carried slots from the last step down: dA of every step, eps_h and eps_c in dh, dc
    /// (one row per slot). `entered(t)` runs after eps_h of step t-1 is formed, for t > 0.
    static func steps<T: CPUScalar>(_ tr: Trajectory<T>, _ w: CellParameters<T>, dh: UnsafeMutablePointer<T>,
                                    dc: UnsafeMutablePointer<T>, spread: Spread, own: OwnProducts<T>?,
                                    entered: (Int) -> Void) {
        let lay = tr.layout, H = w.H, G = 4 * H
        let eps = UnsafeSendable((dh, dc))
        for t in stride(from: lay.steps - 1, through: 0, by: -1) {
            let n = lay.carried[t]
            spread.run(n) { slots in
                let (dh, dc) = eps.value
                for s in slots {
                    cellBack(row: tr.gates + tr.stepRow(t, s) * G, drow: tr.dA + tr.stepRow(t, s) * G,
                             tNow: tr.tanhC + tr.stateRow(t, s) * H, cPrev: t > 0 ? tr.c + tr.stateRow(t - 1, s) * H : nil,
                             eh: dh + s * H, ec: dc + s * H, H: H)
                }
            }
            guard t > 0 && n > 0 else { continue }
            let a = tr.dA + lay.stepOffset[t] * G
            if own != nil && RecurrentProducts.runsAny(T.self, columns: H) {
                RecurrentProducts.runAny(a, rows: n, lda: G, w.wh, ldb: H, k: G, n: H, into: dh, ldc: H, accumulate: false, spread: spread)
            } else if let own, let wp = own.whPadded {
                // lyap's kernel over Wh padded to Hp columns, then the H real columns copied out.
                let Hp = CPUModel<T>.paddedWidth(H)
                RecurrentProducts.runAny(a, rows: n, lda: G, wp, ldb: Hp, k: G, n: Hp, into: own.out!, ldc: Hp, accumulate: false, spread: spread)
                for s in 0..<n { (dh + s * H).update(from: own.out! + s * Hp, count: H) }
            } else if n == 1 && own != nil {
                // One row (the shared pad trajectory, or one active row): a plain loop, where a BLAS call would
                // re-pack all of Wh.
                rowTimesWh(a, w.wh, into: dh, G: G, H: H)
            } else if RecurrentProducts.runs(T.self, columns: H) {
                RecurrentProducts.run(a, rows: n, lda: G, w.wh, ldb: H, k: G, n: H, into: dh, ldc: H, accumulate: false, spread: spread)
            } else {
                let wh = UnsafeSendable(w.wh), a = UnsafeSendable(a)
                spread.run(H) { cols in
                    T.gemm(transA: false, transB: false, m: n, n: cols.count, k: G,
                           alpha: 1, a: a.value, lda: G, b: wh.value + cols.lowerBound, ldb: H,
                           beta: 0, c: eps.value.0 + cols.lowerBound, ldc: H)
                }
            }
            entered(t)
        }
    }

    /// The backward's own per-step products where the pad prefix is shared (see `steps`).
    struct OwnProducts<S: CPUScalar>: @unchecked Sendable {
        var whPadded: UnsafePointer<S>? = nil
        var out: UnsafeMutablePointer<S>? = nil
    }

    /// dh[j] = sum over r of a[r] * Wh[r][j], r in 0..<G, as axpy passes over Wh's rows.
    @inline(__always)
    static func rowTimesWh<T: CPUScalar>(_ a: UnsafePointer<T>, _ wh: UnsafePointer<T>, into dh: UnsafeMutablePointer<T>, G: Int, H: Int) {
        dh.update(repeating: 0, count: H)
        for r in 0..<G {
            let x = a[r], row = wh + r * H
            for j in 0..<H { dh[j] += x * row[j] }
        }
    }

    /// The trajectory's share of dWh, dWx and db (added to the slice's when `accumulate`), then its dX in x.
    static func gradients<T: CPUScalar>(_ tr: Trajectory<T>, _ w: CellParameters<T>, ws: ChunkWorkspace<T>,
                                        accumulate: Bool, spread: Spread) {
        let lay = tr.layout, L = lay.steps, E = w.E, H = w.H, G = 4 * H
        let beta: T = accumulate ? 1 : 0
        let all = lay.stepOffset[L], later = all - lay.stepOffset[min(1, L)]
        spread.run(G) { rows in
            let r0 = rows.lowerBound
            if later > 0 {
                // dA of steps 1..<L against h of steps 0..<L-1: state block t-1 holds exactly the slots of step t.
                T.gemm(transA: true, transB: false, m: rows.count, n: H, k: later,
                       alpha: 1, a: tr.dA + lay.stepOffset[1] * G + r0, lda: G, b: tr.h + lay.stateOffset[0] * H, ldb: H,
                       beta: beta, c: ws.gWh + r0 * H, ldc: H)
            } else if !accumulate {
                (ws.gWh + r0 * H).update(repeating: 0, count: rows.count * H)
            }
            if all > 0 {
                T.gemm(transA: true, transB: false, m: rows.count, n: E, k: all,
                       alpha: 1, a: tr.dA + r0, lda: G, b: tr.x, ldb: E, beta: beta, c: ws.gWx + r0 * E, ldc: E)
            } else if !accumulate {
                (ws.gWx + r0 * E).update(repeating: 0, count: rows.count * E)
            }
            if !accumulate { for r in rows { ws.gB[r] = 0 } }
            for row in 0..<all {
                let d = tr.dA + row * G
                for r in rows { ws.gB[r] += d[r] }
            }
        }
        spread.run(L) { steps in
            let r0 = lay.stepOffset[steps.lowerBound], n = lay.stepOffset[steps.upperBound] - r0
            if n > 0 {
                T.gemm(transA: false, transB: false, m: n, n: E, k: G,
                       alpha: 1, a: tr.dA + r0 * G, lda: G, b: w.wx, ldb: E, beta: 0, c: tr.x + r0 * E, ldc: E)
            }
        }
    }

    /// Gate deltas of one row; updates eps_c in place and leaves dA.
    @inline(__always)
    static func cellBack<T: CPUScalar>(row: UnsafeMutablePointer<T>, drow: UnsafeMutablePointer<T>, tNow: UnsafeMutablePointer<T>,
                                       cPrev: UnsafeMutablePointer<T>?, eh: UnsafeMutablePointer<T>, ec: UnsafeMutablePointer<T>, H: Int) {
        if T.self == Float.self {
            // AVX2 where the CPU has it: the same operations in the same order as the loop below, so the same bits.
            func f(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
            if lyap_cell_back_f32(f(row), f(drow), f(tNow), cPrev.map { UnsafePointer(f($0)) }, f(eh), f(ec), Int32(H)) != 0 { return }
        }
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
