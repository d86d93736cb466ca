import Testing
import LyapCore
@testable import LyapCPU

/// `frozenEmbedding`: the embedding gradient is zero, every other gradient is the ordinary one, and
/// after Adam steps the table is bitwise the initial one (Adam's update is 0 / (0 + eps) = 0).
struct FrozenEmbeddingTests {
    @Test(arguments: [1, 2])
    func gradientsOfOtherTensorsAreTheOrdinaryOnes(threads: Int) {
        let m = RandomModel(embed: 3, hidden: 5, seqLen: 6, batch: 4, seed: 21)
        let model = CPUModel<Double>(shape: m.shape, threads: threads)
        var ordinary = [Double](repeating: 0, count: m.params.values.count), frozen = ordinary
        let a = model.lossAndGradient(m.params, m.batch, into: &ordinary)
        let b = model.lossAndGradient(m.params, m.batch, into: &frozen, frozenEmbedding: true)
        #expect(a == b)
        let lay = m.params.layout
        #expect(frozen[lay.embedding.range].allSatisfy { $0 == 0 })
        #expect(ordinary[lay.embedding.range].contains { $0 != 0 })
        for slot in lay.slots where slot != lay.embedding {
            #expect(Array(frozen[slot.range]) == Array(ordinary[slot.range]), "\(slot.name)")
        }
    }

    @Test func embeddingIsBitwiseUnchangedAfterTraining() throws {
        try check(Float.self)
        try check(Double.self)
    }

    private func check<T: CPUScalar>(_: T.Type) throws {
        let m = RandomModel(embed: 4, hidden: 3, seqLen: 5, batch: 6, seed: 22)
        let backend = CPUBackend<T>(shape: m.shape, threads: 2)
        backend.frozenEmbedding = true
        let start = m.params.converted(to: T.self)
        try backend.load(TrainingState(params: start))
        for _ in 0..<5 { _ = try backend.trainStep(m.batch, adam: AdamConfig(lr: 1e-2)) }
        let end = try backend.state()
        let lay = start.layout
        #expect(end.params[lay.embedding].map { Double($0).bitPattern } == start[lay.embedding].map { Double($0).bitPattern })
        #expect(end.params[lay.wx] != start[lay.wx], "the other weights still train")
        #expect(end.m[lay.embedding.range].allSatisfy { $0 == 0 } && end.v[lay.embedding.range].allSatisfy { $0 == 0 })
    }
}
