import Foundation

/// Loss stages of a training-loss curve with small initialisation (methods.md §6.4).
///
/// Smoothing and slope: with u = ln t and y = ln ℓ, a local linear least-squares fit of y on u over the window
/// |u' − u| ≤ `halfWidth` (a degree-1 Savitzky–Golay filter in log step, for unevenly spaced u), widened to at
/// least `minNeighbours` points on each side where the log grid is sparse (small t). Its value is the
/// smoothed ln ℓ and its slope is κ(t) = d ln ℓ / d ln t.
/// Stages: a plateau is a maximal run of points with |κ| < κ_p lasting at least `minPlateauSteps` steps
/// (t_last − t_first + 1); a descent is a maximal run with κ < −κ_d. The first plateau is the initial plateau,
/// the first descent after its start (or the first descent when there is none) the initial descent, and the
/// first plateau after that descent the secondary plateau.
/// Cross-check: piecewise-linear fit of ln ℓ against t by binary segmentation (see `ChangePoints`).
public struct StageDetector: Sendable {
    public struct Options: Sendable, Codable, Equatable {
        public var halfWidth: Double = 0.05
        public var minNeighbours: Int = 2
        public var kappaPlateau: Double = 0.05
        public var kappaDescent: Double = 0.3
        public var minPlateauSteps: Int = 20
        public init(halfWidth: Double = 0.05, minNeighbours: Int = 2, kappaPlateau: Double = 0.05, kappaDescent: Double = 0.3,
                    minPlateauSteps: Int = 20) {
            self.halfWidth = halfWidth
            self.minNeighbours = minNeighbours
            self.kappaPlateau = kappaPlateau
            self.kappaDescent = kappaDescent
            self.minPlateauSteps = minPlateauSteps
        }
    }

    public enum Kind: String, Sendable, Codable, Equatable { case plateau, descent }

    public struct Interval: Sendable, Codable, Equatable {
        public var kind: Kind
        public var startStep: Int, endStep: Int
        public var startLoss: Double, endLoss: Double
        public var meanKappa: Double
    }

    public struct Result: Sendable, Codable, Equatable {
        public var options: Options
        public var steps: [Int]
        public var smoothedLoss: [Double]
        public var kappa: [Double]
        public var intervals: [Interval]
        public var initialPlateau: Interval?
        public var initialDescent: Interval?
        public var secondaryPlateau: Interval?
        public var changePoints: ChangePoints.Result
    }

    public var options: Options
    public var changePointOptions: ChangePoints.Options
    public init(options: Options = Options(), changePointOptions: ChangePoints.Options = .init()) {
        self.options = options
        self.changePointOptions = changePointOptions
    }

    /// `steps` strictly ascending and ≥ 1; `loss` > 0.
    public func detect(steps: [Int], loss: [Double]) -> Result {
        precondition(steps.count == loss.count && steps.count >= 3, "stage detection needs at least 3 (step, loss) points")
        let u = steps.map { log(Double($0)) }, y = loss.map { log($0) }
        let (smooth, kappa) = Self.localLinear(u: u, y: y, halfWidth: options.halfWidth, minNeighbours: options.minNeighbours)
        var intervals: [Interval] = []
        func runs(_ inside: (Double) -> Bool) -> [Range<Int>] {
            var out: [Range<Int>] = []
            var i = 0
            while i < kappa.count {
                guard inside(kappa[i]) else { i += 1; continue }
                var j = i
                while j + 1 < kappa.count && inside(kappa[j + 1]) { j += 1 }
                out.append(i..<(j + 1))
                i = j + 1
            }
            return out
        }
        func interval(_ k: Kind, _ r: Range<Int>) -> Interval {
            Interval(kind: k, startStep: steps[r.lowerBound], endStep: steps[r.upperBound - 1],
                     startLoss: exp(smooth[r.lowerBound]), endLoss: exp(smooth[r.upperBound - 1]),
                     meanKappa: r.map { kappa[$0] }.reduce(0, +) / Double(r.count))
        }
        for r in runs({ abs($0) < options.kappaPlateau }) where steps[r.upperBound - 1] - steps[r.lowerBound] + 1 >= options.minPlateauSteps {
            intervals.append(interval(.plateau, r))
        }
        for r in runs({ $0 < -options.kappaDescent }) { intervals.append(interval(.descent, r)) }
        intervals.sort { $0.startStep < $1.startStep }
        let p1 = intervals.first { $0.kind == .plateau }
        let d1 = intervals.first { $0.kind == .descent && $0.startStep >= (p1?.startStep ?? Int.min) }
        let p2 = d1.flatMap { d in intervals.first { $0.kind == .plateau && $0.startStep > d.endStep } }
        let cp = ChangePoints(options: changePointOptions).fit(t: steps.map(Double.init), y: y)
        return Result(options: options, steps: steps, smoothedLoss: smooth.map { exp($0) }, kappa: kappa, intervals: intervals,
                      initialPlateau: p1, initialDescent: d1, secondaryPlateau: p2, changePoints: cp)
    }

