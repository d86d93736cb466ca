/// Turns raw review files into id sequences: checks each file (valid UTF-8; not blank, i.e. not only
/// Unicode White_Space), tokenizes it into local word ids while counting training occurrences, and
/// at the end ranks the vocabulary and orders each split canonically: negatives then positives, each
/// sorted by file name (UTF-8 bytes).
struct ReviewCollector {
    struct Pending {
        var path: ReviewPath
        var localIDs: [Int32]
    }

    private var table = WordTable()
    private var pending: [Pending] = []
    private var words = WordList()  // reused between reviews
    private var seen = Set<String>()
    /// How text becomes words (`TokenizerKind`).
    var tokenizer: TokenizerKind = .keras

    var reviewCount: Int { pending.count }
    /// Reviews per class folder, in `ReviewPath.classFolders` order.
    private(set) var classCounts = [Int](repeating: 0, count: ReviewPath.classFolders.count)

    /// Throws when one of the four class folders holds no review.
    func requireEveryClass(in source: String) throws(DataError) {
        for (i, folder) in ReviewPath.classFolders.enumerated() where classCounts[i] == 0 {
            throw DataError("\(source): \(folder.folder) holds no .txt reviews")
        }
    }

    /// `displayPath` names the file in error messages.
    mutating func add(_ path: ReviewPath, text: UnsafeBufferPointer<UInt8>, displayPath: String) throws(DataError) {
        guard TextCheck.isValidUTF8(text) else { throw DataError("\(displayPath): not valid UTF-8") }
        guard !TextCheck.isBlank(text) else { throw DataError("\(displayPath): empty review") }
        let key = "\(path.split.name)/\(path.label)/\(path.name)"
        guard seen.insert(key).inserted else { throw DataError("\(displayPath): duplicate review file") }
        let isTraining = path.split == .train
        switch tokenizer {
        case .keras: WordScanner.scan(text, into: &words)
        case .reproduction: ReproductionScanner.scan(text, into: &words)
        }
        var ids: [Int32] = []
        ids.reserveCapacity(words.count)
        table.intern(words, countAsTraining: isTraining, into: &ids)
        pending.append(Pending(path: path, localIDs: ids))
        classCounts[path.split.rawValue * 2 + Int(path.label)] += 1
    }

    /// The word table and every review read, in reading order (for `ConventionAssembly`).
    var collected: (table: WordTable, reviews: [Pending]) { (table, pending) }

    /// Reviews of one split in canonical order, as `[1] + ids` with a `vocabSize` vocabulary.
    mutating func finish(vocabSize: Int) -> (train: [TokenizedReview], test: [TokenizedReview], vocabulary: Vocabulary) {
        let table = self.table
        let ranked = Vocabulary.ranked(
            count: table.count, keep: vocabSize - 3, occurrences: { table.trainCounts[$0] }, bytes: { table.word($0) })
        var finalID = [Int32](repeating: Vocabulary.outOfVocabularyID, count: table.count)
        for (rank, local) in ranked.enumerated() { finalID[local] = Vocabulary.firstWordID + Int32(rank) }
        let vocabulary = Vocabulary(size: vocabSize, rankedWords: ranked.map { Array(table.word($0)) })

        pending.sort { a, b in
            if a.path.split != b.path.split { return a.path.split.rawValue < b.path.split.rawValue }
            if a.path.label != b.path.label { return a.path.label < b.path.label }
            return a.path.name.utf8.lexicographicallyPrecedes(b.path.name.utf8)
        }
        var splits: [[TokenizedReview]] = [[], []]
        for review in pending {
            var ids = [Int32](repeating: Vocabulary.startID, count: review.localIDs.count + 1)
            for (k, local) in review.localIDs.enumerated() { ids[k + 1] = finalID[Int(local)] }
            splits[review.path.split.rawValue].append(TokenizedReview(label: review.path.label, ids: ids))
        }
        pending = []
        return (splits[0], splits[1], vocabulary)
    }
}
