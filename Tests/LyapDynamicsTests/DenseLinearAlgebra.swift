@testable import LyapDynamics
@testable import LyapCPUDynamics

#if canImport(Glibc)
import Glibc
#endif

/// Small dense helpers for the tests, in Double, row-major n×n.
enum Dense {
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for k in 0..<n { let x = a[i * n + k]; for j in 0..<n { c[i * n + j] += x * b[k * n + j] } } }
        return c
    }

    static func transpose(_ a: [Double], _ n: Int) -> [Double] {
        var t = a
        for i in 0..<n { for j in 0..<n { t[j * n + i] = a[i * n + j] } }
        return t
    }

    /// ln|det A| by LU with partial pivoting.
    static func logAbsDeterminant(_ m: [Double], _ n: Int) -> Double {
        var a = m
        return StepDeterminant.logAbsDeterminant(&a, n)
    }

    /// Solves A x = b by LU with partial pivoting.
    static func solve(_ m: [Double], _ rhs: [Double], _ n: Int) -> [Double] {
        var a = m, b = rhs
        for k in 0..<n {
            var p = k
            for i in k..<n where abs(a[i * n + k]) > abs(a[p * n + k]) { p = i }
            if p != k { for j in 0..<n { a.swapAt(k * n + j, p * n + j) }; b.swapAt(k, p) }
            for i in (k + 1)..<n {
                let f = a[i * n + k] / a[k * n + k]
                for j in k..<n { a[i * n + j] -= f * a[k * n + j] }
                b[i] -= f * b[k]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = b[i]
            for j in (i + 1)..<n { s -= a[i * n + j] * x[j] }
            x[i] = s / a[i * n + i]
        }
        return x
    }

    /// Orthonormal Q (n×n) from a seeded Gaussian matrix by Gram–Schmidt twice.
    static func randomOrthogonal(_ n: Int, normals: () -> Double) -> [Double] {
        var q = (0..<(n * n)).map { _ in normals() }   // rows are the vectors
        for j in 0..<n {
            for _ in 0..<2 {
                for i in 0..<j {
                    var r = 0.0
                    for x in 0..<n { r += q[i * n + x] * q[j * n + x] }
                    for x in 0..<n { q[j * n + x] -= r * q[i * n + x] }
                }
            }
            var s = 0.0
            for x in 0..<n { s += q[j * n + x] * q[j * n + x] }
            for x in 0..<n { q[j * n + x] /= s.squareRoot() }
        }
        return q
    }

    /// Eigenvalues of a real nonsymmetric matrix: Householder reduction to upper Hessenberg form, then the
    /// Francis double-shift QR iteration (the classic EISPACK hqr scheme, eigenvalues only). nil if an
    /// eigenvalue needs more than 60 iterations.
    static func eigenvalues(_ m: [Double], _ n: Int) -> [(re: Double, im: Double)]? {
        var a = hessenberg(m, n)
        // 1-based accessors keep the indices of the textbook formulation.
        func A(_ i: Int, _ j: Int) -> Double { a[(i - 1) * n + (j - 1)] }
        func set(_ i: Int, _ j: Int, _ v: Double) { a[(i - 1) * n + (j - 1)] = v }
        func sign(_ x: Double, _ y: Double) -> Double { y >= 0 ? abs(x) : -abs(x) }
        var wr = [Double](repeating: 0, count: n + 1), wi = wr
        var anorm = 0.0
        for i in 1...n { for j in max(i - 1, 1)...n { anorm += abs(A(i, j)) } }
        var nn = n, t = 0.0
        while nn >= 1 {
            var its = 0
            var l = 1
            repeat {
                l = 1
                var ll = nn
                while ll >= 2 {
                    var s = abs(A(ll - 1, ll - 1)) + abs(A(ll, ll))
                    if s == 0 { s = anorm }
                    if abs(A(ll, ll - 1)) + s == s { set(ll, ll - 1, 0); l = ll; break }
                    ll -= 1
                }
                var x = A(nn, nn)
                if l == nn {
                    wr[nn] = x + t; wi[nn] = 0; nn -= 1
                } else {
                    var y = A(nn - 1, nn - 1)
                    var w = A(nn, nn - 1) * A(nn - 1, nn)
                    if l == nn - 1 {
                        let p = 0.5 * (y - x)
                        let q = p * p + w
                        var z = abs(q).squareRoot()
                        x += t
                        if q >= 0 {
                            z = p + sign(z, p)
                            wr[nn - 1] = x + z; wr[nn] = x + z
                            if z != 0 { wr[nn] = x - w / z }
                            wi[nn - 1] = 0; wi[nn] = 0
                        } else {
                            wr[nn - 1] = x + p; wr[nn] = x + p
                            wi[nn - 1] = -z; wi[nn] = z
                        }
                        nn -= 2
                    } else {
                        if its == 60 { return nil }
                        if its == 10 || its == 20 || its == 40 {
                            t += x
                            for i in 1...nn { set(i, i, A(i, i) - x) }
                            let s = abs(A(nn, nn - 1)) + abs(A(nn - 1, nn - 2))
                            x = 0.75 * s; y = x
                            w = -0.4375 * s * s
                        }
                        its += 1
                        var m = nn - 2
                        var p = 0.0, q = 0.0, r = 0.0, z = 0.0
                        while m >= l {
                            z = A(m, m)
                            r = x - z
                            let s0 = y - z
                            p = (r * s0 - w) / A(m + 1, m) + A(m, m + 1)
                            q = A(m + 1, m + 1) - z - r - s0
                            r = A(m + 2, m + 1)
                            let s = abs(p) + abs(q) + abs(r)
                            p /= s; q /= s; r /= s
                            if m == l { break }
                            let u = abs(A(m, m - 1)) * (abs(q) + abs(r))
                            let v = abs(p) * (abs(A(m - 1, m - 1)) + abs(z) + abs(A(m + 1, m + 1)))
                            if u + v == v { break }
                            m -= 1
                        }
                        if m + 2 <= nn {
                            for i in (m + 2)...nn {
                                set(i, i - 2, 0)
                                if i != m + 2 { set(i, i - 3, 0) }
                            }
                        }
                        for k in m...(nn - 1) {
                            if k != m {
                                p = A(k, k - 1)
                                q = A(k + 1, k - 1)
                                r = 0
                                if k != nn - 1 { r = A(k + 2, k - 1) }
                                x = abs(p) + abs(q) + abs(r)
                                if x != 0 { p /= x; q /= x; r /= x }
                            }
                            let s = sign((p * p + q * q + r * r).squareRoot(), p)
                            if s != 0 {
                                if k == m {
                                    if l != m { set(k, k - 1, -A(k, k - 1)) }
                                } else {
                                    set(k, k - 1, -s * x)
                                }
                                p += s
                                x = p / s; y = q / s; z = r / s
                                q /= p; r /= p
                                for j in k...nn {
                                    p = A(k, j) + q * A(k + 1, j)
                                    if k != nn - 1 {
                                        p += r * A(k + 2, j)
                                        set(k + 2, j, A(k + 2, j) - p * z)
                                    }
                                    set(k + 1, j, A(k + 1, j) - p * y)
                                    set(k, j, A(k, j) - p * x)
                                }
                                let mmin = nn < k + 3 ? nn : k + 3
                                for i in l...mmin {
                                    p = x * A(i, k) + y * A(i, k + 1)
                                    if k != nn - 1 {
                                        p += z * A(i, k + 2)
                                        set(i, k + 2, A(i, k + 2) - p * r)
                                    }
                                    set(i, k + 1, A(i, k + 1) - p * q)
                                    set(i, k, A(i, k) - p)
                                }
                            }
                        }
                    }
                }
            } while nn >= 1 && l < nn - 1
        }
        return (1...n).map { (wr[$0], wi[$0]) }
    }

    /// Householder reduction to upper Hessenberg form (similar to m).
    static func hessenberg(_ m: [Double], _ n: Int) -> [Double] {
        var a = m
        guard n > 2 else { return a }
        for k in 0..<(n - 2) {
            var v = [Double](repeating: 0, count: n)
            var norm = 0.0
            for i in (k + 1)..<n { v[i] = a[i * n + k]; norm += v[i] * v[i] }
            norm = norm.squareRoot()
            if norm == 0 { continue }
            v[k + 1] += v[k + 1] >= 0 ? norm : -norm
            var vv = 0.0
            for i in (k + 1)..<n { vv += v[i] * v[i] }
            if vv == 0 { continue }
            // A <- (I - 2vvᵀ/vᵀv) A (I - 2vvᵀ/vᵀv)
            for j in 0..<n {
                var s = 0.0
                for i in (k + 1)..<n { s += v[i] * a[i * n + j] }
                s *= 2 / vv
                for i in (k + 1)..<n { a[i * n + j] -= s * v[i] }
            }
            for i in 0..<n {
                var s = 0.0
                for j in (k + 1)..<n { s += a[i * n + j] * v[j] }
                s *= 2 / vv
                for j in (k + 1)..<n { a[i * n + j] -= s * v[j] }
            }
        }
        return a
    }
}
