import Testing
import LyapCore
@testable import LyapCPU

/// The memory preflight's CPU figure equals what the backend really allocates (counted from its arrays and
/// workspace buffers after a step), narrow and wide, both precisions, odd shapes.
struct CPUMemoryTests {
    static let cases: [(embed: Int, hidden: Int, seqLen: Int, batch: Int, threads: Int, wide: Bool)] = [
        (3, 5, 7, 9, 2, false), (4, 7, 5, 3, 4, false), (5, 6, 9, 11, 3, true), (2, 16, 4, 6, 2, true), (3, 9, 6, 5, 1, false),
    ]

    @Test(arguments: cases.indices)
    func estimateEqualsWhatABackendAllocates(_ k: Int) throws {
        let c = Self.cases[k]
        let m = RandomModel(vocab: 13, embed: c.embed, hidden: c.hidden, seqLen: c.seqLen, batch: c.batch, seed: UInt64(k))
        let wideFrom = c.wide ? 1 : CPUModel<Float>.defaultWideFrom
        func check<T: CPUScalar>(_: T.Type) throws {
            let b = CPUBackend<T>(shape: m.shape, threads: c.threads, wideFrom: wideFrom)
            try b.load(TrainingState(params: m.params.converted(to: T.self)))
            _ = try b.trainStep(m.batch, adam: AdamConfig())
            let estimate = CPUBackend<T>.estimatedBytes(shape: m.shape, threads: c.threads, batch: c.batch, seqLen: c.seqLen, wideFrom: wideFrom)
            #expect(b.allocatedBytes == estimate, "\(T.self) \(c): allocated \(b.allocatedBytes), estimated \(estimate)")
            // A smaller batch reuses the same buffers; evaluation allocates nothing more.
            _ = try b.evaluate(Batch(tokens: Array(m.batch.tokens.prefix(c.seqLen)), labels: [1], seqLen: c.seqLen))
            #expect(b.allocatedBytes == estimate)
        }
        try check(Float.self)
        try check(Double.self)
    }
}
