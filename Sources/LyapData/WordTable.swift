/// Interns words (UTF-8 byte strings) to dense local ids and counts their training occurrences,
/// without making a String per token. Open addressing over a byte arena.
struct WordTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var hashes: [UInt64] = []
    private(set) var trainCounts: [Int] = []
    private var slots = [Int32](repeating: -1, count: 1 << 16)

    var count: Int { starts.count }

    func word(_ id: Int) -> ArraySlice<UInt8> {
        let end = id + 1 < starts.count ? starts[id + 1] : arena.count
        return arena[starts[id]..<end]
    }

    /// Appends the local id of each word in `words` to `ids`.
    @_optimize(speed)
    mutating func intern(_ words: WordList, countAsTraining: Bool, into ids: inout [Int32]) {
        for k in 0..<words.count {
            ids.append(intern(words.bytes, words.range(of: k), countAsTraining: countAsTraining))
        }
    }

    @_optimize(speed)
    private mutating func intern(_ bytes: [UInt8], _ range: Range<Int>, countAsTraining: Bool) -> Int32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in range { hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            if hashes[id] == hash && equals(id, bytes, range) {
                if countAsTraining { trainCounts[id] += 1 }
                return Int32(id)
            }
            slot = (slot + 1) & mask
        }
        let id = starts.count
        starts.append(arena.count)
        arena.append(contentsOf: bytes[range])
        hashes.append(hash)
        trainCounts.append(countAsTraining ? 1 : 0)
        slots[slot] = Int32(id)
        if starts.count * 2 > slots.count { grow() }
        return Int32(id)
    }

    @_optimize(speed)
    private func equals(_ id: Int, _ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        let start = starts[id]
        let end = id + 1 < starts.count ? starts[id + 1] : arena.count
        guard end - start == range.count else { return false }
        var a = start
        for i in range {
            if arena[a] != bytes[i] { return false }
            a += 1
        }
        return true
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}
