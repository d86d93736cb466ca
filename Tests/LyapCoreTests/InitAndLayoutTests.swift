import Testing
@testable import LyapCore

struct InitAndLayoutTests {
    @Test func layoutMatchesPyTorchShapesAndParameterCount() {
        let s = ModelShape.paper
        let l = ParameterLayout(s)
        #expect(l.count == s.parameterCount)
        #expect(l.count == 10000 * 32 + 240 * (32 + 60 + 1) + 60 + 1)
        #expect(l.slots.map(\.name) == ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                         "lstm.bias_ih_l0", "fc.weight", "fc.bias"])
        #expect(l.wh.shape == [240, 60])
        #expect(l.wd.shape == [1, 60])
        for (a, b) in zip(l.slots, l.slots.dropFirst()) { #expect(a.range.upperBound == b.offset) }
    }

    @Test func kerasPresetFollowsItsRecipe() {
        let s = ModelShape(vocab: 50, embed: 8, hidden: 6)
        let l = ParameterLayout(s)
        let p = InitPreset.keras.initialize(l, seed: 3)
        #expect(p[l.embedding].allSatisfy { abs($0) <= 0.05 })
        let gx = (6.0 / Double(8 + 24)).squareRoot()
        #expect(p[l.wx].allSatisfy { abs($0) <= gx })
        // Wh [4H][H] has orthonormal columns.
        let wh = Array(p[l.wh])
        for a in 0..<6 {
            for b in 0..<6 {
                var dot = 0.0
                for r in 0..<24 { dot += wh[r * 6 + a] * wh[r * 6 + b] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-12)
            }
        }
        let bias = Array(p[l.bias])
        #expect(bias[0..<6].allSatisfy { $0 == 0 } && bias[6..<12].allSatisfy { $0 == 1 } && bias[12...].allSatisfy { $0 == 0 })
        #expect(p[l.bd].first == 0)
    }

    @Test func torchPresetAndScale() {
        let s = ModelShape(vocab: 50, embed: 8, hidden: 16)
        let l = ParameterLayout(s)
        let p = InitPreset.torch.initialize(l, seed: 3)
        #expect(p[l.wh].allSatisfy { abs($0) <= 0.25 })
        #expect(p[l.bias].allSatisfy { abs($0) <= 0.5 })
        let emb = Array(p[l.embedding])
        let mean = emb.reduce(0, +) / Double(emb.count)
        let variance = emb.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(emb.count)
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.15)
        let small = InitPreset.torch.initialize(l, seed: 3, scale: 0.01)
        for i in p.values.indices { #expect(small.values[i] == p.values[i] * 0.01) }
    }

    @Test func seedsAreReproducibleAndDistinct() {
        let l = ParameterLayout(ModelShape(vocab: 20, embed: 4, hidden: 5))
        #expect(InitPreset.keras.initialize(l, seed: 7) == InitPreset.keras.initialize(l, seed: 7))
        #expect(InitPreset.keras.initialize(l, seed: 7) != InitPreset.keras.initialize(l, seed: 8))
    }
}
