import LyapCore
import LyapData

/// `--protocol reproduction`: the public PyTorch reproduction's data preparation, split, model, init and
/// loss (data_loader.py, model.py, train.py), each piece recorded on its own in config.json.
public enum ReproductionProtocol {
    public static let name = "reproduction"

    /// The protocol's conventions; the flags given with it (nil: not given) may repeat its choices but not
    /// contradict them. Sets `initPreset` to the reproduction's.
    public static func conventions(tokenizer: TokenizerKind?, padding: Padding?, vocabFrom: VocabularyScope?, padRow: PadRow?,
                                   loss: LossForm?, initPreset: inout InitPreset?) throws -> RunConventions {
        func agree<T: Equatable>(_ flag: String, _ value: T?, _ wanted: T, _ show: (T) -> String) throws {
            if let v = value, v != wanted {
                throw ConfigError("\(flag) \(show(v)) contradicts --protocol reproduction, which uses \(show(wanted))")
            }
        }
        try agree("--tokenizer", tokenizer, .reproduction, \.rawValue)
        try agree("--padding", padding, .post, \.rawValue)
        try agree("--vocab-from", vocabFrom, .all, \.rawValue)
        try agree("--pad-row", padRow, .zero, \.rawValue)
        try agree("--loss", loss, .sigmoidBCE, \.rawValue)
        try agree("--init-preset", initPreset, .reproduction, \.rawValue)
        initPreset = .reproduction
        var c = RunConventions()
        c.protocol = name
        c.tokenizer = .reproduction
        c.padding = .post
        c.split = "pooled:0.7"
        c.vocabularyFrom = .all
        c.padRow = .zero
        c.loss = .sigmoidBCE
        return c
    }

    /// The reproduction's nn.LSTM trains two bias vectors, each with its own Adam moments, with
    /// torch.optim.Adam: `--lstm-biases two --adam-form torch`, which the flags may repeat but not contradict.
    public static func framework(lstmBiases: BiasLayout?, adamForm: AdamForm?) throws -> (biases: BiasLayout, adamForm: AdamForm) {
        if let b = lstmBiases, b != .two {
            throw ConfigError("--lstm-biases \(b.rawValue) contradicts --protocol reproduction, which uses two (nn.LSTM's b_ih and b_hh)")
        }
        if let a = adamForm, a != .torch {
            throw ConfigError("--adam-form \(a.rawValue) contradicts --protocol reproduction, which uses torch (torch.optim.Adam)")
        }
        return (.two, .torch)
    }
}
