import Foundation
import LyapCore

/// What varies besides width, noise and seed (methods.md §6.2): the faithful model, a frozen random
/// embedding (so H is the capacity knob), or a smaller class-balanced training subset.
public enum SweepVariant: Hashable, Sendable, Codable, CustomStringConvertible {
    case trainable
    case frozenEmbedding
    /// Train on the deterministic class-balanced subset of N reviews (as `--train-size N`).
    case subset(Int)

    public init(parsing s: String) throws(ConfigError) {
        switch s {
        case "trainable": self = .trainable
        case "frozen-embedding": self = .frozenEmbedding
        default:
            guard s.hasPrefix("subset:"), let n = Int(s.dropFirst("subset:".count)), n >= 1 else {
                throw ConfigError("--variant \(s): use trainable, frozen-embedding or subset:N (N >= 1 training reviews)")
            }
            self = .subset(n)
        }
    }

    /// "trainable", "frozen-embedding" or "subset:N" (the --variant spelling and the CSV value).
    public var description: String {
        switch self {
        case .trainable: return "trainable"
        case .frozenEmbedding: return "frozen-embedding"
        case .subset(let n): return "subset:\(n)"
        }
    }

    /// The spelling used in file names ("subset-N").
    public var fileTag: String { description.replacingOccurrences(of: ":", with: "-") }
    public var frozenEmbedding: Bool { self == .frozenEmbedding }
    public var trainSize: Int? { if case .subset(let n) = self { return n } else { return nil } }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        do { self = try SweepVariant(parsing: s) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One cell of the grid: a training run of `epochs` epochs.
public struct SweepConfiguration: Hashable, Sendable, CustomStringConvertible {
    /// Position in `SweepGrid.configurations` (0-based).
    public var index: Int
    public var variant: SweepVariant
    public var labelNoise: Double
    public var width: Int
    public var seed: UInt64

    /// A file-name-safe name, e.g. "trainable_p0.1_h4_s0".
    public var id: String { "\(variant.fileTag)_p\(SweepGrid.noiseText(labelNoise))_h\(width)_s\(seed)" }
    public var description: String {
        "\(variant) p=\(SweepGrid.noiseText(labelNoise)) H=\(width) seed=\(seed)"
    }
}

/// The configurations of a sweep: the cartesian product variant × label noise × width × seed, in that
/// order (seed varies fastest), each list in the order given on the command line.
public struct SweepGrid: Codable, Equatable, Sendable {
    public var variants: [SweepVariant]
    public var labelNoise: [Double]
    public var widths: [Int]
    public var seeds: [UInt64]

    public init(variants: [SweepVariant], labelNoise: [Double], widths: [Int], seeds: [UInt64]) {
        self.variants = variants
        self.labelNoise = labelNoise
        self.widths = widths
        self.seeds = seeds
    }

    public static let orderDescription = "variant, label_noise, width, seed (seed fastest); index 0-based"

    public func validate() throws(ConfigError) {
        func unique<T: Hashable>(_ xs: [T], _ flag: String) throws(ConfigError) {
            if xs.isEmpty { throw ConfigError("\(flag): give at least one value") }
            if Set(xs).count != xs.count { throw ConfigError("\(flag): a value is listed twice") }
        }
        try unique(variants, "--variant")
        try unique(labelNoise, "--label-noise")
        try unique(widths, "--widths")
        try unique(seeds, "--seeds")
        if let w = widths.first(where: { $0 < 1 }) { throw ConfigError("--widths \(w): widths must be at least 1") }
        if let p = labelNoise.first(where: { !($0 >= 0 && $0 < 1) }) { throw ConfigError("--label-noise \(p) must be in [0, 1)") }
    }

    public var count: Int { variants.count * labelNoise.count * widths.count * seeds.count }

    public var configurations: [SweepConfiguration] {
        var all: [SweepConfiguration] = []
        for v in variants {
            for p in labelNoise {
                for w in widths {
                    for s in seeds {
                        all.append(SweepConfiguration(index: all.count, variant: v, labelNoise: p, width: w, seed: s))
                    }
                }
            }
        }
        return all
    }

    /// Label noise as written in ids and CSV: "0", "0.1", "0.25".
    public static func noiseText(_ p: Double) -> String { String(format: "%g", p) }
}

/// `--shard i/n`: the configurations whose grid index is congruent to i modulo n (0-based i < n), so
/// every configuration belongs to exactly one of the n shards and each shard gets a mix of widths.
public struct SweepShard: Codable, Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public init(parsing s: String) throws(ConfigError) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ConfigError("--shard \(s): use i/n with 0 <= i < n (e.g. 0/4)")
        }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public func contains(_ c: SweepConfiguration) -> Bool { c.index % count == index }
    public func select(_ grid: SweepGrid) -> [SweepConfiguration] { grid.configurations.filter(contains) }
}
