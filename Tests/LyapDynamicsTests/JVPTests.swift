import Foundation
import LyapCore
import LyapCPU
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// Rung 1 of the ladder: the fused step + JVP kernel against central differences in Double.
struct JVPTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let hidden: Int, seed: UInt64, gain: Double, driven: Bool
        var testDescription: String { "H\(hidden) gain\(gain) \(driven ? "driven" : "zero input") seed\(seed)" }
    }

    static let cases = [
        Case(hidden: 5, seed: 1, gain: 1.5, driven: true), Case(hidden: 9, seed: 2, gain: 3, driven: false),
        Case(hidden: 1, seed: 3, gain: 2, driven: true), Case(hidden: 17, seed: 4, gain: 0.7, driven: false),
        // Widths the C kernels take (multiples of 4 for Double, of 8/16 for Float).
        Case(hidden: 12, seed: 5, gain: 2, driven: true), Case(hidden: 16, seed: 6, gain: 2.5, driven: false),
    ]

    /// Runs the kernel on one lane: a base row, one twin, k tangent rows; returns (new base, new tangents).
    static func kernelStep<T: CPUScalar>(_ w: CellWeights<T>, h: [Double], c: [Double], tangents: [[Double]],
                                        token: Int?) -> (state: [Double], tangents: [[Double]]) {
        let H = w.hidden, S = 2 * H, G = 4 * H, rows = 2 + tangents.count
        var state = [T](repeating: 0, count: rows * S)
        for j in 0..<H { state[j] = T(h[j]); state[H + j] = T(c[j]); state[S + j] = T(h[j]); state[S + H + j] = T(c[j]) }
        for (v, t) in tangents.enumerated() { for x in 0..<S { state[(2 + v) * S + x] = T(t[x]) } }
        var products = [T](repeating: 0, count: rows * G)
        var coefficients = [T](repeating: 0, count: 6 * H)
        let input = token.map { Array(w.inputTable[($0 * G)..<(($0 + 1) * G)]) } ?? w.bias
        state.withUnsafeMutableBufferPointer { s in
            products.withUnsafeMutableBufferPointer { p in
                w.recurrent.withUnsafeBufferPointer { u in
                    T.gemm(transA: false, transB: true, m: rows, n: G, k: H, alpha: 1, a: s.baseAddress!, lda: S,
                           b: u.baseAddress!, ldb: H, beta: 0, c: p.baseAddress!, ldc: G)
                }
                input.withUnsafeBufferPointer { inp in
                    coefficients.withUnsafeMutableBufferPointer { k in
                        TangentKernel.step(state: s.baseAddress!, products: p.baseAddress!, input: inp.baseAddress!,
                                           cells: 2, tangents: tangents.count, hidden: H, coefficients: k.baseAddress!)
                    }
                }
            }
        }
        let d = state.map { Double($0) }
        #expect(Array(d[0..<S]) == Array(d[S..<(2 * S)]), "the twin row must get the same update as the base")
        return (Array(d[0..<S]), (0..<tangents.count).map { Array(d[((2 + $0) * S)..<((3 + $0) * S)]) })
    }

    static func setup(_ c: Case) -> (ParameterStore<Double>, [Double], [Double], [[Double]], Int?) {
        let p = TestModels.lstm(hidden: c.hidden, seed: c.seed, gain: c.gain)
        var rng = LabRNG(seed: c.seed, stream: "jvp-state")
        let h = (0..<c.hidden).map { _ in rng.uniform(-0.9, 0.9) }
        let cc = (0..<c.hidden).map { _ in rng.uniform(-2, 2) }
        let tangents = (0..<3).map { _ in (0..<(2 * c.hidden)).map { _ in rng.normal() } }
        return (p, h, cc, tangents, c.driven ? 7 : nil)
    }

    @Test(arguments: cases)
    func kernelMatchesCentralDifferences(_ c: Case) {
        let (p, h, cc, tangents, token) = Self.setup(c)
        let w = CellWeights<Double>(p)
        let (state, jv) = Self.kernelStep(w, h: h, c: cc, tangents: tangents, token: token)
        let map = LSTMStateMap(p, tokens: token.map { [Int32($0)] } ?? [], h0: h, c0: cc)
        #expect(maxAbsDiff(state, map.next(h + cc)) < 1e-14, "kernel forward step differs from the reference")
        let eps = 1e-6
        for (v, t) in tangents.enumerated() {
            let plus = map.next(zip(h + cc, t).map { $0 + eps * $1 })
            let minus = map.next(zip(h + cc, t).map { $0 - eps * $1 })
            let fd = zip(plus, minus).map { ($0 - $1) / (2 * eps) }
            let err = maxAbsDiff(jv[v], fd)
            let scale = fd.map(abs).max()!
            #expect(err / scale < 1e-7, "tangent \(v): relative error \(err / scale) (\(c.testDescription))")
        }
    }

    @Test(arguments: cases)
    func explicitJacobianMatchesCentralDifferences(_ c: Case) {
        let (p, h, cc, _, token) = Self.setup(c)
        let map = LSTMStateMap(p, tokens: token.map { [Int32($0)] } ?? [], h0: h, c0: cc)
        let n = 2 * c.hidden, J = map.jacobian(), eps = 1e-6
        var worst = 0.0
        for col in 0..<n {
            var sp = h + cc, sm = h + cc
            sp[col] += eps
            sm[col] -= eps
            let fd = zip(map.next(sp), map.next(sm)).map { ($0 - $1) / (2 * eps) }
            for row in 0..<n { worst = max(worst, abs(J[row * n + col] - fd[row])) }
        }
        let scale = J.map(abs).max()!
        #expect(worst / scale < 1e-7, "worst relative error \(worst / scale)")
    }

    @Test(arguments: [cases[1], cases[5]])
    func floatKernelAgreesWithDoubleToFloatRounding(_ c: Case) {
        let (p, h, cc, tangents, token) = Self.setup(c)
        let (sd, td) = Self.kernelStep(CellWeights<Double>(p), h: h, c: cc, tangents: tangents, token: token)
        let (sf, tf) = Self.kernelStep(CellWeights<Float>(p), h: h, c: cc, tangents: tangents, token: token)
        #expect(maxAbsDiff(sd, sf) < 2e-6)
        for v in tangents.indices {
            let scale = td[v].map(abs).max()!
            #expect(maxAbsDiff(td[v], tf[v]) / scale < 1e-5)
        }
    }

    /// The Jacobian-norm iteration's J and Jᵀ against the explicit matrix.
    @Test func jacobianNormProductsMatchTheExplicitMatrix() {
        let c = Self.cases[0]
        let (p, h, cc, tangents, _) = Self.setup(c)
        let H = c.hidden, n = 2 * H
        let w = CellWeights<Double>(p)
        var st = h + cc + h + cc + [Double](repeating: 0, count: n)   // base, twin, one tangent
        var products = [Double](repeating: 0, count: 3 * 4 * H), k = [Double](repeating: 0, count: 6 * H)
        var scratch = [Double](repeating: 0, count: 12 * H), out = [Double](repeating: 0, count: n)
        let u = tangents[0], J = LSTMStateMap(p, h0: h, c0: cc).jacobian()
        st.withUnsafeMutableBufferPointer { s in
            products.withUnsafeMutableBufferPointer { pr in
                w.recurrent.withUnsafeBufferPointer { U in
                    Double.gemm(transA: false, transB: true, m: 3, n: 4 * H, k: H, alpha: 1, a: s.baseAddress!, lda: n,
                                b: U.baseAddress!, ldb: H, beta: 0, c: pr.baseAddress!, ldc: 4 * H)
                    w.bias.withUnsafeBufferPointer { b in
                        TangentKernel.step(state: s.baseAddress!, products: pr.baseAddress!, input: b.baseAddress!, cells: 2,
                                           tangents: 1, hidden: H, coefficients: &k)
                    }
                    JacobianNorm.apply(u, into: &out, U: U.baseAddress!, coefficients: k, hidden: H, q: &scratch)
                    let ju = (0..<n).map { a in (0..<n).reduce(0.0) { $0 + J[a * n + $1] * u[$1] } }
                    #expect(maxAbsDiff(out, ju) < 1e-13)
                    JacobianNorm.applyTranspose(u, into: &out, U: U.baseAddress!, coefficients: k, hidden: H, delta: &scratch)
                    let jtu = (0..<n).map { b in (0..<n).reduce(0.0) { $0 + J[$1 * n + b] * u[$1] } }
                    #expect(maxAbsDiff(out, jtu) < 1e-13)
                }
            }
        }
    }
}
