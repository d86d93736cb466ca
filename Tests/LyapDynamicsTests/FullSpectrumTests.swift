import CLyapKernels
import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// The full-spectrum path (k > 8; in Float and Double): block Gram–Schmidt, the saturation-safe coefficients, and the
/// reference-free identity Σλ = mean ln|det J_t| with `StepDeterminant`.
struct FullSpectrumTests {
    static var isas: [Int32] { Array(0...lyap_kernels_isa()) }

    /// k rows of length n (padding columns n_used..<n of each `block` zero) with norms spread over e^{-spread},
    /// mixed so that later rows lean on earlier ones (a frame after a contracting step).
    static func gradedRows(k: Int, n: Int, seed: UInt64, spread: Double, mixing: Double = 0.7) -> [Double] {
        var rng = LabRNG(seed: seed)
        var a = [Double](repeating: 0, count: k * n)
        for j in 0..<k {
            let scale = exp(-spread * Double(j) / Double(max(1, k - 1)))
            for x in 0..<n { a[j * n + x] = scale * rng.normal() }
            if j > 0 { for x in 0..<n { a[j * n + x] += mixing * a[(j - 1) * n + x] } }
        }
        return a
    }

    /// ln R_jj and Q by Double Gram–Schmidt twice (the Swift loops).
    static func doubleReference(_ a: [Double], k: Int, n: Int) -> (logs: [Double], q: [Double]) {
        var q = a, logs = [Double](repeating: 0, count: k)
        q.withUnsafeMutableBufferPointer { r in
            logs.withUnsafeMutableBufferPointer { l in _ = GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!) }
        }
        return (logs, q)
    }

    static func maxOrthogonalityError(_ q: [Float], k: Int, n: Int) -> Double {
        var worst = 0.0
        for i in 0..<k {
            for j in 0...i {
                let d = (0..<n).reduce(0.0) { $0 + Double(q[i * n + $1]) * Double(q[j * n + $1]) }
                worst = max(worst, abs(d - (i == j ? 1 : 0)))
            }
        }
        return worst
    }

    @Test(arguments: isas)
    func blockModifiedGramSchmidtMatchesTheDoubleFactorisation(isa: Int32) {
        // One pass, right-looking: R_jj accurate on rows spread over e^-7 that lean on each other
        // (where a single classical pass would lose them), Q orthonormal to about ε·e^7. Partial last panels, a start
        // row inside a panel, one and several vectors per row, k = 2H = 120 rows of 128.
        for (k, n, from, mixing) in [(13, 40, 0, 0.7), (37, 48, 0, 0.7), (20, 24, 5, 0.7), (3, 16, 0, 0.7), (26, 32, 0, 0.9),
                                     (120, 128, 0, 0.7), (21, 128, 3, 0)] {
            let a = Self.gradedRows(k: k, n: n, seed: UInt64(k * 100 + n), spread: 7, mixing: mixing)
            var rows = a.map { Float($0) }
            let ref = Self.doubleReference(rows.map { Double($0) }, k: k, n: n)
            // Rows before `from` orthonormal and projected out of the rest already (what the kernel expects).
            for x in 0..<(from * n) { rows[x] = Float(ref.q[x]) }
            for j in from..<k {
                for i in 0..<from {
                    let d = (0..<n).reduce(0.0) { $0 + Double(rows[i * n + $1]) * Double(rows[j * n + $1]) }
                    for x in 0..<n { rows[j * n + x] -= Float(d) * rows[i * n + x] }
                }
            }
            let refFrom = Self.doubleReference(rows.map { Double($0) }, k: k, n: n)
            var norms = [Double](repeating: 0, count: k)
            #expect(lyap_block_mgs_f32_isa(isa, &rows, Int32(k), Int32(n), Int32(from), &norms) == Int32(k))
            let logs = (from..<k).map { log(norms[$0]) }
            #expect(maxAbsDiff(logs, Array(refFrom.logs[from...])) < 2e-4, "k \(k) n \(n) isa \(isa)")
            #expect(Self.maxOrthogonalityError(rows, k: k, n: n) < 2e-4, "k \(k) n \(n) isa \(isa)")
        }
    }

    @Test func blockGramSchmidtFinishesRowByRowAfterACollapsedRow() {
        // Row 10 (inside the second panel) is zero (a tangent that underflowed): it collapses, and is replaced by a
        // unit vector among the real coordinates as on the row-by-row path.
        let k = 13, n = 32
        var a = Self.gradedRows(k: k, n: n, seed: 41, spread: 2)
        for x in 0..<n { a[10 * n + x] = 0 }
        for r in 0..<k { for x in [12, 13, 14, 15, 28, 29, 30, 31] { a[r * n + x] = 0 } }
        func run(blocked: Bool) -> (rows: [Float], logs: [Double], collapsed: Int) {
            var rows = a.map { Float($0) }
            var logs = [Double](repeating: 0, count: k)
            let c = rows.withUnsafeMutableBufferPointer { r in
                logs.withUnsafeMutableBufferPointer { l in
                    GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!, block: 16, used: 12,
                                               blocked: blocked)
                }
            }
            return (rows, logs, c)
        }
        let blocked = run(blocked: true), plain = run(blocked: false)
        #expect(blocked.collapsed == 1 && plain.collapsed == 1)
        #expect(blocked.logs[10] == log(Double(Float.leastNormalMagnitude)))
        #expect(maxAbsDiff(blocked.logs.enumerated().filter { $0.offset != 10 }.map(\.element),
                           plain.logs.enumerated().filter { $0.offset != 10 }.map(\.element)) < 1e-5)
        #expect(Self.maxOrthogonalityError(blocked.rows, k: k, n: n) < 2e-6)
        for r in 0..<k { for x in [12, 13, 14, 15, 28, 29, 30, 31] { #expect(blocked.rows[r * n + x] == 0) } }
        // The same in Double (the float64 full spectrum's block kernel).
        func runDouble(blocked: Bool) -> (rows: [Double], logs: [Double], collapsed: Int) {
            var rows = a, logs = [Double](repeating: 0, count: k)
            let c = rows.withUnsafeMutableBufferPointer { r in
                logs.withUnsafeMutableBufferPointer { l in
                    GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!, block: 16, used: 12,
                                               blocked: blocked)
                }
            }
            return (rows, logs, c)
        }
        let blockedD = runDouble(blocked: true), plainD = runDouble(blocked: false)
        #expect(blockedD.collapsed == 1 && plainD.collapsed == 1)
        #expect(blockedD.logs[10] == log(Double.leastNormalMagnitude))
        #expect(maxAbsDiff(blockedD.logs.enumerated().filter { $0.offset != 10 }.map(\.element),
                           plainD.logs.enumerated().filter { $0.offset != 10 }.map(\.element)) < 1e-12)
        #expect(maxAbsDiff(blockedD.rows, plainD.rows) < 1e-12)
    }

    @Test(arguments: isas)
    func accurateCoefficientsKeepTheirRelativeAccuracyWhereGatesSaturate(isa: Int32) {
        // Pre-activations up to ±14 (1 - σ down to 1e-6), a cell input g > 0 and c > 0 so c' = f c + i g does not
        // cancel and reaches 17 (1 - tanh² down to 1e-14): the plain Float form 1 - x of an x near 1 keeps a
        // handful of bits there or none. Zero input, so the Float and Double pre-activations are the same numbers.
        let H = 16, S = 2 * H, G = 4 * H, rows = 4
        var rng = LabRNG(seed: 77)
        var state = [Float](repeating: 0, count: rows * S), products = [Float](repeating: 0, count: rows * G)
        for r in 0..<rows {
            for j in 0..<H {
                state[r * S + j] = Float(rng.uniform(-1, 1))
                state[r * S + H + j] = Float(r < 2 ? rng.uniform(0.1, 3) : rng.uniform(-1, 1))
            }
            for x in 0..<G { products[r * G + x] = Float(x / H == 2 ? rng.uniform(0.5, 14) : rng.uniform(-14, 14)) }
        }
        let input = [Float](repeating: 0, count: G)
        var sd = state.map { Double($0) }, kd = [Double](repeating: 0, count: 6 * H)
        TangentKernel.ScalarPath<Double>.step(state: &sd, products: products.map { Double($0) }, input: input.map { Double($0) },
                                              cells: 2, tangents: 2, hidden: H, coefficients: &kd)
        var sa = state, ka = [Float](repeating: 0, count: 6 * H)
        lyap_step_accurate_f32_isa(isa, &sa, products, input, 2, 2, Int32(H), &ka)
        var sp = state, kp = [Float](repeating: 0, count: 6 * H)
        lyap_step_f32_isa(isa, &sp, products, input, 2, 2, Int32(H), &kp)
        #expect(Array(sa[0..<(2 * S)]) == Array(sp[0..<(2 * S)]), "cell rows differ (isa \(isa))")
        func worst(_ k: [Float]) -> Double {
            zip(k, kd).filter { $0.1 != 0 }.map { abs(Double($0.0) - $0.1) / abs($0.1) }.max()!
        }
        #expect(worst(ka) < 1e-5, "worst relative coefficient error \(worst(ka)) (isa \(isa))")
        #expect(worst(kp) > 1e-2, "the plain form was expected to lose these (isa \(isa))")
        // The tangent rows follow the coefficients: within Float rounding of the Double kernel's.
        let scale = sd[(2 * S)...].map(abs).max()!
        #expect(maxAbsDiff(Array(sd[(2 * S)...]), sa[(2 * S)...].map { Double($0) }) < 1e-5 * scale)
    }

    @Test(arguments: isas)
    func structuredTangentsMatchTheFourProductFormInDouble(isa: Int32) {
        // Odd widths, padded to 8 or 16 units as the engine pads them; tangent counts that leave a partial block of
        // four rows; coefficients random at the padded units too (the kernel must keep padded entries at 0 whatever
        // they are). Reference: δc' = f⊙δc + c_f⊙q^f + c_i⊙q^i + c_g⊙q^g, δh' = c_o⊙q^o + c_h⊙δc' with q = U·δh in Double.
        for (H, W, count) in [(13, 16, 26), (18, 24, 7), (18, 32, 36), (60, 64, 120), (5, 16, 3)] {
            var rng = LabRNG(seed: UInt64(100 * H + count))
            let S = 2 * W, G = 4 * W
            var U = [Float](repeating: 0, count: G * H)  // [4W][H], zero rows at padded units
            for r in 0..<G where r % W < H { for m in 0..<H { U[r * H + m] = Float(rng.normal() / Double(H).squareRoot()) } }
            var Ut = [Float](repeating: 0, count: H * G)
            for m in 0..<H { for r in 0..<G { Ut[m * G + r] = U[r * H + m] } }
            let k = (0..<(6 * W)).map { _ in Float(rng.uniform(-1, 1)) }
            var rows = [Float](repeating: 0, count: count * S)
            for r in 0..<count { for j in 0..<H { rows[r * S + j] = Float(rng.normal()); rows[r * S + W + j] = Float(rng.normal()) } }
            var expected = [Double](repeating: 0, count: count * S)
            for r in 0..<count {
                var q = [Double](repeating: 0, count: G)
                for g in 0..<G { for m in 0..<H { q[g] += Double(U[g * H + m]) * Double(rows[r * S + m]) } }
                for j in 0..<H {
                    let kd = { (b: Int) in Double(k[b * W + j]) }
                    let c = kd(3) * Double(rows[r * S + W + j]) + kd(1) * q[W + j] + kd(0) * q[j] + kd(2) * q[2 * W + j]
                    expected[r * S + W + j] = c
                    expected[r * S + j] = kd(4) * q[3 * W + j] + kd(5) * c
                }
            }
            var work = [Float](repeating: 0, count: Int(lyap_tangents_structured_f32_work(Int32(H), Int32(W))))
            lyap_tangents_structured_f32_isa(isa, &rows, Int32(count), Int32(H), Int32(W), Ut, k, &work)
            let scale = expected.map(abs).max()!
            #expect(maxAbsDiff(expected, rows.map { Double($0) }) < 2e-6 * scale, "H \(H) W \(W) count \(count) isa \(isa)")
            for r in 0..<count { for x in 0..<S where x % W >= H { #expect(rows[r * S + x] == 0, "padded entry, H \(H) isa \(isa)") } }
        }
    }

    @Test(arguments: isas)
    func doubleManyTangentKernelsMatchTheirReferences(isa: Int32) {
        // The float64 full spectrum's kernels. Structured tangents against the four-product form (Double sums),
        // padded entries left 0; block MGS against Gram–Schmidt twice (Swift loops) on graded rows, collapsed rows
        // excepted, with a start row inside a panel and partial panels.
        for (H, W, count) in [(13, 16, 26), (18, 24, 7), (60, 64, 120), (5, 16, 3)] {
            var rng = LabRNG(seed: UInt64(200 * H + count))
            let S = 2 * W, G = 4 * W
            var U = [Double](repeating: 0, count: G * H)
            for r in 0..<G where r % W < H { for m in 0..<H { U[r * H + m] = rng.normal() / Double(H).squareRoot() } }
            var Ut = [Double](repeating: 0, count: H * G)
            for m in 0..<H { for r in 0..<G { Ut[m * G + r] = U[r * H + m] } }
            let k = (0..<(6 * W)).map { _ in rng.uniform(-1, 1) }
            var rows = [Double](repeating: 0, count: count * S)
            for r in 0..<count { for j in 0..<H { rows[r * S + j] = rng.normal(); rows[r * S + W + j] = rng.normal() } }
            var expected = rows
            for r in 0..<count {
                var q = [Double](repeating: 0, count: G)
                for g in 0..<G { for m in 0..<H { q[g] += U[g * H + m] * rows[r * S + m] } }
                for j in 0..<H {
                    let c = k[3 * W + j] * rows[r * S + W + j] + k[W + j] * q[W + j] + k[j] * q[j] + k[2 * W + j] * q[2 * W + j]
                    expected[r * S + W + j] = c
                    expected[r * S + j] = k[4 * W + j] * q[3 * W + j] + k[5 * W + j] * c
                }
            }
            var work = [Double](repeating: 0, count: Int(lyap_tangents_structured_f32_work(Int32(H), Int32(W))))
            lyap_tangents_structured_f64_isa(isa, &rows, Int32(count), Int32(H), Int32(W), Ut, k, &work)
            let scale = expected.map(abs).max()!
            #expect(maxAbsDiff(expected, rows) < 1e-13 * scale, "H \(H) W \(W) count \(count) isa \(isa)")
            for r in 0..<count { for x in 0..<S where x % W >= H { #expect(rows[r * S + x] == 0, "padded entry, H \(H) isa \(isa)") } }
        }
        for (k, n, from) in [(13, 40, 0), (37, 48, 0), (20, 24, 5), (3, 16, 0), (120, 128, 0), (21, 128, 3)] {
            var rows = Self.gradedRows(k: k, n: n, seed: UInt64(k * 100 + n), spread: 7)
            let ref = Self.doubleReference(rows, k: k, n: n)
            for x in 0..<(from * n) { rows[x] = ref.q[x] }
            for j in from..<k {
                for i in 0..<from {
                    let d = (0..<n).reduce(0.0) { $0 + rows[i * n + $1] * rows[j * n + $1] }
                    for x in 0..<n { rows[j * n + x] -= d * rows[i * n + x] }
                }
            }
            let refFrom = Self.doubleReference(rows, k: k, n: n)
            var norms = [Double](repeating: 0, count: k)
            #expect(lyap_block_mgs_f64_isa(isa, &rows, Int32(k), Int32(n), Int32(from), &norms) == Int32(k))
            #expect(maxAbsDiff((from..<k).map { log(norms[$0]) }, Array(refFrom.logs[from...])) < 1e-11, "k \(k) n \(n) isa \(isa)")
            var worst = 0.0
            for i in 0..<k { for j in 0...i { worst = max(worst, abs((0..<n).reduce(0.0) { $0 + rows[i * n + $1] * rows[j * n + $1] } - (i == j ? 1 : 0))) } }
            #expect(worst < 1e-11, "k \(k) n \(n) isa \(isa)")
        }
    }

    /// The algorithm's error alone (`ShadowSpectrum`): the float32 spectrum and the float64 one along the same float32
    /// trajectory, on odd widths (padded units in play) and spectra spanning 5 to 7 per step: measured ≤ 8e-5 here. A
    /// wrong coefficient, product or Gram–Schmidt in the float32 path moves exponents by far more than 1e-3. (Where a
    /// spectrum has a cluster of nearly equal exponents, e.g. hidden 18, seed 5, gain 3, bias spread 2, the cluster's
    /// members differ by up to 1.5e-3 while every other exponent agrees to 1e-6: see BENCHMARKS.md.)
    @Test(arguments: [(13, UInt64(7), 4.0, 1.0), (9, 6, 2.5, 4.0)])
    func floatSpectrumMatchesDoubleAlongTheSameTrajectory(hidden H: Int, seed: UInt64, gain: Double, biasSpread: Double) {
        let p = TestModels.lstm(hidden: H, seed: seed, gain: gain, biasSpread: biasSpread)
        let reviews = TestModels.reviews(count: 3, drive: 20, vocab: 13, seed: seed)
        let c = TestModels.config(drive: 20, steps: 420, transient: 100, k: 2 * H, reviews: 3, renormEvery: 1)
        let shadow = ShadowSpectrum.run(p, reviews: reviews, lanes: [0, 1, 2], config: c, trajectory: .float32)
        for (lane, e) in shadow.enumerated() {
            #expect(maxAbsDiff(e.float32!.sorted(), e.float64.sorted()) < 1e-3, "H \(H) lane \(lane)")
            #expect(e.float64.max()! - e.float64.min()! > 3, "H \(H) lane \(lane): the spectrum should span several units")
        }
        // Along a float64 trajectory the shadow's Double algorithm is the engine's float64 path.
        let engine = try! StabilityAnalysis.analyze(p, reviews: reviews, config: c)
        let onDouble = ShadowSpectrum.run(p, reviews: reviews, lanes: [0, 1, 2], config: c, trajectory: .float64)
        for (x, y) in zip(onDouble, engine.perReview) { #expect(maxAbsDiff(x.float64, y.exponents) < 1e-9, "H \(H)") }
    }

    @Test func stepDeterminantIsTheJacobiansDeterminant() {
        // ln|det J| of the explicit Jacobian (LU) against the closed form on a few states of an odd-sized model.
        let p = TestModels.lstm(hidden: 9, seed: 8, gain: 3, biasSpread: 1.5)
        let H = 9
        let w = CellWeights<Double>(p, withInputTable: false, padTo: 1)
        let logU = StepDeterminant.logAbsOutputGateDeterminant(recurrent: w.recurrent, hidden: H, width: H)
        var rng = LabRNG(seed: 9)
        var map = LSTMStateMap(p, h0: (0..<H).map { _ in rng.uniform(-0.9, 0.9) }, c0: (0..<H).map { _ in rng.uniform(-2, 2) })
        var none = [Double]()
        for _ in 0..<5 {
            var state = map.h + map.c
            var products = [Double](repeating: 0, count: 4 * H)
            for r in 0..<(4 * H) { for m in 0..<H { products[r] += w.recurrent[r * H + m] * map.h[m] } }
            var k = [Double](repeating: 0, count: 6 * H)
            TangentKernel.ScalarPath<Double>.step(state: &state, products: products, input: w.bias, cells: 1, tangents: 0,
                                                  hidden: H, coefficients: &k)
            let closed = logU + k.withUnsafeBufferPointer { StepDeterminant.coefficientLogSum($0.baseAddress!, hidden: H, width: H) }
            let lu = Dense.logAbsDeterminant(map.jacobian(), 2 * H)
            #expect(abs(closed - lu) < 1e-10, "\(closed) vs \(lu)")
            map.step(tangents: &none, count: 0)
        }
    }

    /// Small full spectra (k = 2H > 8, so the Float engine takes its wide path) on odd widths, with spectra
    /// spanning 4.3 to 6.6 per step (the real H = 60 job's spans 7.0): ordered, saturated and near-critical models.
    @Test(arguments: [(7, UInt64(3), 3.0, 1.0), (9, 6, 2.5, 4.0), (11, 4, 3.0, 3.0), (13, 7, 4.0, 1.0)])
    func floatFullSpectrumMatchesTheDoubleEveryStepReference(hidden H: Int, seed: UInt64, gain: Double, biasSpread: Double) throws {
        let p = TestModels.lstm(hidden: H, seed: seed, gain: gain, biasSpread: biasSpread)
        let reviews = TestModels.reviews(count: 3, drive: 20, vocab: 13, seed: seed)
        var c = TestModels.config(drive: 20, steps: 420, transient: 100, k: 2 * H, reviews: 3, renormEvery: 1)
        let reference = try StabilityAnalysis.analyze(p, reviews: reviews, config: c)
        c.precision = .float32
        let float = try StabilityAnalysis.analyze(p, reviews: reviews, config: c)
        for (lane, (x, y)) in zip(float.perReview, reference.perReview).enumerated() {
            // Sorted: two nearly equal exponents may leave a finite run in either order (then Gram–Schmidt order
            // differs by their gap at two indices while the spectrum is the same); measured here ≤ 6e-5 either way.
            #expect(maxAbsDiff(x.exponents.sorted(), y.exponents.sorted()) < 1e-3, "H \(H) lane \(lane)")
            // Each step's Σ ln R_jj is ln|det(J_t Q)| = ln|det J_t| up to the rounding of the 2H tangent rows: at most
            // about 2H · ε_float · e^{λ1−λ2H} ≈ 2e-3 per step here, of both signs, so its 320-step mean stays far
            // below that (measured ≤ 5e-5). Double: the same bound with ε_double, ≈ 1e-11.
            let sumF = x.exponents.reduce(0, +), sumD = y.exponents.reduce(0, +)
            #expect(abs(sumF - x.logDeterminant!) < 5e-4, "H \(H) lane \(lane): \(sumF) vs \(x.logDeterminant!)")
            #expect(abs(sumD - y.logDeterminant!) < 1e-10, "H \(H) lane \(lane): \(sumD) vs \(y.logDeterminant!)")
            #expect(x.collapsedRows == 0 && y.collapsedRows == 0)
        }
    }
}
