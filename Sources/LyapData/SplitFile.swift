import LyapIO

/// `--split FILE`: a published split imported review by review.
///
/// One review per line, `PATH SPLIT` separated by spaces or a tab: PATH as in the archive
/// (`aclImdb/train/pos/123_8.txt`; the leading `aclImdb/` may be left out), SPLIT `train` or `test`.
/// Blank lines and lines starting with `#` are skipped. The label comes from the path. Reviews the file
/// does not list are not used. The line order is the corpus order: each part keeps it, and the
/// reproduction tokenizer breaks vocabulary ties by it (`tools/reproduction-split.py` writes the
/// reproduction's CSV order).
struct SplitFile {
    struct Entry {
        var path: ReviewPath
        var isTraining: Bool
        var line: Int
    }

    let path: String
    let entries: [Entry]
    let sha256: String

    /// Reads and checks the file; every error names the file and line.
    init(path: String) throws(DataError) {
        guard FileBytes.kind(path) == .file else {
            throw DataError("--split \(path): no such file (expected official, pooled:F or a split file)")
        }
        let bytes = try FileBytes.read(path)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw DataError("\(path): not valid UTF-8") }
        var entries: [Entry] = []
        var firstLine: [String: Int] = [:]
        for (k, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = k + 1, at = "\(path):\(line)"
            let trimmed = Substring(String(decoding: raw, as: UTF8.self)).trimmingWhitespace
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                throw DataError("\(at): expected `PATH train|test`, got \(fields.count) field\(fields.count == 1 ? "" : "s")")
            }
            let isTraining: Bool
            switch fields[1] {
            case "train": isTraining = true
            case "test": isTraining = false
            default: throw DataError("\(at): split \"\(fields[1])\" (must be train or test)")
            }
            guard let review = ReviewPath(String(fields[0])) else {
                throw DataError("\(at): \(fields[0]) is not a review path (expected [aclImdb/]train|test/pos|neg/NAME.txt)")
            }
            let key = review.key
            if let first = firstLine[key] { throw DataError("\(at): \(fields[0]) is already listed on line \(first)") }
            firstLine[key] = line
            entries.append(Entry(path: review, isTraining: isTraining, line: line))
        }
        guard entries.contains(where: \.isTraining) else { throw DataError("\(path): lists no train review") }
        guard entries.contains(where: { !$0.isTraining }) else { throw DataError("\(path): lists no test review") }
        self.path = path
        self.entries = entries
        sha256 = SHA256.hexDigest(of: bytes)
    }
}

extension ReviewPath {
    /// `train/pos/123_8.txt`: the path inside the aclImdb folder.
    var key: String { "\(split.name)/\(label == 1 ? "pos" : "neg")/\(name)" }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
