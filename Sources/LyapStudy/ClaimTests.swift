import Foundation
import LyapCore
import LyapDynamics
import LyapIO

/// One evaluated point of a run: an epoch's end (metrics.csv) or an early point (early.csv), on the common
/// axis of optimizer steps, with its analysis when it was analysed.
public struct RunPoint: Sendable, Equatable {
    public var step: Int
    public var epoch: Double
    public var testLoss: Double
    public var maxExponent: Double?
    public var distanceEndOfDrive: Double?
    public var phase: Phase?
    public var analysed: Bool { phase != nil }
}

extension RunMetrics {
    /// metrics.csv's rows as points (epoch ends).
    public var points: [RunPoint] {
        var analysis: [Int: Int] = [:]
        for (k, e) in analysedEpochs.enumerated() { analysis[e] = k }
        return epochs.indices.map { i in
            let k = analysis[epochs[i]]
            return RunPoint(step: steps[i], epoch: Double(epochs[i]), testLoss: testLoss[i],
                            maxExponent: k.flatMap { maxExponent[$0].isFinite ? maxExponent[$0] : nil },
                            distanceEndOfDrive: k.flatMap { distanceEndOfDrive[$0].isFinite ? distanceEndOfDrive[$0] : nil },
                            phase: k.map { phases[$0] })
        }
    }
}

/// early.csv (lyap train --early-checkpoints): step, fractional epoch, test loss and the analysis columns.
public enum EarlyPoints {
    /// `distanceColumn`: whose D̃ fills `distanceEndOfDrive` (`distance_initial` for the secondary analysis).
    public static func read(path: String, distanceColumn: String = "distance_end_of_drive") throws -> [RunPoint] {
        let t = try CSVTable.read(path: path)
        func column(_ name: String) -> Int? { t.header.firstIndex(of: name) }
        guard let cs = column("step"), let ce = column("epoch"), let cl = column("test_loss") else {
            throw ConfigError("\(path): needs step, epoch and test_loss columns (header: \(t.header.joined(separator: ",")))")
        }
        let cx = column("max_exponent"), cd = column(distanceColumn), cp = column("phase")
        return try t.rows.enumerated().map { n, r in
            guard let s = Int(r[cs]), let e = Double(r[ce]), let l = Double(r[cl]) else {
                throw ConfigError("\(path): line \(n + 2): step, epoch and test_loss must be numbers")
            }
            func opt(_ c: Int?) -> Double? { c.flatMap { Double(r[$0]) }.flatMap { $0.isFinite ? $0 : nil } }
            return RunPoint(step: s, epoch: e, testLoss: l, maxExponent: opt(cx), distanceEndOfDrive: opt(cd),
                            phase: cp.flatMap { Phase(rawValue: r[$0]) })
        }
    }
}

/// S3 of docs/science/PROTOCOL.md (C2): is the best point (lowest test loss over every evaluated point) at
/// the first order→chaos transition? The transition is located on the analysed points in step order; the
/// claim holds when the best point lies in its bracket (last order point, first chaos point] or within one
/// analysed point of it.
public struct BestPointTest: Sendable, Codable, Equatable {
    public var bestStep: Int, bestEpoch: Double, bestTestLoss: Double
    /// The first O→C transition: last point of order and first of chaos (steps and epochs); nil without one.
    public var lastOrderStep: Int?, firstChaosStep: Int?
    public var lastOrderEpoch: Double?, firstChaosEpoch: Double?
    public var testLossAtTransition: Double?
    /// Analysed points between the best point and the bracket (0: inside it).
    public var analysedPointsAway: Int?
    public var holds: Bool

    /// `labels(point)` gives a rule's label of an analysed point (nil: not labelled by this rule).
    public static func evaluate(points: [RunPoint], hysteresis: Int, labels: (RunPoint) -> Phase?) -> BestPointTest? {
        let all = points.sorted { $0.step < $1.step }
        guard let best = all.min(by: { $0.testLoss < $1.testLoss }) else { return nil }
        let labelled = all.compactMap { p in labels(p).map { (p, $0) } }
        let t = PhaseTransition.detect(epochs: labelled.map(\.0.step), labels: labelled.map(\.1), hysteresis: hysteresis)
        var r = BestPointTest(bestStep: best.step, bestEpoch: best.epoch, bestTestLoss: best.testLoss, holds: false)
        guard let oc = t.first(where: { $0.from == .order && $0.to == .chaos }) else { return r }
        let steps = labelled.map(\.0.step)
        let lo = steps.firstIndex(of: oc.lastEpochBefore)!, hi = steps.firstIndex(of: oc.epoch)!
        r.lastOrderStep = oc.lastEpochBefore
        r.firstChaosStep = oc.epoch
        r.lastOrderEpoch = labelled[lo].0.epoch
        r.firstChaosEpoch = labelled[hi].0.epoch
        r.testLossAtTransition = labelled[hi].0.testLoss
        // Position of the best point among the analysed points (between two of them when it was not analysed).
        // Counted in analysed points to cross: the last order point itself, or a point just before it, is 1 away.
        let below = steps.filter { $0 < best.step }.count
        let away = best.step > steps[lo] && best.step <= steps[hi] ? 0 : best.step <= steps[lo] ? lo - below + 1 : below - hi
        r.analysedPointsAway = away
        r.holds = away <= 1
        return r
    }
}

/// S4 (C3): the width of the near-critical band next to each transition, in analysed points: the longest run
/// of consecutive near-critical points (|λ1| < 1e-3 per step, or −14 < D̃ < ln(ε√H) + 1) that contains the
/// last point before the transition or the first after it. Holds when the first O→C transition's band is
/// strictly the widest.
public struct EdgeWidths: Sendable, Codable, Equatable {
    public struct Width: Sendable, Codable, Equatable {
        public var transition: String
        public var step: Int
        public var width: Int
    }
    public var widths: [Width]
    public var holds: Bool?

    public static let lambdaBand = 1e-3

    public static func evaluate(points: [RunPoint], transitions: [PhaseTransition], chaosThreshold: Double?) -> EdgeWidths {
        let analysed = points.filter(\.analysed).sorted { $0.step < $1.step }
        func nearCritical(_ p: RunPoint) -> Bool {
            if let l = p.maxExponent, abs(l) < lambdaBand { return true }
            if let d = p.distanceEndOfDrive, let t = chaosThreshold, d > PhaseThresholds.labFloor, d < t + 1 { return true }
            return false
        }
        let flags = analysed.map(nearCritical)
        func run(around i: Int) -> Range<Int>? {
            guard flags.indices.contains(i), flags[i] else { return nil }
            var a = i, b = i
            while a > 0 && flags[a - 1] { a -= 1 }
            while b + 1 < flags.count && flags[b + 1] { b += 1 }
            return a..<(b + 1)
        }
        let steps = analysed.map(\.step)
        let widths = transitions.map { t -> Width in
            let before = steps.firstIndex(of: t.lastEpochBefore), after = steps.firstIndex(of: t.epoch)
            let runs = [before, after].compactMap { $0.flatMap(run(around:)) }
            let span = runs.isEmpty ? 0 : (runs.map(\.upperBound).max()! - runs.map(\.lowerBound).min()!)
            return Width(transition: t.name, step: t.epoch, width: span)
        }
        guard let first = transitions.firstIndex(where: { $0.from == .order && $0.to == .chaos }) else {
            return EdgeWidths(widths: widths, holds: nil)
        }
        let w = widths[first].width
        return EdgeWidths(widths: widths, holds: w > 0 && widths.indices.allSatisfy { $0 == first || widths[$0].width < w })
    }
}
