import Foundation
import LyapCore
import LyapCPU
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

/// The map rungs of the verification ladder (methods.md §4.7, items 3-6), run through the same
/// Gram–Schmidt and renormalisation schedule as the LSTM engine (`Benettin.spectrum`).
struct LadderTests {
    /// x ↦ Q diag(e^α) Qᵀ x with a fixed random orthogonal Q: exponents are exactly the α.
    struct RotatedDiagonal: TangentMap {
        let n: Int
        let m: [Double]
        init(alphas: [Double], seed: UInt64) {
            n = alphas.count
            var rng = LabRNG(seed: seed)
            let q = Dense.randomOrthogonal(n) { rng.normal() }   // rows orthonormal
            var d = [Double](repeating: 0, count: n * n)
            for i in 0..<n { d[i * n + i] = exp(alphas[i]) }
            m = Dense.multiply(Dense.multiply(Dense.transpose(q, n), d, n), q, n)
        }
        var dimension: Int { n }
        mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int) {
            for v in 0..<k {
                let row = tangents + v * n
                let x = (0..<n).map { row[$0] }
                for i in 0..<n { row[i] = (0..<n).reduce(0.0) { $0 + m[i * n + $1] * x[$1] } }
            }
        }
    }

    @Test(arguments: [1, 3])
    func rotatedDiagonalMapGivesItsLogScales(renormEvery: Int) {
        let alphas = [0.3, 0.1, -0.05, -0.4, -1.2]
        var map = RotatedDiagonal(alphas: alphas, seed: 3)
        let s = Benettin.spectrum(of: &map, exponents: 5, transient: 200, steps: 3000, renormEvery: renormEvery, seed: 1)
        // A constant linear map converges geometrically: after the transient the frame is aligned to
        // the eigenvectors up to e^{-200·0.2}, so the exponents are exact to rounding.
        #expect(maxAbsDiff(s.exponents, alphas) < 1e-10, "\(s.exponents)")
    }

    struct Henon: TangentMap {
        var x = 0.1, y = 0.1
        let a = 1.4, b = 0.3
        var dimension: Int { 2 }
        mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int) {
            for v in 0..<k {
                let dx = tangents[2 * v], dy = tangents[2 * v + 1]
                tangents[2 * v] = -2 * a * x * dx + dy
                tangents[2 * v + 1] = b * dx
            }
            (x, y) = (1 - a * x * x + y, b * x)
        }
    }

    @Test func henonMap() {
        var map = Henon()
        let s = Benettin.spectrum(of: &map, exponents: 2, transient: 1000, steps: 200_000, seed: 2)
        // methods.md §4.7: (0.4193, -1.6233) from 2e5 steps; finite-time spread at 2e5 steps is ~2e-3.
        #expect(abs(s.exponents[0] - 0.4193) < 5e-3, "\(s.exponents)")
        #expect(abs(s.exponents[1] - -1.6233) < 5e-3, "\(s.exponents)")
        // The sum is the mean ln|det J| = ln b exactly, at every step.
        #expect(abs(s.exponents[0] + s.exponents[1] - log(0.3)) < 1e-9)
    }

    struct Logistic: TangentMap {
        var x = 0.3141
        var dimension: Int { 1 }
        mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int) {
            for v in 0..<k { tangents[v] *= 4 - 8 * x }
            x = 4 * x * (1 - x)
        }
    }

    @Test func logisticMapAtRFour() {
        var map = Logistic()
        let s = Benettin.spectrum(of: &map, exponents: 1, transient: 100, steps: 400_000, renormEvery: 5, seed: 3)
        #expect(abs(s.exponents[0] - log(2.0)) < 1e-2, "\(s.exponents[0])")
    }

    /// h ↦ tanh(g W h), W_ij ~ N(0, 1/N), with the products through BLAS.
    struct TanhRNN: TangentMap {
        let n: Int, g: Double
        let w: [Double]
        var h: [Double]
        init(n: Int, g: Double, seed: UInt64) {
            self.n = n
            self.g = g
            var rng = LabRNG(seed: seed)
            w = (0..<(n * n)).map { _ in rng.normal() / Double(n).squareRoot() }
            h = (0..<n).map { _ in rng.normal() }
        }
        var dimension: Int { n }
        mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int) {
            var a = [Double](repeating: 0, count: n)
            w.withUnsafeBufferPointer { W in
                h.withUnsafeBufferPointer { hb in
                    a.withUnsafeMutableBufferPointer { ab in
                        Double.gemm(transA: false, transB: false, m: n, n: 1, k: n, alpha: g, a: W.baseAddress!, lda: n,
                                    b: hb.baseAddress!, ldb: 1, beta: 0, c: ab.baseAddress!, ldc: 1)
                    }
                }
                // Tangent rows: T ← T (g W)ᵀ, then scale columns by 1 - tanh².
                var out = [Double](repeating: 0, count: k * n)
                out.withUnsafeMutableBufferPointer { o in
                    Double.gemm(transA: false, transB: true, m: k, n: n, k: n, alpha: g, a: tangents, lda: n,
                                b: W.baseAddress!, ldb: n, beta: 0, c: o.baseAddress!, ldc: n)
                }
                for i in 0..<n {
                    let t = tanh(a[i])
                    for v in 0..<k { tangents[v * n + i] = out[v * n + i] * (1 - t * t) }
                    h[i] = t
                }
            }
        }
    }

    @Test func randomTanhNetworkBelowAndAboveUnitGain() {
        let n = 500
        var low = TanhRNN(n: n, g: 0.5, seed: 11)
        let sLow = Benettin.spectrum(of: &low, exponents: 1, transient: 300, steps: 600, renormEvery: 5, seed: 1)
        // Fixed point 0, so λ1 → ln(g ρ(W)) with ρ(W) → 1 as N grows (circular law): ln 0.5 ± O(N^-1/2).
        #expect(sLow.exponents[0] < 0)
        #expect(abs(sLow.exponents[0] - log(0.5)) < 0.1, "\(sLow.exponents[0])")
        var high = TanhRNN(n: n, g: 2.5, seed: 11)
        let sHigh = Benettin.spectrum(of: &high, exponents: 1, transient: 300, steps: 600, renormEvery: 5, seed: 1)
        #expect(sHigh.exponents[0] > 0.05, "\(sHigh.exponents[0])")
    }

    @Test func tanhMapBenettinAgreesWithTheOneDimensionalFormula() throws {
        var c = TanhMapScan.Config()
        c.transient = 2000
        c.iterations = 4000
        c.keep = 0
        for r in [3.0, 7.0, 12.0, 20.0] {
            var map = TanhMap(r: r)
            let s = Benettin.spectrum(of: &map, exponents: 1, transient: 2000, steps: 4000, renormEvery: 1, seed: 0)
            let p = TanhMapScan.point(r: r, c)
            #expect(abs(s.exponents[0] - p.lambda) < 1e-9, "r=\(r): \(s.exponents[0]) vs \(p.lambda)")
        }
    }

    @Test func tanhMapLandmarks() throws {
        var c = TanhMapScan.Config()
        c.keep = 8
        func lambda(_ r: Double) -> Double { TanhMapScan.point(r: r, c).lambda }
        // 1 < r < 5.093: the fixed point k* = artanh(1 - 1/r) with multiplier 1 - r k* sech² k*.
        for r in [2.0, 3.5, 4.5] {
            let k = atanh(1 - 1 / r), sech2 = 1 - tanh(k) * tanh(k)
            #expect(abs(lambda(r) - log(abs(1 - r * k * sech2))) < 1e-6, "r=\(r)")
        }
        // Ordered up to the accumulation point near 9.33, chaotic after it, ordered in the window 10.04-10.10.
        for r in [0.8, 5.5, 8.5, 9.25, 10.07, 14.5, 22.2] { #expect(lambda(r) < 0, "r=\(r): \(lambda(r))") }
        for r in [9.5, 12.5, 20.0, 30.0, 40.0] { #expect(lambda(r) > 0, "r=\(r): \(lambda(r))") }
        #expect(abs(lambda(20) - 0.54) < 0.03)
        #expect(abs(lambda(40) - 0.45) < 0.03)
        // Period 2 after 5.093: the last iterates alternate between two values.
        let p = TanhMapScan.point(r: 6, c).iterates
        #expect(abs(p[0] - p[2]) < 1e-9 && abs(p[0] - p[1]) > 0.1)
    }

    @Test func scanGridAndThreadsDoNotChangePoints() throws {
        var c = TanhMapScan.Config()
        c.rMin = 1
        c.rMax = 11
        c.rCount = 21
        c.threads = 1
        let a = try TanhMapScan(c)
        c.threads = 3
        let b = try TanhMapScan(c)
        #expect(a.points == b.points)
        #expect(a.points.map(\.r).first == 1 && a.points.map(\.r).last == 11 && abs(a.points[1].r - 1.5) < 1e-15)
        #expect(a.points.allSatisfy { $0.iterates.count == 200 })
    }
}
