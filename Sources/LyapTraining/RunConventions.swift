import LyapCore
import LyapData

/// The conventions that make a run follow another codebase's protocol (config.json `conventions`).
/// Every field is optional and nil means today's behaviour, so a config.json without them (every run
/// written before they existed) decodes to exactly the run it was.
public struct RunConventions: Codable, Sendable, Equatable {
    /// `--protocol reproduction`: set when the pieces below came from one protocol flag.
    public var `protocol`: String?
    public var tokenizer: TokenizerKind?
    public var padding: Padding?
    /// `--split` as given: `official`, `pooled:F` or a split file's path.
    public var split: String?
    /// SHA-256 of the split file (checked on --resume).
    public var splitSHA256: String?
    public var vocabularyFrom: VocabularyScope?
    public var padRow: PadRow?
    public var loss: LossForm?

    public init() {}

    /// Today's conventions throughout.
    public var isEmpty: Bool { self == RunConventions() }
}

extension RunConfig {
    /// The data conventions this run loads its data with.
    public func dataConventions() throws(DataError) -> DataConventions {
        var d = DataConventions()
        guard let c = conventions else { return d }
        d.tokenizer = c.tokenizer ?? .keras
        d.padding = c.padding ?? .pre
        d.split = try c.split.map { (s) throws(DataError) in try SplitSpec(parsing: s) } ?? .official
        d.vocabularyFrom = c.vocabularyFrom ?? .train
        return d
    }

    public var padRow: PadRow { conventions?.padRow ?? .trained }
    public var loss: LossForm { conventions?.loss ?? .logits }
}
