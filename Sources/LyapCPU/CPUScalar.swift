import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The float types the CPU backend runs in: Double (the oracle) and Float (the working path).
/// Each supplies its BLAS product and the transcendental functions, so kernels are written once.
public protocol CPUScalar: BinaryFloatingPoint & Sendable {
    /// Row-major C = alpha * op(A) * op(B) + beta * C.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exponential(_ x: Self) -> Self
    static func hyperbolicTangent(_ x: Self) -> Self
    /// libm's log and log1p in this precision (the sigmoid + BCELoss form).
    static func logarithm(_ x: Self) -> Self
    static func logOnePlus(_ x: Self) -> Self
    static var precisionName: String { get }
}

@inline(__always)
private func op(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: CPUScalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, op(transA), op(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always) public static func exponential(_ x: Float) -> Float { expf(x) }
    /// glibc's tanhf goes through expm1f and was a quarter of a small-H training step. This form uses
    /// expf, and an odd Taylor polynomial near 0 where (1-e)/(1+e) would cancel (error < 1e-9 relative).
    @inline(__always) public static func hyperbolicTangent(_ x: Float) -> Float {
        let a = abs(x)
        if a < 0.0625 {
            let x2 = x * x
            return x + x * x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315)))
        }
        let e = expf(-2 * a)
        let t = (1 - e) / (1 + e)
        return x < 0 ? -t : t
    }
    @inline(__always) public static func logarithm(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func logOnePlus(_ x: Float) -> Float { log1pf(x) }
    public static var precisionName: String { "float32" }
}

extension Double: CPUScalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, op(transA), op(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always) public static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) public static func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }
    @inline(__always) public static func logarithm(_ x: Double) -> Double { log(x) }
    @inline(__always) public static func logOnePlus(_ x: Double) -> Double { log1p(x) }
    public static var precisionName: String { "float64" }
}

/// Our threads split the batch; OpenBLAS must not spawn its own on top of them.
enum BLASThreads {
    static let pinnedToOne: Void = { openblas_set_num_threads(1) }()
}
