import Foundation
import LyapCore
import LyapIO
import LyapTraining

/// The long-format table of a sweep (DIR/sweep.csv, and one DIR/configs/ID.csv per finished
/// configuration): one row per (configuration, epoch). Errors are 0-1 errors: train on the noisy
/// training labels, test on the clean test set. With an analysis schedule the columns of
/// `lyap train --analyze-every` follow, filled on analysed epochs and empty otherwise.
public enum SweepTable {
    public static let columns = ["variant", "label_noise", "width", "seed", "epoch", "train_loss", "train_error", "test_loss", "test_error"]

    public static func columns(analysis: Bool) -> [String] { columns + (analysis ? MetricsLog.analysisHeader : []) }

    public static func row(_ c: SweepConfiguration, epoch: Int, train: LossTotals, test: LossTotals,
                           analysis: [String]?, withAnalysis: Bool) -> [String] {
        func g(_ x: Double) -> String { String(format: "%.9g", x) }
        var r = [c.variant.description, SweepGrid.noiseText(c.labelNoise), String(c.width), String(c.seed), String(epoch),
                 g(train.meanLoss), g(error(train)), g(test.meanLoss), g(error(test))]
        if withAnalysis { r += analysis ?? Array(repeating: "", count: MetricsLog.analysisHeader.count) }
        return r
    }

    /// Fraction misclassified, exact in the counts (not 1 - accuracy).
    public static func error(_ t: LossTotals) -> Double { t.count > 0 ? Double(t.count - t.correct) / Double(t.count) : .nan }

    /// The final-epoch train error of each configuration in `rows` (rows of one table with `columns`).
    public static func finalTrainErrors(_ table: CSVTable) -> [(variant: String, noise: String, width: Int, seed: String, trainError: Double)] {
        guard let v = table.header.firstIndex(of: "variant"), let p = table.header.firstIndex(of: "label_noise"),
              let w = table.header.firstIndex(of: "width"), let s = table.header.firstIndex(of: "seed"),
              let e = table.header.firstIndex(of: "epoch"), let t = table.header.firstIndex(of: "train_error") else { return [] }
        var last: [[String]: (epoch: Int, row: [String])] = [:]
        var order: [[String]] = []
        for r in table.rows where r.count == table.header.count {
            let key = [r[v], r[p], r[w], r[s]]
            guard let epoch = Int(r[e]) else { continue }
            if last[key] == nil { order.append(key) }
            if epoch >= last[key]?.epoch ?? Int.min { last[key] = (epoch, r) }
        }
        return order.compactMap { key in
            guard let r = last[key]?.row, let width = Int(r[w]), let err = Double(r[t]) else { return nil }
            return (r[v], r[p], width, r[s], err)
        }
    }
}

/// H*(p): the smallest width whose final train error on the noisy labels is 0 (methods.md §6.2).
public struct InterpolationThreshold: Codable, Equatable, Sendable {
    public var variant: String
    public var labelNoise: String
    /// nil (JSON null) when no width interpolates.
    public var width: Int?

    public init(variant: String, labelNoise: String, width: Int?) {
        self.variant = variant
        self.labelNoise = labelNoise
        self.width = width
    }

    /// The smallest width all of whose runs (seeds) end with train error 0, or nil. Widths need not be sorted.
    public static func threshold(_ finals: [(width: Int, trainError: Double)]) -> Int? {
        let byWidth = Dictionary(grouping: finals, by: \.width)
        return byWidth.keys.sorted().first { w in byWidth[w]!.allSatisfy { $0.trainError == 0 } }
    }

    /// One threshold per (variant, label noise) of the grid, over the configurations in `table`.
    public static func all(grid: SweepGrid, table: CSVTable) -> [InterpolationThreshold] {
        let finals = SweepTable.finalTrainErrors(table)
        var out: [InterpolationThreshold] = []
        for v in grid.variants {
            for p in grid.labelNoise {
                let name = v.description, noise = SweepGrid.noiseText(p)
                let mine = finals.filter { $0.variant == name && $0.noise == noise }.map { (width: $0.width, trainError: $0.trainError) }
                out.append(InterpolationThreshold(variant: name, labelNoise: noise, width: threshold(mine)))
            }
        }
        return out
    }

    enum CodingKeys: String, CodingKey { case variant, labelNoise = "label_noise", width }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(variant, forKey: .variant)
        try c.encode(labelNoise, forKey: .labelNoise)
        try c.encode(width, forKey: .width)  // null, not absent, when no width interpolates
    }
}
