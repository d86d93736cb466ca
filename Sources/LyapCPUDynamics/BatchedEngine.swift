import CLyapKernels
import Dispatch
import LyapCore
import Foundation
import LyapCPU
import LyapDynamics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-review random vectors of an analysis, drawn once in Double and shared by every checkpoint:
/// the perturbation ξ (and ξ_c with `perturbCell`), the initial tangent frame, and the start vector of the
/// Jacobian-norm iteration. Each review's vectors come from streams keyed by its split index.
struct LaneVectors: Sendable {
    let xi: [Double]        // lanes × H
    let xiCell: [Double]    // lanes × H (zeros unless perturbCell)
    let frames: [Double]    // lanes × k × 2H
    let normStart: [Double] // lanes × 2H (unit)

    init(reviews: ReviewSet, hidden H: Int, config c: AnalysisConfig) {
        let k = c.exponents, S = 2 * H
        var xi = [Double](), xiCell = [Double](), frames = [Double](), normStart = [Double]()
        xi.reserveCapacity(reviews.count * H)
        for lane in 0..<reviews.count {
            let key = reviews.indices[lane].map { "review-\($0)" } ?? "lane-\(lane)"
            var rng = LabRNG(seed: c.seed, stream: "lyap-analyze/xi/" + key)
            for _ in 0..<H { xi.append(c.epsilon * rng.normal()) }
            for _ in 0..<H { xiCell.append(c.perturbCell ? c.epsilon * rng.normal() : 0) }
            if k > 0 { frames += Benettin.initialFrame(count: k, dimension: S, seed: c.seed, stream: "lyap-analyze/frame/" + key) }
            normStart += Benettin.initialFrame(count: 1, dimension: S, seed: c.seed, stream: "lyap-analyze/norm/" + key)
        }
        self.xi = xi
        self.xiCell = xiCell
        self.frames = frames
        self.normStart = normStart
    }
}

/// Runs the drive + zero-input protocol for blocks of reviews (methods.md §4.5 on the CPU).
///
/// Lanes are reviews. Each lane holds rows [h | c] of 2H: the base trajectory, twin A (perturbed at h_{-1}),
/// twin B (perturbed at h_{drive-1}) and k tangent vectors of the base. A block of `blockLanes` lanes
/// advances together: one product (rows × H)·Uᵀ gives U·h for every row of every lane of the block
/// (k tangents cost k more rows of one product), then `TangentKernel` does the gates, the cell update and
/// the tangent update per lane, and `GramSchmidt` re-orthonormalises on the schedule. During the drive only
/// the base and twin A are stepped (twin B equals the base there). Blocks have a fixed size and are dealt
/// to threads round-robin, and no block's arithmetic depends on another's, so the results do not depend
/// on the thread count or on timing.
enum BatchedEngine<T: CPUScalar> {
    static var blockLanes: Int { T.self == Float.self ? 16 : 8 }
    /// Units are padded to a multiple of this: the Float kernel's lane count (16 with AVX-512, else 8; see
    /// `CellWeights`); 8 for the Double path (its C kernels take 4 or 8 doubles at a time).
    static var padding: Int { T.self == Float.self ? Int(lyap_kernels_lanes()) : 8 }

    struct Unit { let model: Int; let lanes: Range<Int> }

    static func run(
        models: [CellWeights<T>], reviews: ReviewSet, config c: AnalysisConfig, vectors: LaneVectors,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) -> [[ReviewDynamics]] {
        _ = BLASSetup.singleThreaded
        let n = reviews.count, b = blockLanes
        var units: [Unit] = []
        for m in models.indices {
            for start in stride(from: 0, to: n, by: b) { units.append(Unit(model: m, lanes: start..<min(n, start + b))) }
        }
        let results = ResultSlots(models: models.count, lanes: n)
        let threads = max(1, min(c.threads, units.count))
        let unitList = units
        let prefixes = SharedPadPrefix.forModels(models, reviews: reviews, config: c)
        DispatchQueue.concurrentPerform(iterations: threads) { p in
            let ws = Workspace<T>(lanes: b, width: models[0].width, config: c)
            for u in stride(from: p, to: unitList.count, by: threads) {
                let unit = unitList[u]
                let out = runBlock(models[unit.model], lanes: unit.lanes, reviews: reviews, config: c, vectors: vectors, ws: ws,
                                   padPrefix: prefixes?[unit.model])
                let d = results.store(out, model: unit.model, from: unit.lanes.lowerBound)
                progress?(d, unitList.count)
            }
        }
        return results.values
    }

