import Foundation
import LyapCore
import LyapIO

/// metrics.csv of a run directory, by column name (analysis columns optional).
public struct RunMetrics: Sendable {
    public var epochs: [Int] = []
    public var trainLoss: [Double?] = [], testLoss: [Double?] = [], trainAcc: [Double?] = [], testAcc: [Double?] = []
    public var maxExponent: [Double?] = [], distanceInitial: [Double?] = [], distanceEndOfDrive: [Double?] = []
    public var floorFraction: [Double?] = []
    /// Phase label per row; nil where the epoch was not analysed.
    public var phase: [String?] = []
    public var hasAnalysis = false

    public init() {}

    public static func read(path: String) throws -> RunMetrics {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("\(path): no such file (is this a run directory written by lyap train?)")
        }
        return try parse(CSVTable.read(path: path), path: path)
    }

    public static func parse(_ t: CSVTable, path: String) throws -> RunMetrics {
        func col(_ name: String) -> Int? { t.header.firstIndex(of: name) }
        guard let ie = col("epoch") else { throw ConfigError("\(path): no 'epoch' column") }
        for need in ["train_loss", "test_loss"] where col(need) == nil { throw ConfigError("\(path): no '\(need)' column") }
        var m = RunMetrics()
        func num(_ row: [String], _ name: String) -> Double? {
            guard let i = col(name), let v = Double(row[i]), v.isFinite else { return nil }
            return v
        }
        for (n, row) in t.rows.enumerated() {
            guard let e = Int(row[ie]) else { throw ConfigError("\(path): row \(n + 2): epoch '\(row[ie])' is not an integer") }
            m.epochs.append(e)
            m.trainLoss.append(num(row, "train_loss")); m.testLoss.append(num(row, "test_loss"))
            m.trainAcc.append(num(row, "train_acc")); m.testAcc.append(num(row, "test_acc"))
            m.maxExponent.append(num(row, "max_exponent")); m.distanceInitial.append(num(row, "distance_initial"))
            m.distanceEndOfDrive.append(num(row, "distance_end_of_drive")); m.floorFraction.append(num(row, "floor_fraction"))
            let p = col("phase").map { row[$0] } ?? ""
            m.phase.append(p.isEmpty ? nil : p)
        }
        m.hasAnalysis = col("phase") != nil && m.phase.contains { $0 != nil }
        return m
    }

    /// The epoch of the lowest test loss (first one on ties).
    public var bestEpoch: Int? {
        var best: (Int, Double)?
        for (e, l) in zip(epochs, testLoss) { if let l, best == nil || l < best!.1 { best = (e, l) } }
        return best?.0
    }
}

/// The JSON of `lyap analyze --json` (a run directory, or one checkpoint). Only the fields the report reads.
public struct DynamicsFile: Sendable, Decodable {
    public struct Distance: Sendable, Decodable { public var initial: Double?; public var end_of_drive: Double? }
    public struct Phases: Sendable, Decodable { public var distance_rule: String?; public var exponent_rule: String?; public var lab_rule: String? }
    public struct Transition: Sendable, Decodable, Equatable { public var epoch: Int; public var from: String; public var to: String }
    public struct Transitions: Sendable, Decodable { public var distance: [Transition]?; public var exponent: [Transition]?; public var lab: [Transition]? }
    public struct Checkpoint: Sendable, Decodable {
        public var checkpoint: String?
        public var epoch: Int?
        public var max_exponent: Double?
        public var exponents: [Double?]?
        public var asymptotic_distance: Distance?
        public var floor_fraction: Distance?
        public var chaos_threshold: Double?
        public var phase: String?
        public var phases: Phases?
        public var reduced_sums: [Double?]?
    }
    public var run: String?
    public var hysteresis: Int?
    public var checkpoints: [Checkpoint]
    public var transitions: Transitions?

