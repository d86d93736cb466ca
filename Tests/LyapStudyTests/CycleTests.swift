import Testing
import LyapCore
@testable import LyapStudy

/// A piecewise-linear test-loss curve: descent to a first minimum at 50, then three cycles of a slow rise
/// and a sharp drop (maxima 150, 260, 400; minima 160, 270, 410), then a rise to the end.
func cycleCurve(noise: Double, seed: UInt64) -> (epochs: [Int], loss: [Double]) {
    let knots: [(Int, Double)] = [(0, 1.0), (50, 0.3), (150, 0.6), (160, 0.35), (260, 0.65), (270, 0.4), (400, 0.7),
                                  (410, 0.45), (599, 0.6)]
    var rng = LabRNG(seed: seed)
    var loss: [Double] = []
    for e in 0..<600 {
        let k = knots.lastIndex { $0.0 <= e }!
        let (e0, v0) = knots[k], (e1, v1) = knots[min(k + 1, knots.count - 1)]
        let v = e1 == e0 ? v0 : v0 + (v1 - v0) * Double(e - e0) / Double(e1 - e0)
        loss.append(v + noise * rng.normal())
    }
    return (Array(0..<600), loss)
}

struct CycleTests {
    let minima = [50, 160, 270, 410], maxima = [150, 260, 400]

    func check(_ r: CycleDetector.Result, tolerance: Int) {
        #expect(r.extrema.map(\.kind) == [.minimum, .maximum, .minimum, .maximum, .minimum, .maximum, .minimum])
        guard r.extrema.count == 7 else { return }
        for (a, b) in zip(r.minima.map(\.epoch), minima) { #expect(abs(a - b) <= tolerance, "minimum \(a) vs \(b)") }
        for (a, b) in zip(r.maxima.map(\.epoch), maxima) { #expect(abs(a - b) <= tolerance, "maximum \(a) vs \(b)") }
        #expect(r.cycles.count == 3)
        #expect(r.cycles.map(\.peakEpoch) == r.maxima.map(\.epoch))
        #expect(r.cycles.allSatisfy { $0.rise > 0.2 && $0.drop > 0.2 })
        #expect(abs(r.bestEpoch - 50) <= tolerance)
    }

    @Test func noiseFreeCurve() {
        let (e, l) = cycleCurve(noise: 0, seed: 1)
        let r = CycleDetector().detect(epochs: e, values: l)
        check(r, tolerance: 1)
        #expect(r.bestEpoch == 50 && r.bestValue == 0.3)
    }

    @Test(arguments: [UInt64(1), 2, 3]) func noisyCurve(seed: UInt64) {
        let (e, l) = cycleCurve(noise: 0.01, seed: seed)
        // Raw sign changes of the noisy curve give hundreds of "extrema".
        var signChanges = 0
        for i in 1..<(l.count - 1) {
            let before: Double = l[i] - l[i - 1], after: Double = l[i + 1] - l[i]
            if before * after < 0 { signChanges += 1 }
        }
        #expect(signChanges > 100)
        let r = CycleDetector().detect(epochs: e, values: l)
        #expect(r.noiseSigma > 0.007 && r.noiseSigma < 0.014, "sigma \(r.noiseSigma)")
        check(r, tolerance: 8)
    }

    @Test func extremaBeforeTheFirstMinimumAreDropped() {
        // Rises first (a maximum at 10), then falls to a minimum at 30 and rises again.
        let e = Array(0..<60)
        let l = e.map { x -> Double in
            let v = Double(x)
            if x <= 10 { return v }
            if x <= 30 { return 20 - v }
            return v - 40
        }
        let r = CycleDetector(options: .init(smoothWindow: 1)).detect(epochs: e, values: l)
        #expect(r.extrema.map(\.epoch) == [30])
        #expect(r.extrema.first?.kind == .minimum)
        #expect(r.cycles.isEmpty)
    }
}
