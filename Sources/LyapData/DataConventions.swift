import LyapCore

/// Which tokenizer and id scheme turn review text into ids (recorded in config.json as `tokenizer`).
/// - `keras`: today's (`Tokenizer`, `Vocabulary`): ids 0 pad, 1 start, 2 out-of-vocabulary, 3.. words by
///   count then bytes; every review starts with 1.
/// - `reproduction`: the public PyTorch reproduction's (`ReproductionTokenizer`): ids 0 pad, 1 unknown,
///   2.. words by count then first occurrence in the corpus order; no start token.
public enum TokenizerKind: String, Sendable, Codable, CaseIterable {
    case keras
    case reproduction
}

/// Which reviews the vocabulary is counted on (recorded in config.json as `vocabularyFrom`).
public enum VocabularyScope: String, Sendable, Codable, CaseIterable {
    /// The training part of the split (today's).
    case train
    /// Every review used, both parts (the reproduction counts all 50,000 labeled reviews).
    case all
}

/// `--split`: which reviews train and which test.
public enum SplitSpec: Sendable, Equatable, CustomStringConvertible {
    /// The archive's own train/ and test/ folders (25,000 / 25,000; today's).
    case official
    /// Train and test pooled, then a stratified split with this training fraction, drawn from the fixed
    /// data seed (`PooledSplit`), so every run sees the same split.
    case pooled(trainFraction: Double)
    /// A list of review paths with their part (`SplitFile`), e.g. the reproduction's own split.
    case file(String)

    /// `official`, `pooled:F` or a file path.
    public init(parsing text: String) throws(DataError) {
        if text == "official" {
            self = .official
        } else if text.hasPrefix("pooled:") {
            let f = text.dropFirst("pooled:".count)
            guard let v = Double(f), v > 0, v < 1 else {
                throw DataError("--split \(text): the training fraction F of pooled:F must be a number in (0, 1)")
            }
            self = .pooled(trainFraction: v)
        } else if text.isEmpty {
            throw DataError("--split: expected official, pooled:F or a split file")
        } else {
            self = .file(text)
        }
    }

    public var description: String {
        switch self {
        case .official: "official"
        case .pooled(let f): "pooled:\(f)"
        case .file(let path): path
        }
    }
}

/// The conventions that turn a corpus into the two id sets; the defaults are today's.
public struct DataConventions: Sendable, Equatable {
    public var tokenizer: TokenizerKind = .keras
    public var padding: Padding = .pre
    public var split: SplitSpec = .official
    public var vocabularyFrom: VocabularyScope = .train
    public init() {}

    /// True when the corpus is tokenized, split and counted exactly as before these conventions existed.
    var isTodaysAssembly: Bool { tokenizer == .keras && split == .official && vocabularyFrom == .train }
}
