import Testing
import LyapDynamics
import LyapCPUDynamics

/// Mean, median and fraction > 0 over reviews, over the finite values only.
struct AggregateTests {
    @Test func meanMedianAndPositiveFraction() throws {
        let odd = try #require(ReviewAggregate([3, -1, 2]))
        #expect(odd == ReviewAggregate(mean: 4.0 / 3, median: 2, positiveFraction: 2.0 / 3, count: 3))
        let even = try #require(ReviewAggregate([0.5, -2, 4, 0]))
        #expect(even.median == 0.25 && even.mean == 0.625 && even.positiveFraction == 0.5 && even.count == 4)
        // Zero is not positive; non-finite values are left out and counted out.
        let mixed = try #require(ReviewAggregate([0, .nan, -.infinity, 1]))
        #expect(mixed.count == 2 && mixed.mean == 0.5 && mixed.positiveFraction == 0.5)
        #expect(ReviewAggregate([]) == nil && ReviewAggregate([.nan]) == nil)
    }
}

extension ReviewAggregate {
    init(mean: Double, median: Double, positiveFraction: Double, count: Int) {
        self = ReviewAggregate([0])!
        (self.mean, self.median, self.positiveFraction, self.count) = (mean, median, positiveFraction, count)
    }
}
