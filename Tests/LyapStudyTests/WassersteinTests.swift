import Foundation
import Testing
import LyapCore
@testable import LyapStudy

struct WassersteinTests {
    @Test func equalSizesHandComputed() {
        // Sorted pairs (0,1), (2,1), (5,1): |d| = 1, 1, 4.
        let x = [5.0, 0, 2], y = [1.0, 1, 1]
        #expect(abs(Wasserstein.distance(x, y, p: 1) - 2) < 1e-15)
        #expect(abs(Wasserstein.distance(x, y, p: 2) - (18.0 / 3).squareRoot()) < 1e-15)
    }

    @Test func unequalSizesHandComputed() {
        // F = 1/2 on [0,1), G = 1/3 on [0,1/2) and 2/3 on [1/2,1): |F - G| = 1/6 on [0,1).
        // Quantiles differ by 1/2 on (1/3, 2/3]: W2^2 = 1/3 * 1/4.
        let x = [0.0, 1], y = [0.0, 0.5, 1]
        #expect(abs(Wasserstein.distance(x, y, p: 1) - 1.0 / 6) < 1e-15)
        #expect(abs(Wasserstein.distance(y, x, p: 1) - 1.0 / 6) < 1e-15)
        #expect(abs(Wasserstein.distance(x, y, p: 2) - (1.0 / 12).squareRoot()) < 1e-15)
        // {0} vs {0, 3}: half the mass moves by 3.
        #expect(abs(Wasserstein.distance([0], [3, 0], p: 1) - 1.5) < 1e-15)
        #expect(abs(Wasserstein.distance([0], [3, 0], p: 2) - 4.5.squareRoot()) < 1e-15)
    }

    @Test func identicalSamplesAndSameDistributionGiveZero() {
        var r = LabRNG(seed: 3)
        let x = (0..<50).map { _ in r.normal() }
        var y = x
        r.shuffle(&y)
        #expect(Wasserstein.distance(x, y, p: 1) == 0)
        #expect(Wasserstein.distance(x, y, p: 2) == 0)
        // The same distribution at different sample sizes.
        #expect(Wasserstein.distance(x, x + x, p: 1) == 0)
        #expect(Wasserstein.distance([1, 2], [2, 1, 1, 2], p: 2) == 0)
    }

    @Test func shiftByCGivesAbsC() {
        var r = LabRNG(seed: 4)
        let x = (0..<40).map { _ in r.uniform(-1, 2) }
        for c in [0.7, -2.5] {
            let y = x.map { $0 + c }
            #expect(abs(Wasserstein.distance(x, y, p: 1) - abs(c)) < 1e-12)
            #expect(abs(Wasserstein.distance(x, y, p: 2) - abs(c)) < 1e-12)
            // Unequal sizes: y holds every shifted value three times.
            #expect(abs(Wasserstein.distance(x, y + y + y, p: 1) - abs(c)) < 1e-12)
        }
    }

    /// W1 = ∫ |F(z) − G(z)| dz over the merged sorted support, computed independently of the quantile walk.
    @Test func unequalSizesMatchCDFIntegral() {
        var r = LabRNG(seed: 8)
        for (n, m) in [(7, 3), (10, 4), (5, 12), (6, 9)] {
            let x = (0..<n).map { _ in r.normal() }, y = (0..<m).map { _ in 2 * r.uniform(0, 1) }
            let z = (x + y).sorted()
            var integral = 0.0
            for k in 0..<(z.count - 1) {
                let F = Double(x.filter { $0 <= z[k] }.count) / Double(n)
                let G = Double(y.filter { $0 <= z[k] }.count) / Double(m)
                integral += abs(F - G) * (z[k + 1] - z[k])
            }
            #expect(abs(Wasserstein.distance(x, y, p: 1) - integral) < 1e-12, "n=\(n) m=\(m)")
        }
    }

    @Test func amplitudeDistributionsUseUnitRowsOfAllGates() {
        let shape = ModelShape(vocab: 3, embed: 2, hidden: 2)
        let l = ParameterLayout(shape)
        var p = ParameterStore<Double>.zeros(l)
        for r in 0..<8 { for e in 0..<2 { p.values[l.wx.offset + r * 2 + e] = Double(r) } }
        p.values[l.wh.offset + 3 * 2 + 1] = 2    // row 3 (unit 1, gate f), column 1
        p.values[l.wd.offset] = -3
        p.values[l.wd.offset + 1] = 0.5
        let d = AmplitudeDistributions(p)
        // Unit 0: rows 0, 2, 4, 6 of W (two columns each); unit 1: rows 1, 3, 5, 7 plus U[3][1] = 2.
        #expect(abs(d.alpha[0] - (2.0 * (0 + 4 + 16 + 36)).squareRoot()) < 1e-12)
        #expect(abs(d.alpha[1] - (2.0 * (1 + 9 + 25 + 49) + 4).squareRoot()) < 1e-12)
        #expect(d.beta == [3, 0.5])
        #expect(d.perTensor.map(\.name) == l.slots.map(\.name))
        #expect(d.perTensor[4].values == [3, 0.5])

        var track = AmplitudeTrack()
        track.append(epoch: 0, d, first: d, previous: nil)
        var q = p
        q.values[l.wd.offset + 1] = 1.5         // beta {3, 0.5} -> {3, 1.5}: W1 = 0.5
        let dq = AmplitudeDistributions(q)
        track.append(epoch: 5, dq, first: d, previous: d)
        #expect(track.rows[0].alphaToPrevious == nil && track.rows[0].alphaToFirst == 0)
        #expect(abs(track.rows[1].betaToPrevious! - 0.5) < 1e-15)
        #expect(abs(track.rows[1].betaToFirst - 0.5) < 1e-15)
        #expect(track.rows[1].alphaToFirst == 0)
        #expect(abs(track.rows[1].tensorToFirst["fc.weight"]! - 0.5) < 1e-15)
    }
}
