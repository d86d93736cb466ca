import Testing
import LyapCore
@testable import LyapCPU

/// `--pad-row zero` (nn.Embedding padding_idx=0): row 0 starts at zero and Adam never moves it.
struct PadRowTests {
    static let shape = ModelShape(vocab: 13, embed: 3, hidden: 5)

    /// Post-padded batches: every row ends in pads, so row 0's gradient would be far from zero.
    static func batches() -> [Batch] {
        var rng = LabRNG(seed: 4, stream: "pad-row-test")
        return (0..<6).map { _ in
            let L = 9
            var tokens: [Int32] = []
            for _ in 0..<4 {
                let n = 2 + rng.below(5)
                tokens += (0..<L).map { $0 < n ? Int32(1 + rng.below(12)) : 0 }
            }
            return Batch(tokens: tokens, labels: (0..<4).map { _ in UInt8(rng.below(2)) }, seqLen: L)
        }
    }

    func train<T: CPUScalar>(_: T.Type, padRow: PadRow, loss: LossForm) throws -> TrainingState<T> {
        let b = CPUBackend<T>(shape: Self.shape, threads: 2)
        b.padRow = padRow
        b.loss = loss
        let init0 = InitPreset.reproduction.initialize(ParameterLayout(Self.shape), seed: 2)
        try b.load(TrainingState(params: init0.converted(to: T.self)))
        for batch in Self.batches() { _ = try b.trainStep(batch, adam: AdamConfig(lr: 1e-2)) }
        return try b.state()
    }

    @Test(arguments: [LossForm.logits, .sigmoidBCE])
    func padRowStaysExactlyZero(_ loss: LossForm) throws {
        let row = ParameterLayout(Self.shape).embeddingRow(0)
        let f = try train(Float.self, padRow: .zero, loss: loss)
        let d = try train(Double.self, padRow: .zero, loss: loss)
        #expect(row.allSatisfy { f.params.values[$0].bitPattern == 0 && f.m[$0] == 0 && f.v[$0] == 0 })
        #expect(row.allSatisfy { d.params.values[$0].bitPattern == 0 && d.m[$0] == 0 && d.v[$0] == 0 })
        let other = ParameterLayout(Self.shape).embeddingRow(1)
        #expect(other.contains { d.params.values[$0] != InitPreset.reproduction.initialize(ParameterLayout(Self.shape), seed: 2).values[$0] })
        // The control: a trained pad row moves.
        let trained = try train(Double.self, padRow: .trained, loss: loss)
        #expect(row.contains { trained.params.values[$0] != 0 })
    }
}
