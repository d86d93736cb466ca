/// Splits, counts and numbers a corpus read by `ReviewCollector` under non-default `DataConventions`
/// (today's official split with the Keras vocabulary on the training split stays in
/// `ReviewCollector.finish`, untouched).
///
/// - Parts: `SplitSpec`. The corpus order is canonical (train then test, negatives then positives, file
///   names ascending) for `official` and `pooled:F`, and the file's line order for a split file.
/// - Vocabulary: counted on the training part, or on both (`VocabularyScope.all`), scanning the corpus
///   order. Keras ids rank by count, then word bytes; reproduction ids rank by count, then first
///   occurrence in that scan (Python's `Counter.most_common`, which keeps insertion order among ties).
enum ConventionAssembly {
    struct Result {
        var train: [TokenizedReview]
        var test: [TokenizedReview]
        /// SHA-256 of the split file, when the split came from one.
        var splitSHA256: String?
    }

    static func assemble(
        _ collector: ReviewCollector, conventions c: DataConventions, vocabSize: Int, source: String
    ) throws(DataError) -> Result {
        let (table, unordered) = collector.collected
        let all = unordered.sorted { a, b in
            if a.path.split != b.path.split { return a.path.split.rawValue < b.path.split.rawValue }
            if a.path.label != b.path.label { return a.path.label < b.path.label }
            return a.path.name.utf8.lexicographicallyPrecedes(b.path.name.utf8)
        }
        var trainPart: [Int], testPart: [Int], corpus: [Int]
        var splitSHA256: String?
        switch c.split {
        case .official:
            trainPart = all.indices.filter { all[$0].path.split == .train }
            testPart = all.indices.filter { all[$0].path.split == .test }
            corpus = trainPart + testPart
        case .pooled(let f):
            (trainPart, testPart) = try PooledSplit.split(labels: all.map(\.path.label), trainFraction: f)
            corpus = Array(all.indices)
        case .file(let path):
            let file = try SplitFile(path: path)
            var index: [String: Int] = [:]
            for (i, r) in all.enumerated() { index[r.path.key] = i }
            trainPart = []
            testPart = []
            corpus = []
            for e in file.entries {
                guard let i = index[e.path.key] else {
                    throw DataError("\(path):\(e.line): aclImdb/\(e.path.key) is not in \(source)")
                }
                corpus.append(i)
                if e.isTraining { trainPart.append(i) } else { testPart.append(i) }
            }
            splitSHA256 = file.sha256
        }
        var isTraining = [Bool](repeating: false, count: all.count)
        for i in trainPart { isTraining[i] = true }
        let counted = c.vocabularyFrom == .all ? corpus : corpus.filter { isTraining[$0] }

        var counts = [Int](repeating: 0, count: table.count)
        var firstSeen = [Int](repeating: .max, count: table.count)
        var position = 0
        for i in counted {
            for local in all[i].localIDs {
                let w = Int(local)
                counts[w] += 1
                if firstSeen[w] == .max { firstSeen[w] = position }
                position += 1
            }
        }
        let ranked: [Int], unknown: Int32, firstWord: Int32
        switch c.tokenizer {
        case .keras:
            ranked = Vocabulary.ranked(count: table.count, keep: vocabSize - 3, occurrences: { counts[$0] }, bytes: { table.word($0) })
            (unknown, firstWord) = (Vocabulary.outOfVocabularyID, Vocabulary.firstWordID)
        case .reproduction:
            ranked = Array(table.count == 0 ? [] : (0..<table.count).filter { counts[$0] > 0 }
                .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : firstSeen[$0] < firstSeen[$1] }
                .prefix(max(0, vocabSize - 2)))
            (unknown, firstWord) = (1, 2)
        }
        var finalID = [Int32](repeating: unknown, count: table.count)
        for (rank, local) in ranked.enumerated() { finalID[local] = firstWord + Int32(rank) }

        func review(_ i: Int) -> TokenizedReview {
            var ids = all[i].localIDs.map { finalID[Int($0)] }
            if c.tokenizer == .keras { ids.insert(Vocabulary.startID, at: 0) }
            return TokenizedReview(label: all[i].path.label, ids: ids)
        }
        return Result(train: trainPart.map(review), test: testPart.map(review), splitSHA256: splitSHA256)
    }
}
