import LyapCore

/// Buffers for one slice of a batch, kept between steps so the hot loop never allocates.
/// Everything is time-major: row (t, b) of a [L][nb][w] buffer is at (t*nb + b)*w.
final class ChunkWorkspace<T: CPUScalar>: @unchecked Sendable {
    let seqLen: Int, capacity: Int
    /// x[t][b][E]: gathered embeddings, reused as dX after the weight gradients are formed.
    let x: UnsafeMutablePointer<T>
    /// gates[t][b][4H]: pre-activations, overwritten in place by i, f, g, o.
    let gates: UnsafeMutablePointer<T>
    let c: UnsafeMutablePointer<T>, tanhC: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>  // [t][b][H]
    let dA: UnsafeMutablePointer<T>                                                               // [t][b][4H]
    let dh: UnsafeMutablePointer<T>, dc: UnsafeMutablePointer<T>                                  // [b][H]
    /// eps_h with padded rows ([b][Hp], Hp = H rounded up to 16): the padded backward products' output.
    let dhPadded: UnsafeMutablePointer<T>
    var logits: [Double]
    /// This slice's share of the gradient of everything except the embedding table.
    let gWx: UnsafeMutablePointer<T>, gWh: UnsafeMutablePointer<T>, gB: UnsafeMutablePointer<T>
    let gWd: UnsafeMutablePointer<T>
    var gBd: T = 0
    var totals = LossTotals()
    /// Where this pass's rows are (set per pass; dense in batch order unless the pad prefix is shared).
    var rowLayout: RowLayout
    /// The shared pad-only trajectory: one row per step, the same roles as x, gates, c, tanhC, h and dA.
    let shared: Trajectory<T>
    /// Adjoints of h and c at each shared step, summed over the rows that enter right after it.
    let injectH: UnsafeMutablePointer<T>, injectC: UnsafeMutablePointer<T>  // [t][H]
    private(set) var owned: [(UnsafeMutablePointer<T>, Int)] = []

    init(seqLen: Int, capacity: Int, shape: ModelShape) {
        self.seqLen = seqLen
        self.capacity = capacity
        let rows = seqLen * capacity, g = shape.gateRows, hh = shape.hidden
        var owned: [(UnsafeMutablePointer<T>, Int)] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            owned.append((p, max(n, 1)))
            return p
        }
        x = buffer(rows * shape.embed)
        gates = buffer(rows * g)
        c = buffer(rows * hh)
        tanhC = buffer(rows * hh)
        h = buffer(rows * hh)
        dA = buffer(rows * g)
        dh = buffer(capacity * hh)
        dc = buffer(capacity * hh)
        dhPadded = buffer(capacity * ((hh + 15) / 16 * 16))
        gWx = buffer(g * shape.embed)
        gWh = buffer(g * hh)
        gB = buffer(g)
        gWd = buffer(hh)
        shared = Trajectory(x: buffer(seqLen * shape.embed), gates: buffer(seqLen * g), c: buffer(seqLen * hh),
                            tanhC: buffer(seqLen * hh), h: buffer(seqLen * hh), dA: buffer(seqLen * g), layout: .single(steps: 0))
        injectH = buffer(seqLen * hh)
        injectC = buffer(seqLen * hh)
        logits = [Double](repeating: 0, count: capacity)
        rowLayout = .dense(steps: seqLen, first: 0, count: capacity)
        self.owned = owned
    }

    deinit {
        for (p, n) in owned {
            p.deinitialize(count: n)
            p.deallocate()
        }
    }

    /// The slice's own rows as a trajectory in the current layout.
    var rowsTrajectory: Trajectory<T> { Trajectory(x: x, gates: gates, c: c, tanhC: tanhC, h: h, dA: dA, layout: rowLayout) }

    func fits(seqLen l: Int, count: Int) -> Bool { l == seqLen && count <= capacity }
}
