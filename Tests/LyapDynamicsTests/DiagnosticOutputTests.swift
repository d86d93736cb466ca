import Foundation
import LyapCore
import Testing
@testable import LyapDynamics
@testable import LyapCPUDynamics
import LyapTestSupport

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
        for (lane, (a, b)) in zip(plain.perReview, withSeries.perReview).enumerated() {
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
            // The first windows against the reference (after those, this chaotic trajectory's rounding differences
            // have grown past any useful bound: measured 1e-11 at step 8, 1e-8 at 16 in float64); every window is
            // checked on an ordered model below.
            let ref = Self.referenceWindows(Self.chaotic, reviews: reviews, lane: lane, config: c, ends: steps)
            let (horizon, tolerance) = precision == .float64 ? (12, 1e-9) : (4, 2e-3)
            for (i, n) in steps.enumerated() where n <= horizon {
                #expect(abs(s[i] - ref[i]) <= tolerance, "window ending at \(n): \(s[i]) vs \(ref[i]) (\(precision), k \(k))")
            }
            // A chaotic model: the windows scatter around a positive mean.
            #expect(Set(s).count > 5)
            #expect(a.finiteTimeExponents == nil && a.finalState == nil)
        }
    }

    /// Every window, before and after the transient, against the reference on an ordered model (no growth of
    /// rounding differences), for both precisions and with the transient's end inside a window.
    @Test(arguments: [DynamicsPrecision.float32, .float64], [1, 3])
    func finiteTimeWindowsMatchTheReferenceInAnOrderedModel(_ precision: DynamicsPrecision, _ k: Int) throws {
        let model = TestModels.lstm(hidden: 8, seed: 5, gain: 2, biasSpread: 0.5)
        let reviews = TestModels.reviews(count: 4, drive: 20, vocab: 13, seed: 7)
        var c = TestModels.config(drive: 20, steps: 120, transient: 37, k: k, reviews: 4)
        c.precision = precision
        c.renormEvery = 4
        c.finiteTimeSeries = true
        let a = try StabilityAnalysis.analyze(model, reviews: reviews, config: c)
        let steps = c.renormSchedule.renormalizationSteps
        var worst = 0.0
        for (lane, r) in a.perReview.enumerated() {
            let s = try #require(r.finiteTimeExponents)
            let ref = Self.referenceWindows(model, reviews: reviews, lane: lane, config: c, ends: steps)
            try #require(s.count == ref.count)
            for (i, n) in steps.enumerated() {
                worst = max(worst, abs(s[i] - ref[i]))
                #expect(abs(s[i] - ref[i]) <= (precision == .float64 ? 1e-11 : 2e-5), "lane \(lane), window ending at \(n): \(s[i]) vs \(ref[i])")
            }
            #expect(Set(s).count > 20 && s.allSatisfy { $0 < 0.5 && $0 > -2 }, "\(s)")
        }
        print("DiagnosticOutputTests: ordered model, \(precision), k \(k): worst window |Δ| \(worst)")
    }

    /// λ1's finite-time windows of one review written out with `LSTMStateMap` (float64): the first row of the
    /// review's initial frame carried through the zero-input phase, ln of its growth over each window (ending at
    /// the zero-input steps `ends`) over the window's length, renormalised at each end.
    static func referenceWindows(_ p: ParameterStore<Double>, reviews: ReviewSet, lane: Int, config c: AnalysisConfig,
                                 ends: [Int]) -> [Double] {
        let H = p.layout.shape.hidden, D = reviews.drive
        let key = reviews.indices[lane].map { "review-\($0)" } ?? "lane-\(lane)"
        var base = LSTMStateMap(p, tokens: Array(reviews.tokens[(lane * D)..<((lane + 1) * D)]))
        var none = [Double]()
        for _ in 0..<D { base.step(tangents: &none, count: 0) }
        var auto = LSTMStateMap(p, h0: base.h, c0: base.c)
        let frame = Benettin.initialFrame(count: max(c.exponents, 1), dimension: 2 * H, seed: c.seed, stream: "lyap-analyze/frame/" + key)
        var v = Array(frame[0..<(2 * H)])
        var out: [Double] = [], previous = 0
        for n in ends {
            for _ in previous..<n { auto.step(tangents: &v, count: 1) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            out.append(log(norm) / Double(n - previous))
            v = v.map { $0 / norm }
            previous = n
        }
        return out
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
