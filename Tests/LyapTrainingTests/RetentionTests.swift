import Testing
@testable import LyapTraining

struct RetentionTests {
    /// Rows shaped like metrics.csv with the analysis columns: epoch, test loss, phase.
    func rows(_ spec: [(Int, Double, String)]) -> [[String]] {
        spec.map { e, l, p in ["\(e)", "0", "0", "0", "\(l)", "0", "0", "", "", "", "", p] }
    }

    @Test func keepsEveryKBestTransitionsAndTheNewest() {
        let r = rows([(1, 0.9, "order"), (2, 0.5, ""), (3, 0.7, "order"), (4, 0.6, "chaos"), (5, 0.8, ""), (6, 0.95, "chaos"),
                      (7, 0.99, "order")])
        let all = [1, 2, 3, 4, 5, 6, 7]
        #expect(CheckpointRetention(every: 3).kept(checkpoints: all, rows: r) == [3, 6, 7])
        #expect(CheckpointRetention(best: true).kept(checkpoints: all, rows: r) == [2, 7])
        #expect(CheckpointRetention(transitions: true).kept(checkpoints: all, rows: r) == [4, 7])
        #expect(CheckpointRetention(every: 3, best: true, transitions: true).kept(checkpoints: all, rows: r) == [2, 3, 4, 6, 7])
        // The best epoch without a checkpoint cannot be kept; the best checkpointed one is.
        #expect(CheckpointRetention(best: true).kept(checkpoints: [3, 6, 7], rows: r) == [3, 7])
    }

    @Test func specParsing() throws {
        #expect(try CheckpointRetention.parse("every:50,best,transitions") == CheckpointRetention(every: 50, best: true, transitions: true))
        #expect(try CheckpointRetention.parse("best") == CheckpointRetention(best: true))
        for bad in ["every:0", "every:x", "newest", ""] {
            #expect { try CheckpointRetention.parse(bad) } throws: { "\($0)".contains("--keep") }
        }
    }
}
