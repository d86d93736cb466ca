import CLyapKernels
import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// The C Float kernels (whichever instruction set this CPU selects) against Double references.
struct KernelTests {
    /// Every instruction-set variant this CPU can run: 0 baseline, 1 AVX2+FMA, 2 AVX-512.
    static var isas: [Int32] { Array(0...lyap_kernels_isa()) }

    @Test(arguments: isas)
    func activationsAreAccurate(isa: Int32) {
        // Dense grid over the gate range plus saturated and tiny arguments.
        var x: [Float] = stride(from: -30.0, through: 30.0, by: 0.0037).map { Float($0) }
        x += [-100, -87, -50, -1e-3, -1e-6, -1e-30, 0, 1e-30, 1e-6, 1e-3, 50, 90, 200]
        while x.count % 16 != 0 { x.append(0.5) }
        var s = [Float](repeating: 0, count: x.count), t = s
        lyap_sigmoid_f32_isa(isa, x, &s, Int32(x.count))
        lyap_tanh_f32_isa(isa, x, &t, Int32(x.count))
        var worstS = 0.0, worstT = 0.0
        for (i, v) in x.enumerated() {
            let d = Double(v)
            let sig = d >= 0 ? 1 / (1 + exp(-d)) : exp(d) / (1 + exp(d)), th = tanh(d)
            // Relative error where the value is a normal Float; below that (x < -87) sigmoid is floored at
            // about the smallest normal, an absolute error under 1.3e-38.
            if sig >= 1e-37 { worstS = max(worstS, abs(Double(s[i]) - sig) / sig) } else { #expect(abs(Double(s[i]) - sig) < 1.3e-38) }
            worstT = max(worstT, abs(Double(t[i]) - th) / max(abs(th), 1e-37))
        }
        // A few ulp (2^-23 ≈ 1.2e-7); saturated sigmoid keeps its relative accuracy (e^-30 ≈ 9e-14).
        #expect(worstS < 1e-6, "sigmoid worst relative error \(worstS) (isa \(isa))")
        #expect(worstT < 1e-6, "tanh worst relative error \(worstT) (isa \(isa))")
    }

    @Test(.avx512, arguments: [1, 3, 4, 7, 64])
    func productsMatchANaiveSum(rows: Int) throws {
        let K = 13, N = 64 * 2, lda = 20
        var rng = LabRNG(seed: UInt64(rows))
        let a = (0..<(rows * lda)).map { _ in Float(rng.uniform(-1, 1)) }
        let bt = (0..<(K * N)).map { _ in Float(rng.uniform(-1, 1)) }
        var c = [Float](repeating: .nan, count: rows * N)
        let done = lyap_products_f32(a, Int32(rows), Int32(lda), bt, Int32(K), Int32(N), &c, Int32(N))
        try #require(done != 0, "AVX-512 present but the product kernel declined")
        for r in 0..<rows {
            for n in 0..<N {
                var s = 0.0
                for k in 0..<K { s += Double(a[r * lda + k]) * Double(bt[k * N + n]) }
                #expect(abs(Double(c[r * N + n]) - s) < 1e-5, "(\(r), \(n))")
            }
        }
    }

    /// The strided, accumulating form the CPU training backend uses: exactly one fused multiply-add chain per
    /// element over k in order, starting from C (or 0), whatever the k chunking (K spans several chunks of
    /// 64 here) and the row tiling (row counts around the tile of 4).
    @Test(.avx512, arguments: [(5, 0, false, 128), (9, 100, true, 128), (32, 200, false, 128), (3, 64, true, 128), (4, 1, true, 128),
                      (32, 60, true, 240), (7, 70, false, 48)])
    func stridedAccumulatingProductsAreOneFMAChainPerElement(rows: Int, K: Int, accumulate: Bool, N: Int) throws {
        // An N-column block of a wider Bt; N = 240, 48: 16-column tails.
        try Self.expectOneFMAChainPerElement(rows: rows, K: K, accumulate: accumulate, N: N, ldb: N + 64, "AVX-512") { a, lda, bt, ldb, c, ldc in
            lyap_products_ex_f32(a, Int32(rows), Int32(lda), bt, Int32(ldb), Int32(K), Int32(N), c, Int32(ldc), accumulate ? 1 : 0)
        }
    }

    /// Runs `kernel` on random A (rows x K, leading dimension K + 3), Bt (K x N in rows of `ldb`) and C (leading
    /// dimension N + 5) and checks each element of C bitwise against one FMA chain over k in order from C (or 0),
    /// and that the columns past N are untouched.
    static func expectOneFMAChainPerElement(
        rows: Int, K: Int, accumulate: Bool, N: Int, ldb: Int, _ variant: String,
        kernel: (_ a: [Float], _ lda: Int, _ bt: [Float], _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Int32
    ) throws {
        let lda = K + 3, ldc = N + 5
        var rng = LabRNG(seed: UInt64(rows * 1000 + K))
        let a = (0..<(rows * lda)).map { _ in Float(rng.uniform(-1, 1)) }
        let bt = (0..<(max(K, 1) * ldb)).map { _ in Float(rng.uniform(-1, 1)) }
        let c0 = (0..<(rows * ldc)).map { _ in Float(rng.uniform(-1, 1)) }
        var c = c0
        let done = kernel(a, lda, bt, ldb, &c, ldc)
        try #require(done != 0, "\(variant) present but the product kernel declined N = \(N)")
        for r in 0..<rows {
            for n in 0..<N {
                var s: Float = accumulate ? c0[r * ldc + n] : 0
                for k in 0..<K { s.addProduct(a[r * lda + k], bt[k * ldb + n]) }
                #expect(c[r * ldc + n].bitPattern == s.bitPattern, "\(variant) (\(r), \(n)): \(c[r * ldc + n]) vs \(s)")
            }
            for n in N..<ldc { #expect(c[r * ldc + n].bitPattern == c0[r * ldc + n].bitPattern, "\(variant): column \(n) past N was written") }
        }
    }

    /// The shared pad prefix's product kernel in every vector variant this CPU has (1: AVX2+FMA, 6-row tiles,
    /// N a multiple of 8; 2: AVX-512, N a multiple of 16): one FMA chain per element over k in order, from C (or
    /// 0), whatever the tiling (tiles of 6, 5, 4 and 3 rows, a lone row or two over 64/32/16/8-column blocks) and the k
    /// chunks of 64 (capped at 2, an N that 16 does not divide takes the AVX2 variant). The baseline (isa 0) has
    /// no product kernel: it must decline and leave C alone.
    @Test(.enabled(if: lyap_kernels_isa() >= 1, "needs AVX2+FMA (the baseline declines, checked below)"),
          arguments: Array(1...max(1, lyap_kernels_isa())),
          [(1, 1, false, 8), (5, 0, true, 24), (6, 100, false, 40), (7, 70, true, 72), (13, 130, false, 128), (12, 64, true, 120),
           (2, 9, true, 200), (3, 60, true, 240), (4, 65, false, 64), (8, 60, true, 240), (9, 33, false, 24), (10, 240, true, 64),
           (11, 60, false, 48), (14, 60, true, 240), (16, 240, false, 64)])
    func anyProductsAreOneFMAChainPerElementInEveryVariant(isa: Int32, shape: (rows: Int, K: Int, accumulate: Bool, N: Int)) throws {
        let (rows, K, accumulate, N) = shape
        let isa = min(isa, lyap_kernels_isa())
        let a = [Float](repeating: 1, count: rows * K), bt = [Float](repeating: 1, count: max(K, 1) * N), c0 = [Float](repeating: 2, count: rows * N)
        var declined = c0
        #expect(lyap_products_any_f32_isa(0, a, Int32(rows), Int32(K), bt, Int32(N), Int32(K), Int32(N), &declined, Int32(N), 1) == 0)
        #expect(declined == c0, "the declining baseline wrote C")
        try Self.expectOneFMAChainPerElement(rows: rows, K: K, accumulate: accumulate, N: N, ldb: N + 8, "isa \(isa)") { a, lda, bt, ldb, c, ldc in
            lyap_products_any_f32_isa(isa, a, Int32(rows), Int32(lda), bt, Int32(ldb), Int32(K), Int32(N), c, Int32(ldc), accumulate ? 1 : 0)
        }
    }

    @Test(arguments: isas)
    func stepVariantsAgreeWithTheDoubleKernel(isa: Int32) {
        // One lane of H = 16 (a multiple of every lane count): 2 cells and 3 tangents.
        let H = 16, S = 2 * H, G = 4 * H, rows = 5
        var rng = LabRNG(seed: 21)
        let state = (0..<(rows * S)).map { _ in rng.uniform(-1, 1) }
        let products = (0..<(rows * G)).map { _ in rng.uniform(-3, 3) }
        let input = (0..<G).map { _ in rng.uniform(-1, 1) }
        var sd = state, kd = [Double](repeating: 0, count: 6 * H)
        TangentKernel.ScalarPath<Double>.step(state: &sd, products: products, input: input, cells: 2, tangents: 3, hidden: H,
                                              coefficients: &kd)
        var sf = state.map { Float($0) }, kf = [Float](repeating: 0, count: 6 * H)
        lyap_step_f32_isa(isa, &sf, products.map { Float($0) }, input.map { Float($0) }, 2, 3, Int32(H), &kf)
        #expect(maxAbsDiff(sd, sf.map { Double($0) }) < 5e-6, "isa \(isa)")
        #expect(maxAbsDiff(kd, kf.map { Double($0) }) < 5e-6, "isa \(isa)")
    }

    @Test(arguments: isas)
    func gramSchmidtVariantsAgree(isa: Int32) {
        let k = 6, n = 32
        var rng = LabRNG(seed: 22)
        var rows = (0..<(k * n)).map { _ in Float(rng.normal()) }
        var ref = rows.map { Double($0) }
        var norms = [Double](repeating: 0, count: k)
        #expect(lyap_gram_schmidt_f32_isa(isa, &rows, Int32(k), Int32(n), 0, &norms) == Int32(k))
        var logs = [Double](repeating: 0, count: k)
        ref.withUnsafeMutableBufferPointer { r in
            logs.withUnsafeMutableBufferPointer { l in _ = GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!) }
        }
        #expect(maxAbsDiff(norms.map { log($0) }, logs) < 1e-5)
        #expect(maxAbsDiff(rows.map { Double($0) }, ref) < 1e-5)
    }

    @Test(arguments: isas)
    func doubleVariantsAgreeWithTheSwiftLoops(isa: Int32) {
        let H = 16, S = 2 * H, G = 4 * H, rows = 4
        var rng = LabRNG(seed: 23)
        let state = (0..<(rows * S)).map { _ in rng.uniform(-1, 1) }
        let products = (0..<(rows * G)).map { _ in rng.uniform(-3, 3) }
        let k = (0..<(6 * H)).map { _ in rng.uniform(0, 1) }
        // Tangent rows 1..3 by the C kernel and by the generic Swift loop (Float-typed path is not involved).
        var c = state
        lyap_tangents_f64_isa(isa, &c, products, 1, 3, Int32(H), k)
        var ref = state
        for r in 1..<rows {
            for j in 0..<H {
                let q = r * G
                let dc = k[3 * H + j] * ref[r * S + H + j] + k[H + j] * products[q + H + j] + k[j] * products[q + j]
                    + k[2 * H + j] * products[q + 2 * H + j]
                ref[r * S + H + j] = dc
                ref[r * S + j] = k[4 * H + j] * products[q + 3 * H + j] + k[5 * H + j] * dc
            }
        }
        #expect(maxAbsDiff(c, ref) < 1e-14, "isa \(isa)")
        // Gram–Schmidt in Double against the Swift MGS2 (length 20: a multiple of 4, not of 8).
        var rowsC = (0..<(5 * 20)).map { _ in rng.normal() }
        var rowsSwift = rowsC
        var norms = [Double](repeating: 0, count: 5)
        #expect(lyap_gram_schmidt_f64_isa(isa, &rowsC, 5, 20, 0, &norms) == 5)
        // Reference: plain modified Gram–Schmidt twice, written out here.
        var refNorms = [Double](repeating: 0, count: 5)
        for j in 0..<5 {
            for _ in 0..<2 {
                for i in 0..<j {
                    let r = (0..<20).reduce(0.0) { $0 + rowsSwift[i * 20 + $1] * rowsSwift[j * 20 + $1] }
                    for x in 0..<20 { rowsSwift[j * 20 + x] -= r * rowsSwift[i * 20 + x] }
                }
            }
            refNorms[j] = (0..<20).reduce(0.0) { $0 + rowsSwift[j * 20 + $1] * rowsSwift[j * 20 + $1] }.squareRoot()
            for x in 0..<20 { rowsSwift[j * 20 + x] /= refNorms[j] }
        }
        #expect(maxAbsDiff(norms, refNorms) < 1e-12)
        #expect(maxAbsDiff(rowsC, rowsSwift) < 1e-12)
    }

    @Test func gramSchmidtKernelGivesOrthonormalRowsAndNorms() {
        let k = 8, n = 128
        var rng = LabRNG(seed: 3)
        let original = (0..<(k * n)).map { _ in Float(rng.normal()) }
        var rows = original
        var logs = [Double](repeating: 0, count: k)
        let collapsed = rows.withUnsafeMutableBufferPointer { r in
            logs.withUnsafeMutableBufferPointer { l in
                GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!)
            }
        }
        #expect(collapsed == 0)
        for i in 0..<k {
            for j in 0..<k {
                let d = (0..<n).reduce(0.0) { $0 + Double(rows[i * n + $1]) * Double(rows[j * n + $1]) }
                #expect(abs(d - (i == j ? 1 : 0)) < 1e-5, "QᵀQ[\(i)][\(j)] = \(d)")  // methods.md §4.6 bound
            }
        }
        // The same R diagonal as the Double path.
        var rowsD = original.map { Double($0) }
        var logsD = [Double](repeating: 0, count: k)
        rowsD.withUnsafeMutableBufferPointer { r in
            logsD.withUnsafeMutableBufferPointer { l in
                _ = GramSchmidt.orthonormalize(r.baseAddress!, count: k, length: n, logNorms: l.baseAddress!)
            }
        }
        #expect(maxAbsDiff(logs, logsD) < 1e-5)
    }

    @Test func collapsedRowIsReplacedInsideTheRealCoordinates() {
        // Padded rows: blocks of 16 with 12 real entries; the second row is zero (a tangent that underflowed).
        let n = 32
        var rows = [Float](repeating: 0, count: 3 * n)
        for x in 0..<12 { rows[x] = Float(x + 1); rows[16 + x] = Float(12 - x) }
        for x in 0..<12 { rows[2 * n + x] = 1 }
        var logs = [Double](repeating: 0, count: 3)
        let collapsed = rows.withUnsafeMutableBufferPointer { r in
            logs.withUnsafeMutableBufferPointer { l in
                GramSchmidt.orthonormalize(r.baseAddress!, count: 3, length: n, logNorms: l.baseAddress!, block: 16, used: 12)
            }
        }
        #expect(collapsed == 1)
        #expect(logs[1] == log(Double(Float.leastNormalMagnitude)))
        for r in 0..<3 {
            for x in [12, 13, 14, 15, 28, 29, 30, 31] { #expect(rows[r * n + x] == 0, "padding touched in row \(r)") }
            let norm = (0..<n).reduce(Float(0)) { $0 + rows[r * n + $1] * rows[r * n + $1] }
            #expect(abs(norm - 1) < 1e-5)
        }
    }
}

extension KernelTests {
    /// Without AVX-512 the product kernels decline (return 0, C untouched) so the callers use BLAS.
    @Test(.enabled(if: lyap_kernels_isa() != 2, "this CPU has AVX-512: the kernels run (productsMatchANaiveSum)"))
    func productKernelsDeclineWithoutAVX512() {
        let a = [Float](repeating: 1, count: 4 * 64), bt = [Float](repeating: 1, count: 64 * 64)
        var c = [Float](repeating: .nan, count: 4 * 64)
        #expect(lyap_products_f32(a, 4, 64, bt, 64, 64, &c, 64) == 0)
        #expect(lyap_products_ex_f32(a, 4, 64, bt, 64, 64, 64, &c, 64, 0) == 0)
        #expect(c.allSatisfy { $0.isNaN }, "a declining kernel wrote C")
    }
}

extension Trait where Self == ConditionTrait {
    /// lyap's C product kernels exist only for AVX-512; elsewhere the callers use BLAS.
    static var avx512: Self { .enabled(if: lyap_kernels_isa() == 2, "needs AVX-512 (the product kernels decline without it)") }
}
