import LyapCore
import LyapData

/// How each epoch orders the training split (config.json "order"). Absent in configs written before it
/// existed: today's behaviour then, `shuffle` or, under --no-shuffle, the class-sorted storage order.
public struct DataOrder: Codable, Sendable, Equatable {
    public enum Scheme: String, Codable, Sendable, CaseIterable {
        /// A fresh permutation per epoch from `LabRNG(run seed, "data-order")`.
        case shuffle
        /// --no-shuffle on a .jsonl file: the file's line order.
        case file
        /// --no-shuffle on the archive, a folder or the embedded data: `FixedOrder`'s permutation.
        case fixedPermutation = "fixed-permutation"
        /// Runs started before the order was recorded, under --no-shuffle: negatives, then positives.
        case classSorted = "class-sorted"
    }

    public var scheme: Scheme
    /// The generator seed: the run seed for `shuffle`, `FixedOrder.seed` for `fixed-permutation`.
    public var seed: UInt64?

    public init(scheme: Scheme, seed: UInt64? = nil) {
        self.scheme = scheme
        self.seed = seed
    }

    /// The scheme of a new run: shuffled, else the source's own order.
    public static func forNewRun(shuffle: Bool, seed: UInt64, data: Dataset) -> DataOrder {
        if shuffle { return DataOrder(scheme: .shuffle, seed: seed) }
        return data.trainFileOrder != nil ? DataOrder(scheme: .file) : DataOrder(scheme: .fixedPermutation, seed: FixedOrder.seed)
    }

    /// Before the first shuffle: the order an epoch starts from (identity for shuffled and class-sorted runs,
    /// so those stay exactly as they were).
    public func baseOrder(_ data: Dataset) throws(ConfigError) -> [Int] {
        let n = data.train.count
        switch scheme {
        case .shuffle, .classSorted:
            return Array(0..<n)
        case .file:
            guard let order = data.trainFileOrder, order.count == n else {
                throw ConfigError("order \"file\" needs a .jsonl source (\(data.source) has no line order)")
            }
            return order
        case .fixedPermutation:
            return FixedOrder.permutation(count: n, seed: seed ?? FixedOrder.seed)
        }
    }
}

extension RunConfig {
    /// The recorded order, or what a run without one did.
    public var dataOrder: DataOrder { order ?? DataOrder(scheme: shuffle ? .shuffle : .classSorted, seed: shuffle ? seed : nil) }
}
