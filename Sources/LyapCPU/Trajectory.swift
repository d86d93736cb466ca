/// The buffers of one pass over a set of rows (a batch slice, or the shared pad-only trajectory) and where
/// each step's rows are in them (`RowLayout`).
struct Trajectory<T: CPUScalar>: @unchecked Sendable {
    /// x[row][E]: gathered embeddings, reused as dX after the weight gradients are formed.
    let x: UnsafeMutablePointer<T>
    /// gates[row][4H]: pre-activations, overwritten in place by i, f, g, o.
    let gates: UnsafeMutablePointer<T>
    let c: UnsafeMutablePointer<T>, tanhC: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>  // [state row][H]
    let dA: UnsafeMutablePointer<T>                                                               // [row][4H]
    var layout: RowLayout

    func with(_ layout: RowLayout) -> Trajectory {
        var t = self
        t.layout = layout
        return t
    }

    /// Step t's row of slot s in x, gates and dA; its state row in c, tanhC and h.
    @inline(__always) func stepRow(_ t: Int, _ s: Int) -> Int { layout.stepOffset[t] + s }
    @inline(__always) func stateRow(_ t: Int, _ s: Int) -> Int { layout.stateOffset[t] + s }
}
