import LyapCore

/// When tangent vectors are re-orthonormalised and when their logs count (methods.md §4.2-4.3).
/// Tangent step n = 1, 2, ..., `total` applies the Jacobian of one map step. Renormalisation happens
/// after every `every`-th step, after the last transient step and after the last step, so the
/// accumulation window (steps transient+1 ... total) is covered by whole windows and the exponents are
/// log-sums divided by `accumulated`. In exact arithmetic the result does not depend on `every`.
public struct RenormSchedule: Sendable, Equatable {
    public let every: Int
    public let transient: Int
    public let total: Int

    public init(every: Int, transient: Int, total: Int) {
        precondition(every >= 1 && transient >= 0 && total > transient, "bad renormalisation schedule")
        self.every = every
        self.transient = transient
        self.total = total
    }

    @inline(__always)
    public func renormalizes(after n: Int) -> Bool { n % every == 0 || n == transient || n == total }

    @inline(__always)
    public func accumulates(after n: Int) -> Bool { n > transient }

    public var accumulated: Int { total - transient }

    /// The zero-input steps after which the tangents are renormalised, in order.
    public var renormalizationSteps: [Int] { (1...total).filter(renormalizes(after:)) }
}

/// A map s ↦ F(s) on R^n whose Jacobian can act on tangent vectors: what the Benettin driver needs.
/// Used for the verification ladder (Hénon, logistic, linear maps, random RNNs) and for the
/// single-review LSTM reference, with the same Gram–Schmidt and schedule as the batched LSTM engine.
public protocol TangentMap {
    var dimension: Int { get }
    /// Replaces each of the k rows of `tangents` (each `dimension` long) by J(s)·row at the current
    /// state s, then advances the state to F(s).
    mutating func step(tangents: UnsafeMutablePointer<Double>, count k: Int)
}

/// Lyapunov exponents of one trajectory, in nats per step, in Gram–Schmidt column order.
public struct LyapunovSpectrum: Sendable, Equatable {
    public var exponents: [Double]
    /// Steps whose Jacobians entered the average.
    public var steps: Int
    /// Rows that collapsed (underflow) at some renormalisation; see `GramSchmidt`.
    public var collapsedRows: Int

    public init(exponents: [Double], steps: Int, collapsedRows: Int = 0) {
        self.exponents = exponents
        self.steps = steps
        self.collapsedRows = collapsedRows
    }

    /// Kolmogorov–Sinai entropy rate (Pesin): the sum of the positive exponents.
    public var ksEntropy: Double { Self.ksEntropy(exponents) }
    /// Kaplan–Yorke dimension, nil when every partial sum of the k exponents is >= 0 (more are needed).
    public var kaplanYorke: Double? { Self.kaplanYorke(exponents) }

    public static func ksEntropy(_ l: [Double]) -> Double { l.reduce(0) { $0 + max($1, 0) } }

    /// D = m + (λ1+...+λm)/|λ_{m+1}| with m the largest index whose partial sum is >= 0 (0 when λ1 < 0).
    public static func kaplanYorke(_ l: [Double]) -> Double? {
        var sum = 0.0, m = 0
        while m < l.count, sum + l[m] >= 0 {
            sum += l[m]
            m += 1
        }
        if m == l.count { return l.isEmpty ? 0 : nil }
        return Double(m) + sum / abs(l[m])
    }
}
