import Foundation
import LyapIO

/// metrics.csv: one row per epoch. Rewritten whole (atomically) after every epoch; it is small.
/// With `--analyze-every K` the analysis columns follow, filled on analysed epochs and empty otherwise.
public struct MetricsLog: Sendable {
    public static let header = ["epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"]
    public static let analysisHeader = ["max_exponent", "distance_initial", "distance_end_of_drive", "floor_fraction", "phase"]

    public struct Row: Sendable, Equatable {
        public var epoch: Int, step: Int
        public var trainLoss: Double, trainAcc: Double, testLoss: Double, testAcc: Double
        public var seconds: Double
        /// The analysis columns of this epoch (same order as `analysisHeader`), when it was analysed.
        public var analysis: [String]?

        var fields: [String] {
            [String(epoch), String(step), Self.g(trainLoss), Self.g(trainAcc), Self.g(testLoss), Self.g(testAcc),
             String(format: "%.3f", seconds)]
        }
        static func g(_ x: Double) -> String { String(format: "%.9g", x) }
    }

    public private(set) var rows: [[String]] = []
    public let withAnalysis: Bool

    public init(withAnalysis: Bool = false) { self.withAnalysis = withAnalysis }

    public var columns: [String] { Self.header + (withAnalysis ? Self.analysisHeader : []) }

    /// Reads an existing log keeping only rows up to `epoch` (those after it are redone on resume).
    public init(path: String, upTo epoch: Int, withAnalysis: Bool) throws {
        self.withAnalysis = withAnalysis
        let t = try CSVTable.read(path: path)
        guard t.header == columns else {
            throw FileWriteError(message: "\(path): unexpected header \(t.header.joined(separator: ","))")
        }
        rows = t.rows.filter { Int($0.first ?? "").map { $0 <= epoch } ?? false }
    }

    public mutating func append(_ r: Row) {
        guard withAnalysis else { rows.append(r.fields); return }
        rows.append(r.fields + (r.analysis ?? Array(repeating: "", count: Self.analysisHeader.count)))
    }

    public func write(path: String) throws {
        try CSVTable(header: columns, rows: rows).write(path: path)
    }
}
