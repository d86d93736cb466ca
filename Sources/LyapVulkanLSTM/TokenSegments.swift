import LyapVulkan
/// Groups a batch's positions by token id for the atomics-free embedding gradient: for each id in
/// the batch, a segment of positions p = t*B + b in ascending order; `slot[v]` is v's segment or -1.
struct TokenSegments {
    let vocab: Int
    private(set) var slot: [Int32]
    private(set) var segStart: [UInt32]
    private(set) var positions: [UInt32]
    private var used: [Int32] = []

    init(vocab: Int, capacity: Int) {
        self.vocab = vocab
        slot = [Int32](repeating: -1, count: vocab)
        segStart = [UInt32](repeating: 0, count: capacity + 1)
        positions = [UInt32](repeating: 0, count: capacity)
    }

    /// tokens: [b][t] row-major (B sequences of L ids). Positions of `skipping` (the pad id under
    /// `PadRow.zero`) join no segment, so that id's gradient row is written as 0.
    mutating func build(tokens: ArraySlice<Int32>, batch B: Int, seqLen L: Int, skipping: Int32? = nil) {
        for v in used { slot[Int(v)] = -1 }
        used.removeAll(keepingCapacity: true)
        var counts: [UInt32] = []
        let base = tokens.startIndex
        for t in 0..<L {
            for b in 0..<B {
                let id = tokens[base + b * L + t]
                if id == skipping { continue }
                var s = slot[Int(id)]
                if s < 0 {
                    s = Int32(used.count)
                    slot[Int(id)] = s
                    used.append(id)
                    counts.append(0)
                }
                counts[Int(s)] += 1
            }
        }
        var acc: UInt32 = 0
        for (k, c) in counts.enumerated() {
            segStart[k] = acc
            acc += c
        }
        segStart[counts.count] = acc
        var cursor = Array(segStart[0..<counts.count])
        for t in 0..<L {
            for b in 0..<B {
                let id = tokens[base + b * L + t]
                if id == skipping { continue }
                let s = Int(slot[Int(id)])
                positions[Int(cursor[s])] = UInt32(t * B + b)
                cursor[s] += 1
            }
        }
    }
}
