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
    /// be smaller). `onStep(batchIndex, totals)` sees each step's totals before the next one; it is where
    /// callers check for a non-finite loss and report progress.
    public func trainEpoch(_ split: SequenceSet, order: [Int], batchSize: Int, adam: AdamConfig,
                           onStep: (Int, LossTotals) throws -> Void) throws -> LossTotals {
        var totals = LossTotals()
        var b = 0
        while b * batchSize < order.count {
            let step = try trainStep(split.batch(order[(b * batchSize)..<min((b + 1) * batchSize, order.count)]), adam: adam)
            try onStep(b, step)
            totals += step
            b += 1
        }
        return totals
    }

    /// Loss and accuracy over a whole split, `batchSize` sequences per forward pass, and every logit.
    public func evaluateWithLogits(_ split: SequenceSet, batchSize: Int) throws -> (totals: LossTotals, logits: [Float]) {
        var totals = LossTotals()
        var logits: [Float] = []
        logits.reserveCapacity(split.count)
        var start = 0
        while start < split.count {
            let end = min(start + batchSize, split.count)
            let r = try evaluate(split.batch(start..<end))
            totals += r.totals
            logits += r.logits
            start = end
        }
        return (totals, logits)
    }

    /// Loss and accuracy over a whole split, `batchSize` sequences per forward pass.
    public func evaluate(_ split: SequenceSet, batchSize: Int) throws -> LossTotals {
        try evaluateWithLogits(split, batchSize: batchSize).totals
    }
}
