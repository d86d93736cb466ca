import LyapCore
import LyapCPU
import LyapDynamics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Activations of the Swift kernels. The scalar forms are the trainer's (sign-branched sigmoid,
/// `T.hyperbolicTangent`; libm's exp and tanh for Double). The eight-lane Float forms are LyapCPU's `FloatVectorMath`
/// (Cephes expf reduction); they serve Float widths
/// that are not a multiple of 8, which only direct kernel calls in tests have. The engine pads its Float units
/// and runs the C kernels of `CLyapKernels` instead. Those use the same expf for the sigmoid, a rational tanh
/// and reciprocal estimates, and agree with these to a few ulp (KernelTests).
enum GateMath {
    @inline(__always)
    static func sigmoid<T: CPUScalar>(_ x: T) -> T { LyapCore.sigmoid(x, exponential: T.exponential) }

    typealias V = SIMD8<Float>

    @inline(__always) static func exp(_ x: V) -> V { FloatVectorMath.exp(x) }
    @inline(__always) static func sigmoid(_ x: V) -> V { FloatVectorMath.sigmoid(x) }
    @inline(__always) static func tanh(_ x: V) -> V { FloatVectorMath.tanh(x) }

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
