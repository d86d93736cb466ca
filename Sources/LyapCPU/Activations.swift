import LyapCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LyapCore's sign-branched sigmoid with this precision's libm exp.
@inline(__always)
func sigmoid<T: CPUScalar>(_ x: T) -> T { LyapCore.sigmoid(x, exponential: T.exponential) }

/// BCE with logits, max(z,0) - z*y + log(1+exp(-|z|)), evaluated in Double.
@inline(__always)
func binaryCrossEntropy(logit z: Double, label y: Double) -> Double {
    max(z, 0) - z * y + log1p(exp(-abs(z)))
}
