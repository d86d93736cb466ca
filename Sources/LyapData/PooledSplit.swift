import LyapCore

/// `--split pooled:F`: train and test pooled (canonical order: train then test, negatives then positives,
/// file names ascending), then split stratified by label. The training part gets round(F * n) reviews,
/// shared between the classes in proportion to their sizes (largest remainder; a tie goes to the
/// negatives). Within each class a permutation drawn from `LabRNG(seed: Subset.dataSeed, stream:
/// "pooled-split")` (negatives first, then positives) picks the training reviews: the split is the same
/// for every run and seed. Both parts keep the canonical order.
enum PooledSplit {
    static func split(labels: [UInt8], trainFraction f: Double) throws(DataError) -> (train: [Int], test: [Int]) {
        let n = labels.count
        let nTrain = Int((f * Double(n)).rounded())
        let members = [labels.indices.filter { labels[$0] == 0 }, labels.indices.filter { labels[$0] == 1 }]
        var quota = members.map { nTrain * $0.count / max(n, 1) }
        if quota[0] + quota[1] < nTrain {
            let rem = members.map { nTrain * $0.count % max(n, 1) }
            quota[rem[1] > rem[0] ? 1 : 0] += nTrain - quota[0] - quota[1]
        }
        for c in 0..<2 where quota[c] < 1 || quota[c] >= members[c].count {
            throw DataError("--split pooled:\(f): the \(c == 0 ? "negative" : "positive") reviews (\(members[c].count)) cannot fill both parts (\(quota[c]) to train)")
        }
        var rng = LabRNG(seed: Subset.dataSeed, stream: "pooled-split")
        var isTraining = [Bool](repeating: false, count: n)
        for c in 0..<2 {
            for k in rng.permutation(members[c].count).prefix(quota[c]) { isTraining[members[c][k]] = true }
        }
        return (labels.indices.filter { isTraining[$0] }, labels.indices.filter { !isTraining[$0] })
    }
}
