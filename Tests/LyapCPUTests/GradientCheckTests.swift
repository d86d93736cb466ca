import Testing
import LyapCore
@testable import LyapCPU

/// BPTT against central finite differences in Double, every element of every tensor.
struct GradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let embed: Int, hidden: Int, seqLen: Int, batch: Int, threads: Int, seed: UInt64
        var wide = false
        var biases = BiasLayout.one
        var testDescription: String {
            "E\(embed) H\(hidden) L\(seqLen) B\(batch) threads\(threads)\(wide ? " wide" : "")\(biases == .two ? " two biases" : "") seed\(seed)"
        }
    }

    static let cases: [Case] = [
        Case(embed: 3, hidden: 7, seqLen: 6, batch: 3, threads: 1, seed: 1),   // methods.md ladder: 6 steps, H=7
        Case(embed: 2, hidden: 1, seqLen: 1, batch: 1, threads: 1, seed: 2),   // batch 1, L 1, H 1
        Case(embed: 4, hidden: 5, seqLen: 1, batch: 4, threads: 2, seed: 3),   // L 1 across two slices
        Case(embed: 1, hidden: 3, seqLen: 9, batch: 1, threads: 2, seed: 4),   // batch 1 with more threads than sequences
        Case(embed: 5, hidden: 9, seqLen: 7, batch: 5, threads: 2, seed: 5),   // uneven slices (2 + 3)
        Case(embed: 3, hidden: 7, seqLen: 6, batch: 3, threads: 2, seed: 6, wide: true),  // wide path, uneven splits
        Case(embed: 2, hidden: 5, seqLen: 1, batch: 1, threads: 3, seed: 7, wide: true),  // wide, L 1, batch 1
        // --lstm-biases two: bias_ih and bias_hh each checked element by element.
        Case(embed: 3, hidden: 7, seqLen: 6, batch: 3, threads: 1, seed: 11, biases: .two),
        Case(embed: 5, hidden: 9, seqLen: 7, batch: 5, threads: 2, seed: 12, biases: .two),  // uneven slices
        Case(embed: 3, hidden: 7, seqLen: 6, batch: 3, threads: 2, seed: 13, wide: true, biases: .two),
    ]

    @Test(arguments: cases)
    func gradientsMatchCentralDifferences(_ c: Case) {
        let m = RandomModel(embed: c.embed, hidden: c.hidden, seqLen: c.seqLen, batch: c.batch, seed: c.seed, biases: c.biases)
        #expect(m.params.layout.slots.count == (c.biases == .two ? 7 : 6))
        let (_, grad) = m.gradient(threads: c.threads, wide: c.wide)
        let h = 1e-5
        for slot in m.params.layout.slots {
            var worstRel = 0.0, worstIndex = -1, numNorm = 0.0, diffNorm = 0.0
            for i in slot.range {
                var plus = m.params, minus = m.params
                plus.values[i] += h
                minus.values[i] -= h
                let numeric = (m.loss(plus) - m.loss(minus)) / (2 * h)
                let diff = abs(grad[i] - numeric)
                numNorm += numeric * numeric
                diffNorm += diff * diff
                let rel = diff / max(abs(numeric), 1e-4)
                if rel > worstRel { worstRel = rel; worstIndex = i - slot.offset }
            }
            let normRel = (diffNorm / max(numNorm, 1e-300)).squareRoot()
            #expect(worstRel < 1e-6, "\(slot.name)[\(worstIndex)] relative error \(worstRel) (\(c.testDescription))")
            #expect(normRel < 1e-7 || numNorm == 0, "\(slot.name) norm-wise relative error \(normRel)")
        }
    }

    @Test func gradientIsNotTriviallyZero() {
        let m = RandomModel(embed: 3, hidden: 7, seqLen: 6, batch: 3, seed: 1)
        let (_, g) = m.gradient()
        for slot in m.params.layout.slots {
            #expect(g[slot.range].contains { $0 != 0 }, "\(slot.name) gradient is all zero")
        }
    }

    @Test func sliceCountAndWidePathChangeOnlyRounding() {
        let m = RandomModel(embed: 4, hidden: 6, seqLen: 8, batch: 7, seed: 9)
        let (l1, g1) = m.gradient(threads: 1)
        for (l, g) in [m.gradient(threads: 3), m.gradient(threads: 2, wide: true), m.gradient(threads: 3, wide: true)] {
            #expect(abs(l1 - l) < 1e-14)
            for i in g1.indices { #expect(abs(g1[i] - g[i]) <= 1e-14 + 1e-12 * abs(g1[i])) }
        }
    }
}
