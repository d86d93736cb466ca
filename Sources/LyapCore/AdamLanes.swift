/// The Float fast path the Adam forms share: (p, m, v) updated in place 16 lanes at a time from `range`'s start,
/// by the same IEEE operations per element as the form's scalar loop, so results do not depend on where a range
/// starts or how the threads split it. `extra` (the keras form's slice squares) is loaded beside g when given.
/// Returns the first element the scalar loop still has to do.
enum AdamLanes {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func run<T>(
        _ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
        _ range: Range<Int>, extra: UnsafePointer<T>? = nil,
        _ body: (_ p: inout V, _ m: inout V, _ v: inout V, _ g: V, _ extra: V?) -> Void
    ) -> Int {
        var start = range.lowerBound
        guard T.self == Float.self else { return start }
        let pf = UnsafeMutableRawPointer(p), mf = UnsafeMutableRawPointer(m)
        let vf = UnsafeMutableRawPointer(v), gf = UnsafeRawPointer(g), xf = extra.map { UnsafeRawPointer($0) }
        while start + 16 <= range.upperBound {
            let o = start * 4
            var pi = pf.loadUnaligned(fromByteOffset: o, as: V.self)
            var mi = mf.loadUnaligned(fromByteOffset: o, as: V.self)
            var vi = vf.loadUnaligned(fromByteOffset: o, as: V.self)
            body(&pi, &mi, &vi, gf.loadUnaligned(fromByteOffset: o, as: V.self), xf?.loadUnaligned(fromByteOffset: o, as: V.self))
            mf.storeBytes(of: mi, toByteOffset: o, as: V.self)
            vf.storeBytes(of: vi, toByteOffset: o, as: V.self)
            pf.storeBytes(of: pi, toByteOffset: o, as: V.self)
            start += 16
        }
        return start
    }

    @inline(__always)
    static func splat<T>(_ x: T) -> V { V(repeating: x as? Float ?? 0) }
}
