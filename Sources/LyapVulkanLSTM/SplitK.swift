import LyapCore
import LyapVulkan

/// How a weight-gradient reduction over the rows (t, b) of a batch is split into chunks (split-K): pass 1
/// (grad_*_part) gives one invocation per (model, chunk, output) that sums its chunk's rows in ascending
/// order into a scratch buffer [m][c][output]; pass 2 (grad_sum_parts) adds the chunks in ascending c.
/// No atomics, and the chunking depends only on the shapes (M, L, B, H, E), never on the device, so the
/// summation order, hence the result, is the same everywhere up to the driver's FMA contraction.
///
/// The rule, per reduction of `outputs` values per model over `rows` rows:
///     C = clamp(ceil(target / (M * outputs)), 1, min(maxChunks, rows / minChunkRows))
/// then chunks of ceil(rows / C) rows (the last one shorter; C recomputed so none is empty).
/// - `target` = 2^17 invocations for pass 1: enough to fill a large GPU several waves deep (an H100 keeps
///   132 x 2048 threads resident), where one invocation per output gives only 4H^2 = 14 400 invocations at
///   H = 60, each a dependent chain of L*B = 16 000 adds. More chunks than that would only add scratch traffic.
/// - `maxChunks` = 64 bounds pass 2 (at most 64 adds per output) and the scratch buffer.
/// - `minChunkRows` = 64: a chunk reads at least 64 rows, so pass 1's reads outweigh its one scratch write
///   and pass 2's read; problems under 128 rows keep C = 1, the one-pass summation order.
/// At the paper's shape (M = 1, H = 60, E = 32, B = 32, L = 500) this gives C = 10 for dWh (14 400 outputs),
/// 18 for dWx (7 680) and 64 for the gate bias (240).
public struct SplitK: Equatable, Sendable {
    /// Chunks C of the row range, and rows per chunk (the last one has rows - (C-1)*chunkRows, at least 1).
    public let chunks: Int, chunkRows: Int

    public static let target = 131_072
    public static let maxChunks = 64
    public static let minChunkRows = 64

    public init(rows: Int, outputs: Int, models: Int) {
        precondition(rows >= 0 && outputs >= 1 && models >= 1)
        let wanted = (Self.target + models * outputs - 1) / (models * outputs)
        let c = max(1, min(wanted, Self.maxChunks, rows / Self.minChunkRows))
        chunkRows = max(1, (rows + c - 1) / c)
        chunks = max(1, (rows + chunkRows - 1) / chunkRows)
    }

    /// dWh: 4H*H outputs over the rows with t >= 1.
    public static func recurrent(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int) -> SplitK {
        SplitK(rows: (L - 1) * B, outputs: 4 * shape.hidden * shape.hidden, models: M)
    }

    /// dWx: 4H*E outputs over every row.
    public static func input(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int) -> SplitK {
        SplitK(rows: L * B, outputs: 4 * shape.hidden * shape.embed, models: M)
    }

    /// The gate bias: 4H outputs over every row.
    public static func bias(shape: ModelShape, models M: Int, batch B: Int, seqLen L: Int) -> SplitK {
        SplitK(rows: L * B, outputs: 4 * shape.hidden, models: M)
    }
}
