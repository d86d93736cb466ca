import Foundation
import Testing
@testable import LyapStudy

/// The training-trajectory Lyapunov exponent of `lyap audit` (methods.md §6.3).
struct TrajectoryGrowthTests {
    @Test func exponentialStretchThenSaturationGivesTheStretchRate() throws {
        // d = 1e-7 e^{0.9 t} for t = 0..8, then saturated at d(8) (flat): the fit must see only the stretch.
        let t = (0...14).map(Double.init)
        let d = t.map { 1e-7 * exp(0.9 * min($0, 8)) }
        let g = try #require(TrajectoryGrowth.fit(epochs: t, distances: d))
        #expect(abs(g.rate - 0.9) < 1e-12, "rate \(g.rate)")
        #expect(g.firstEpoch == 0)
        // The flat tail bends off the line: the stretch ends at 8 or one point later (within the tolerance).
        #expect(g.lastEpoch >= 8 && g.lastEpoch <= 9, "stretch to \(g.lastEpoch)")
        // The all-epoch line would be much flatter.
        #expect(TrajectoryGrowth.line(ArraySlice(zip(t, d.map(log)).map { ($0, $1) })).slope < 0.7)
    }

    @Test func pureExponentialAndDecayAreFittedExactly() throws {
        let t = [0.0, 1, 2, 3, 4]
        let up = try #require(TrajectoryGrowth.fit(epochs: t, distances: t.map { 3e-5 * exp(0.25 * $0) }))
        #expect(abs(up.rate - 0.25) < 1e-12 && up.points == 5 && up.maxResidual < 1e-12)
        let down = try #require(TrajectoryGrowth.fit(epochs: t, distances: t.map { 1e-3 * exp(-0.4 * $0) }))
        #expect(abs(down.rate + 0.4) < 1e-12 && down.points == 5)
    }

    @Test func stretchStartsAtTheFirstNonzeroDistanceAndNeedsTwoPoints() throws {
        // d = 0 at the branch (order/labels/swap twins), then growth by e^{1.2} per epoch.
        let t = [0.0, 1, 2, 3]
        let g = try #require(TrajectoryGrowth.fit(epochs: t, distances: [0, 1e-4, 1e-4 * exp(1.2), 1e-4 * exp(2.4)]))
        #expect(g.firstEpoch == 1 && g.lastEpoch == 3 && g.points == 3 && abs(g.rate - 1.2) < 1e-12)
        #expect(TrajectoryGrowth.fit(epochs: t, distances: [0, 0, 0, 0]) == nil)
        #expect(TrajectoryGrowth.fit(epochs: t, distances: [0, 0, 0, 1e-3]) == nil)
        // A zero inside the curve ends the stretch.
        #expect(TrajectoryGrowth.fit(epochs: t, distances: [1e-3, 2e-3, 0, 8e-3])?.points == 2)
    }
}
