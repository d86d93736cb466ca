import LyapDynamics
import Testing
@testable import LyapAudit

/// `swap:K` and the transition shifts of audit.json on hand-made inputs.
struct AuditScheduleTests {
    @Test func swapExchangesMinibatchesKAndKPlusOne() throws {
        var order = Array(10..<21)  // 11 samples: 5 full batches of 2 and a remainder
        try AuditSetup.swapBatches(&order, 1, batchSize: 2)
        #expect(order == [10, 11, 14, 15, 12, 13, 16, 17, 18, 19, 20])
        var last = Array(0..<11)
        try AuditSetup.swapBatches(&last, 3, batchSize: 2)
        #expect(last == [0, 1, 2, 3, 4, 5, 8, 9, 6, 7, 10])
        #expect { try AuditSetup.swapBatches(&last, 4, batchSize: 2) } throws: {
            "\($0)" == "--perturb swap:4: an epoch has 5 full minibatches of 2; K must be at most 3"
        }
    }

    @Test func shiftsMatchEachBaselineTransitionToTheTwinsNextOneOfTheSameKind() {
        func t(_ from: Phase, _ to: Phase, _ e: Int) -> PhaseTransition { PhaseTransition(from: from, to: to, epoch: e, lastEpochBefore: e - 1) }
        let base = [t(.order, .edge, 4), t(.edge, .chaos, 6), t(.chaos, .edge, 9), t(.edge, .chaos, 12)]
        let twin = [t(.order, .edge, 5), t(.edge, .chaos, 5), t(.edge, .chaos, 8), t(.chaos, .edge, 11)]
        // order→edge 4→5; edge→chaos 6→5; chaos→edge 9→11; the second edge→chaos finds only the one before the
        // used chaos→edge, so none.
        #expect(AuditSummary.shifts(base, twin) == [1, -1, 2, nil])
        #expect(AuditSummary.shifts(base, []) == [nil, nil, nil, nil])
        #expect(AuditSummary.shifts([], twin) == [])
    }
}
