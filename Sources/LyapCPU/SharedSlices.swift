/// How a batch is cut into per-thread slices when its pad prefix is shared (issue 14). A slice's work is
/// Σ(L − p_i) row-steps for its rows plus its own pad-only trajectory of max p_i steps, so cutting in batch
/// order leaves one thread waiting for the other. Instead the rows are ordered by leading pad run (ties by
/// batch index) and the order is cut into contiguous groups that minimise the largest estimated cost: short
/// and long reviews go to different slices, and only the slice of the shortest ones runs the long pad
/// trajectory. Which rows share a slice changes only the summation order of the gradient, never the function.
public enum SharedSlices {
    /// Cost of one pad-only step relative to one row-step (one row through one step, forward and backward):
    /// the single-row products and cell math carry the whole per-step overhead. Fitted from per-slice thread
    /// CPU times on real IMDb batches (H=60, B=32).
    static let padStepCost = 2

    /// The batch's row order and the slices' ranges of that order. Rows whose leading run of `padID` is p
    /// (`RowLayout.leadingPadRuns`) cost L − p each.
    public static func plan(tokens: UnsafePointer<Int32>, count n: Int, steps L: Int, padID: Int32,
                            slices s: Int) -> (order: [Int], parts: [Range<Int>]) {
        guard n > 0 else { return ([], []) }
        let lead = RowLayout.leadingPadRuns(tokens, count: n, steps: L, padID: padID)
        let order = (0..<n).sorted { (lead[$0], $0) < (lead[$1], $1) }
        let p = order.map { lead[$0] }
        var before = [0]  // row-steps of the first k rows in order
        for v in p { before.append(before.last! + L - v) }
        /// Estimated cost of rows i..<j of the order (sorted, so p[j-1] is the group's pad trajectory).
        func cost(_ i: Int, _ j: Int) -> Int { before[j] - before[i] + padStepCost * p[j - 1] }
        let k = max(1, min(s, n))
        // best[g][j]: the smallest largest cost of cutting the first j rows into g groups; cut[g][j] its last cut.
        var best = [[Int]](repeating: [Int](repeating: .max, count: n + 1), count: k + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: k + 1)
        best[0][0] = 0
        for g in 1...k {
            for j in g...n {
                for i in (g - 1)..<j where best[g - 1][i] != .max {
                    let c = max(best[g - 1][i], cost(i, j))
                    if c < best[g][j] {
                        best[g][j] = c
                        cut[g][j] = i
                    }
                }
            }
        }
        var parts: [Range<Int>] = []
        var j = n
        for g in stride(from: k, through: 1, by: -1) {
            parts.append(cut[g][j]..<j)
            j = cut[g][j]
        }
        return (order, parts.reversed())
    }
}
