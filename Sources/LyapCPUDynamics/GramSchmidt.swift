import CLyapKernels
import LyapCPU
import LyapDynamics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin QR of k vectors stored as contiguous rows (each n long) by modified Gram–Schmidt with one
/// reorthogonalisation pass ("twice is enough", methods.md §4.6): each row is projected off the rows
/// before it twice, then normalised. The rows become Q̃; R_jj is the norm before normalisation, positive
/// by construction (the sign fix R_jj > 0 of §4.3), and ln R_jj is added to `logNorms[j]` in Double.
/// Row j depends only on rows 0...j, so the leading exponents do not depend on how many rows follow.
enum GramSchmidt {
    /// Returns how many rows had collapsed (norm zero, subnormal or not finite): such a row is replaced by
    /// the first unit vector e_i (i = j, j+1, ...) that survives orthogonalisation, and ln of the smallest
    /// normal T is recorded for it, so an underflow shows up as a very negative exponent, not as -inf.
    /// With padded rows (blocks of `block` entries whose first `used` are real), replacement vectors are
    /// taken among the real coordinates only.
    ///
    /// `blocked` takes right-looking block modified Gram–Schmidt (`lyap_block_mgs_f32`, `_f64`: panels of 8
    /// rows, Gram–Schmidt twice inside a panel, one pass across panels): the same factorisation with other
    /// rounding, several times faster for many rows, and on the full spectrum's graded rows more accurate than a block
    /// classical form with a second pass (BCGS2, which it replaced). Callers keep it off for
    /// k <= 8 so those exponents stay bitwise what the row-by-row kernel gives.
    @discardableResult
    static func orthonormalize<T: CPUScalar>(
        _ rows: UnsafeMutablePointer<T>, count k: Int, length n: Int, logNorms: UnsafeMutablePointer<Double>?,
        block: Int? = nil, used: Int? = nil, blocked: Bool = false
    ) -> Int {
        if blocked && T.self == Float.self && n % 8 == 0 && k <= 256 {
            return blockedC(UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Float.self), count: k, length: n, logNorms: logNorms,
                            block: block ?? n, used: used ?? n, kernel: lyap_block_mgs_f32, finish: lyap_gram_schmidt_f32)
        }
        if blocked && T.self == Double.self && n % 4 == 0 && k <= 256 {
            return blockedC(UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Double.self), count: k, length: n, logNorms: logNorms,
                            block: block ?? n, used: used ?? n, kernel: lyap_block_mgs_f64, finish: lyap_gram_schmidt_f64)
        }
        if T.self == Float.self && n % 8 == 0 && k <= 256 {
            return orthonormalizeC(UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Float.self), count: k, length: n,
                                   logNorms: logNorms, block: block ?? n, used: used ?? n, kernel: lyap_gram_schmidt_f32)
        }
        if T.self == Double.self && n % 4 == 0 && k <= 256 {
            return orthonormalizeC(UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Double.self), count: k, length: n,
                                   logNorms: logNorms, block: block ?? n, used: used ?? n, kernel: lyap_gram_schmidt_f64)
        }
        var collapsed = 0
        for j in 0..<k {
            let v = rows + j * n
            for _ in 0..<2 {
                for i in 0..<j {
                    let q = rows + i * n
                    let r = dot(q, v, n)
                    axpy(-r, q, v, n)
                }
            }
            let norm = squaredNorm(v, n).squareRoot()
            if norm.isNaN {
                logNorms?[j] += .nan
                continue
            }
            if norm >= Double(T.leastNormalMagnitude) && norm.isFinite {
                let s = T(1 / norm)
                if T.self == Float.self && n % 8 == 0 {
                    lyap_scale_f32(Float(s), UnsafeMutableRawPointer(v).assumingMemoryBound(to: Float.self), Int32(n))
                } else {
                    for x in 0..<n { v[x] *= s }
                }
                logNorms?[j] += log(norm)
                continue
            }
            collapsed += 1
            logNorms?[j] += log(Double(norm.isFinite ? T.leastNormalMagnitude : T.greatestFiniteMagnitude))
            replaceWithUnitVector(rows, j, n, block: block ?? n, used: used ?? n)
        }
        return collapsed
    }

    /// A block kernel over all rows; a panel with a collapsed row is finished row by row from its first row.
    private static func blockedC<S: CPUScalar>(
        _ rows: UnsafeMutablePointer<S>, count k: Int, length n: Int, logNorms: UnsafeMutablePointer<Double>?,
        block: Int, used: Int,
        kernel: (UnsafeMutablePointer<S>?, Int32, Int32, Int32, UnsafeMutablePointer<Double>?) -> Int32,
        finish: (UnsafeMutablePointer<S>?, Int32, Int32, Int32, UnsafeMutablePointer<Double>?) -> Int32
    ) -> Int {
        let stop = withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { norms in
            let stop = Int(kernel(rows, Int32(k), Int32(n), 0, norms.baseAddress!))
            if let logNorms { for j in 0..<stop { logNorms[j] += log(norms[j]) } }
            return stop
        }
        if stop == k { return 0 }
        return orthonormalizeC(rows, count: k, length: n, logNorms: logNorms, block: block, used: used, from: stop, kernel: finish)
    }

    /// The fast path: classical Gram–Schmidt twice in C (`lyap_gram_schmidt_f32/_f64`), which stops at a
    /// collapsed row; that row is handled here as above and the C loop resumes after it.
    private static func orthonormalizeC<S: CPUScalar>(
        _ rows: UnsafeMutablePointer<S>, count k: Int, length n: Int, logNorms: UnsafeMutablePointer<Double>?,
        block: Int, used: Int, from start: Int = 0,
        kernel: (UnsafeMutablePointer<S>?, Int32, Int32, Int32, UnsafeMutablePointer<Double>?) -> Int32
    ) -> Int {
        var collapsed = 0
        var from = start
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { norms in
            let norms = norms.baseAddress!
            while from < k {
                let stop = Int(kernel(rows, Int32(k), Int32(n), Int32(from), norms))
                if let logNorms { for j in from..<stop { logNorms[j] += log(norms[j]) } }
                if stop == k { break }
                let norm = norms[stop]
                if norm.isNaN {
                    logNorms?[stop] += .nan
                } else {
                    collapsed += 1
                    logNorms?[stop] += log(Double(norm.isFinite ? S.leastNormalMagnitude : S.greatestFiniteMagnitude))
                    replaceWithUnitVector(rows, stop, n, block: block, used: used)
                }
                from = stop + 1
            }
        }
        return collapsed
    }

    private static func replaceWithUnitVector<T: CPUScalar>(_ rows: UnsafeMutablePointer<T>, _ j: Int, _ n: Int,
                                                           block: Int, used: Int) {
        let v = rows + j * n, axes = n / block * used
        for e in 0..<axes {
            let a = (j + e) % axes, axis = a / used * block + a % used
            for x in 0..<n { v[x] = x == axis ? 1 : 0 }
            for _ in 0..<2 {
                for i in 0..<j { axpy(-dot(rows + i * n, v, n), rows + i * n, v, n) }
            }
            let norm = squaredNorm(v, n).squareRoot()
            if norm > 0.5 {
                for x in 0..<n { v[x] *= T(1 / norm) }
                return
            }
        }
    }

    /// Sum of squares. Float rows are summed eight lanes wide in Float and redone in Double when that sum
    /// is outside [1e-30, 1e30] (where Float squares lose small entries or overflow).
    @inline(__always)
    static func squaredNorm<T: CPUScalar>(_ v: UnsafePointer<T>, _ n: Int) -> Double {
        if T.self == Float.self {
            let f = dotFloat(UnsafeRawPointer(v).assumingMemoryBound(to: Float.self),
                             UnsafeRawPointer(v).assumingMemoryBound(to: Float.self), n)
            if f >= 1e-30 && f <= 1e30 { return Double(f) }
        }
        return squaredNormDouble(v, n)
    }

    @inline(__always)
    static func squaredNormDouble<T: CPUScalar>(_ v: UnsafePointer<T>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var x = 0
        while x + 4 <= n {
            let a = Double(v[x]), b = Double(v[x + 1]), c = Double(v[x + 2]), d = Double(v[x + 3])
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            x += 4
        }
        while x < n { let a = Double(v[x]); s0 += a * a; x += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    @inline(__always)
    static func dot<T: CPUScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T {
        if T.self == Float.self {
            let s = dotFloat(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
                             UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), n)
            return T(s)
        }
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var x = 0
        while x + 4 <= n {
            s0 += a[x] * b[x]; s1 += a[x + 1] * b[x + 1]; s2 += a[x + 2] * b[x + 2]; s3 += a[x + 3] * b[x + 3]
            x += 4
        }
        while x < n { s0 += a[x] * b[x]; x += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    @inline(__always)
    static func dotFloat(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        if n % 8 == 0 { return lyap_dot_f32(a, b, Int32(n)) }
        var s = SIMD8<Float>()
        var x = 0
        while x + 8 <= n {
            s += UnsafeRawPointer(a + x).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + x).loadUnaligned(as: SIMD8<Float>.self)
            x += 8
        }
        var t = s.sum()
        while x < n { t += a[x] * b[x]; x += 1 }
        return t
    }

    /// y += alpha * x
    @inline(__always)
    static func axpy<T: CPUScalar>(_ alpha: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self && n % 8 == 0 {
            lyap_axpy_f32(Float(alpha), UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                          UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), Int32(n))
            return
        }
        for i in 0..<n { y[i] += alpha * x[i] }
    }
}
