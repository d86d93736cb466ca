import ArgumentParser
import LyapCore
import LyapData
import LyapTraining

extension TokenizerKind: ExpressibleByArgument {}
extension Padding: ExpressibleByArgument {}
extension VocabularyScope: ExpressibleByArgument {}
extension PadRow: ExpressibleByArgument {}
extension LossForm: ExpressibleByArgument {}

/// The flags that make a run follow another codebase's conventions (README "The reproduction's protocol").
/// nil everywhere is today's behaviour.
struct ConventionOptions: ParsableArguments {
    @Option(name: .customLong("protocol"), help: "reproduction: every convention of the public PyTorch reproduction (LaoZhongjie/Sequence-of-Order-Chaos-Transitions-in-LSTM) at once; --split may replace its pooled:0.7.")
    var protocolName: String?
    @Option(help: "keras (default: ids 0 pad, 1 start, 2 OOV) or reproduction (lower-case, split on whitespace, strip non-alphanumerics; ids 0 pad, 1 unknown, no start).")
    var tokenizer: TokenizerKind?
    @Option(help: "pre (default: keep the last L ids, pad in front) or post (keep the first L ids, pad at the end).")
    var padding: Padding?
    @Option(help: "official (default: the archive's 25k/25k), pooled:F (train+test pooled, stratified, fixed seed, train fraction F) or FILE (lines `PATH train|test`).")
    var split: String?
    @Option(name: .customLong("vocab-from"), help: "train (default: count the vocabulary on the training part) or all (on both parts).")
    var vocabFrom: VocabularyScope?
    @Option(name: .customLong("pad-row"), help: "trained (default) or zero (nn.Embedding padding_idx=0: row 0 starts at zero and is never trained).")
    var padRow: PadRow?
    @Option(help: "logits (default: BCE with logits) or sigmoid-bce (nn.Sigmoid + nn.BCELoss as PyTorch computes it, log clamped at -100).")
    var loss: LossForm?

    /// The flags given, for --resume's "drop these" line.
    var given: [String] {
        [("--protocol", protocolName != nil), ("--tokenizer", tokenizer != nil), ("--padding", padding != nil),
         ("--split", split != nil), ("--vocab-from", vocabFrom != nil), ("--pad-row", padRow != nil), ("--loss", loss != nil)]
            .filter(\.1).map(\.0)
    }

    /// The conventions of a new run (nil when all are today's), with the protocol's pieces filled in.
    func conventions(initPreset: inout InitPreset?) throws -> RunConventions? {
        var c = RunConventions()
        if let name = protocolName {
            guard name == ReproductionProtocol.name else {
                throw ConfigError("--protocol \(name): the known protocol is \(ReproductionProtocol.name)")
            }
            c = try ReproductionProtocol.conventions(tokenizer: tokenizer, padding: padding, vocabFrom: vocabFrom, padRow: padRow,
                                                     loss: loss, initPreset: &initPreset)
        }
        if let s = split {
            _ = try SplitSpec(parsing: s)
            c.split = s
        }
        c.tokenizer = c.tokenizer ?? tokenizer
        c.padding = c.padding ?? padding
        c.vocabularyFrom = c.vocabularyFrom ?? vocabFrom
        c.padRow = c.padRow ?? padRow
        c.loss = c.loss ?? loss
        // Today's values are recorded as nil, so a run that names the defaults writes today's config.json.
        if c.tokenizer == .keras { c.tokenizer = nil }
        if c.padding == .pre { c.padding = nil }
        if c.split == "official" { c.split = nil }
        if c.vocabularyFrom == .train { c.vocabularyFrom = nil }
        if c.padRow == .trained { c.padRow = nil }
        if c.loss == .logits { c.loss = nil }
        return c.isEmpty ? nil : c
    }
}

