import LyapCore
import Testing
@testable import LyapCPU

/// How a batch with a shared pad prefix is cut into per-thread slices (`SharedSlices`): every row exactly
/// once, ordered by leading pad run, and a cut whose largest slice cost no other cut of that order beats.
/// (That the reordered slices compute the unshared function is `SharedPadPrefixTests`' job.)
struct SharedSlicesTests {
    static func tokens(leads: [Int], L: Int) -> [Int32] {
        leads.flatMap { p in (0..<L).map { $0 < p ? Int32(0) : Int32(1 + $0 % 5) } }
    }

    /// The cost the split balances, computed from the definition (not from the plan's prefix sums).
    static func cost(_ leads: [Int], L: Int) -> Int {
        leads.reduce(0) { $0 + L - $1 } + SharedSlices.padStepCost * (leads.max() ?? 0)
    }

    /// Every way of cutting n rows into s non-empty contiguous groups.
    static func cuts(_ n: Int, _ s: Int) -> [[Range<Int>]] {
        if s == 1 { return [[0..<n]] }
        return (s - 1..<n).flatMap { k in cuts(k, s - 1).map { $0 + [k..<n] } }
    }

    @Test(arguments: [2, 3, 4])
    func planIsAPermutationCutIntoTheBestContiguousGroups(slices s: Int) {
        var rng = LabRNG(seed: 9, stream: "shared-slices")
        let L = 40
        for trial in 0..<25 {
            let n = s + rng.below(12)
            // Leads up to L (an all-pad row counts L - 1), with repeats.
            let leads = (0..<n).map { _ in rng.below(4) == 0 ? 0 : rng.below(L + 1) }
            let capped = leads.map { min($0, L - 1) }
            let tok = Self.tokens(leads: leads, L: L)
            let (order, parts) = tok.withUnsafeBufferPointer {
                SharedSlices.plan(tokens: $0.baseAddress!, count: n, steps: L, padID: 0, slices: s)
            }
            #expect(order.sorted() == Array(0..<n), "trial \(trial): \(order)")
            let sortedLeads = order.map { capped[$0] }
            #expect(zip(order, order.dropFirst()).allSatisfy { (capped[$0], $0) < (capped[$1], $1) })
            #expect(parts.count == s && parts.first?.lowerBound == 0 && parts.last?.upperBound == n)
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && parts.allSatisfy { !$0.isEmpty })
            func worst(_ cut: [Range<Int>]) -> Int { cut.map { Self.cost(Array(sortedLeads[$0]), L: L) }.max()! }
            let best = Self.cuts(n, s).map(worst).min()!
            #expect(worst(parts) == best, "trial \(trial), leads \(leads): plan \(parts) costs \(worst(parts)), best \(best)")
            // Never worse than today's cut in batch order.
            let inOrder = (0..<s).map { k in (k * n / s)..<((k + 1) * n / s) }
            #expect(worst(parts) <= inOrder.map { r in Self.cost(r.map { capped[$0] }, L: L) }.max()!)
        }
    }

    @Test func anEmptyBatchHasNoSlices() {
        let tok: [Int32] = [0]
        let plan = tok.withUnsafeBufferPointer { SharedSlices.plan(tokens: $0.baseAddress!, count: 0, steps: 1, padID: 0, slices: 2) }
        #expect(plan.order.isEmpty && plan.parts.isEmpty)
    }

    /// The model really slices a shared batch this way: two slices of sorted rows, the shorter reviews in the
    /// second, whose pad trajectory is the longest; logits come back in batch order.
    @Test func theModelRunsThePlannedSlices() {
        let m = SharedPadPrefixTests.problem(leads: [9, 0, 7, 1, 10, 3, 8], seed: 4)
        let a = SharedPadPrefixTests.run(m, Double.self, shared: true, threads: 2, wide: false)
        let b = SharedPadPrefixTests.run(m, Double.self, shared: false, threads: 2, wide: false)
        #expect(a.layouts.count == 2)
        #expect(a.layouts[0].start.max()! <= a.layouts[1].start.min()!, "\(a.layouts.map(\.start))")
        #expect(zip(a.logits, b.logits).allSatisfy { abs($0 - $1) <= 1e-6 * max(abs($1), 1) })
    }
}
