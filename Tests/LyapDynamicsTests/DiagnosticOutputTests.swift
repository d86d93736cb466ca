import Foundation
import LyapCore
import Testing
@testable import LyapDynamics

/// The optional per-review outputs: the finite-time λ1 series (methods.md §4.2) and h_T.
struct DiagnosticOutputTests {
    static let chaotic = TestModels.lstm(hidden: 8, seed: 5, gain: 10, biasSpread: 0.5)

    @Test(arguments: [DynamicsPrecision.float32, .float64], [1, 3])
    func finiteTimeSeriesAveragesToTheExponentAndChangesNothingElse(_ precision: DynamicsPrecision, _ k: Int) throws {
        let reviews = TestModels.reviews(count: 5, drive: 20, vocab: 13, seed: 4)
        var c = TestModels.config(drive: 20, steps: 120, transient: 37, k: k, reviews: 5)
        c.precision = precision
        c.renormEvery = 4  // 100 zero-input steps: windows end at 4, 8, ..., the transient's end 37, ..., 100
        let plain = try StabilityAnalysis.analyze(Self.chaotic, reviews: reviews, config: c)
        c.finiteTimeSeries = true
        let withSeries = try StabilityAnalysis.analyze(Self.chaotic, reviews: reviews, config: c)
        let steps = c.renormSchedule.renormalizationSteps
        #expect(steps.contains(37) && steps.contains(36) && steps.last == 100 && steps.count == 26)
        for (a, b) in zip(plain.perReview, withSeries.perReview) {
            #expect(a.exponents == b.exponents, "the series must not change the summation")
            #expect(a.distance == b.distance && a.reducedSum == b.reducedSum)
            let s = try #require(b.finiteTimeExponents)
            #expect(s.count == steps.count)
            // λ1 is the τ-weighted mean of the windows after the transient.
            var sum = 0.0, previous = 0
            for (x, n) in zip(s, steps) {
                if n > 37 { sum += x * Double(n - previous) }
                previous = n
            }
            #expect(abs(sum / Double(c.accumulatedSteps) - b.exponents[0]) < 1e-12, "\(sum / Double(c.accumulatedSteps)) vs \(b.exponents[0])")
            // A chaotic model: the windows scatter around a positive mean.
            #expect(Set(s).count > 5)
            #expect(a.finiteTimeExponents == nil && a.finalState == nil)
        }
    }

    @Test func finalStatesAreTheBaseTrajectorysHiddenState() throws {
        let reviews = TestModels.reviews(count: 3, drive: 15, vocab: 13, seed: 6)
        var c = TestModels.config(drive: 15, steps: 60, transient: 10, k: 0, reviews: 3)
        c.finalStates = true
        c.precision = .float64
        let a = try StabilityAnalysis.analyze(Self.chaotic, reviews: reviews, config: c)
        for r in a.perReview {
            let h = try #require(r.finalState)
            #expect(h.count == 8)
            #expect(abs(h.reduce(0, +) - r.reducedSum) < 1e-12)
            #expect(h.allSatisfy { abs($0) < 1 })
        }
    }
}
