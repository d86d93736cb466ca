import LyapCore
import Testing
@testable import LyapAudit

/// The random kicks of `lyap audit` (methods.md §6.3): x moves by exactly eps * ||x|| along the drawn Gaussian
/// direction, per tensor or globally; the gradient hooks scale or kick every step.
struct ParameterNoiseTests {
    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    @Test func kickMovesBySizeTimesNormAlongTheDrawnDirection() {
        var rng = LabRNG(seed: 5, stream: "kick-test")
        let x0 = (0..<13).map { _ in rng.uniform(-2, 3) }
        var x = x0
        var g = LabRNG(seed: 11, stream: "zeta")
        ParameterNoise.kick(&x, 3..<10, eps: 1e-3, rng: &g)
        var h = LabRNG(seed: 11, stream: "zeta")
        let zeta = (0..<7).map { _ in h.normal() }
        let nx = Self.norm(Array(x0[3..<10])), nz = Self.norm(zeta)
        for i in x.indices {
            if (3..<10).contains(i) {
                #expect(abs(x[i] - (x0[i] + 1e-3 * nx * zeta[i - 3] / nz)) < 1e-15)
            } else {
                #expect(x[i] == x0[i])
            }
        }
        let d = zip(x, x0).map { $0 - $1 }
        #expect(abs(Self.norm(d) / nx - 1e-3) < 1e-12)
        // A zero slice stays zero: its norm is the scale.
        var z = [Double](repeating: 0, count: 4)
        ParameterNoise.kick(&z, 0..<4, eps: 0.5, rng: &g)
        #expect(z == [0, 0, 0, 0])
    }

    @Test func perTensorKicksMoveEachTensorByItsOwnNorm() {
        let layout = ParameterLayout(ModelShape(vocab: 7, embed: 3, hidden: 5))
        var rng = LabRNG(seed: 2, stream: "store")
        let values = (0..<layout.count).map { i in rng.uniform(-1, 1) * Double(1 + i % 4) }
        var global = ParameterStore<Double>(layout: layout, values: values)
        var tensor = global
        ParameterNoise.perturb(&global, eps: 1e-2, perTensor: false, seed: 9)
        ParameterNoise.perturb(&tensor, eps: 1e-2, perTensor: true, seed: 9)
        let dg = zip(global.values, values).map { $0 - $1 }
        #expect(abs(Self.norm(dg) / Self.norm(values) - 1e-2) < 1e-12)
        for s in layout.slots {
            let d = s.range.map { tensor.values[$0] - values[$0] }
            #expect(abs(Self.norm(d) / Self.norm(Array(values[s.range])) - 1e-2) < 1e-12, "\(s.name)")
        }
        // Same seed, same draw: the global kick is reproducible and differs from the per-tensor one.
        var again = ParameterStore<Double>(layout: layout, values: values)
        ParameterNoise.perturb(&again, eps: 1e-2, perTensor: false, seed: 9)
        #expect(again.values == global.values && again.values != tensor.values)
    }

    @Test func gradientHooks() throws {
        let scale: ((inout [Double]) -> Void)? = ParameterNoise.gradientTransform(.lossScale(0.25), seed: 1)
        var g = [1.0, -2, 4]
        try #require(scale != nil)
        scale!(&g)
        #expect(g == [1.25, -2.5, 5])
        let noise: ((inout [Double]) -> Void)? = ParameterNoise.gradientTransform(.gradNoise(0.1), seed: 1)
        try #require(noise != nil)
        let g0 = [3.0, -1, 0.5, 2]
        var a = g0, b = g0
        noise!(&a)
        noise!(&b)
        for x in [a, b] { #expect(abs(Self.norm(zip(x, g0).map { $0 - $1 }) / Self.norm(g0) - 0.1) < 1e-12) }
        #expect(a != b, "a fresh direction every step")
        // The first step's direction is the first draw of stream audit-grad-noise.
        var r = LabRNG(seed: 1, stream: "audit-grad-noise")
        var expected = g0
        ParameterNoise.kick(&expected, 0..<4, eps: 0.1, rng: &r)
        #expect(a == expected)
        let none: ((inout [Double]) -> Void)? = ParameterNoise.gradientTransform(.param(1), seed: 1)
        #expect(none == nil)
    }
}