    /// Buffers of one thread, reused across its blocks.
    final class Workspace<S: CPUScalar>: @unchecked Sendable {
        // W is the padded width (see `CellWeights`).
        let drive: UnsafeMutablePointer<S>      // lanes × 2 rows × 2W
        let state: UnsafeMutablePointer<S>      // lanes × (3 + k) rows × 2W
        let products: UnsafeMutablePointer<S>   // lanes × (3 + k) rows × 4W
        let coefficients: UnsafeMutablePointer<S>  // 6W
        let scratch: UnsafeMutablePointer<S>    // 12W: the Jacobian-norm iteration's vectors
        let normVectors: UnsafeMutablePointer<S> // lanes × 2W
        let logs: UnsafeMutablePointer<Double>  // lanes × k
        let normLogs: UnsafeMutablePointer<Double>  // lanes
        /// The many-tangent path's Bt = [U_oᵀ | Bᵀ] and row-block products (`lyap_tangents_structured_f32`/`_f64`),
        /// in T.
        let structured: UnsafeMutablePointer<T>
        private let sizes: [Int]

        init(lanes: Int, width W: Int, config c: AnalysisConfig) {
            let rows = 3 + c.exponents
            sizes = [lanes * 2 * 2 * W, lanes * rows * 2 * W, lanes * rows * 4 * W, 6 * W, 12 * W, lanes * 2 * W]
            drive = .allocate(capacity: sizes[0])
            state = .allocate(capacity: sizes[1])
            products = .allocate(capacity: sizes[2])
            coefficients = .allocate(capacity: sizes[3])
            scratch = .allocate(capacity: sizes[4])
            normVectors = .allocate(capacity: sizes[5])
            logs = .allocate(capacity: max(1, lanes * c.exponents))
            normLogs = .allocate(capacity: lanes)
            let n = Int(lyap_tangents_structured_f32_work(Int32(W), Int32(W)))  // H <= W; the same count in Double
            structured = .allocate(capacity: n)
            structured.initialize(repeating: 0, count: n)
        }

        deinit {
            for p in [drive, state, products, coefficients, scratch, normVectors] { p.deallocate() }
            logs.deallocate()
            normLogs.deallocate()
            structured.deallocate()
        }
    }

    /// U·h for `rows` rows [h | c] of width W: products[r] = U · h_r (4W). With AVX-512 the C tile kernels
    /// over Uᵀ run (twice the width of OpenBLAS's AVX2 kernels, which this machine's environment selects, and
    /// each element one FMA chain in k order whatever the block); otherwise one BLAS product that skips the
    /// padded columns of h (they multiply zero columns of U).
    /// `wide` (the many-tangent path) adds the AVX2 tile kernel where AVX-512 is missing (`lyap_products_wide_f32`).
    @inline(__always)
    static func products(_ a: UnsafeMutablePointer<T>, rows: Int, into c: UnsafeMutablePointer<T>, U: UnsafePointer<T>,
                         Ut: UnsafePointer<T>, hidden H: Int, width W: Int, blas: Bool, wide: Bool = false,
                         reference: Bool = false) {
        if reference { return referenceProducts(a, rows: rows, into: c, Ut: Ut, hidden: H, width: W) }
        if !blas && wide && T.self == Float.self {
            let done = lyap_products_wide_f32(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(rows), Int32(2 * W),
                                              UnsafeRawPointer(Ut).assumingMemoryBound(to: Float.self), Int32(H), Int32(4 * W),
                                              UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(4 * W))
            if done != 0 { return }
        } else if !blas && T.self == Float.self {
            let done = lyap_products_f32(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(rows), Int32(2 * W),
                                         UnsafeRawPointer(Ut).assumingMemoryBound(to: Float.self), Int32(H), Int32(4 * W),
                                         UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(4 * W))
            if done != 0 { return }
        } else if !blas && T.self == Double.self {
            let done = lyap_products_f64(UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(rows), Int32(2 * W),
                                         UnsafeRawPointer(Ut).assumingMemoryBound(to: Double.self), Int32(H), Int32(4 * W),
                                         UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(4 * W))
            if done != 0 { return }
        }
        T.gemm(transA: false, transB: true, m: rows, n: 4 * W, k: H, alpha: 1, a: a, lda: 2 * W,
               b: U, ldb: W, beta: 0, c: c, ldc: 4 * W)
    }

