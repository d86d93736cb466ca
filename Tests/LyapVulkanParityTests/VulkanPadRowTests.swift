import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// `--pad-row zero` on Vulkan: the pad id's positions join no embedding-gradient segment, so row 0's
/// gradient is exactly zero, every other gradient is bitwise the ordinary ensemble's, and Adam never
/// moves the row.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct VulkanPadRowTests {
    let c = ParityTests.Case(hidden: 5, batch: 3, seqLen: 11, embed: 4, models: 2)

    /// The parity problem with every sequence post-padded: its last 1 + b ids set to the pad id 0.
    func problem(seed: UInt64) -> ParityTests.Problem {
        let p = ParityTests.problem(c, seed: seed)
        let padded = p.batches.map { b in
            var t = b.tokens
            for s in 0..<b.count { for k in 0..<(1 + s) { t[s * b.seqLen + b.seqLen - 1 - k] = 0 } }
            return Batch(tokens: t, labels: b.labels, seqLen: b.seqLen)
        }
        return ParityTests.Problem(shape: p.shape, params: p.params, batches: padded)
    }

    @Test func padRowGradientIsZeroAndTheRestUnchanged() throws {
        let p = problem(seed: 41)
        #expect(p.batches.allSatisfy { $0.tokens.contains(0) }, "the problem must use the pad id")
        let ordinary = try ParityTests.ensemble(c, p)
        let zero = try ParityTests.ensemble(c, p)
        zero.padRow = .zero
        #expect(try ordinary.gradients(p.batches) == zero.gradients(p.batches))
        let ga = try ordinary.gradientValues(), gb = try zero.gradientValues()
        let lay = ParameterLayout(p.shape), row = lay.embeddingRow(0)
        for k in 0..<c.models {
            #expect(gb[k][row].allSatisfy { $0 == 0 })
            #expect(ga[k][row].contains { $0 != 0 })
            var rest = ga[k]
            for i in row { rest[i] = 0 }
            #expect(gb[k] == rest, "model \(k): other gradients changed")
        }
    }

    @Test func padRowIsBitwiseUnchangedAfterTraining() throws {
        let p = problem(seed: 42)
        let e = try ParityTests.ensemble(c, p)
        e.padRow = .zero
        let start = try e.states()
        for _ in 0..<4 { _ = try e.trainStep(p.batches, adam: [AdamConfig(lr: 1e-2), AdamConfig(lr: 1e-2)]) }
        let end = try e.states()
        let row = ParameterLayout(p.shape).embeddingRow(0)
        for k in 0..<c.models {
            #expect(row.map { end[k].params.values[$0].bitPattern } == row.map { start[k].params.values[$0].bitPattern })
            #expect(row.allSatisfy { end[k].m[$0] == 0 && end[k].v[$0] == 0 })
            #expect(end[k].params[ParameterLayout(p.shape).embedding] != start[k].params[ParameterLayout(p.shape).embedding])
        }
    }
}
