import Foundation
import LyapCore
import LyapIO

/// What `lyap stages RUN` wrote: RUN/stages.json (intervals), RUN/stages-curve.csv (loss per logged step)
/// and RUN/stages-wasserstein.csv (W1 distances of the weight amplitudes per checkpoint).
public struct StageCurves: Sendable {
    public struct Interval: Sendable, Decodable, Equatable {
        public var kind: String
        public var startStep: Int, endStep: Int
    }

    public var steps: [Double] = []
    public var loss: [Double?] = [], smoothed: [Double?] = []
    /// Every detected interval with its label: the named stages, else "plateau"/"descent".
    public var intervals: [(label: String, interval: Interval)] = []
    public var wassersteinEpochs: [Double] = []
    /// Column name -> values per checkpoint (alpha_to_previous, alpha_to_first, beta_to_previous, beta_to_first, alpha_to_beta).
    public var wasserstein: [(name: String, values: [Double?])] = []

    struct Summary: Decodable {
        var intervals: [Interval]
        var initialPlateau: Interval?, initialDescent: Interval?, secondaryPlateau: Interval?
    }

    public static let wassersteinColumns = ["alpha_to_previous", "alpha_to_first", "beta_to_previous", "beta_to_first", "alpha_to_beta"]

    /// nil when the run has no stages-curve.csv.
    public static func read(runDir: String) throws -> StageCurves? {
        let curvePath = runDir + "/stages-curve.csv"
        guard FileManager.default.fileExists(atPath: curvePath) else { return nil }
        var s = StageCurves()
        let c = try CSVTable.read(path: curvePath)
        guard let i0 = c.header.firstIndex(of: "step"), let il = c.header.firstIndex(of: "loss"),
              let isl = c.header.firstIndex(of: "smoothed_loss") else {
            throw ConfigError("\(curvePath): expected the columns step, loss, smoothed_loss (lyap stages)")
        }
        for (n, row) in c.rows.enumerated() {
            guard let x = Double(row[i0]) else { throw ConfigError("\(curvePath): row \(n + 2): step '\(row[i0])' is not a number") }
            s.steps.append(x); s.loss.append(Double(row[il])); s.smoothed.append(Double(row[isl]))
        }
        let jsonPath = runDir + "/stages.json"
        if FileManager.default.fileExists(atPath: jsonPath) {
            let j = try JSONFile.read(Summary.self, from: jsonPath)
            let named = [("initial plateau", j.initialPlateau), ("initial descent", j.initialDescent), ("secondary plateau", j.secondaryPlateau)]
            s.intervals = j.intervals.map { i in (named.first { $0.1 == i }?.0 ?? i.kind, i) }
        }
        let wPath = runDir + "/stages-wasserstein.csv"
        if FileManager.default.fileExists(atPath: wPath) {
            let w = try CSVTable.read(path: wPath)
            if let ie = w.header.firstIndex(of: "epoch") {
                s.wassersteinEpochs = w.rows.compactMap { Double($0[ie]) }
                s.wasserstein = wassersteinColumns.compactMap { name in
                    w.header.firstIndex(of: name).map { k in (name, w.rows.filter { Double($0[ie]) != nil }.map { Double($0[k]) }) }
                }
            }
        }
        return s
    }
}
