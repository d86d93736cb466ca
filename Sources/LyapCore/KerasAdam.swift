#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras' Adam in its own operation order and precision (keras/src/optimizers/adam.py, tf_keras/optimizers/adam.py):
/// the step size alpha = lr·sqrt(1 - b2^t)/(1 - b1^t) is formed in the variable's dtype (T), the constants
/// 1 - b1, 1 - b2 and eps are Python doubles rounded to T.
public enum KerasAdam {
    /// alpha in T, as Keras forms it: beta powers by pow in T, then lr * sqrt(1 - b2p) / (1 - b1p).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func alpha<T: BinaryFloatingPoint>(step: Int, config c: AdamConfig, as: T.Type = T.self) -> T {
        let t = Double(step)
        let b1p: T, b2p: T
        if T.self == Float.self {
            b1p = T(powf(Float(c.beta1), Float(t)))
            b2p = T(powf(Float(c.beta2), Float(t)))
        } else {
            b1p = T(pow(c.beta1, t))
            b2p = T(pow(c.beta2, t))
        }
        return T(c.lr) * (1 - b2p).squareRoot() / (1 - b1p)
    }

    /// Dense tensors (both forms) and the keras form's embedding (`squares` given, indexed like g):
    /// m += (g - m)(1 - b1); v += (g² - v)(1 - b2); p -= (m·alpha)/(sqrt(v) + eps).
    /// Specialised, with Float 16 lanes at a time: the same IEEE operations per element (unspecialised, the
    /// generic arithmetic was a third of a keras-form run's time).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func dense<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ g: UnsafePointer<T>, _ range: Range<Int>, step: Int, config c: AdamConfig, squares: UnsafePointer<T>? = nil
    ) {
        let a = alpha(step: step, config: c, as: T.self)
        let c1 = T(1 - c.beta1), c2 = T(1 - c.beta2), eps = T(c.eps)
        let sA = AdamLanes.splat(a), s1 = AdamLanes.splat(c1), s2 = AdamLanes.splat(c2), sE = AdamLanes.splat(eps)
        let start = AdamLanes.run(p, m, v, g, range, extra: squares) { pi, mi, vi, gi, squares in
            let g2 = squares ?? gi * gi
            mi += (gi - mi) * s1
            vi += (g2 - vi) * s2
            pi -= (mi * sA) / (vi.squareRoot() + sE)
        }
        for i in start..<range.upperBound {
            let gi = g[i]
            let g2 = squares != nil ? squares![i] : gi * gi
            m[i] += (gi - m[i]) * c1
            v[i] += (g2 - v[i]) * c2
            p[i] -= (m[i] * a) / (v[i].squareRoot() + eps)
        }
    }

    /// tf-keras' sparse path for the embedding (gradients deduplicated, i.e. summed per row): decay every
    /// row, then scatter-add the scaled row gradients (adding 0 to an absent row changes nothing):
    /// m = (m + (-m)(1 - b1)) + g(1 - b1); v = (v + (-v)(1 - b2)) + g²(1 - b2).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sparse<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
        _ g: UnsafePointer<T>, _ range: Range<Int>, step: Int, config c: AdamConfig
    ) {
        let a = alpha(step: step, config: c, as: T.self)
        let c1 = T(1 - c.beta1), c2 = T(1 - c.beta2), eps = T(c.eps)
        let sA = AdamLanes.splat(a), s1 = AdamLanes.splat(c1), s2 = AdamLanes.splat(c2), sE = AdamLanes.splat(eps)
        let start = AdamLanes.run(p, m, v, g, range) { pi, mi, vi, gi, _ in
            mi = (mi + (-mi) * s1) + gi * s1
            vi = (vi + (-vi) * s2) + (gi * gi) * s2
            pi -= (mi * sA) / (vi.squareRoot() + sE)
        }
        for i in start..<range.upperBound {
            let gi = g[i]
            m[i] = (m[i] + (-m[i]) * c1) + gi * c1
            v[i] = (v[i] + (-v[i]) * c2) + (gi * gi) * c2
            p[i] -= (m[i] * a) / (v[i].squareRoot() + eps)
        }
    }
}
