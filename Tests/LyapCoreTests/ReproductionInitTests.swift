import Testing
@testable import LyapCore

/// `--init-preset reproduction`: SentimentLSTM._init_weights of the PyTorch reproduction.
struct ReproductionInitTests {
    @Test func structureAndStatistics() {
        let s = ModelShape(vocab: 2001, embed: 8, hidden: 7)
        let l = ParameterLayout(s)
        let p = InitPreset.reproduction.initialize(l, seed: 5)
        let emb = Array(p.values[l.embedding.range])
        #expect(l.embeddingRow(0).allSatisfy { p.values[$0] == 0 })
        let drawn = emb.dropFirst(s.embed)
        #expect(drawn.allSatisfy { abs($0) <= 0.1 } && drawn.max()! > 0.099 && drawn.min()! < -0.099)
        let mean = drawn.reduce(0, +) / Double(drawn.count)
        let variance = drawn.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(drawn.count)
        #expect(abs(mean) < 0.002 && abs(variance / (0.01 / 3) - 1) < 0.05)  // U(-a, a): variance a^2/3
        let gx = (6.0 / Double(s.embed + 4 * s.hidden)).squareRoot()
        #expect(p.values[l.wx.range].allSatisfy { abs($0) <= gx } && p.values[l.wx.range].map(abs).max()! > 0.9 * gx)
        // W_hh [4H][H] has orthonormal columns: W^T W = I.
        let H = s.hidden, wh = l.wh.offset
        var worst = 0.0
        for a in 0..<H {
            for b in 0..<H {
                var dot = 0.0
                for r in 0..<(4 * H) { dot += p.values[wh + r * H + a] * p.values[wh + r * H + b] }
                worst = max(worst, abs(dot - (a == b ? 1 : 0)))
            }
        }
        #expect(worst < 1e-12)
        #expect(p.values[l.bias.range].allSatisfy { $0 == 0 } && p.values[l.bd.offset] == 0)
        let gd = (6.0 / Double(H + 1)).squareRoot()
        #expect(p.values[l.wd.range].allSatisfy { abs($0) <= gd } && p.values[l.wd.range].contains { $0 != 0 })
        // Unlike keras: no forget-gate bias of 1, and a wider embedding.
        let keras = InitPreset.keras.initialize(l, seed: 5)
        #expect(keras.values[l.bias.range].contains { $0 == 1 })
        #expect(InitPreset.reproduction.initialize(l, seed: 5) == p && InitPreset.reproduction.initialize(l, seed: 6) != p)
    }
}
