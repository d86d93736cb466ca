import Foundation
import LyapCore
import LyapDynamics
import LyapIO
import LyapTraining

/// The per-epoch columns of a run's metrics.csv that the studies use (MetricsLog's format).
public struct RunMetrics: Sendable, Equatable {
    public var epochs: [Int] = []
    public var steps: [Int] = []
    public var trainLoss: [Double] = []
    public var testLoss: [Double] = []
    public var testAcc: [Double] = []
    /// Whether the file has the analysis columns at all.
    public var hasAnalysisColumns = false
    /// Analysed epochs with a phase label, ascending.
    public var phaseEpochs: [Int] = []
    public var phases: [Phase] = []
    /// Analysed epochs (those with a phase label) and their continuous read-outs, NaN where a column is
    /// empty: mean λ1 over reviews (`max_exponent`) and D̃ for both perturbation placements.
    public var analysedEpochs: [Int] { phaseEpochs }
    public var maxExponent: [Double] = []
    public var distanceEndOfDrive: [Double] = []
    public var distanceInitial: [Double] = []

    public init() {}

    public static func read(path: String) throws -> RunMetrics {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("\(path): no such file (a run directory holds the metrics.csv that lyap train writes)")
        }
        let t = try CSVTable.read(path: path)
        func column(_ name: String) throws -> Int {
            guard let i = t.header.firstIndex(of: name) else {
                throw ConfigError("\(path): no '\(name)' column (header: \(t.header.joined(separator: ",")))")
            }
            return i
        }
        let ce = try column("epoch"), cs = try column("step"), ctl = try column("train_loss"),
            cl = try column("test_loss"), ca = try column("test_acc")
        let cp = t.header.firstIndex(of: "phase")
        let cx = t.header.firstIndex(of: "max_exponent"), cdi = t.header.firstIndex(of: "distance_initial"),
            cde = t.header.firstIndex(of: "distance_end_of_drive")
        var m = RunMetrics()
        m.hasAnalysisColumns = cp != nil
        for (k, r) in t.rows.enumerated() {
            let line = k + 2
            func num(_ c: Int) throws -> Double {
                guard let v = Double(r[c]), v.isFinite else { throw ConfigError("\(path): line \(line): \(t.header[c]) '\(r[c])' is not a finite number") }
                return v
            }
            guard let e = Int(r[ce]), let s = Int(r[cs]) else { throw ConfigError("\(path): line \(line): epoch/step are not integers") }
            if let last = m.epochs.last, e <= last { throw ConfigError("\(path): line \(line): epoch \(e) does not follow epoch \(last)") }
            m.epochs.append(e); m.steps.append(s)
            m.trainLoss.append(try num(ctl)); m.testLoss.append(try num(cl)); m.testAcc.append(try num(ca))
            if let cp, !r[cp].isEmpty {
                guard let p = Phase(rawValue: r[cp]) else {
                    throw ConfigError("\(path): line \(line): phase '\(r[cp])' is not order, edge or chaos")
                }
                m.phaseEpochs.append(e); m.phases.append(p)
                func optional(_ c: Int?) -> Double { c.flatMap { Double(r[$0]) } ?? .nan }
                m.maxExponent.append(optional(cx))
                m.distanceEndOfDrive.append(optional(cde))
                m.distanceInitial.append(optional(cdi))
            }
        }
        guard !m.epochs.isEmpty else { throw ConfigError("\(path): no epochs yet (header only)") }
        return m
    }
}

/// A step-resolved loss log: DIR/steps.csv with the header `step,loss` (one row per optimizer step or per
/// logged step; steps ≥ 1 strictly ascending, loss > 0). The trainer does not write it yet; `lyap stages`
/// falls back to metrics.csv (train_loss at each epoch's last step).
public struct StepLossLog: Sendable, Equatable {
    public static let header = ["step", "loss"]
    public var steps: [Int]
    public var loss: [Double]
    /// Where it came from, for reports.
    public var source: String

    public init(steps: [Int], loss: [Double], source: String) {
        self.steps = steps
        self.loss = loss
        self.source = source
    }

    public static func read(path: String) throws -> StepLossLog {
        let t = try CSVTable.read(path: path)
        guard t.header == header else { throw ConfigError("\(path): header must be step,loss, not \(t.header.joined(separator: ","))") }
        var s: [Int] = [], l: [Double] = []
        for (k, r) in t.rows.enumerated() {
            guard let step = Int(r[0]), let v = Double(r[1]) else { throw ConfigError("\(path): line \(k + 2): not a step and a number") }
            try append(step, v, &s, &l, "\(path): line \(k + 2)")
        }
        return StepLossLog(steps: s, loss: l, source: path)
    }

    public static func fromMetrics(_ m: RunMetrics, path: String) throws -> StepLossLog {
        var s: [Int] = [], l: [Double] = []
        for i in m.epochs.indices {
            try append(m.steps[i] > 0 ? m.steps[i] : m.epochs[i], m.trainLoss[i], &s, &l, "\(path): epoch \(m.epochs[i])")
        }
        return StepLossLog(steps: s, loss: l, source: path + " (train_loss per epoch)")
    }

    private static func append(_ step: Int, _ v: Double, _ s: inout [Int], _ l: inout [Double], _ at: String) throws {
        guard step >= 1 else { throw ConfigError("\(at): step \(step) must be at least 1") }
        guard v > 0, v.isFinite else { throw ConfigError("\(at): loss \(v) must be positive and finite (stages use ln loss)") }
        if let last = s.last, step <= last { throw ConfigError("\(at): step \(step) does not follow step \(last)") }
        s.append(step); l.append(v)
    }
}
