#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sigmoid branching on the sign so exp never overflows; the Vulkan kernels use the same form.
@inline(__always)
func sigmoid<T: CPUScalar>(_ x: T) -> T {
    if x >= 0 {
        return 1 / (1 + T.exponential(-x))
    }
    let e = T.exponential(x)
    return e / (1 + e)
}

/// BCE with logits, max(z,0) - z*y + log(1+exp(-|z|)), evaluated in Double.
@inline(__always)
func binaryCrossEntropy(logit z: Double, label y: Double) -> Double {
    max(z, 0) - z * y + log1p(exp(-abs(z)))
}

@inline(__always)
func sigmoidDouble(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }
