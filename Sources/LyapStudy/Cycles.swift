/// Test-loss cycles ("multiple descent", methods.md §6.1): robust local extrema of a noisy per-epoch curve.
///
/// Rule (documented, parameters in `CycleDetector.Options`):
///  1. Smooth the curve with a centred moving average of `smoothWindow` epochs (3 by default, as §6.1 says;
///     the window shrinks symmetrically at the ends).
///  2. Estimate the noise robustly on the RAW curve: σ = 1.4826 · MAD(first differences) / √2 (first
///     differences of white noise have standard deviation σ√2; the MAD ignores the few sharp drops).
///  3. Find turning points of the smoothed curve with a hysteresis ("zig-zag") rule: a maximum is
///     confirmed once the smoothed curve has fallen more than Δ below the highest value since the last
///     minimum, and a minimum once it has risen more than Δ above the lowest value since the last maximum,
///     where Δ = max(`noiseFactor` · σ, `minSwing`). So consecutive extrema alternate and every swing between
///     them is larger than Δ; noise wiggles smaller than Δ never make an extremum. An extremum is placed at
///     the epoch of the smoothed curve's extreme value in its stretch. The last turn of the curve is not
///     confirmed (the curve has not yet turned back by Δ) and is not reported.
///  4. Drop a turn at the first sample (a boundary, not a local extremum) and keep the extrema from the
///     first minimum on. A cycle is a (minimum, maximum, minimum) triple.
/// The best epoch is the global minimum of the RAW test loss (what a checkpoint selector would keep); the
/// smoothed curve's global minimum is reported beside it.
public struct CycleDetector: Sendable {
    public struct Options: Sendable, Equatable, Codable {
        public var smoothWindow: Int = 3
        public var noiseFactor: Double = 4
        /// Lower bound on the swing Δ (in loss units), so a noise-free curve still needs a real turn.
        public var minSwing: Double = 1e-9
        public init(smoothWindow: Int = 3, noiseFactor: Double = 4, minSwing: Double = 1e-9) {
            self.smoothWindow = smoothWindow
            self.noiseFactor = noiseFactor
            self.minSwing = minSwing
        }
    }

    public enum Kind: String, Sendable, Codable, Equatable { case minimum, maximum }

    public struct Extremum: Sendable, Codable, Equatable {
        public var epoch: Int
        public var kind: Kind
        /// The smoothed curve at `epoch` (the value the rule compares).
        public var value: Double
        /// The raw curve at `epoch`.
        public var rawValue: Double
    }

    public struct Cycle: Sendable, Codable, Equatable {
        public var startEpoch: Int, peakEpoch: Int, endEpoch: Int
        /// Smoothed loss at the peak minus that at the start (rise) and at the end (drop).
        public var rise: Double, drop: Double
    }

    public struct Result: Sendable, Codable, Equatable {
        public var options: Options
        public var noiseSigma: Double
        public var swingThreshold: Double
        public var smoothed: [Double]
        /// Alternating extrema from the first minimum on.
        public var extrema: [Extremum]
        public var cycles: [Cycle]
        /// Global minimum of the raw curve.
        public var bestEpoch: Int
        public var bestValue: Double
        /// Global minimum of the smoothed curve.
        public var bestEpochSmoothed: Int
        public var minima: [Extremum] { extrema.filter { $0.kind == .minimum } }
        public var maxima: [Extremum] { extrema.filter { $0.kind == .maximum } }
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// `epochs` ascending, one value per epoch (gaps allowed; the smoothing window counts samples).
    public func detect(epochs: [Int], values: [Double]) -> Result {
        precondition(epochs.count == values.count && !values.isEmpty, "cycle detection needs matching, non-empty epochs and values")
        let s = Self.movingAverage(values, window: options.smoothWindow)
        let sigma = Self.noiseSigma(values)
        let delta = max(options.noiseFactor * sigma, options.minSwing)
        let turns = Self.zigzag(s, delta: delta)
        // A turn at the first sample is the curve's boundary, not a local extremum.
        var ex = turns.filter { $0.index > 0 }.map { Extremum(epoch: epochs[$0.index], kind: $0.kind, value: s[$0.index], rawValue: values[$0.index]) }
        if let firstMin = ex.firstIndex(where: { $0.kind == .minimum }) { ex.removeFirst(firstMin) } else { ex = [] }
        var cycles: [Cycle] = []
        var k = 0
        while k + 2 < ex.count {
            let a = ex[k], b = ex[k + 1], c = ex[k + 2]
            cycles.append(Cycle(startEpoch: a.epoch, peakEpoch: b.epoch, endEpoch: c.epoch, rise: b.value - a.value, drop: b.value - c.value))
            k += 2
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        let bestS = s.indices.min { s[$0] < s[$1] }!
        return Result(options: options, noiseSigma: sigma, swingThreshold: delta, smoothed: s, extrema: ex, cycles: cycles,
                      bestEpoch: epochs[best], bestValue: values[best], bestEpochSmoothed: epochs[bestS])
    }

    /// Centred moving average; near the ends the window shrinks symmetrically (to 1 at the end points).
    public static func movingAverage(_ x: [Double], window: Int) -> [Double] {
        let half = max(0, (window - 1) / 2)
        return x.indices.map { i in
            let h = min(half, i, x.count - 1 - i)
            var sum = 0.0
            for j in (i - h)...(i + h) { sum += x[j] }
            return sum / Double(2 * h + 1)
        }
    }

    /// σ = 1.4826 · MAD(Δx) / √2; 0 for fewer than 3 points.
    public static func noiseSigma(_ x: [Double]) -> Double {
        guard x.count >= 3 else { return 0 }
        let d = zip(x.dropFirst(), x).map { $0 - $1 }
        let med = median(d)
        return 1.4826 * median(d.map { abs($0 - med) }) / 2.0.squareRoot()
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }

    /// Confirmed turning points with swings > delta, alternating. The direction is unknown at the start
    /// and is fixed by whichever threshold is crossed first.
    static func zigzag(_ s: [Double], delta: Double) -> [(index: Int, kind: Kind)] {
        var out: [(index: Int, kind: Kind)] = []
        var hi = 0, lo = 0          // arg max / arg min since the last confirmed turn
        var looking: Kind? = nil     // nil: undecided; .maximum: tracking a rise; .minimum: tracking a fall
        for i in s.indices {
            if s[i] > s[hi] { hi = i }
            if s[i] < s[lo] { lo = i }
            switch looking {
            case nil:
                if s[i] - s[lo] > delta {          // rose from a low: that low is a minimum
                    out.append((lo, .minimum)); looking = .maximum; hi = i
                } else if s[hi] - s[i] > delta {   // fell from a high: that high is a maximum
                    out.append((hi, .maximum)); looking = .minimum; lo = i
                }
            case .maximum?:
                if s[hi] - s[i] > delta { out.append((hi, .maximum)); looking = .minimum; lo = i }
            case .minimum?:
                if s[i] - s[lo] > delta { out.append((lo, .minimum)); looking = .maximum; hi = i }
            }
        }
        return out
    }
}