    enum Keys: String, CodingKey { case run, hysteresis, checkpoints, transitions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if c.contains(.checkpoints) {
            run = try c.decodeIfPresent(String.self, forKey: .run)
            hysteresis = try c.decodeIfPresent(Int.self, forKey: .hysteresis)
            checkpoints = try c.decode([Checkpoint].self, forKey: .checkpoints)
            transitions = try c.decodeIfPresent(Transitions.self, forKey: .transitions)
        } else {
            // One checkpoint's JSON.
            checkpoints = [try Checkpoint(from: decoder)]
        }
    }

    public static func read(path: String) throws -> DynamicsFile {
        var d = try JSONFile.read(DynamicsFile.self, from: path)
        d.checkpoints = d.checkpoints.enumerated().sorted { ($0.element.epoch ?? $0.offset, $0.offset) < ($1.element.epoch ?? $1.offset, $1.offset) }.map(\.element)
        return d
    }

    /// The epoch of each checkpoint (its position when the JSON has none).
    public var epochs: [Int] { checkpoints.enumerated().map { $0.element.epoch ?? $0.offset } }

    /// The lab-rule label per checkpoint (what metrics.csv's phase column holds), else the distance rule.
    public var labPhases: [String?] { checkpoints.map { $0.phases?.lab_rule ?? $0.phase } }
}

/// The CSV of `lyap tanh-map`: r, lambda, then the kept iterates k1...kN.
public struct TanhMapData: Sendable {
    public var r: [Double] = []
    public var lambda: [Double] = []
    public var iterates: [[Double]] = []

    public static func read(path: String) throws -> TanhMapData {
        let t = try CSVTable.read(path: path)
        guard t.header.count >= 2, t.header[0] == "r", t.header[1] == "lambda" else {
            throw ConfigError("\(path): expected the CSV of lyap tanh-map (columns r, lambda, k1, ...)")
        }
        var d = TanhMapData()
        for (n, row) in t.rows.enumerated() {
            guard let r = Double(row[0]), let l = Double(row[1]) else { throw ConfigError("\(path): row \(n + 2): r or lambda is not a number") }
            d.r.append(r); d.lambda.append(l)
            d.iterates.append(row.dropFirst(2).compactMap { Double($0) }.filter(\.isFinite))
        }
        return d
    }
}

/// Shaded phase intervals from labels at analysed epochs. Rule: the label found at analysed epoch e_i holds
/// from e_i up to the next analysed epoch e_{i+1} (the analysis is a sample; a phase change is placed at the
/// first epoch that shows the new label, as `PhaseTransition` does); the last label holds to `end` (the last
/// epoch of the run) or, when `end` is not past it, extends half a spacing of the analyses past it so it
/// stays visible (charts clip bands to the data's x range). Unlabelled epochs (nil) are skipped; consecutive equal labels merge into one interval.
public enum PhaseIntervals {
    public static func compute(epochs: [Int], labels: [String?], end: Int? = nil) -> [Band] {
        let pts = zip(epochs, labels).compactMap { e, l in l.map { (Double(e), $0) } }.sorted { $0.0 < $1.0 }
        guard !pts.isEmpty else { return [] }
        var out: [Band] = []
        for (i, p) in pts.enumerated() {
            let x1: Double
            if i + 1 < pts.count { x1 = pts[i + 1].0 } else if let end, Double(end) > p.0 { x1 = Double(end) } else {
                x1 = p.0 + (pts.count > 1 ? (p.0 - pts[i - 1].0) / 2 : 0.5)
            }
            if let last = out.last, last.label == p.1, last.x1 == p.0 {
                out[out.count - 1].x1 = x1
            } else {
                out.append(Band(x0: p.0, x1: x1, label: p.1, fill: Palette.phaseFill(p.1)))
            }
        }
        return out
    }

    /// Epochs where the label changes between consecutive labelled epochs (every change, no hysteresis).
    public static func changes(epochs: [Int], labels: [String?]) -> [(epoch: Int, from: String, to: String)] {
        let pts = zip(epochs, labels).compactMap { e, l in l.map { (e, $0) } }.sorted { $0.0 < $1.0 }
        var out: [(Int, String, String)] = []
        for i in pts.indices.dropFirst() where pts[i].1 != pts[i - 1].1 { out.append((pts[i].0, pts[i - 1].1, pts[i].1)) }
        return out
    }
}
