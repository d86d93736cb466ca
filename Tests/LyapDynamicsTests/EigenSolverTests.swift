import Foundation
import LyapCore
import Testing

/// The test-side eigen-solver must itself be right before it judges the LSTM spectrum.
struct EigenSolverTests {
    @Test func recoversKnownEigenvaluesOfANonNormalMatrix() throws {
        // Block upper-triangular B with known diagonal blocks, hidden by an orthogonal similarity.
        let n = 7
        var rng = LabRNG(seed: 4)
        var b = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in (i + 1)..<n { b[i * n + j] = rng.uniform(-1, 1) } }
        let real = [0.9, -0.3, 0.05]
        for (i, v) in real.enumerated() { b[i * n + i] = v }
        // Two complex pairs a ± ib as [[a, -b], [b, a]] blocks (the strictly upper entries above them stay).
        for (s, (re, im)) in [(3, (0.5, 0.4)), (5, (-0.2, 0.7))] {
            b[s * n + s] = re; b[(s + 1) * n + s + 1] = re
            b[s * n + s + 1] = -im; b[(s + 1) * n + s] = im
        }
        let q = Dense.randomOrthogonal(n) { rng.normal() }
        let m = Dense.multiply(Dense.multiply(Dense.transpose(q, n), b, n), q, n)
        let ev = try #require(Dense.eigenvalues(m, n))
        let expected: [(Double, Double)] = [(0.9, 0), (-0.3, 0), (0.05, 0), (0.5, 0.4), (0.5, -0.4), (-0.2, 0.7), (-0.2, -0.7)]
        for (re, im) in expected {
            let best = ev.map { hypot($0.re - re, $0.im - im) }.min()!
            #expect(best < 1e-10, "\(re)+\(im)i not found in \(ev)")
        }
        // Product of moduli = |det|, sum = trace.
        let logProduct = ev.reduce(0.0) { $0 + log(hypot($1.re, $1.im)) }
        #expect(abs(logProduct - Dense.logAbsDeterminant(m, n)) < 1e-10)
        let trace = (0..<n).reduce(0.0) { $0 + m[$1 * n + $1] }
        #expect(abs(ev.reduce(0.0) { $0 + $1.re } - trace) < 1e-10)
    }
}
