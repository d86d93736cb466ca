import LyapCore
import LyapIO

/// `--early-checkpoints N:E`: the first epochs resolved finely (docs/science/PROTOCOL.md). Epoch 0 (the
/// initial weights) and N − 1 points inside each of the first E epochs, after batches ⌊k·batches/N⌋ for
/// k = 1..N−1, are evaluated on the test split, analysed when the run analyses, and kept as weight files in
/// `checkpoints/early/step-NNNNNNN.safetensors`. Their rows go to `early.csv`; the ends of epochs stay in
/// metrics.csv as always.
public struct EarlyCheckpoints: Codable, Sendable, Equatable {
    public var perEpoch: Int
    public var epochs: Int

    public init(perEpoch: Int, epochs: Int) {
        self.perEpoch = perEpoch
        self.epochs = epochs
    }

    /// "8:3" → 8 per epoch over the first 3 epochs.
    public static func parse(_ spec: String) throws(ConfigError) -> EarlyCheckpoints {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let e = Int(parts[1]) else {
            throw ConfigError("--early-checkpoints \(spec): expected N:E (N points per epoch over the first E epochs, e.g. 8:3)")
        }
        let c = EarlyCheckpoints(perEpoch: n, epochs: e)
        try c.validate()
        return c
    }

    public func validate() throws(ConfigError) {
        if perEpoch < 2 { throw ConfigError("--early-checkpoints \(perEpoch):\(epochs): N must be at least 2 (points per epoch, the epoch's end included)") }
        if epochs < 1 { throw ConfigError("--early-checkpoints \(perEpoch):\(epochs): E must be at least 1") }
    }

    /// Batch counts after which the inner points of an epoch fall (strictly inside 1..<batches, ascending,
    /// without repeats when an epoch has fewer batches than points).
    public func innerBoundaries(batches: Int) -> [Int] {
        var out: [Int] = []
        for k in 1..<perEpoch {
            let b = k * batches / perEpoch
            if b > 0, b < batches, b != out.last { out.append(b) }
        }
        return out
    }
}

/// early.csv: one row per early point, ascending in step.
public struct EarlyLog: Sendable {
    public static let header = ["step", "epoch", "test_loss", "test_acc"]
    public let withAnalysis: Bool
    public private(set) var rows: [[String]] = []

    public init(withAnalysis: Bool) { self.withAnalysis = withAnalysis }

    /// An existing log, keeping the rows up to `step` (later ones are redone on resume).
    public init(path: String, upToStep step: Int, withAnalysis: Bool) throws {
        self.withAnalysis = withAnalysis
        let t = try CSVTable.read(path: path)
        guard t.header == columns else { throw FileWriteError(message: "\(path): unexpected header \(t.header.joined(separator: ","))") }
        rows = t.rows.filter { Int($0.first ?? "").map { $0 <= step } ?? false }
    }

    public var columns: [String] { Self.header + (withAnalysis ? MetricsLog.analysisHeader : []) }

    /// `epoch` is fractional: steps / steps per epoch.
    public mutating func append(step: Int, epoch: Double, test: LossTotals, analysis: [String]?) {
        var r = [String(step), String(format: "%.6g", epoch), MetricsLog.Row.g(test.meanLoss), MetricsLog.Row.g(test.accuracy)]
        if withAnalysis { r += analysis ?? Array(repeating: "", count: MetricsLog.analysisHeader.count) }
        rows.append(r)
    }

    public func write(path: String) throws {
        try CSVTable(header: columns, rows: rows).write(path: path)
    }
}
