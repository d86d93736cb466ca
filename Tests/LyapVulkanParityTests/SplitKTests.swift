import Testing
import LyapCore
import LyapVulkan
import LyapVulkanLSTM

/// The chunk rule of the split-K gradient reductions (SplitK): a function of the shapes alone.
@Suite(.noValidationMessages)
struct SplitKTests {
    static func splits(_ H: Int, _ E: Int, _ B: Int, _ L: Int, _ M: Int) -> [SplitK] {
        let shape = ModelShape(vocab: 53, embed: E, hidden: H)
        return [SplitK.recurrent(shape: shape, models: M, batch: B, seqLen: L), SplitK.input(shape: shape, models: M, batch: B, seqLen: L),
                SplitK.bias(shape: shape, models: M, batch: B, seqLen: L)]
    }

    @Test func thePapersShapeIsSplitAndTinyShapesAreNot() {
        let paper = Self.splits(60, 32, 32, 500, 1)
        #expect(paper.map(\.chunks) == [10, 18, 64])
        #expect(paper.map(\.chunkRows) == [1597, 889, 250])
        // Eight models of the paper's shape fill the device with fewer chunks.
        #expect(Self.splits(60, 32, 32, 500, 8).map(\.chunks) == [2, 3, 64])
        for tiny in [Self.splits(7, 32, 3, 17, 1), Self.splits(1, 1, 1, 1, 1), Self.splits(129, 32, 3, 17, 3)] {
            #expect(tiny.map(\.chunks) == [1, 1, 1])
        }
        // L = 1: no rows for dWh, one empty chunk (the gradient is zero).
        #expect(Self.splits(1, 1, 1, 1, 1)[0] == SplitK(rows: 0, outputs: 4, models: 1))
    }

    /// The parity case meant for split-K really has several chunks and a shorter last one in every reduction.
    @Test func theParityCaseHasUnevenChunks() {
        let c = ParityTests.splitCase
        let rows = [(c.seqLen - 1) * c.batch, c.seqLen * c.batch, c.seqLen * c.batch]
        for (s, n) in zip(Self.splits(c.hidden, c.embed, c.batch, c.seqLen, c.models), rows) {
            #expect(s.chunks > 1)
            #expect(n % s.chunkRows != 0, "\(n) rows in chunks of \(s.chunkRows)")
        }
    }

    /// Chunks cover the rows exactly, none empty, at most 64, each at least 64 rows when there are several.
    @Test func chunksCoverTheRows() {
        for rows in [0, 1, 63, 64, 127, 128, 129, 1000, 15_968, 16_000, 1_000_000] {
            for outputs in [1, 4, 240, 7_680, 14_400, 262_144] {
                for models in [1, 3, 64] {
                    let s = SplitK(rows: rows, outputs: outputs, models: models)
                    #expect(s.chunks >= 1 && s.chunks <= SplitK.maxChunks)
                    #expect(rows == 0 ? s.chunks == 1 : (s.chunks - 1) * s.chunkRows < rows && rows <= s.chunks * s.chunkRows)
                    if s.chunks > 1 { #expect(s.chunkRows >= SplitK.minChunkRows) }
                }
            }
        }
    }
}
