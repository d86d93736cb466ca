/// Which configurations of a sweep train together (`lyap sweep`; the groups are built in the CLI).
public enum SweepGrouping {
    /// How the widths of one variant train on Vulkan: one ensemble per width (the default), one ensemble
    /// zero-padded to the widest (`--pad-widths`), or one ensemble per width recorded phase by phase into
    /// one command buffer (`--interleave-widths`).
    public enum WidthMode { case separate, padded, interleaved }

    /// Which configurations train together: on the CPU each alone, in grid order; on Vulkan those of one
    /// variant and width (one shape, one training-set size, one frozen setting), at most `maxModels` each.
    /// With `.padded` or `.interleaved`, all widths of one variant train together (interleaved groups list
    /// each width's configurations together, widths in the order they first appear).
    /// `fit(width)`, when given, is how many models of that width the device's memory holds; groups are cut
    /// to it as well (an interleaved group to the sum of its configurations' shares).
    public static func split(_ todo: [SweepConfiguration], ensemble: Bool, maxModels: Int?, widths mode: WidthMode = .separate,
                             fit: ((Int) -> Int)? = nil) -> [[SweepConfiguration]] {
        guard ensemble else { return todo.map { [$0] } }
        var keys: [String] = []
        var members: [String: [SweepConfiguration]] = [:]
        for c in todo {
            let key = mode == .separate ? "\(c.variant)/\(c.width)" : "\(c.variant)"
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(c)
        }
        return keys.flatMap { k in
            let group = members[k]!
            guard mode == .interleaved else {
                let cap = max(1, min(maxModels ?? Int.max, fit?(group.map(\.width).max()!) ?? Int.max))
                return stride(from: 0, to: group.count, by: cap).map { Array(group[$0..<min($0 + cap, group.count)]) }
            }
            var order: [Int] = []
            for c in group where !order.contains(c.width) { order.append(c.width) }
            let byWidth = order.flatMap { w in group.filter { $0.width == w } }
            var out: [[SweepConfiguration]] = [[]]
            var share = 0.0
            for c in byWidth {
                let s = fit.map { 1 / Double($0(c.width)) } ?? 0
                if !out[out.count - 1].isEmpty && (out[out.count - 1].count == maxModels || share + s > 1) {
                    out.append([])
                    share = 0
                }
                out[out.count - 1].append(c)
                share += s
            }
            return out
        }
    }
}
