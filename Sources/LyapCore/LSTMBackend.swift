/// A minibatch: `count` sequences of `seqLen` token ids (row-major, padded) and 0/1 labels.
public struct Batch: Sendable {
    public var tokens: [Int32]
    public var labels: [UInt8]
    public let seqLen: Int
    public var count: Int { labels.count }

    public init(tokens: [Int32], labels: [UInt8], seqLen: Int) {
        precondition(tokens.count == labels.count * seqLen, "batch has \(tokens.count) ids for \(labels.count) x \(seqLen)")
        self.tokens = tokens
        self.labels = labels
        self.seqLen = seqLen
    }
}

/// Loss and accuracy totals over some samples, accumulated in Double.
public struct LossTotals: Sendable, Equatable {
    public var lossSum: Double = 0
    public var correct: Int = 0
    public var count: Int = 0

    public init() {}
    public init(lossSum: Double, correct: Int, count: Int) {
        self.lossSum = lossSum
        self.correct = correct
        self.count = count
    }

    public var meanLoss: Double { count > 0 ? lossSum / Double(count) : .nan }
    public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : .nan }

    public static func += (a: inout LossTotals, b: LossTotals) {
        a.lossSum += b.lossSum
        a.correct += b.correct
        a.count += b.count
    }
}

/// What every compute backend (CPU now, Vulkan later) offers the trainer. A backend owns the
/// parameters and optimizer state in its own precision and memory; the host moves them only through
/// `load`/`state` (checkpoints) so a GPU backend can keep everything resident between steps.
public protocol LSTMBackend: AnyObject {
    associatedtype Scalar: BinaryFloatingPoint & Sendable

    /// Human-readable, e.g. "cpu float32, 2 threads".
    var name: String { get }
    var shape: ModelShape { get }

    func load(_ state: TrainingState<Scalar>) throws
    func state() throws -> TrainingState<Scalar>

    /// Forward, backward (mean BCE over the batch), one Adam update. Returns the batch's totals
    /// measured before the update.
    func trainStep(_ batch: Batch, adam: AdamConfig) throws -> LossTotals

    /// Forward only: the batch's totals and one logit per sequence.
    func evaluate(_ batch: Batch) throws -> (totals: LossTotals, logits: [Float])

    /// How many steps `trainSteps` / `evaluate(batches:)` take at once to best effect: a GPU backend
    /// records them into one submission and reads the losses back once (default 1).
    var stepsPerCall: Int { get }

    /// `trainStep` for each batch in order; the totals of every step. Callers see the losses only
    /// after the last step, so a non-finite loss is noticed up to `stepsPerCall` steps late.
    func trainSteps(_ batches: [Batch], adam: AdamConfig) throws -> [LossTotals]

    /// `evaluate` for each batch.
    func evaluate(batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])]
}

extension LSTMBackend {
    public var stepsPerCall: Int { 1 }

    public func trainSteps(_ batches: [Batch], adam: AdamConfig) throws -> [LossTotals] {
        try batches.map { try trainStep($0, adam: adam) }
    }

    public func evaluate(batches: [Batch]) throws -> [(totals: LossTotals, logits: [Float])] {
        try batches.map { try evaluate($0) }
    }
}
