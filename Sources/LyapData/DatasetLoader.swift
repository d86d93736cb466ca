/// Loads a dataset from the embedded subset, an IMDb archive or folder, or a JSONL file, then applies
/// the options in this order: class-balanced subsets (fixed data seed), padding/truncation to
/// `seqLen`, label noise on the training labels (run seed).
public enum DatasetLoader {
    public static func load(
        _ source: DataSource, options: DataOptions, progress: (@Sendable (String) -> Void)? = nil
    ) throws(DataError) -> Dataset {
        try validate(options)
        let reviews = try readReviews(source, options: options, progress: progress)
        let kept = try Subset.balancedIndices(reviews.train, size: options.trainSize, split: .train, flag: "--train-size")
        let train = kept.map { reviews.train[$0] }
        let test = try Subset.balanced(reviews.test, size: options.testSize, split: .test, flag: "--test-size")
        let padding = options.conventions.padding
        var trainSet = SequenceSet(reviews: train, seqLen: options.seqLen, padding: padding)
        let flipped = LabelNoise.apply(to: &trainSet.labels, probability: options.labelNoise, seed: options.seed)
        var dataset = Dataset(
            train: trainSet, test: SequenceSet(reviews: test, seqLen: options.seqLen, padding: padding),
            vocabSize: options.vocabSize, source: reviews.sourceName, sourceSHA256: reviews.sha256, flippedTrainLabels: flipped,
            trainFileOrder: reviews.trainLines.map { lines in kept.indices.sorted { lines[kept[$0]] < lines[kept[$1]] } })
        dataset.conventions = options.conventions
        dataset.splitSHA256 = reviews.splitSHA256
        progress?(dataset.description)
        return dataset
    }

    static func validate(_ options: DataOptions) throws(DataError) {
        guard options.vocabSize >= 4 && options.vocabSize <= Int(Int32.max) else {
            throw DataError("--vocab \(options.vocabSize) must be at least 4 (ids 0-2 are pad, start and out-of-vocabulary)")
        }
        guard options.seqLen >= 1 else { throw DataError("--seq-len \(options.seqLen) must be at least 1") }
        for (flag, size) in [("--train-size", options.trainSize), ("--test-size", options.testSize)] {
            if let size, size < 1 { throw DataError("\(flag) \(size) must be at least 1") }
        }
        guard options.labelNoise >= 0 && options.labelNoise < 1 else {
            throw DataError("--label-noise \(options.labelNoise) must be in [0, 1)")
        }
    }

    /// Both splits, unpadded, in canonical order; `vocabulary` is nil where the words are unknown (JSONL).
    struct Reviews {
        var train: [TokenizedReview]
        var test: [TokenizedReview]
        var vocabulary: Vocabulary?
        var sourceName: String
        var sha256: String
        /// JSONL: each canonical training review's rank in line order; nil where the source has no line order.
        var trainLines: [Int]? = nil
        var splitSHA256: String?
    }

    static func readReviews(
        _ source: DataSource, options: DataOptions, progress: (@Sendable (String) -> Void)?
    ) throws(DataError) -> Reviews {
        guard case .path(let path) = source else {
            try refuseConventions(options.conventions, source: "the embedded data")
            return try readEmbedded(options)
        }
        switch FileBytes.kind(path) {
        case .missing:
            throw DataError("\(path): no such file or folder")
        case .directory:
            progress?("reading the folder \(path)")
            var collector = ReviewCollector()
            collector.tokenizer = options.conventions.tokenizer
            let sha = try FolderReader.read(path, into: &collector, progress: progress)
            return try finish(&collector, path: path, sha: sha, options: options)
        case .file where path.hasSuffix(".jsonl"):
            progress?("reading \(path)")
            try refuseConventions(options.conventions, source: "a .jsonl file", postPaddingWorks: true)
            let (train, test, lines, sha) = try JSONLReader.read(path, vocabSize: options.vocabSize)
            return Reviews(train: train, test: test, vocabulary: nil, sourceName: path, sha256: sha, trainLines: lines)
        case .file where FileBytes.prefix(path, 2) == [0x1F, 0x8B]:
            progress?("reading the archive \(path)")
            var collector = ReviewCollector()
            collector.tokenizer = options.conventions.tokenizer
            let sha = try ArchiveReader.read(path, into: &collector, progress: progress)
            return try finish(&collector, path: path, sha: sha, options: options)
        case .file:
            throw DataError("\(path): not a gzip archive, a folder or a .jsonl file (expected aclImdb_v1.tar.gz, an aclImdb folder or pre-tokenized JSONL)")
        }
    }

    private static func finish(
        _ collector: inout ReviewCollector, path: String, sha: String, options: DataOptions
    ) throws(DataError) -> Reviews {
        try collector.requireEveryClass(in: path)
        guard options.conventions.isTodaysAssembly else {
            let r = try ConventionAssembly.assemble(collector, conventions: options.conventions, vocabSize: options.vocabSize, source: path)
            return Reviews(train: r.train, test: r.test, vocabulary: nil, sourceName: path, sha256: sha, splitSHA256: r.splitSHA256)
        }
        let (train, test, vocabulary) = collector.finish(vocabSize: options.vocabSize)
        return Reviews(train: train, test: test, vocabulary: vocabulary, sourceName: path, sha256: sha)
    }

    /// Pre-tokenized sources carry their own ids and split: only today's conventions (and, for JSONL,
    /// post-padding) apply to them.
    private static func refuseConventions(
        _ c: DataConventions, source: String, postPaddingWorks: Bool = false
    ) throws(DataError) {
        if c.tokenizer != .keras {
            throw DataError("--tokenizer \(c.tokenizer.rawValue) needs review text (an IMDb archive or folder); \(source) is pre-tokenized")
        }
        if c.split != .official {
            throw DataError("--split \(c.split) needs an IMDb archive or folder; \(source) brings its own split")
        }
        if c.vocabularyFrom != .train {
            throw DataError("--vocab-from \(c.vocabularyFrom.rawValue) needs an IMDb archive or folder; \(source) brings its own ids")
        }
        if c.padding == .post && !postPaddingWorks {
            throw DataError("--padding post keeps each review's first L ids, but \(source) stores only the last 500 (use --data with the archive)")
        }
    }

    /// The shipped subset; a smaller vocabulary maps ids >= vocabSize to 2 (exact: ids are ranks).
    private static func readEmbedded(_ options: DataOptions) throws(DataError) -> Reviews {
        let contents = try EmbeddedData.loadResource()
        guard options.vocabSize <= contents.vocabSize else {
            throw DataError("--vocab \(options.vocabSize) exceeds the embedded data's \(contents.vocabSize) words (use --data with the full corpus)")
        }
        guard options.seqLen <= contents.maxLength else {
            throw DataError("--seq-len \(options.seqLen) exceeds the \(contents.maxLength) ids per review stored in the embedded data (use --data with the full corpus)")
        }
        let v = Int32(options.vocabSize)
        func remap(_ reviews: [TokenizedReview]) -> [TokenizedReview] {
            guard v < Int32(contents.vocabSize) else { return reviews }
            return reviews.map { TokenizedReview(label: $0.label, ids: $0.ids.map { $0 < v ? $0 : Vocabulary.outOfVocabularyID }) }
        }
        let vocabulary = Vocabulary(
            size: options.vocabSize, rankedWords: contents.words.prefix(options.vocabSize - 3).map { Array($0.utf8) })
        return Reviews(
            train: remap(contents.train), test: remap(contents.test), vocabulary: vocabulary, sourceName: "embedded",
            sha256: EmbeddedData.expectedSHA256)
    }
}
