import LyapCore

/// The random kicks of `lyap audit` (methods.md §6.3): a Gaussian direction zeta, scaled to a given
/// fraction of a reference norm. All sums in Double.
enum ParameterNoise {
    /// x + eps * ||x|| * zeta/||zeta|| over `range` of x, zeta drawn from `rng` (one normal per element).
    /// A zero slice stays zero (its norm is the scale).
    static func kick(_ x: inout [Double], _ range: Range<Int>, eps: Double, rng: inout LabRNG) {
        let zeta = range.map { _ in rng.normal() }
        let nx = norm(x[range]), nz = norm(zeta)
        guard nz > 0 else { return }
        for (i, z) in zip(range, zeta) { x[i] += eps * nx * z / nz }
    }

    /// `param:EPS` (one kick over the whole vector) or `param-tensor:EPS` (one kick per tensor).
    static func perturb<T: BinaryFloatingPoint>(_ p: inout ParameterStore<T>, eps: Double, perTensor: Bool, seed: UInt64) {
        var g = LabRNG(seed: seed, stream: perTensor ? "audit-param-tensor" : "audit-param")
        var theta = p.values.map(Double.init)
        for r in perTensor ? p.layout.slots.map(\.range) : [0..<theta.count] { kick(&theta, r, eps: eps, rng: &g) }
        p.values = theta.map { T($0) }
    }

    /// The gradient hook of `grad-noise:EPS` (a fresh zeta every step) and `loss-scale:EPS`.
    static func gradientTransform<T: BinaryFloatingPoint & Sendable>(_ p: Perturbation, seed: UInt64) -> ((inout [T]) -> Void)? {
        switch p {
        case .lossScale(let e):
            let s = T(1 + e)
            return { g in for i in g.indices { g[i] *= s } }
        case .gradNoise(let e):
            var rng = LabRNG(seed: seed, stream: "audit-grad-noise")
            return { g in
                var x = g.map(Double.init)
                kick(&x, 0..<x.count, eps: e, rng: &rng)
                g = x.map { T($0) }
            }
        default:
            return nil
        }
    }
}

func norm<C: Collection<Double>>(_ v: C) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
