import LyapCore

/// One split, ready for batching: every review is a row of exactly `seqLen` token ids.
public struct SequenceSet: Sendable, Equatable {
    public let seqLen: Int
    /// `count * seqLen` ids, row-major. With `.pre` padding (the default) each row is pre-padded with 0
    /// and pre-truncated: it holds the review's LAST `seqLen` ids, right-aligned (Keras `pad_sequences`
    /// defaults); with `.post` it holds the FIRST `seqLen` ids, left-aligned, zeros after.
    public var tokens: [Int32]
    /// 0 = negative, 1 = positive.
    public var labels: [UInt8]
    /// How the rows were cut and padded (`Padding`).
    public var padding: Padding
    public var count: Int { labels.count }

    public init(seqLen: Int, tokens: [Int32], labels: [UInt8], padding: Padding = .pre) {
        precondition(seqLen > 0 && tokens.count == labels.count * seqLen, "tokens must be count*seqLen")
        self.seqLen = seqLen
        self.tokens = tokens
        self.labels = labels
        self.padding = padding
    }

    /// Pads / truncates variable-length reviews to `seqLen` ids each.
    init(reviews: [TokenizedReview], seqLen: Int, padding: Padding = .pre) {
        var tokens = [Int32](repeating: 0, count: reviews.count * seqLen)
        for (row, review) in reviews.enumerated() {
            padding.place(review.ids, length: seqLen, into: &tokens[row * seqLen..<(row + 1) * seqLen])
        }
        self.init(seqLen: seqLen, tokens: tokens, labels: reviews.map(\.label), padding: padding)
    }

    public func row(_ i: Int) -> ArraySlice<Int32> { tokens[i * seqLen..<(i + 1) * seqLen] }
}

/// A review as a variable-length id sequence (no padding) with its label.
public struct TokenizedReview: Sendable, Equatable {
    public var label: UInt8
    public var ids: [Int32]
    public init(label: UInt8, ids: [Int32]) {
        self.label = label
        self.ids = ids
    }
}

public struct Dataset: Sendable, Equatable {
    public var train: SequenceSet
    public var test: SequenceSet
    public var vocabSize: Int
    /// "embedded", or the path exactly as given.
    public var source: String
    /// Hex SHA-256 of the source file's bytes (the archive, the .jsonl file or the embedded resource);
    /// for a folder, of its canonical listing (see `FolderListing`).
    public var sourceSHA256: String
    /// How many training labels label noise flipped.
    public var flippedTrainLabels: Int
    /// Indices of `train` in the source file's line order (a .jsonl file); nil for sources without one.
    /// `train` itself stays in canonical order (negatives, then positives).
    public var trainFileOrder: [Int]?
    /// The conventions the data was made with (today's by default).
    public var conventions = DataConventions()
    /// SHA-256 of the `--split FILE`, when the split came from one.
    public var splitSHA256: String?

    public init(
        train: SequenceSet, test: SequenceSet, vocabSize: Int, source: String, sourceSHA256: String,
        flippedTrainLabels: Int = 0, trainFileOrder: [Int]? = nil
    ) {
        self.trainFileOrder = trainFileOrder
        self.train = train
        self.test = test
        self.vocabSize = vocabSize
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.flippedTrainLabels = flippedTrainLabels
    }

    /// One line, e.g. "embedded IMDb subset: 2500 train / 2500 test, V=10000, L=500".
    public var description: String {
        let name = source == "embedded" ? "embedded IMDb subset" : source
        var line = "\(name): \(train.count) train / \(test.count) test, V=\(vocabSize), L=\(train.seqLen)"
        if flippedTrainLabels > 0 { line += ", \(flippedTrainLabels) train labels flipped" }
        let c = conventions
        if c.split != .official { line += ", split \(c.split)" }
        if c.tokenizer != .keras { line += ", \(c.tokenizer.rawValue) tokenizer" }
        if c.vocabularyFrom != .train { line += ", vocabulary from both parts" }
        if c.padding != .pre { line += ", \(c.padding.rawValue)-padding" }
        return line
    }
}

public enum DataSource: Sendable, Equatable {
    case embedded
    case path(String)
}

public struct DataOptions: Sendable, Equatable {
    public var vocabSize = 10000
    public var seqLen = 500
    /// Deterministic class-balanced subsets (fixed data seed, see `Subset`); nil = the whole split.
    public var trainSize: Int? = nil
    public var testSize: Int? = nil
    /// Probability of flipping each TRAINING label; the test split stays clean.
    public var labelNoise = 0.0
    /// Seeds label noise only; subsets use a fixed seed so that every run sees the same reviews.
    public var seed: UInt64 = 0
    /// Tokenizer, padding, split and vocabulary scope (today's by default).
    public var conventions = DataConventions()
    public init() {}
}

public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public init(message: String) { self.message = message }
    public var description: String { message }
}
