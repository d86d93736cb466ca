#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The logistic function branched on the sign so the exponential never overflows: 1/(1+e^-x) for x >= 0,
/// e^x/(1+e^x) below. `exponential` is the precision's exp (libm's expf or exp). The package's one scalar
/// sigmoid (CPU backend, CPU stability engine, audit); the Vulkan kernels use the same form.
@inlinable @inline(__always)
public func sigmoid<T: FloatingPoint>(_ x: T, exponential: (T) -> T) -> T {
    if x >= 0 { return 1 / (1 + exponential(-x)) }
    let e = exponential(x)
    return e / (1 + e)
}

/// `sigmoid` in Double with libm's exp.
@inlinable @inline(__always)
public func sigmoid(_ x: Double) -> Double { sigmoid(x, exponential: exp) }