    static func runBlock(
        _ w: CellWeights<T>, lanes: Range<Int>, reviews: ReviewSet, config c: AnalysisConfig, vectors v: LaneVectors,
        ws: Workspace<T>, padPrefix: SharedPadPrefix<T>? = nil
    ) -> [ReviewDynamics] {
        // Buffers use the padded width W (see `CellWeights`); the real units are 0..<H of each block.
        let H = w.hidden, W = w.width, G = 4 * W, S = 2 * W, k = c.exponents, rows = 3 + k, nL = lanes.count
        let D = reviews.drive, total = c.steps - D
        let normIterations = c.jacobianNormIterations
        let blas = c.forceBLASProducts, reference = c.referenceProducts
        let wantCoefficients = k > 0 || normIterations > 0
        let normFrom = max(0, c.transient - 50)  // warm-up steps before the averaging window
        let schedule = c.renormSchedule
        ws.logs.update(repeating: 0, count: max(1, nL * k))
        ws.normLogs.update(repeating: 0, count: nL)
        var collapsed = [Int](repeating: 0, count: nL)
        var series: [[Double]]? = c.finiteTimeSeries && k > 0 ? Array(repeating: [], count: nL) : nil
        // The full spectrum's reference-free check: Σ_t ln|det J_t| per lane (`StepDeterminant`).
        var logDets: [Double]? = k == 2 * H ? Array(repeating: 0, count: nL) : nil
        let window = UnsafeMutablePointer<Double>.allocate(capacity: max(k, 1))
        defer { window.deallocate() }
        /// Copies a 2H vector [h | c] into a padded row [h, 0... | c, 0...].
        func place(_ x: ArraySlice<Double>, into row: UnsafeMutablePointer<T>) {
            row.update(repeating: 0, count: S)
            let x0 = x.startIndex
            for j in 0..<H {
                row[j] = T(x[x0 + j])
                row[W + j] = T(x[x0 + H + j])
            }
        }

        w.recurrent.withUnsafeBufferPointer { U in
          w.recurrentTransposed.withUnsafeBufferPointer { Ut in
            w.bias.withUnsafeBufferPointer { bias in
                w.inputTable.withUnsafeBufferPointer { table in
                    reviews.tokens.withUnsafeBufferPointer { tokens in
                        let U = U.baseAddress!, Ut = Ut.baseAddress!, bias = bias.baseAddress!
                        // Drive: base and twin A.
                        for l in 0..<nL {
                            let lane = lanes.lowerBound + l
                            let base = ws.drive + l * 2 * S, twin = base + S
                            base.update(repeating: 0, count: 2 * S)
                            for j in 0..<H {
                                twin[j] = T(v.xi[lane * H + j])
                                twin[W + j] = T(v.xiCell[lane * H + j])
                            }
                        }
                        if let prefix = padPrefix, D > 0 {
                            sharedDrive(w, lanes: lanes, drive: D, tokens: tokens.baseAddress!, table: table.baseAddress!,
                                        U: U, Ut: Ut, prefix: prefix, ws: ws, blas: blas, reference: reference)
                        } else if D > 0 {
                            let tok = tokens.baseAddress!, tab = table.baseAddress!
                            for t in 0..<D {
                                products(ws.drive, rows: nL * 2, into: ws.products, U: U, Ut: Ut, hidden: H, width: W, blas: blas,
                                         reference: reference)
                                for l in 0..<nL {
                                    let id = Int(tok[(lanes.lowerBound + l) * D + t])
                                    TangentKernel.step(state: ws.drive + l * 2 * S, products: ws.products + l * 2 * G,
                                                       input: tab + id * G, cells: 2, tangents: 0, hidden: W, coefficients: nil)
                                }
                            }
                        }
                        // Zero-input phase: base, twin A, twin B = base + ξ now, k tangent rows.
                        for l in 0..<nL {
                            let lane = lanes.lowerBound + l
                            let src = ws.drive + l * 2 * S, dst = ws.state + l * rows * S
                            dst.update(from: src, count: 2 * S)
                            let twinB = dst + 2 * S
                            twinB.update(from: src, count: S)  // the base row, padding (zeros) included
                            for j in 0..<H {
                                twinB[j] = src[j] + T(v.xi[lane * H + j])
                                twinB[W + j] = src[W + j] + T(v.xiCell[lane * H + j])
                            }
                            for r in 0..<k {
                                let at = (lane * k + r) * 2 * H
                                place(v.frames[at..<(at + 2 * H)], into: dst + (3 + r) * S)
                            }
                            place(v.normStart[(lane * 2 * H)..<((lane + 1) * 2 * H)], into: ws.normVectors + l * S)
                        }
                        var lastRenorm = 0
                        // Many tangents (k > 8, e.g. the full spectrum): each lane's product right before its step and
                        // Gram–Schmidt while its rows are in cache, tangents by the Jacobian's structure, block
                        // Gram–Schmidt, and (Float) the coefficients that stay accurate where gates saturate. k <= 8
                        // keeps the block-wide product, the row-by-row kernel and the plain coefficients, so its results
                        // stay bitwise as they were.
                        let wide = k > 8
                        for n in 1...total {
                            if n > 1 && k > 0 && schedule.renormalizes(after: n - 1) { lastRenorm = n - 1 }
                            if !wide {
                                products(ws.state, rows: nL * rows, into: ws.products, U: U, Ut: Ut, hidden: H, width: W, blas: blas)
                            }
                            let renorm = k > 0 && schedule.renormalizes(after: n)
                            let accumulate = schedule.accumulates(after: n)
                            for l in 0..<nL {
                                let st = ws.state + l * rows * S
                                let prod = wide ? ws.products : ws.products + l * rows * G  // wide: one lane's, reused
                                if wide {
                                    // The cell rows' gate products and update, then the tangents by the Jacobian's
                                    // structure (two H×H products per tangent instead of four).
                                    products(st, rows: 3, into: prod, U: U, Ut: Ut, hidden: H, width: W, blas: blas, wide: true)
                                    TangentKernel.step(state: st, products: prod, input: bias, cells: 3, tangents: 0, hidden: W,
                                                       coefficients: ws.coefficients, accurateCoefficients: true)
                                    TangentKernel.structuredTangents(st + 3 * S, count: k, hidden: H, width: W, Ut: Ut,
                                                                     coefficients: ws.coefficients, work: ws.structured)
                                } else {
                                    TangentKernel.step(state: st, products: prod, input: bias, cells: 3, tangents: k, hidden: W,
                                                       coefficients: wantCoefficients ? ws.coefficients : nil)
                                }
                                if accumulate && logDets != nil {
                                    logDets![l] += StepDeterminant.coefficientLogSum(ws.coefficients, hidden: H, width: W)
                                }
                                if normIterations > 0 && n > normFrom {
                                    let sigma = JacobianNorm.iterate(ws.normVectors + l * S, U: U, coefficients: ws.coefficients,
                                                                     hidden: W, iterations: normIterations, scratch: ws.scratch)
                                    if accumulate { ws.normLogs[l] += log(sigma) }
                                }
                                if renorm && series != nil {
                                    // This window's ln R_jj alone, then added to the sums: 0 + x is x, so the
                                    // exponents are bitwise those of the direct path below.
                                    window.update(repeating: 0, count: k)
                                    collapsed[l] += GramSchmidt.orthonormalize(st + 3 * S, count: k, length: S, logNorms: window,
                                                                               block: W, used: H, blocked: wide)
                                    if accumulate { for j in 0..<k { ws.logs[l * k + j] += window[j] } }
                                    series![l].append(window[0] / Double(n - lastRenorm))
                                } else if renorm {
                                    collapsed[l] += GramSchmidt.orthonormalize(st + 3 * S, count: k, length: S,
                                                                               logNorms: accumulate ? ws.logs + l * k : nil,
                                                                               block: W, used: H, blocked: wide)
                                }
                            }
                        }
                    }
                }
            }
          }
        }

        var out: [ReviewDynamics] = []
        out.reserveCapacity(nL)
        let steps = Double(schedule.accumulated)
        let logDetU = logDets == nil ? 0 : StepDeterminant.logAbsOutputGateDeterminant(recurrent: w.recurrent, hidden: H, width: W)
        for l in 0..<nL {
            let lane = lanes.lowerBound + l
            let st = ws.state + l * rows * S
            var dA = 0.0, dB = 0.0, sum = 0.0, logit = Double(w.readoutBias)
            for j in 0..<H {
                let h = Double(st[j])
                let a = Double(st[S + j]) - h, b = Double(st[2 * S + j]) - h
                dA += a * a
                dB += b * b
                sum += h
                logit += Double(w.readout[j]) * h
            }
            out.append(ReviewDynamics(
                index: reviews.indices[lane], label: reviews.labels[lane],
                exponents: (0..<k).map { ws.logs[l * k + $0] / steps },
                distance: [.initial: dA.squareRoot(), .endOfDrive: dB.squareRoot()],
                reducedSum: sum, readout: logit,
                jacobianNorm: normIterations > 0 ? exp(ws.normLogs[l] / steps) : nil,
                collapsedRows: collapsed[l], finiteTimeExponents: series?[l],
                finalState: c.finalStates ? (0..<H).map { Double(st[$0]) } : nil,
                logDeterminant: logDets.map { logDetU + $0[l] / steps }))
        }
        return out
    }
}

