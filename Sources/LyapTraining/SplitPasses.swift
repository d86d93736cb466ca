import LyapCore
import LyapData

extension SequenceSet {
    /// The sequences `indices` of this split as one minibatch.
    public func batch<C: Collection<Int>>(_ indices: C) -> Batch {
        var tokens: [Int32] = []
        tokens.reserveCapacity(indices.count * seqLen)
        var picked: [UInt8] = []
        picked.reserveCapacity(indices.count)
        for i in indices {
            tokens += self.tokens[(i * seqLen)..<((i + 1) * seqLen)]
            picked.append(labels[i])
        }
        return Batch(tokens: tokens, labels: picked, seqLen: seqLen)
    }
}

extension LSTMBackend {
    /// One epoch of Adam steps over `split` in `order`, `batchSize` sequences per step (the last step may
    /// be smaller), handed to the backend `stepsPerCall` at a time. `onStep(batchIndex, totals)` sees
    /// each step's totals in order once its call returns; it is where callers check for a non-finite
    /// loss and report progress.
    public func trainEpoch(_ split: SequenceSet, order: [Int], batchSize: Int, adam: AdamConfig,
                           onStep: (Int, LossTotals) throws -> Void) throws -> LossTotals {
        let count = (order.count + batchSize - 1) / batchSize, per = max(stepsPerCall, 1)
        var totals = LossTotals()
        for first in stride(from: 0, to: count, by: per) {
            let batches = (first..<min(first + per, count)).map {
                split.batch(order[($0 * batchSize)..<min(($0 + 1) * batchSize, order.count)])
            }
            for (i, step) in try trainSteps(batches, adam: adam).enumerated() {
                try onStep(first + i, step)
                totals += step
            }
        }
        return totals
    }

    /// Loss and accuracy over a whole split, `batchSize` sequences per forward pass, and every logit.
    public func evaluateWithLogits(_ split: SequenceSet, batchSize: Int) throws -> (totals: LossTotals, logits: [Float]) {
        var totals = LossTotals()
        var logits: [Float] = []
        logits.reserveCapacity(split.count)
        let per = max(stepsPerCall, 1) * batchSize
        for start in stride(from: 0, to: split.count, by: per) {
            let batches = stride(from: start, to: min(start + per, split.count), by: batchSize).map {
                split.batch($0..<min($0 + batchSize, split.count))
            }
            for r in try evaluate(batches: batches) {
                totals += r.totals
                logits += r.logits
            }
        }
        return (totals, logits)
    }

    /// Loss and accuracy over a whole split, `batchSize` sequences per forward pass.
    public func evaluate(_ split: SequenceSet, batchSize: Int) throws -> LossTotals {
        try evaluateWithLogits(split, batchSize: batchSize).totals
    }
}
