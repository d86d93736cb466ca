import LyapCore

/// The fixed reviews an analysis drives the cell with: `count` rows of exactly `drive` token ids,
/// padded with id 0 like the training data (pre- or post-padding). The same set (and the same seed) is used for every
/// checkpoint, so curves over epochs carry no sampling noise (methods.md §8, pitfall 3).
public struct ReviewSet: Sendable, Equatable {
    public let drive: Int
    /// count × drive ids, row-major.
    public let tokens: [Int32]
    /// Position of each review in the split it was taken from (nil for the autonomous lane); also the
    /// key of its perturbation and tangent seeds, so a review keeps its vectors in any subset.
    public let indices: [Int?]
    /// 0 = negative, 1 = positive; nil where unknown.
    public let labels: [UInt8?]

    public var count: Int { indices.count }

    public init(drive: Int, tokens: [Int32], indices: [Int?], labels: [UInt8?]) {
        precondition(drive >= 0 && tokens.count == drive * indices.count && labels.count == indices.count,
                     "tokens must be count*drive")
        self.drive = drive
        self.tokens = tokens
        self.indices = indices
        self.labels = labels
    }

    /// The zero-input map from h = c = 0 with no review: one lane, no drive.
    public static let autonomous = ReviewSet(drive: 0, tokens: [], indices: [nil], labels: [nil])

    /// `count` reviews of `split` chosen by a seeded permutation (stream "lyap-analyze/reviews"), in
    /// ascending split order. Rows are re-padded to `drive` the way the split was padded: with `.pre`, a
    /// row longer than the drive keeps its last `drive` ids (pre-truncation) and a shorter one gets id 0
    /// in front; with `.post`, a longer row keeps its first `drive` positions and a shorter one gets id 0
    /// after (the reproduction's drive: the review's first tokens, then its pads). A review that was
    /// truncated to the split's length stays truncated; load the data with L = drive to avoid that.
    public static func select(
        from ids: [Int32], labels: [UInt8], seqLen: Int, count: Int, drive: Int, seed: UInt64,
        padding: Padding = .pre
    ) throws(ConfigError) -> ReviewSet {
        let n = labels.count
        precondition(seqLen >= 1 && ids.count == n * seqLen, "ids must be count*seqLen")
        if drive < 1 { throw ConfigError("--drive \(drive) must be at least 1 to drive the cell with reviews (use --autonomous for none)") }
        if count < 1 { throw ConfigError("--reviews \(count) must be at least 1") }
        if count > n { throw ConfigError("--reviews \(count): the test split has only \(n) reviews") }
        var rng = LabRNG(seed: seed, stream: "lyap-analyze/reviews")
        let chosen = rng.permutation(n).prefix(count).sorted()
        var tokens = [Int32](repeating: 0, count: count * drive)
        for (row, r) in chosen.enumerated() {
            padding.place(ids[(r * seqLen)..<((r + 1) * seqLen)], length: drive, into: &tokens[(row * drive)..<((row + 1) * drive)])
        }
        return ReviewSet(drive: drive, tokens: tokens, indices: chosen.map { $0 }, labels: chosen.map { labels[$0] })
    }

    /// Throws when an id falls outside a vocabulary of `vocab` rows (checkpoint and data disagree).
    public func validate(vocab: Int) throws(ConfigError) {
        for (p, id) in tokens.enumerated() where id < 0 || Int(id) >= vocab {
            let row = p / max(drive, 1)
            let which = indices[row].map { "test review \($0)" } ?? "lane \(row)"
            throw ConfigError("\(which) has token id \(id), outside the checkpoint's vocabulary (V=\(vocab)): the checkpoint and the data do not share a vocabulary")
        }
    }
}
