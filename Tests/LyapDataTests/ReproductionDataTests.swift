import Foundation
import LyapCore
import LyapIO
import Testing
@testable import LyapData

/// The reproduction's tokenizer, ids, vocabulary order, post-padding, pooled split and split files.
@Suite struct ReproductionDataTests {
    static func rows(_ set: SequenceSet) -> [[Int32]] { (0..<set.count).map { Array(set.row($0)) } }

    static func options(vocab: Int = 40, seqLen: Int = 8, split: SplitSpec = .official, from: VocabularyScope = .train,
                        padding: Padding = .post) -> DataOptions {
        var o = smallOptions(vocabSize: vocab, seqLen: seqLen)
        o.conventions.tokenizer = .reproduction
        o.conventions.padding = padding
        o.conventions.split = split
        o.conventions.vocabularyFrom = from
        return o
    }

    /// Python: [re.sub(r'[^a-zA-Z0-9]', '', w) for w in text.lower().split()], empty words dropped.
    @Test func tokenizerIsPythonsLowerSplitStrip() {
        let text = "Don't STOP.<br /><br />The end\u{1C}x \u{130}stanbul \u{212A}elvin caf\u{E9} na\u{EF}ve 3-D\u{A0}word\u{2009}x well-known !!! a\tb\r\nc\u{85}d\u{200B}e"
        #expect(ReproductionTokenizer.words(text) == [
            "dont", "stopbr", "br", "the", "end", "x", "istanbul", "kelvin", "caf", "nave", "3d", "word", "x",
            "wellknown", "a", "b", "c", "de",
        ])
        #expect(ReproductionTokenizer.words(" \n!?. -- ") == [])
        #expect(Tokenizer.words("Don't stop.<br />x") == ["don't", "stop", "x"])  // the Keras rule differs
    }

    /// Train-part counts: bad 4 and great 4 tie (bad is seen first), plot 3, then the (first seen at
    /// word 7) before acting (word 12): first occurrence, not bytes, breaks ties. Ids: 0 pad, 1 unknown,
    /// words from 2, no start token; post-padding keeps the first L ids.
    @Test func vocabularyRanksTiesByFirstOccurrenceWithoutStartToken() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let d = try DatasetLoader.load(.path(root), options: Self.options())
        // bad 2, great 3, plot 4, the 5, acting 6, moviebr 7, br 8, boring 9, was 10, worse 11, a 12, movie 13,
        // fun 14, i 15, dont 16, regret 17, it 18
        #expect(Self.rows(d.train) == [
            [2, 2, 2, 7, 8, 9, 4, 0],  // bad bad bad moviebr br boring plot
            [5, 4, 10, 2, 5, 6, 11, 0],  // the plot was bad the acting worse
            [12, 3, 13, 3, 6, 3, 4, 0],  // a great movie great acting great plot
            [3, 14, 15, 16, 17, 18, 0, 0],  // great fun i dont regret it
        ])
        #expect(Self.rows(d.test) == [
            [1, 1, 1, 1, 0, 0, 0, 0],  // awful unwatchable testonly words: unknown in train
            [3, 3, 13, 1, 5, 1, 1, 0],  // great great movie loved the caf scene
        ])
        #expect(d.train.padding == .post && d.test.padding == .post)
        #expect(d.description.contains("reproduction tokenizer") && d.description.contains("post-padding"))
    }

    /// Counted on both parts: great 6, bad 4, plot 3, the 3, acting 2, movie 2, then first occurrences.
    @Test func vocabularyFromAllCountsTheTestPartToo() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let d = try DatasetLoader.load(.path(root), options: Self.options(vocab: 12, from: .all))
        // great 2, bad 3, plot 4, the 5, acting 6, movie 7, moviebr 8, br 9, boring 10, was 11; rest unknown
        #expect(Self.rows(d.train)[0] == [3, 3, 3, 8, 9, 10, 4, 0])
        #expect(Self.rows(d.test)[1] == [2, 2, 7, 1, 5, 1, 1, 0])
        #expect(d.train.tokens.allSatisfy { $0 < 12 })
    }

    @Test func prePaddingKeepsTheLastIdsPostTheFirst() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let post = try DatasetLoader.load(.path(root), options: Self.options(seqLen: 4))
        let pre = try DatasetLoader.load(.path(root), options: Self.options(seqLen: 4, padding: .pre))
        #expect(Self.rows(post.train)[1] == [5, 4, 10, 2])  // the plot was bad ...
        #expect(Self.rows(pre.train)[1] == [2, 5, 6, 11])  // ... bad the acting worse
        let set = SequenceSet(reviews: [TokenizedReview(label: 1, ids: [7, 8, 9])], seqLen: 5, padding: .post)
        #expect(Array(set.row(0)) == [7, 8, 9, 0, 0])
        let keras = SequenceSet(reviews: [TokenizedReview(label: 1, ids: [7, 8, 9])], seqLen: 5)
        #expect(Array(keras.row(0)) == [0, 0, 7, 8, 9])
    }

    /// 16 negatives and 14 positives pooled at F = 0.7: 21 to train, 11 + 10 by largest remainder.
    @Test func pooledSplitIsStratifiedDeterministicAndSeedFree() throws {
        let labels: [UInt8] = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10) + Array(repeating: 0, count: 6)
            + Array(repeating: 1, count: 4)
        let (train, test) = try PooledSplit.split(labels: labels, trainFraction: 0.7)
        #expect(train.count == 21 && test.count == 9)
        #expect(train.filter { labels[$0] == 0 }.count == 11 && train.filter { labels[$0] == 1 }.count == 10)
        #expect(Set(train).isDisjoint(with: test) && Set(train + test) == Set(labels.indices))
        #expect(train == train.sorted() && test == test.sorted())
        let again = try PooledSplit.split(labels: labels, trainFraction: 0.7)
        #expect(again.train == train)
        #expect(train != Array(0..<21), "the split should be a draw, not the first reviews")
        // 50,000 reviews, 25,000 per class: 35,000 / 15,000, 17,500 per class in train.
        let big = [UInt8](repeating: 0, count: 25000) + [UInt8](repeating: 1, count: 25000)
        let (bt, bs) = try PooledSplit.split(labels: big, trainFraction: 0.7)
        #expect(bt.count == 35000 && bs.count == 15000)
        #expect(bt.filter { big[$0] == 1 }.count == 17500)
        #expect(dataErrorMessage { _ = try PooledSplit.split(labels: [0, 1, 0, 1], trainFraction: 0.1) }?.contains("cannot fill both parts") == true)
    }

    @Test func pooledSplitThroughTheLoader() throws {
        let folder = try TemporaryFolder()
        for i in 0..<8 {
            for (part, label) in [("train", "neg"), ("train", "pos"), ("test", "neg"), ("test", "pos")] {
                try folder.write("aclImdb/\(part)/\(label)/\(i)_5.txt", "word\(part)\(label)\(i) common")
            }
        }
        var o = Self.options(vocab: 100, seqLen: 2, split: .pooled(trainFraction: 0.75), from: .all)
        let a = try DatasetLoader.load(.path(folder.path), options: o)
        #expect(a.train.count == 24 && a.test.count == 8)
        #expect(a.train.labels.filter { $0 == 1 }.count == 12 && a.test.labels.filter { $0 == 1 }.count == 4)
        o.seed = 99  // the run seed does not move the split
        let b = try DatasetLoader.load(.path(folder.path), options: o)
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.description.contains("split pooled:0.75"))
        let official = try DatasetLoader.load(.path(folder.path), options: Self.options(vocab: 100, seqLen: 2, from: .all))
        #expect(official.train != a.train, "pooling must mix the official parts")
    }

    @Test func splitFileImportsPathsInLineOrder() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let file = try folder.write("split.txt", """
            # a published split
            aclImdb/test/pos/0_8.txt train
            train/neg/0_1.txt\ttrain

            aclImdb/train/pos/0_9.txt   test
            aclImdb/test/neg/0_2.txt test\r
            """)
        let d = try DatasetLoader.load(.path(root), options: Self.options(split: .file(file)))
        #expect(d.train.count == 2 && d.test.count == 2)
        #expect(d.train.labels == [1, 0] && d.test.labels == [1, 0])
        // Vocabulary on the train part in line order: "great great movie loved the caf scene", then
        // "bad bad bad moviebr br boring plot": bad 2 (x3), great 3 (x2), then the single words as first seen.
        #expect(Self.rows(d.train)[0] == [3, 3, 4, 5, 6, 7, 8, 0])
        #expect(Self.rows(d.train)[1] == [2, 2, 2, 9, 10, 11, 12, 0])
        #expect(d.splitSHA256 == SHA256.hexDigest(of: try FileBytes.read(file)))
    }

    @Test func badSplitFileLinesNameTheFileAndLine() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let cases: [(String, String)] = [
            ("train/neg/0_1.txt train\ntrain/pos/0_9.txt\n", ":2: expected `PATH train|test`, got 1 field"),
            ("train/neg/0_1.txt train\ntrain/pos/0_9.txt valid\n", ":2: split \"valid\" (must be train or test)"),
            ("train/neg/0_1.txt train\ntrain/unsup/0_0.txt test\n", ":2: train/unsup/0_0.txt is not a review path"),
            ("train/neg/0_1.txt train\ntest/neg/0_2.txt test\naclImdb/train/neg/0_1.txt test\n", ":3: aclImdb/train/neg/0_1.txt is already listed on line 1"),
            ("train/neg/0_1.txt train\ntest/neg/9_1.txt test\n", ":2: aclImdb/test/neg/9_1.txt is not in \(root)"),
            ("train/neg/0_1.txt train\n", ": lists no test review"),
        ]
        for (k, (text, expected)) in cases.enumerated() {
            let file = try folder.write("bad\(k).txt", text)
            let message = dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: Self.options(split: .file(file))) }
            #expect(message == nil ? false : message!.hasPrefix(file) && message!.contains(expected), "\(message ?? "no error") for case \(k)")
            #expect(message?.contains("\n") == false)
        }
        let missing = dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: Self.options(split: .file(folder.path + "/none.txt"))) }
        #expect(missing?.hasPrefix("--split \(folder.path)/none.txt: no such file") == true)
        #expect(dataErrorMessage { _ = try SplitSpec(parsing: "pooled:1.5") }?.contains("must be a number in (0, 1)") == true)
    }

    @Test func preTokenizedSourcesRefuseTextConventions() {
        var o = DataOptions()
        o.conventions.tokenizer = .reproduction
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.embedded, options: o) }?.hasPrefix("--tokenizer reproduction needs review text") == true)
        var p = DataOptions()
        p.conventions.padding = .post
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.embedded, options: p) }?.hasPrefix("--padding post keeps each review's first L ids") == true)
    }
}

/// The reproduction's data on the real archive: 35,000 / 15,000, stratified.
@Suite(.enabled(if: RealCorpus.isPresent, "needs ../shared/data/aclImdb_v1-labeled.tar.gz"))
struct ReproductionCorpusTests {
    @Test func pooledSeventyThirtyOnTheLabeledArchive() throws {
        var o = DataOptions()
        o.conventions.tokenizer = .reproduction
        o.conventions.padding = .post
        o.conventions.split = .pooled(trainFraction: 0.7)
        o.conventions.vocabularyFrom = .all
        let d = try DatasetLoader.load(.path(RealCorpus.archive), options: o)
        #expect(d.train.count == 35000 && d.test.count == 15000)
        #expect(d.train.labels.filter { $0 == 1 }.count == 17500 && d.test.labels.filter { $0 == 1 }.count == 7500)
        #expect(d.train.tokens.allSatisfy { $0 >= 0 && $0 < 10000 })
        #expect(d.description.contains(": 35000 train / 15000 test"))
        // Post-padding: no row starts with a pad (every review has a word), pads only trail.
        #expect((0..<d.train.count).allSatisfy { d.train.row($0).first != 0 })
    }
}
