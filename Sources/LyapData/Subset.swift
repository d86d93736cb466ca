import LyapCore

/// Deterministic class-balanced subsets, the same for every run whatever its seed.
///
/// Input: a split in canonical order (negatives then positives, each sorted by file name, JSONL
/// line order or embedded record order). A generator `LabRNG(seed: 0x1AB, stream: "subset-train")`
/// (or "subset-test") draws one permutation of the negatives, then one of the positives; the first
/// n/2 negatives and the first n - n/2 positives of those permutations are kept (odd n: the extra
/// review is positive). The kept reviews stay in canonical order, so a subset is a subsequence of
/// the full split.
enum Subset {
    static let dataSeed: UInt64 = 0x1AB

    static func balanced(
        _ reviews: [TokenizedReview], size: Int?, split: Split, flag: String
    ) throws(DataError) -> [TokenizedReview] {
        try balancedIndices(reviews, size: size, split: split, flag: flag).map { reviews[$0] }
    }

    /// The indices `balanced` keeps, ascending (all of them when `size` is nil).
    static func balancedIndices(
        _ reviews: [TokenizedReview], size: Int?, split: Split, flag: String
    ) throws(DataError) -> [Int] {
        guard let size else { return Array(reviews.indices) }
        let what = split == .train ? "training" : "test"
        guard size <= reviews.count else {
            throw DataError("\(flag) \(size) exceeds the \(reviews.count) \(what) reviews available")
        }
        let negatives = reviews.indices.filter { reviews[$0].label == 0 }
        let positives = reviews.indices.filter { reviews[$0].label == 1 }
        let wanted = [(negatives, size / 2, "negative"), (positives, size - size / 2, "positive")]
        var rng = LabRNG(seed: dataSeed, stream: "subset-\(split.name)")
        var kept: [Int] = []
        for (members, n, name) in wanted {
            guard n <= members.count else {
                throw DataError("\(flag) \(size) needs \(n) \(name) \(what) reviews but only \(members.count) are available")
            }
            let order = rng.permutation(members.count)
            kept += order.prefix(n).map { members[$0] }
        }
        return kept.sorted()
    }
}
