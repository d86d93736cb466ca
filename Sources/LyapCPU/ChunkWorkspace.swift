import LyapCore

/// Per-thread buffers for one slice of a batch, kept between steps so the hot loop never allocates.
/// Everything is time-major: row (t, b) of a [L][nb][w] buffer is at (t*nb + b)*w.
final class ChunkWorkspace<T: CPUScalar>: @unchecked Sendable {
    let seqLen: Int, capacity: Int, embed: Int, hidden: Int
    /// x[t][b][E]: gathered embeddings, reused as dX after the weight gradients are formed.
    var x: [T]
    /// gates[t][b][4H]: pre-activations, overwritten in place by i, f, g, o.
    var gates: [T]
    var c: [T], tanhC: [T], h: [T]         // [t][b][H]
    var dA: [T]                             // [t][b][4H]
    var dh: [T], dhNext: [T], dc: [T]       // [b][H]
    var logits: [Double]                    // [b]
    /// This chunk's share of the gradient of everything except the embedding table.
    var gWx: [T], gWh: [T], gB: [T], gWd: [T], gBd: T = 0
    var totals = LossTotals()

    init(seqLen: Int, capacity: Int, shape: ModelShape) {
        self.seqLen = seqLen
        self.capacity = capacity
        embed = shape.embed
        hidden = shape.hidden
        let rows = seqLen * capacity, g = shape.gateRows, hh = shape.hidden
        x = [T](repeating: 0, count: rows * shape.embed)
        gates = [T](repeating: 0, count: rows * g)
        c = [T](repeating: 0, count: rows * hh)
        tanhC = c
        h = c
        dA = gates
        dh = [T](repeating: 0, count: capacity * hh)
        dhNext = dh
        dc = dh
        logits = [Double](repeating: 0, count: capacity)
        gWx = [T](repeating: 0, count: g * shape.embed)
        gWh = [T](repeating: 0, count: g * hh)
        gB = [T](repeating: 0, count: g)
        gWd = [T](repeating: 0, count: hh)
    }

    func fits(seqLen l: Int, count: Int) -> Bool { l == seqLen && count <= capacity }
}