    /// Local linear fit at every point: (fitted value, slope).
    static func localLinear(u: [Double], y: [Double], halfWidth: Double, minNeighbours: Int) -> ([Double], [Double]) {
        let n = u.count
        var su = [0.0], sy = [0.0], suu = [0.0], suy = [0.0]
        for i in 0..<n {
            su.append(su[i] + u[i]); sy.append(sy[i] + y[i])
            suu.append(suu[i] + u[i] * u[i]); suy.append(suy[i] + u[i] * y[i])
        }
        var fit = [Double](repeating: 0, count: n), slope = [Double](repeating: 0, count: n)
        var lo = 0, hi = 0  // u-window [lo, hi)
        for i in 0..<n {
            while u[lo] < u[i] - halfWidth { lo += 1 }
            if hi < i + 1 { hi = i + 1 }
            while hi < n && u[hi] <= u[i] + halfWidth { hi += 1 }
            let a = max(0, min(lo, i - minNeighbours)), b = min(n, max(hi, i + minNeighbours + 1))
            let m = Double(b - a)
            // Centre on u[i] for conditioning: sums of (u − c).
            let c = u[i]
            let Su = su[b] - su[a] - m * c
            let Sy = sy[b] - sy[a]
            let Suu = (suu[b] - suu[a]) - 2 * c * (su[b] - su[a]) + m * c * c
            let Suy = (suy[b] - suy[a]) - c * Sy
            let det = m * Suu - Su * Su
            if det <= 1e-300 * max(1, m * Suu) || b - a < 2 {
                fit[i] = Sy / m; slope[i] = 0
            } else {
                slope[i] = (m * Suy - Su * Sy) / det
                fit[i] = (Sy - slope[i] * Su) / m
            }
        }
        return (fit, slope)
    }
}

