import Testing
import Foundation
@testable import LyapCore

struct AdamTests {
    /// Two steps worked by hand from the PyTorch formulas.
    @Test func matchesHandComputedSteps() {
        let layout = ParameterLayout(ModelShape(vocab: 4, embed: 1, hidden: 1))
        var state = TrainingState(params: ParameterStore<Double>(layout: layout, values: [Double](repeating: 0.5, count: layout.count)))
        let c = AdamConfig(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        let g1 = [Double](repeating: 0.2, count: layout.count)
        let g2 = [Double](repeating: -0.4, count: layout.count)
        Adam.update(&state, gradient: g1, config: c)
        // step 1: m = 0.02, v = 4e-5, m_hat = 0.2, sqrt(v_hat) = 0.2  ->  p = 0.5 - 0.01 * 0.2 / (0.2 + 1e-8)
        let p1 = 0.5 - 0.01 * 0.2 / (0.2 + 1e-8)
        #expect(abs(state.params.values[0] - p1) < 1e-15)
        Adam.update(&state, gradient: g2, config: c)
        let m2 = 0.9 * 0.02 + 0.1 * -0.4
        let v2 = 0.999 * 4e-5 + 0.001 * 0.16
        let p2 = p1 - 0.01 * (m2 / (1 - 0.81)) / ((v2 / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
        #expect(abs(state.params.values[0] - p2) < 1e-14)
        #expect(abs(state.m[0] - m2) < 1e-16)
        #expect(abs(state.v[0] - v2) < 1e-18)
        #expect(state.step == 2)
    }

    /// Dense updates: a parameter whose gradient is zero this step still moves on its momentum.
    @Test func zeroGradientStillMovesOnMomentum() {
        let layout = ParameterLayout(ModelShape(vocab: 4, embed: 1, hidden: 1))
        var state = TrainingState(params: ParameterStore<Float>.zeros(layout))
        var g = [Float](repeating: 0, count: layout.count)
        g[0] = 1
        Adam.update(&state, gradient: g, config: AdamConfig())
        let afterFirst = state.params.values[0]
        #expect(afterFirst < 0)
        #expect(state.params.values[1] == 0)
        Adam.update(&state, gradient: [Float](repeating: 0, count: layout.count), config: AdamConfig())
        #expect(state.params.values[0] < afterFirst)
    }

    @Test func rejectsBadHyperparameters() {
        #expect(throws: ConfigError.self) { try AdamConfig(lr: 0).validate() }
        #expect(throws: ConfigError.self) { try AdamConfig(lr: -1).validate() }
        #expect(throws: ConfigError.self) { try AdamConfig(beta1: 1).validate() }
        #expect(throws: ConfigError.self) { try AdamConfig(eps: .nan).validate() }
        #expect(throws: Never.self) { try AdamConfig().validate() }
    }
}

/// The 16-lane Float path gives the same bits as element-by-element updates, wherever a range is split.
@Test func vectorisedFloatAdamEqualsScalar() {
    var rng = LabRNG(seed: 3)
    let n = 1000
    let g = (0..<n).map { _ in Float(rng.normal()) }
    var p1 = (0..<n).map { _ in Float(rng.normal()) }, m1 = [Float](repeating: 0.01, count: n), v1 = [Float](repeating: 0.02, count: n)
    var p2 = p1, m2 = m1, v2 = v1
    let c = AdamConfig()
    p1.withUnsafeMutableBufferPointer { p in m1.withUnsafeMutableBufferPointer { m in v1.withUnsafeMutableBufferPointer { v in
        g.withUnsafeBufferPointer { g in
            Adam.apply(p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!, 0..<n, step: 3, config: c)
        } } } }
    // One element at a time: only the scalar tail loop runs.
    p2.withUnsafeMutableBufferPointer { p in m2.withUnsafeMutableBufferPointer { m in v2.withUnsafeMutableBufferPointer { v in
        g.withUnsafeBufferPointer { g in
            for i in 0..<n { Adam.apply(p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!, i..<(i + 1), step: 3, config: c) }
        } } } }
    #expect(p1 == p2 && m1 == m2 && v1 == v2)
    #expect(p1 != (0..<n).map { _ in Float(0) })
}
