import LyapCore
import LyapDynamics

public enum Benettin {
    /// Propagates k tangent vectors through `transient + steps` map steps, re-orthonormalising on
    /// `RenormSchedule(every:transient:total:)`, and returns the exponents of the last `steps`.
    /// The initial frame is `initialFrame` (k orthonormal rows) or else k seeded Gaussian vectors
    /// orthonormalised in order (so its first j rows do not depend on k).
    public static func spectrum<M: TangentMap>(
        of map: inout M, exponents k: Int, transient: Int, steps: Int, renormEvery: Int = 1, seed: UInt64 = 0,
        initialFrame frame: [Double]? = nil
    ) -> LyapunovSpectrum {
        let n = map.dimension
        precondition(k >= 1 && k <= n, "exponents must be in 1...\(n)")
        precondition(frame.map { $0.count == k * n } ?? true, "initial frame must hold k rows of the map's dimension")
        let schedule = RenormSchedule(every: renormEvery, transient: transient, total: transient + steps)
        var q = frame ?? initialFrame(count: k, dimension: n, seed: seed)
        var logs = [Double](repeating: 0, count: k)
        var collapsed = 0
        q.withUnsafeMutableBufferPointer { qb in
            logs.withUnsafeMutableBufferPointer { lb in
                for step in 1...schedule.total {
                    map.step(tangents: qb.baseAddress!, count: k)
                    if schedule.renormalizes(after: step) {
                        collapsed += GramSchmidt.orthonormalize(
                            qb.baseAddress!, count: k, length: n,
                            logNorms: schedule.accumulates(after: step) ? lb.baseAddress! : nil)
                    }
                }
            }
        }
        return LyapunovSpectrum(exponents: logs.map { $0 / Double(schedule.accumulated) }, steps: schedule.accumulated,
                                collapsedRows: collapsed)
    }

    /// k orthonormal rows of length n from a seeded Gaussian draw, row j from the stream's j-th n draws.
    public static func initialFrame(count k: Int, dimension n: Int, seed: UInt64, stream: String = "lyap/tangent-frame") -> [Double] {
        var rng = LabRNG(seed: seed, stream: stream)
        var q = (0..<(k * n)).map { _ in rng.normal() }
        _ = q.withUnsafeMutableBufferPointer { GramSchmidt.orthonormalize($0.baseAddress!, count: k, length: n, logNorms: nil) }
        return q
    }
}
