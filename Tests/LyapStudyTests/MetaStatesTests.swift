import Foundation
import Testing
import LyapCore
@testable import LyapStudy

struct MetaStatesTests {
    @Test func jacobiRecoversAKnownSpectrum() {
        // A = Q diag(5, 2, 0.5) Q^T with Q a rotation mixing all three axes.
        let c1 = cos(0.7), s1 = sin(0.7), c2 = cos(-1.1), s2 = sin(-1.1)
        let r1: [Double] = [c1, -s1, 0, s1, c1, 0, 0, 0, 1], r2: [Double] = [1, 0, 0, 0, c2, -s2, 0, s2, c2]
        func mul(_ a: [Double], _ b: [Double]) -> [Double] {
            var c = [Double](repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { c[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j] } } }
            return c
        }
        let q = mul(r1, r2)
        var qt = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { qt[i * 3 + j] = q[j * 3 + i] } }
        let a = mul(mul(q, [5, 0, 0, 0, 2, 0, 0, 0, 0.5]), qt)
        let (values, vectors) = SymmetricEigen.decompose(a, 3)
        for (v, e) in zip(values, [5.0, 2, 0.5]) { #expect(abs(v - e) < 1e-12, "\(values)") }
        for c in 0..<3 {  // A v = lambda v
            for r in 0..<3 {
                let av = (0..<3).reduce(0.0) { $0 + a[r * 3 + $1] * vectors[$1 * 3 + c] }
                #expect(abs(av - values[c] * vectors[r * 3 + c]) < 1e-12)
            }
        }
    }

    /// A latent meta-state drives two of three features (the third is independent noise). From epoch 45 the
    /// latent state drifts by one noise deviation per epoch, and at epoch 56 the test loss jumps: the drift
    /// must be flagged after epoch 44 and before the jump, with nothing flagged in the quiet stretch after
    /// the reference window.
    @Test func aDriftBeforeAJumpLeadsIt() throws {
        var rng = LabRNG(seed: 11, stream: "metastates")
        let epochs = Array(1...66)
        var rows: [[Double]] = [], loss: [Double] = []
        for e in epochs {
            let z = rng.normal() + (e >= 45 ? Double(e - 44) : 0)
            rows.append([z + 0.3 * rng.normal(), z + 0.3 * rng.normal(), rng.normal()])
            loss.append(0.5 + 0.01 * rng.normal() + (e >= 56 ? 0.5 : 0))
        }
        let m = try MetaStates.compute(epochs: epochs, rows: rows, names: ["a", "b", "c"], testLoss: loss, reference: 20)
        #expect(m.features == ["a", "b", "c"] && m.components == 2 && m.referenceEpochs == Array(1...20))
        #expect(m.explainedVariance[0] > 0.55, "the shared latent state is the first component: \(m.explainedVariance)")
        #expect(m.jumps == [56])
        #expect(m.onsets.count == 1 && (45...55).contains(m.onsets[0]), "onsets \(m.onsets)")
        #expect(m.leads == [MetaStates.Lead(jumpEpoch: 56, onsetEpoch: m.onsets[0], lead: 56 - m.onsets[0])])
        #expect(m.distances.count == 66 && m.distances[20..<44].allSatisfy { $0 <= m.threshold })
    }

    @Test func badSettingsAreClearErrors() {
        let rows = (0..<10).map { [Double($0 % 3), Double($0 % 2)] }, loss = [Double](repeating: 1, count: 10)
        #expect(throws: ConfigError.self) {
            _ = try MetaStates.compute(epochs: Array(1...10), rows: rows, names: ["x", "y"], testLoss: loss, reference: 10)
        }
        #expect(throws: ConfigError.self) {
            _ = try MetaStates.compute(epochs: Array(1...10), rows: rows, names: ["x", "y"], testLoss: loss, reference: 5, components: 3)
        }
        // A feature constant over the reference window is dropped, not divided by zero.
        let flat = (0..<10).map { [Double($0 % 3), 7] }
        let m = try? MetaStates.compute(epochs: Array(1...10), rows: flat, names: ["x", "flat"], testLoss: loss, reference: 5, components: 1)
        #expect(m?.features == ["x"])
    }
}
