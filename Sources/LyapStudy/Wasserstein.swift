import Foundation

/// Exact 1-D Wasserstein distances between two empirical distributions (methods.md §6.4).
///
/// For samples x (size n) and y (size m), with sorted values and quantile functions
/// F⁻¹(u) = x₍⌈un⌉₎, G⁻¹(u) = y₍⌈um⌉₎:
///   W_p^p = Σ_k (u_k − u_{k−1}) · |F⁻¹(u_k) − G⁻¹(u_k)|^p
/// over the merged breakpoints {i/n} ∪ {j/m} = {0 = u_0 < u_1 < … < u_K = 1}. Both quantile functions are
/// constant on each (u_{k−1}, u_k], so the sum is the exact integral ∫₀¹ |F⁻¹ − G⁻¹|^p du. For n = m it
/// reduces to (1/n) Σ_i |x₍ᵢ₎ − y₍ᵢ₎|^p. Sorting and sums are in Double.
public enum Wasserstein {
    /// W_p for p ≥ 1 (p = 1 and p = 2 are the ones the studies use). Both samples must be non-empty.
    public static func distance(_ x: [Double], _ y: [Double], p: Double = 1) -> Double {
        precondition(!x.isEmpty && !y.isEmpty, "Wasserstein distance of an empty sample")
        precondition(p >= 1, "W_p needs p >= 1")
        let a = x.sorted(), b = y.sorted()
        let n = a.count, m = b.count
        func power(_ d: Double) -> Double { p == 1 ? d : (p == 2 ? d * d : Foundation.pow(d, p)) }
        var sum = 0.0
        if n == m {
            for i in 0..<n { sum += power(abs(a[i] - b[i])) }
            sum /= Double(n)
        } else {
            // Walk the merged breakpoints i/n and j/m with integer arithmetic (i·m vs j·n), so equal
            // breakpoints merge exactly. On the step ending at u_k, F⁻¹ = a[i−1] where i = ⌈u_k n⌉.
            var i = 1, j = 1          // next breakpoints i/n and j/m
            var prevNumerator = 0      // u_{k−1} · n·m
            let denominator = n * m
            while i <= n && j <= m {
                let ui = i * m, uj = j * n
                let u = min(ui, uj)
                sum += Double(u - prevNumerator) / Double(denominator) * power(abs(a[i - 1] - b[j - 1]))
                prevNumerator = u
                if ui == u { i += 1 }
                if uj == u { j += 1 }
            }
        }
        return p == 1 ? sum : (p == 2 ? sum.squareRoot() : Foundation.pow(sum, 1 / p))
    }
}