/// Result storage written by disjoint lane ranges from several threads.
final class ResultSlots: @unchecked Sendable {
    private var slots: [[ReviewDynamics?]]
    private var stored = 0
    private let lock = NSLock()

    init(models: Int, lanes: Int) {
        slots = Array(repeating: Array(repeating: nil, count: lanes), count: models)
    }

    /// Stores one block's results; returns how many blocks are stored so far.
    func store(_ r: [ReviewDynamics], model: Int, from start: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        for (i, x) in r.enumerated() { slots[model][start + i] = x }
        stored += 1
        return stored
    }

    var values: [[ReviewDynamics]] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0.map { $0! } }
    }
}

/// One or more power-iteration steps on J_tᵀJ_t for the largest singular value ‖J_t‖₂, warm-started from
/// the previous step's vector (methods.md §4.4: asymptotic Jacobian norm). J_t acts through the base
/// row's coefficients of this step (`TangentKernel`); Jᵀ is its transpose:
///   e = v_c + (o⊙τ')⊙v_h,  δa = [(g⊙i')⊙e; (c⊙f')⊙e; (i⊙g')⊙e; (τ⊙o')⊙v_h],  Jᵀv = (Uᵀδa, f⊙e).
/// Returns ‖J u‖ for the last unit u (a lower bound of ‖J_t‖₂ that is exact once u has converged) and
/// leaves the normalised JᵀJu in `u` for the next step.
enum JacobianNorm {
    static func iterate<T: CPUScalar>(
        _ u: UnsafeMutablePointer<T>, U: UnsafePointer<T>, coefficients k: UnsafePointer<T>, hidden H: Int,
        iterations: Int, scratch: UnsafeMutablePointer<T>
    ) -> Double {
        let q = scratch, v = scratch + 4 * H, a = scratch + 6 * H, w = scratch + 10 * H
        var sigma = 0.0
        for _ in 0..<iterations {
            apply(u, into: v, U: U, coefficients: k, hidden: H, q: q)
            sigma = GramSchmidt.squaredNorm(v, 2 * H).squareRoot()
            applyTranspose(v, into: w, U: U, coefficients: k, hidden: H, delta: a)
            let nw = GramSchmidt.squaredNorm(w, 2 * H).squareRoot()
            guard nw > 0 && nw.isFinite else { break }
            for x in 0..<(2 * H) { u[x] = T(Double(w[x]) / nw) }
        }
        return sigma
    }

