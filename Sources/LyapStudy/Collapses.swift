/// The sharp drops that end the test-loss cycles (docs/science/PROTOCOL.md): for each cycle, the epoch e in
/// (peak, end] with the largest one-epoch decrease of the raw curve, value(e−1) − value(e).
public struct Collapse: Sendable, Codable, Equatable {
    public var epoch: Int
    /// value(epoch − 1) − value(epoch) on the raw curve (consecutive samples).
    public var drop: Double
    public var cyclePeakEpoch: Int

    public static func find(cycles: [CycleDetector.Cycle], epochs: [Int], values: [Double]) -> [Collapse] {
        precondition(epochs.count == values.count)
        return cycles.compactMap { c in
            var best: Collapse? = nil
            for i in epochs.indices.dropFirst() where epochs[i] > c.peakEpoch && epochs[i] <= c.endEpoch {
                let d = values[i - 1] - values[i]
                if best == nil || d > best!.drop { best = Collapse(epoch: epochs[i], drop: d, cyclePeakEpoch: c.peakEpoch) }
            }
            return best
        }
    }
}