/// Binary segmentation of y(t) into independently fitted straight lines (methods.md §6.4 cross-check).
/// Repeatedly splits the segment whose best split lowers the residual sum of squares most, while the gain
/// exceeds `penalty` · σ² · ln n (σ from the MAD of first differences of y, /√2; with a noise-free curve a
/// relative floor of 1e-9 of the one-line RSS applies) and there are fewer than `maxSegments` segments.
/// Segments keep at least `minSegmentLength` points.
public struct ChangePoints: Sendable {
    public struct Options: Sendable, Codable, Equatable {
        public var maxSegments: Int = 6
        public var minSegmentLength: Int = 3
        public var penalty: Double = 3
        public init(maxSegments: Int = 6, minSegmentLength: Int = 3, penalty: Double = 3) {
            self.maxSegments = maxSegments
            self.minSegmentLength = minSegmentLength
            self.penalty = penalty
        }
    }
    public struct Segment: Sendable, Codable, Equatable {
        public var startT: Double, endT: Double
        /// Slope of y per unit t and the fitted y at the segment ends.
        public var slope: Double, startY: Double, endY: Double
    }
    public struct Result: Sendable, Codable, Equatable {
        /// t of the first point of every segment after the first.
        public var changePoints: [Double]
        public var segments: [Segment]
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    public func fit(t: [Double], y: [Double]) -> Result {
        let n = t.count
        // Scale t to [0, 1] for conditioning.
        let t0 = t.first!, span = max(t.last! - t0, 1e-300)
        let x = t.map { ($0 - t0) / span }
        var sx = [0.0], sy = [0.0], sxx = [0.0], sxy = [0.0], syy = [0.0]
        for i in 0..<n {
            sx.append(sx[i] + x[i]); sy.append(sy[i] + y[i]); sxx.append(sxx[i] + x[i] * x[i])
            sxy.append(sxy[i] + x[i] * y[i]); syy.append(syy[i] + y[i] * y[i])
        }
        func line(_ a: Int, _ b: Int) -> (slope: Double, intercept: Double, rss: Double) {
            let m = Double(b - a)
            let X = sx[b] - sx[a], Y = sy[b] - sy[a], XX = sxx[b] - sxx[a], XY = sxy[b] - sxy[a], YY = syy[b] - syy[a]
            let vx = XX - X * X / m, cxy = XY - X * Y / m, vy = YY - Y * Y / m
            let slope = vx > 1e-300 ? cxy / vx : 0
            let intercept = (Y - slope * X) / m
            return (slope, intercept, max(0, vy - slope * cxy))
        }
        let sigma = CycleDetector.noiseSigma(y)
        let total = line(0, n).rss
        let threshold = max(options.penalty * sigma * sigma * log(Double(n)), 1e-9 * total)
        let L = max(2, options.minSegmentLength)
        var bounds = [0, n]
        while bounds.count - 1 < options.maxSegments {
            var bestGain = 0.0, bestSplit = -1
            for k in 0..<(bounds.count - 1) {
                let a = bounds[k], b = bounds[k + 1]
                guard b - a >= 2 * L else { continue }
                let whole = line(a, b).rss
                for s in (a + L)...(b - L) {
                    let g = whole - line(a, s).rss - line(s, b).rss
                    if g > bestGain { bestGain = g; bestSplit = s }
                }
            }
            guard bestSplit > 0, bestGain > threshold else { break }
            bounds.append(bestSplit)
            bounds.sort()
        }
        // Greedy splits can land off the corners; refine each change point between its neighbours
        // (coordinate descent on the total RSS), then drop any whose removal costs less than the threshold.
        func mergeCost(_ k: Int) -> Double {
            line(bounds[k - 1], bounds[k + 1]).rss - line(bounds[k - 1], bounds[k]).rss - line(bounds[k], bounds[k + 1]).rss
        }
        var changed = true
        var rounds = 0
        while changed && rounds < 50 {
            changed = false
            rounds += 1
            for k in stride(from: 1, to: bounds.count - 1, by: 1) {
                let a = bounds[k - 1], b = bounds[k + 1]
                var best = bounds[k], bestRSS = line(a, bounds[k]).rss + line(bounds[k], b).rss
                for s in (a + L)...(b - L) {
                    let r = line(a, s).rss + line(s, b).rss
                    if r < bestRSS - 1e-12 * max(1, bestRSS) { bestRSS = r; best = s }
                }
                if best != bounds[k] { bounds[k] = best; changed = true }
            }
            if let k = (1..<max(1, bounds.count - 1)).min(by: { mergeCost($0) < mergeCost($1) }), bounds.count > 2,
               mergeCost(k) <= threshold {
                bounds.remove(at: k)
                changed = true
            }
        }
        var segments: [Segment] = []
        for k in 0..<(bounds.count - 1) {
            let a = bounds[k], b = bounds[k + 1]
            let f = line(a, b)
            segments.append(Segment(startT: t[a], endT: t[b - 1], slope: f.slope / span,
                                    startY: f.intercept + f.slope * x[a], endY: f.intercept + f.slope * x[b - 1]))
        }
        return Result(changePoints: bounds.dropFirst().dropLast().map { t[$0] }, segments: segments)
    }
}