    /// v = J u (the tangent update of `TangentKernel` for one vector).
    static func apply<T: CPUScalar>(_ u: UnsafePointer<T>, into v: UnsafeMutablePointer<T>, U: UnsafePointer<T>,
                                    coefficients k: UnsafePointer<T>, hidden H: Int, q: UnsafeMutablePointer<T>) {
        for r in 0..<(4 * H) { q[r] = GramSchmidt.dot(U + r * H, u, H) }
        for j in 0..<H {
            let c = k[3 * H + j] * u[H + j] + k[H + j] * q[H + j] + k[j] * q[j] + k[2 * H + j] * q[2 * H + j]
            v[H + j] = c
            v[j] = k[4 * H + j] * q[3 * H + j] + k[5 * H + j] * c
        }
    }

    /// w = Jᵀ v.
    static func applyTranspose<T: CPUScalar>(_ v: UnsafePointer<T>, into w: UnsafeMutablePointer<T>, U: UnsafePointer<T>,
                                             coefficients k: UnsafePointer<T>, hidden H: Int, delta a: UnsafeMutablePointer<T>) {
        for j in 0..<H {
            let e = v[H + j] + k[5 * H + j] * v[j]
            a[j] = k[j] * e
            a[H + j] = k[H + j] * e
            a[2 * H + j] = k[2 * H + j] * e
            a[3 * H + j] = k[4 * H + j] * v[j]
            w[H + j] = k[3 * H + j] * e
        }
        for j in 0..<H { w[j] = 0 }
        for r in 0..<(4 * H) { GramSchmidt.axpy(a[r], U + r * H, w, H) }
    }
}
