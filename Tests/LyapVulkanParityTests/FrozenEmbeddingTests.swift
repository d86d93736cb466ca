import Foundation
import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM
import LyapTestSupport

/// `VulkanLSTMEnsemble.frozenEmbedding`: no embedding-gradient dispatch, the embedding part of the
/// gradients zero and every other gradient identical to the ordinary ensemble's; after Adam steps the
/// table is bitwise the initial one while the other weights train.
@Suite(.serialized, .vulkanDevice, .noValidationMessages)
struct FrozenEmbeddingTests {
    let c = ParityTests.Case(hidden: 5, batch: 3, seqLen: 11, embed: 4, models: 2)

    @Test func gradientsOfOtherTensorsAreTheOrdinaryOnes() throws {
        let p = ParityTests.problem(c, seed: 31)
        let ordinary = try ParityTests.ensemble(c, p)
        let frozen = try ParityTests.ensemble(c, p)
        frozen.frozenEmbedding = true
        let a = try ordinary.gradients(p.batches), b = try frozen.gradients(p.batches)
        #expect(a == b)
        let ga = try ordinary.gradientValues(), gb = try frozen.gradientValues()
        let lay = ParameterLayout(p.shape)
        for k in 0..<c.models {
            #expect(gb[k][lay.embedding.range].allSatisfy { $0 == 0 })
            #expect(ga[k][lay.embedding.range].contains { $0 != 0 })
            for slot in lay.slots where slot != lay.embedding {
                #expect(Array(gb[k][slot.range]) == Array(ga[k][slot.range]), "model \(k) \(slot.name)")
            }
        }
    }

    @Test func embeddingIsBitwiseUnchangedAfterTraining() throws {
        let p = ParityTests.problem(c, seed: 32)
        let e = try ParityTests.ensemble(c, p)
        e.frozenEmbedding = true
        let start = try e.states()
        for _ in 0..<4 { _ = try e.trainStep(p.batches, adam: [AdamConfig(lr: 1e-2), AdamConfig(lr: 1e-2)]) }
        let end = try e.states()
        let lay = ParameterLayout(p.shape)
        for k in 0..<c.models {
            #expect(end[k].params[lay.embedding].map(\.bitPattern) == start[k].params[lay.embedding].map(\.bitPattern))
            #expect(end[k].params[lay.wh] != start[k].params[lay.wh], "the other weights still train")
        }
    }
}
