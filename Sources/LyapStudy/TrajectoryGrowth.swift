import Foundation

/// The training-trajectory Lyapunov exponent of a perturbation audit (methods.md §6.3): the slope of
/// ln d_theta vs epoch over the initial exponential stretch of the divergence curve.
///
/// The stretch starts at the first epoch with a finite d > 0 and is the longest run of consecutive such
/// epochs on which a least-squares line through (epoch, ln d) leaves no point more than `tolerance` nats
/// away (default 0.5, i.e. within a factor 1.65). Growth that saturates (d of order one) or collapses
/// bends the curve away from the line and ends the stretch there; everything after it is ignored.
public struct TrajectoryGrowth: Sendable, Equatable {
    /// Slope of ln d per epoch over the stretch: > 0 means training amplifies the perturbation.
    public var rate: Double
    /// The first and last epoch of the stretch (inclusive).
    public var firstEpoch: Double, lastEpoch: Double
    /// Points in the stretch (at least 2).
    public var points: Int
    /// Largest |residual| of ln d about the fitted line in the stretch (nats).
    public var maxResidual: Double

    /// nil when fewer than two consecutive epochs starting at the first finite d > 0 exist.
    public static func fit(epochs: [Double], distances: [Double], tolerance: Double = 0.5) -> TrajectoryGrowth? {
        precondition(epochs.count == distances.count && tolerance >= 0)
        guard let start = distances.firstIndex(where: { $0 > 0 && $0.isFinite }) else { return nil }
        var pts: [(Double, Double)] = []
        for k in start..<distances.count {
            guard distances[k] > 0, distances[k].isFinite else { break }
            pts.append((epochs[k], log(distances[k])))
        }
        guard pts.count >= 2 else { return nil }
        var best = line(pts.prefix(2))
        var n = 2
        while n < pts.count {
            let l = line(pts.prefix(n + 1))
            guard l.maxResidual <= tolerance else { break }
            best = l
            n += 1
        }
        return TrajectoryGrowth(rate: best.slope, firstEpoch: pts[0].0, lastEpoch: pts[n - 1].0, points: n, maxResidual: best.maxResidual)
    }

    /// Least-squares line through the points: slope and the largest |residual|.
    public static func line(_ p: ArraySlice<(Double, Double)>) -> (slope: Double, maxResidual: Double) {
        let c = Double(p.count)
        let mx = p.reduce(0) { $0 + $1.0 } / c, my = p.reduce(0) { $0 + $1.1 } / c
        let sxx = p.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        let sxy = p.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let slope = sxx > 0 ? sxy / sxx : 0
        let r = p.map { abs($0.1 - (my + slope * ($0.0 - mx))) }.max() ?? 0
        return (slope, r)
    }
}
