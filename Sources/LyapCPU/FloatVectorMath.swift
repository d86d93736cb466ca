/// Eight-lane exp, sigmoid and tanh for the Float path's gate arithmetic (the largest non-BLAS cost
/// at the paper's width). exp is Cephes' expf: Cody-Waite reduction by ln 2 and a degree-6
/// polynomial, about 1 ulp; arguments are clamped so no input gives Inf or NaN.
public enum FloatVectorMath {
    public typealias V = SIMD8<Float>

    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        var x = x.replacing(with: -87.3, where: x .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        // Adding 1.5 * 2^23 rounds x/ln2 to the nearest integer n (ties to even) and leaves n in the
        // low mantissa bits, which become the exponent of 2^n (the generic SIMD conversions are slow).
        let magic = V(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: V.self)
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    /// (1-e)/(1+e) with e = exp(-2|x|), and an odd Taylor polynomial for |x| < 1/16 where that form
    /// cancels; the same split as the scalar Float tanh.
    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V {
        let a = x.replacing(with: -x, where: x .< 0)
        let e = exp(-2 * a)
        var t = (1 - e) / (1 + e)
        t.replace(with: -t, where: x .< 0)
        let x2 = x * x
        var q = V(repeating: -17.0 / 315)
        q = q * x2 + V(repeating: 2.0 / 15)
        q = q * x2 + V(repeating: -1.0 / 3)
        let poly = x + (x * x2) * q
        return t.replacing(with: poly, where: a .< 0.0625)
    }

    /// Gates and cell update of one sequence at one step, eight units at a time; a partial last group
    /// is padded into a full vector so every unit goes through the same arithmetic.
    @inline(__always)
    static func cellStep(row: UnsafeMutablePointer<Float>, cPrev: UnsafeMutablePointer<Float>?,
                         cNow: UnsafeMutablePointer<Float>, tNow: UnsafeMutablePointer<Float>,
                         hNow: UnsafeMutablePointer<Float>, H: Int) {
        var j = 0
        while j < H {
            let n = min(8, H - j)
            let i = sigmoid(load(row + j, n)), f = sigmoid(load(row + H + j, n))
            let g = tanh(load(row + 2 * H + j, n)), o = sigmoid(load(row + 3 * H + j, n))
            store(i, row + j, n)
            store(f, row + H + j, n)
            store(g, row + 2 * H + j, n)
            store(o, row + 3 * H + j, n)
            let cv = (cPrev.map { f * load($0 + j, n) } ?? V()) + i * g
            let tv = tanh(cv)
            store(cv, cNow + j, n)
            store(tv, tNow + j, n)
            store(o * tv, hNow + j, n)
            j += 8
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> V {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V()
        for k in 0..<n { v[k] = p[k] }
        return v
    }

    @inline(__always)
    private static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for k in 0..<n { p[k] = v[k] }
    }
}
