import Foundation
import LyapIO

/// metrics.csv: one row per epoch. Rewritten whole (atomically) after every epoch; it is small.
public struct MetricsLog: Sendable {
    public static let header = ["epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"]

    public struct Row: Sendable, Equatable {
        public var epoch: Int, step: Int
        public var trainLoss: Double, trainAcc: Double, testLoss: Double, testAcc: Double
        public var seconds: Double

        var fields: [String] {
            [String(epoch), String(step), Self.g(trainLoss), Self.g(trainAcc), Self.g(testLoss), Self.g(testAcc),
             String(format: "%.3f", seconds)]
        }
        static func g(_ x: Double) -> String { String(format: "%.9g", x) }
    }

    public private(set) var rows: [[String]] = []

    public init() {}

    /// Reads an existing log keeping only rows up to `epoch` (those after it are redone on resume).
    public init(path: String, upTo epoch: Int) throws {
        let t = try CSVTable.read(path: path)
        guard t.header.prefix(Self.header.count).elementsEqual(Self.header) else {
            throw FileWriteError(message: "\(path): unexpected header \(t.header.joined(separator: ","))")
        }
        rows = t.rows.filter { Int($0.first ?? "").map { $0 <= epoch } ?? false }
    }

    public mutating func append(_ r: Row) { rows.append(r.fields) }

    public func write(path: String) throws {
        try CSVTable(header: Self.header, rows: rows).write(path: path)
    }
}
