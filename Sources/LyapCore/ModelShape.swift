/// Sizes of the Embedding(V,E) -> LSTM(H) -> Dense(1) classifier.
public struct ModelShape: Sendable, Equatable, Codable, CustomStringConvertible {
    public var vocab: Int
    public var embed: Int
    public var hidden: Int

    public init(vocab: Int, embed: Int, hidden: Int) {
        self.vocab = vocab
        self.embed = embed
        self.hidden = hidden
    }

    /// The paper's model: V=10000, E=32, H=60.
    public static let paper = ModelShape(vocab: 10000, embed: 32, hidden: 60)

    /// Number of gate rows, 4H (gate order i, f, g, o).
    public var gateRows: Int { 4 * hidden }

    /// P(H) = VE + 4H(E+H+1) + H + 1 (single bias per gate row).
    public var parameterCount: Int { parameterCount(biases: .one) }

    /// P with `biases`: two biases add 4H.
    public func parameterCount(biases: BiasLayout) -> Int {
        vocab * embed + gateRows * (embed + hidden + (biases == .two ? 2 : 1)) + hidden + 1
    }

    public var description: String { "V=\(vocab) E=\(embed) H=\(hidden)" }

    /// Throws with the flag name when a size is not positive.
    public func validate() throws(ConfigError) {
        if vocab < 4 { throw ConfigError("--vocab \(vocab) must be at least 4 (ids 0-2 are pad, start, out-of-vocabulary)") }
        if embed < 1 { throw ConfigError("--embed \(embed) must be at least 1") }
        if hidden < 1 { throw ConfigError("--hidden \(hidden) must be at least 1") }
    }
}

/// A bad setting: one line naming the flag and what is wrong.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
