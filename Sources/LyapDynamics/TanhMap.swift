import Dispatch
import Foundation
import LyapCore

/// The paper's reference map k_t = r k_{t-1} (1 − tanh k_{t-1}) (methods.md §5.5), with
/// f'(k) = r (1 − tanh k) − r k sech² k.
public struct TanhMap: Sendable, TangentMap {
    public var r: Double
    public var k: Double

    public init(r: Double, k0: Double = 0.5) {
        self.r = r
        k = k0
    }

    @inline(__always)
    public static func f(_ k: Double, r: Double) -> Double { r * k * (1 - tanh(k)) }

    @inline(__always)
    public static func derivative(_ k: Double, r: Double) -> Double {
        let t = tanh(k)
        return r * (1 - t) - r * k * (1 - t * t)
    }

    public var dimension: Int { 1 }

    public mutating func step(tangents: UnsafeMutablePointer<Double>, count: Int) {
        let d = Self.derivative(k, r: r)
        for i in 0..<count { tangents[i] *= d }
        k = Self.f(k, r: r)
    }
}

/// A scan of the tanh map over r: the bifurcation data (the last `keep` iterates) and λ(r).
public struct TanhMapScan: Sendable {
    public struct Config: Sendable, Equatable {
        public var rMin = 0.5
        public var rMax = 40.0
        /// Grid points from rMin to rMax inclusive (7901 gives the step 0.005 of methods.md §5.5).
        public var rCount = 7901
        /// Iterates discarded before anything is recorded.
        public var transient = 2000
        /// Iterates averaged for λ(r) = ⟨ln|f'(k_t)|⟩.
        public var iterations = 4000
        /// The last `keep` of those iterates are the bifurcation data.
        public var keep = 200
        /// Start value (any k0 > 0: the orbit stays >= 0; negative values diverge for r > 1/2).
        public var k0 = 0.5
        public var threads = ProcessInfo.processInfo.activeProcessorCount

        public init() {}

        public func validate() throws(ConfigError) {
            if !rMin.isFinite || !rMax.isFinite || rMin < 0 { throw ConfigError("--r-min \(rMin) / --r-max \(rMax) must be finite and >= 0") }
            if rCount < 1 { throw ConfigError("--r-count \(rCount) must be at least 1") }
            if rMax < rMin || (rCount > 1 && rMax == rMin) {
                throw ConfigError("--r-max \(rMax) must exceed --r-min \(rMin) (or use --r-count 1)")
            }
            if transient < 0 { throw ConfigError("--transient \(transient) must be at least 0") }
            if iterations < 1 { throw ConfigError("--iterations \(iterations) must be at least 1") }
            if keep < 0 || keep > iterations { throw ConfigError("--keep \(keep) must be in 0...\(iterations) (--iterations)") }
            if !(k0 > 0) || !k0.isFinite { throw ConfigError("--k0 \(k0) must be positive (negative orbits diverge)") }
            if threads < 1 { throw ConfigError("--threads \(threads) must be at least 1") }
        }

        public func r(_ i: Int) -> Double { rCount == 1 ? rMin : rMin + (rMax - rMin) * Double(i) / Double(rCount - 1) }
    }

    public struct Point: Sendable, Equatable {
        public var r: Double
        /// ⟨ln|f'(k_t)|⟩ over the recorded iterates (|f'| is floored at the smallest normal Double, so a
        /// superstable orbit gives about −708 per such step instead of −∞).
        public var lambda: Double
        public var iterates: [Double]
    }

    public let config: Config
    public let points: [Point]

    public init(_ c: Config) throws(ConfigError) {
        try c.validate()
        config = c
        let slots = PointSlots(c.rCount)
        let threads = min(c.threads, c.rCount)
        DispatchQueue.concurrentPerform(iterations: threads) { p in
            for i in stride(from: p, to: c.rCount, by: threads) { slots.set(i, Self.point(r: c.r(i), c)) }
        }
        points = slots.values
    }

    public static func point(r: Double, _ c: Config) -> Point {
        var k = c.k0
        for _ in 0..<c.transient { k = TanhMap.f(k, r: r) }
        var sum = 0.0
        var kept: [Double] = []
        kept.reserveCapacity(c.keep)
        for t in 0..<c.iterations {
            sum += log(max(abs(TanhMap.derivative(k, r: r)), Double.leastNormalMagnitude))
            k = TanhMap.f(k, r: r)
            if t >= c.iterations - c.keep { kept.append(k) }
        }
        return Point(r: r, lambda: sum / Double(c.iterations), iterates: kept)
    }

    private final class PointSlots: @unchecked Sendable {
        private var v: [Point?]
        private let lock = NSLock()
        init(_ n: Int) { v = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ p: Point) { lock.lock(); v[i] = p; lock.unlock() }
        var values: [Point] { v.map { $0! } }
    }
}
