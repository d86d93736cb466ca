import LyapCPU
import LyapDynamics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ln|det J_t| of one zero-input LSTM step in [h | c] coordinates, without forming J: the sum of all 2H
/// Lyapunov exponents is its time average, a check of a full spectrum (k = 2H) that needs no reference.
///
/// With the Jacobian of `LSTMStateMap.jacobian`, J = [[D(τ⊙o')U_o + D(o⊙τ')A, D(o⊙τ')D(f)], [A, D(f)]];
/// subtracting D(o⊙τ') times the second block row from the first (determinant 1) leaves the block
/// lower-triangular [[D(τ⊙o')U_o, 0], [A, D(f)]], so
///   ln|det J_t| = ln|det U_o| + Σ_j ln|τ_j o'_j| + Σ_j ln f_j.
/// The first term is fixed per model; the others are coefficients 4 and 3 of `TangentKernel`'s six.
enum StepDeterminant {
    /// ln|det U_o| of the output gate's H×H block of U, from `recurrent` laid out as in `CellWeights`
    /// ([4·width][width], gate o in rows 3·width..<3·width+H), by LU with partial pivoting in Double.
    static func logAbsOutputGateDeterminant<T: CPUScalar>(recurrent: [T], hidden H: Int, width W: Int) -> Double {
        var a = [Double](repeating: 0, count: H * H)
        for r in 0..<H { for m in 0..<H { a[r * H + m] = Double(recurrent[(3 * W + r) * W + m]) } }
        return logAbsDeterminant(&a, H)
    }

    /// ln|det A| of a row-major n×n matrix by LU with partial pivoting (A is overwritten); -inf if singular.
    static func logAbsDeterminant(_ a: inout [Double], _ n: Int) -> Double {
        var s = 0.0
        for k in 0..<n {
            var p = k
            for i in k..<n where abs(a[i * n + k]) > abs(a[p * n + k]) { p = i }
            if p != k { for j in 0..<n { a.swapAt(k * n + j, p * n + j) } }
            let d = a[k * n + k]
            if d == 0 { return -.infinity }
            s += log(abs(d))
            for i in (k + 1)..<n {
                let f = a[i * n + k] / d
                if f != 0 { for j in k..<n { a[i * n + j] -= f * a[k * n + j] } }
            }
        }
        return s
    }

    /// Σ_j ln|τ_j o'_j| + ln f_j over the real units of one step's coefficients (6·width, `TangentKernel`):
    /// one log per product of four factors (four Floats cannot underflow Double); a product outside
    /// [1e-300, 1e300] (Double coefficients, or a zero factor) is redone one log per factor.
    @inline(__always)
    static func coefficientLogSum<T: CPUScalar>(_ k: UnsafePointer<T>, hidden H: Int, width W: Int) -> Double {
        var s = 0.0
        for base in stride(from: 3 * W, through: 4 * W, by: W) {
            var j = 0
            while j < H {
                let end = min(H, j + 4)
                var p = 1.0
                for x in j..<end { p *= abs(Double(k[base + x])) }
                if p >= 1e-300 && p <= 1e300 {
                    s += log(p)
                } else {
                    for x in j..<end { s += log(abs(Double(k[base + x]))) }
                }
                j = end
            }
        }
        return s
    }
}
