import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// Rung 7: at a stable fixed point s* of the zero-input map, λ_j = ln|μ_j| with μ_j the eigenvalues of
/// J(s*). The fixed point comes from iteration plus Newton in Double; the eigenvalues from the test's
/// Hessenberg + Francis QR solver (`Dense.eigenvalues`, itself checked in `EigenSolverTests`).
struct FixedPointTests {
    static func fixedPoint(_ p: ParameterStore<Double>) throws -> (s: [Double], logModuli: [Double], complexPairs: Int) {
        var map = LSTMStateMap(p)
        var none = [Double]()
        for _ in 0..<500 { map.step(tangents: &none, count: 0) }
        let n = 2 * map.hidden
        var s = map.h + map.c
        for _ in 0..<20 {
            let at = LSTMStateMap(p, h0: Array(s[0..<(n / 2)]), c0: Array(s[(n / 2)...]))
            let r = zip(at.next(s), s).map { $0 - $1 }
            if r.map(abs).max()! < 1e-15 { break }
            var a = at.jacobian()
            for i in 0..<n { a[i * n + i] -= 1 }
            let delta = Dense.solve(a, r, n)
            s = zip(s, delta).map { $0 - $1 }
        }
        let at = LSTMStateMap(p, h0: Array(s[0..<(n / 2)]), c0: Array(s[(n / 2)...]))
        let residual = zip(at.next(s), s).map { abs($0 - $1) }.max()!
        try #require(residual < 1e-13, "Newton did not converge: residual \(residual)")
        let ev = try #require(Dense.eigenvalues(at.jacobian(), n))
        return (s, ev.map { log(hypot($0.re, $0.im)) }.sorted(by: >), ev.filter { $0.im > 0 }.count)
    }

    @Test(arguments: [(UInt64(5), 2.0, 0.5), (UInt64(6), 3.0, 1.5), (UInt64(7), 1.0, 0.5)])
    func spectrumAtAFixedPointIsLogOfEigenvalueModuli(seed: UInt64, gain: Double, bias: Double) throws {
        let p = TestModels.lstm(hidden: 8, seed: seed, gain: gain, biasSpread: bias)
        let (_, expected, pairs) = try Self.fixedPoint(p)
        #expect(expected[0] < 0, "the test needs a stable fixed point")
        let c = TestModels.config(drive: 0, steps: 12000, transient: 2000, k: 16, reviews: 1)
        let a = try StabilityAnalysis.analyze(p, reviews: .autonomous, config: c)
        let got = a.perReview[0].exponents
        // Convergence is O(1/N) from the frame's initial alignment (N = 10 000 averaged steps) plus the
        // approach to s*; measured up to 5e-5 with three to six complex pairs.
        print("seed \(seed): \(pairs) complex pairs; max |Δλ| = \(maxAbsDiff(got, expected))")
        #expect(maxAbsDiff(got, expected) < 5e-4, "\(got) vs \(expected)")
        #expect(abs(got.reduce(0, +) - expected.reduce(0, +)) < 1e-6, "sum = ln|det J(s*)|")
        var c32 = c
        c32.precision = .float32
        c32.exponents = 4
        let f = try StabilityAnalysis.analyze(p, reviews: .autonomous, config: c32).perReview[0].exponents
        #expect(maxAbsDiff(f, Array(expected.prefix(4))) < 2e-3, "float32: \(f) vs \(expected.prefix(4))")
    }
}
