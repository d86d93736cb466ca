enum Split: Int, CaseIterable, Sendable {
    case train = 0, test = 1
    var name: String { self == .train ? "train" : "test" }
}

/// Where a review file sits in the official layout: `[aclImdb/]train|test/pos|neg/<name>.txt`.
struct ReviewPath: Equatable {
    var split: Split
    var label: UInt8
    var name: String

    static let classFolders: [(split: Split, label: UInt8, folder: String)] = [
        (.train, 0, "train/neg"), (.train, 1, "train/pos"), (.test, 0, "test/neg"), (.test, 1, "test/pos"),
    ]

    init(split: Split, label: UInt8, name: String) {
        self.split = split
        self.label = label
        self.name = name
    }

    /// Path components with "." and empty parts dropped and one leading "aclImdb" removed.
    static func components(_ path: String) -> [Substring] {
        var parts = path.split(separator: "/").filter { $0 != "." }
        if parts.first == "aclImdb" { parts.removeFirst() }
        return parts
    }

    /// The review a path names, or nil for anything else (README, imdb.vocab, unsup/, *.feat, hidden
    /// files such as macOS `._*` companions, deeper folders).
    init?(_ path: String) {
        let parts = ReviewPath.components(path)
        guard parts.count == 3, let split = ReviewPath.split(parts[0]), let label = ReviewPath.label(parts[1]),
            parts[2].hasSuffix(".txt"), !parts[2].hasPrefix(".")
        else { return nil }
        self.split = split
        self.label = label
        self.name = String(parts[2])
    }

    /// The class folder a path lies in or names (for "does the archive have train/pos at all").
    static func classFolder(of path: String) -> Int? {
        let parts = components(path)
        guard parts.count >= 2, let split = split(parts[0]), let label = label(parts[1]) else { return nil }
        return classFolders.firstIndex { $0.split == split && $0.label == label }
    }

    private static func split(_ s: Substring) -> Split? { s == "train" ? .train : s == "test" ? .test : nil }
    private static func label(_ s: Substring) -> UInt8? { s == "pos" ? 1 : s == "neg" ? 0 : nil }
}
