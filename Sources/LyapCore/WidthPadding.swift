/// A model of width h embedded in a wider one of width H >= h: its units are units 0..<h of each gate
/// block, every other entry is zero. Zero padding is exact for this LSTM: a unit whose incoming weights,
/// bias and read-out weight are zero keeps h = c = 0 (i = f = o = 1/2, g = 0), it feeds nothing to the
/// real units, and every gradient of a padded entry is exactly zero, so Adam (m = v = 0) leaves it zero.
/// Lets models of different widths train together in one Vulkan ensemble (`lyap sweep --pad-widths`).
extension ParameterStore {
    /// This store's model placed in a layout of width `hidden` (the rest zero).
    public func padded(toHidden hidden: Int) -> ParameterStore {
        let from = layout, to = ParameterLayout(ModelShape(vocab: from.shape.vocab, embed: from.shape.embed, hidden: hidden), biases: from.biases)
        precondition(hidden >= from.shape.hidden, "cannot pad width \(from.shape.hidden) to \(hidden)")
        var out = ParameterStore.zeros(to)
        WidthPadding.copy(from: from, to: to, narrow: from.shape.hidden) { src, dst in out.values[dst] = values[src] }
        return out
    }

    /// The width-`hidden` model held in units 0..<hidden of this wider store (the inverse of `padded`).
    public func unpadded(toHidden hidden: Int) -> ParameterStore {
        let from = layout, to = ParameterLayout(ModelShape(vocab: from.shape.vocab, embed: from.shape.embed, hidden: hidden), biases: from.biases)
        precondition(hidden <= from.shape.hidden, "cannot narrow width \(from.shape.hidden) to \(hidden)")
        var out = ParameterStore.zeros(to)
        WidthPadding.copy(from: to, to: from, narrow: hidden) { dst, src in out.values[dst] = values[src] }
        return out
    }

    /// Whether every entry outside units 0..<hidden is zero (what training padded models must keep).
    public func isZeroOutside(hidden: Int) -> Bool {
        let narrow = ParameterLayout(ModelShape(vocab: layout.shape.vocab, embed: layout.shape.embed, hidden: hidden), biases: layout.biases)
        var used = [Bool](repeating: false, count: layout.count)
        WidthPadding.copy(from: narrow, to: layout, narrow: hidden) { _, wide in used[wide] = true }
        return values.indices.allSatisfy { used[$0] || values[$0] == 0 }
    }
}

enum WidthPadding {
    /// Calls `pair(narrowIndex, wideIndex)` for every entry of the width-`narrow` model (`small` layout)
    /// and its place in the wider `large` layout.
    static func copy(from small: ParameterLayout, to large: ParameterLayout, narrow h: Int, _ pair: (Int, Int) -> Void) {
        let H = large.shape.hidden, E = small.shape.embed
        for i in 0..<small.embedding.count { pair(small.embedding.offset + i, large.embedding.offset + i) }
        for q in 0..<4 {
            for j in 0..<h {
                let rs = q * h + j, rl = q * H + j
                for e in 0..<E { pair(small.wx.offset + rs * E + e, large.wx.offset + rl * E + e) }
                for k in 0..<h { pair(small.wh.offset + rs * h + k, large.wh.offset + rl * H + k) }
                pair(small.bias.offset + rs, large.bias.offset + rl)
                if let a = small.biasHH, let b = large.biasHH { pair(a.offset + rs, b.offset + rl) }
            }
        }
        for j in 0..<h { pair(small.wd.offset + j, large.wd.offset + j) }
        pair(small.bd.offset, large.bd.offset)
    }
}
