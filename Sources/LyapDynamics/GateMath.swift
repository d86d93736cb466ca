import LyapCPU

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Activations of the Swift kernels. The scalar forms are the trainer's (sign-branched sigmoid,
/// `T.hyperbolicTangent`; libm's exp and tanh for Double). The eight-lane Float forms repeat the Cephes expf
/// reduction and constants of LyapCPU's `FloatVectorMath` (internal to that module); they serve Float widths
/// that are not a multiple of 8, which only direct kernel calls in tests have. The engine pads its Float units
/// and runs the C kernels of `CLyapKernels` instead. Those use the same expf for the sigmoid, a rational tanh
/// and reciprocal estimates, and agree with these to a few ulp (KernelTests).
enum GateMath {
    @inline(__always)
    static func sigmoid<T: CPUScalar>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exponential(-x)) }
        let e = T.exponential(x)
        return e / (1 + e)
    }

    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
        var x = x.replacing(with: -87.3, where: x .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
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

    @inline(__always)
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: V) -> V {
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

    /// Loads `n <= 8` floats; a partial group is zero-padded so every unit goes through the same arithmetic.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ n: Int) -> V {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V()
        for k in 0..<n { v[k] = p[k] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for k in 0..<n { p[k] = v[k] }
    }
}
