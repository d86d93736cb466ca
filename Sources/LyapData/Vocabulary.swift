/// Keras-style word ids: 0 pad, 1 start, 2 out-of-vocabulary, then 3, 4, ... for the `size - 3` most
/// frequent training words by descending count (ties: the word's UTF-8 bytes in ascending order).
/// Because ids are frequency ranks, a smaller vocabulary is the same mapping with ids >= size set to 2.
public struct Vocabulary: Sendable {
    public static let padID: Int32 = 0
    public static let startID: Int32 = 1
    public static let outOfVocabularyID: Int32 = 2
    public static let firstWordID: Int32 = 3

    public let size: Int
    /// `words[k]` has id `k + 3`.
    public let words: [String]
    private let ids: [[UInt8]: Int32]

    /// `wordCounts`: occurrences of each word over the whole training split.
    public init(wordCounts: [String: Int], size: Int) {
        let entries = wordCounts.map { (bytes: Array($0.key.utf8), count: $0.value) }
        let top = Vocabulary.ranked(count: entries.count, keep: size - 3, occurrences: { entries[$0].count }, bytes: { entries[$0].bytes[...] })
        self.init(size: size, rankedWords: top.map { entries[$0].bytes })
    }

    /// Tokenizes and counts `trainingTexts` (the whole training split).
    public init(trainingTexts: some Sequence<String>, size: Int) {
        var counts: [String: Int] = [:]
        for text in trainingTexts {
            for word in Tokenizer.words(text) { counts[word, default: 0] += 1 }
        }
        self.init(wordCounts: counts, size: size)
    }

    init(size: Int, rankedWords: [[UInt8]]) {
        self.size = size
        words = rankedWords.map { String(decoding: $0, as: UTF8.self) }
        var ids: [[UInt8]: Int32] = [:]
        for (rank, word) in rankedWords.enumerated() { ids[word] = Vocabulary.firstWordID + Int32(rank) }
        self.ids = ids
    }

    /// The word's id, or 2 when it is not in the vocabulary. Expects a word as `Tokenizer` gives it.
    public func id(for word: String) -> Int32 {
        ids[Array(word.utf8)] ?? Vocabulary.outOfVocabularyID
    }

    /// `[1] + ids` of the text's words, unpadded.
    public func sequence(for text: String) -> [Int32] {
        [Vocabulary.startID] + Tokenizer.words(text).map { id(for: $0) }
    }

    /// Indices of the `keep` most frequent entries (count > 0): count descending, then bytes ascending.
    static func ranked(
        count: Int, keep: Int, occurrences: (Int) -> Int, bytes: (Int) -> ArraySlice<UInt8>
    ) -> [Int] {
        let candidates = (0..<count).filter { occurrences($0) > 0 }
        let sorted = candidates.sorted { a, b in
            let ca = occurrences(a), cb = occurrences(b)
            if ca != cb { return ca > cb }
            return bytes(a).lexicographicallyPrecedes(bytes(b))
        }
        return Array(sorted.prefix(max(0, keep)))
    }
}
