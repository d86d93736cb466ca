import Foundation

/// "Nice" axis ticks: steps of 1, 2, 2.5 or 5 times a power of ten.
public enum Ticks {
    /// The step for about `target` intervals over [lo, hi].
    public static func niceStep(lo: Double, hi: Double, target: Int = 5) -> Double {
        let span = hi - lo
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, target))
        let p = pow(10, floor(log10(raw)))
        let m = raw / p
        let nice: Double = m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10
        return nice * p
    }

    /// The data range widened to whole steps, and the ticks in it (inclusive).
    /// A zero-width range is widened by one unit of its magnitude (or ±1 around 0).
    public static func nice(lo: Double, hi: Double, target: Int = 5) -> (lo: Double, hi: Double, step: Double, ticks: [Double]) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if lo > hi { swap(&lo, &hi) }
        if hi == lo {
            let d = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= d; hi += d
        }
        let step = niceStep(lo: lo, hi: hi, target: target)
        let a = floor(lo / step + 1e-9) * step, b = ceil(hi / step - 1e-9) * step
        let n = Int(((b - a) / step).rounded())
        let ticks = (0...n).map { i -> Double in
            let v = a + Double(i) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
        return (a, b, step, ticks)
    }

    /// Integer ticks (epochs): steps of 1, 2, 5 x 10^k (2.5 skipped), never below 1.
    public static func integer(lo: Double, hi: Double, target: Int = 6) -> (lo: Double, hi: Double, step: Double, ticks: [Double]) {
        var step = niceStep(lo: lo, hi: hi, target: target)
        if step < 1 { step = 1 }
        let p = pow(10, floor(log10(step)))
        if (step / p - 2.5).magnitude < 1e-9 { step = 5 * p }
        let a = floor(lo / step) * step, b = max(ceil(hi / step) * step, a + step)
        let n = Int(((b - a) / step).rounded())
        return (a, b, step, (0...n).map { a + Double($0) * step })
    }

    /// Decimals needed to tell ticks `step` apart.
    public static func decimals(step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var d = max(0, -Int(floor(log10(step) + 1e-9)))
        let scaled = step * pow(10, Double(d))
        if abs(scaled - scaled.rounded()) > 1e-6 { d += 1 }
        return min(d, 10)
    }

    /// Tick label: fixed decimals for moderate magnitudes, else scientific.
    public static func label(_ v: Double, step: Double) -> String {
        let m = max(abs(v), step)
        if m >= 1e6 || m < 1e-4 { return v == 0 ? "0" : String(format: "%.3g", v) }
        let s = String(format: "%.\(decimals(step: step))f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }
}
