import LyapCore

/// nn.Sigmoid followed by nn.BCELoss (mean over the batch), in the model's precision T, with the operation
/// order of PyTorch's CPU kernels (aten Loss.cpp `binary_cross_entropy_out_cpu` / `_backward_out_cpu`,
/// and sigmoid_backward `g * (1 - p) * p`). `LossForm.sigmoidBCE` documents the formulas.
public enum SigmoidBCE {
    /// aten's `constexpr float EPSILON = 1e-12`, converted to T as `scalar_t(EPSILON)` does (so in Double it
    /// is Float(1e-12) widened, 9.9999999600419720e-13, not 1e-12).
    @inline(__always)
    public static func epsilon<T: CPUScalar>(_: T.Type = T.self) -> T { T(Float(1e-12)) }

    /// sigmoid(z) as 1 / (1 + exp(-z)); saturates to exactly 0 or 1 where T runs out of digits.
    @inline(__always)
    public static func probability<T: CPUScalar>(_ z: T) -> T { 1 / (1 + T.exponential(-z)) }

    /// One sample's loss, each log clamped at -100.
    @inline(__always)
    public static func loss<T: CPUScalar>(p: T, label y: T) -> T {
        (y - 1) * max(T.logOnePlus(-p), -100) - y * max(T.logarithm(p), -100)
    }

    /// dL/dz of the batch-mean loss for one sample of a batch of `batch`.
    @inline(__always)
    public static func gradient<T: CPUScalar>(p: T, label y: T, batch: Int) -> T {
        let dp = 1 * (p - y) / max((1 - p) * p, epsilon(T.self)) / T(batch)
        return dp * (1 - p) * p
    }
}
