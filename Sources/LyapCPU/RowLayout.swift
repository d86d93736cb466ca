/// Where a slice's rows live in its workspace, step by step (issue 14's shared pad prefix).
///
/// Rows are held in slots: slot s is batch row `rows[s]`. Step t's inputs, gate activations and deltas are
/// rows `stepOffset[t]..<stepOffset[t+1]` of x, gates and dA; its states (c, tanh c, h) start at row
/// `stateOffset[t]` of c, tanhC and h. The forward pass computes slots `0..<active[t]` at step t and the
/// backward pass carries slots `0..<carried[t]`; both are prefixes because slots are ordered by first step.
///
/// Three layouts:
/// - `dense`: every slot at every step, in batch order (the computation of runs before issue 14).
/// - `packed`: with a pad prefix shared, slot s starts at its first own step p_s; step blocks hold only the
///   active slots, and state block t holds the slots active at t+1, so a slot entering at t+1 finds the shared
///   pad state at t in its row (copied in) and the step-t+1 product reads one contiguous block.
/// - `denseShared`: the forward shares the prefix but every slot keeps a row at every step (pad steps filled
///   with the shared activations), so the backward carries per-occurrence adjoints through the pad region
///   (Keras 3's Adam form needs each occurrence's embedding slice).
struct RowLayout: Sendable, Equatable {
    let steps: Int
    /// Batch row (within the whole batch) of each slot.
    let rows: [Int]
    /// First own step of each slot: the shared trajectory gives its state before that.
    let start: [Int]
    let active: [Int]
    let carried: [Int]
    let stepOffset: [Int]
    let stateOffset: [Int]
    /// Steps of the shared pad-only trajectory (the largest `start`).
    var sharedSteps: Int { start.max() ?? 0 }
    /// Whether adjoints of entering slots flow into the shared trajectory (packed) or run on per slot.
    let injects: Bool

    var slots: Int { rows.count }
    var stepRows: Int { stepOffset[steps] }

    /// Every slot at every step in batch order: rows `first..<first+count`.
    static func dense(steps L: Int, first: Int, count nb: Int) -> RowLayout {
        let all = [Int](repeating: nb, count: L)
        let offsets = (0...L).map { $0 * nb }
        return RowLayout(steps: L, rows: Array(first..<(first + nb)), start: [Int](repeating: 0, count: nb),
                         active: all, carried: all, stepOffset: offsets, stateOffset: offsets, injects: false)
    }

    /// A pad-only trajectory of `steps` steps (one slot, the shared prefix itself).
    static func single(steps: Int) -> RowLayout { dense(steps: steps, first: 0, count: 1) }

    /// Each row's leading run of `padID`, at most L-1 steps (every row keeps a step of its own).
    static func leadingPadRuns(_ tokens: UnsafePointer<Int32>, count n: Int, steps L: Int, padID: Int32) -> [Int] {
        (0..<n).map { b in
            let row = tokens + b * L
            var p = 0
            while p < L - 1 && row[p] == padID { p += 1 }
            return p
        }
    }

    /// The shared-prefix layout of rows `first..<first+count` of `tokens` ([b][t], L per row): each row's
    /// leading run of `padID` (at most L-1 steps, so every row has a step of its own) is shared.
    /// `perOccurrence` keeps a row per slot and step (`denseShared`).
    static func shared(tokens: UnsafePointer<Int32>, steps L: Int, first: Int, count nb: Int, padID: Int32,
                       perOccurrence: Bool) -> RowLayout {
        let lead = leadingPadRuns(tokens + first * L, count: nb, steps: L, padID: padID)
        let order = (0..<nb).sorted { (lead[$0], $0) < (lead[$1], $1) }
        let start = order.map { lead[$0] }
        var active = [Int](repeating: 0, count: L)
        for p in start { active[p] += 1 }
        for t in 1..<max(L, 1) { active[t] += active[t - 1] }
        let rows = order.map { first + $0 }
        if perOccurrence {
            let offsets = (0...L).map { $0 * nb }
            return RowLayout(steps: L, rows: rows, start: start, active: active, carried: [Int](repeating: nb, count: L),
                             stepOffset: offsets, stateOffset: offsets, injects: false)
        }
        var stepOffset = [0], stateOffset = [0]
        for t in 0..<L {
            stepOffset.append(stepOffset[t] + active[t])
            stateOffset.append(stateOffset[t] + (t + 1 < L ? active[t + 1] : nb))
        }
        return RowLayout(steps: L, rows: rows, start: start, active: active, carried: active,
                         stepOffset: stepOffset, stateOffset: stateOffset, injects: true)
    }

    /// Slots whose row is in the step block of step t (the active ones when packed; all when dense).
    func blockRows(_ t: Int) -> Int { stepOffset[t + 1] - stepOffset[t] }
}
