import Foundation
import Testing
@testable import LyapData

/// `../shared/data/aclImdb_v1-labeled.tar.gz` from the package root (CI has it; skipped when absent).
enum RealCorpus {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let archive = packageRoot.appendingPathComponent("../shared/data/aclImdb_v1-labeled.tar.gz").standardized.path
    static var isPresent: Bool { FileManager.default.fileExists(atPath: archive) }

    /// The full corpus read once (the slowest step of the suite) and shared by the tests below.
    static let reviews = Result { () throws(DataError) in try DatasetLoader.readReviews(.path(archive), options: DataOptions(), progress: nil) }

    static func extract(_ member: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/tar")
        process.arguments = ["-xzOf", archive, member]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite(.enabled(if: RealCorpus.isPresent, "needs ../shared/data/aclImdb_v1-labeled.tar.gz"), .serialized)
struct CorpusTests {
    @Test func fullCorpusCountsVocabularyAndAKnownReview() throws {
        let reviews = try RealCorpus.reviews.get()
        #expect(reviews.train.count == 25000 && reviews.test.count == 25000)
        #expect(reviews.train.filter { $0.label == 1 }.count == 12500)
        #expect(reviews.test.filter { $0.label == 1 }.count == 12500)
        let vocabulary = try #require(reviews.vocabulary)
        #expect(vocabulary.words.count == 9997)
        #expect(Array(vocabulary.words.prefix(10)) == ["the", "and", "a", "of", "to", "is", "in", "it", "i", "this"])

        // The first training review in canonical order is train/neg/0_3.txt (names sorted by bytes).
        let text = try RealCorpus.extract("aclImdb/train/neg/0_3.txt")
        #expect(Array(Tokenizer.words(text).prefix(13)) == ["story", "of", "a", "man", "who", "has", "unnatural", "feelings", "for", "a", "pig", "starts", "out"])
        #expect(Tokenizer.words(text).contains("it's"))
        #expect(reviews.train[0].label == 0)
        #expect(reviews.train[0].ids == vocabulary.sequence(for: text))
        #expect(reviews.train[0].ids.prefix(4) == [1, vocabulary.id(for: "story"), 6, 5])  // of = 6, a = 5
    }

    @Test func balancedSliceOfTheArchive() throws {
        var options = DataOptions()
        options.trainSize = 200
        options.testSize = 100
        let dataset = try DatasetLoader.load(.path(RealCorpus.archive), options: options)
        #expect(dataset.train.count == 200 && dataset.train.labels.filter { $0 == 1 }.count == 100)
        #expect(dataset.test.count == 100 && dataset.test.labels.filter { $0 == 1 }.count == 50)
        #expect(dataset.train.seqLen == 500 && dataset.vocabSize == 10000)
        #expect(dataset.train.tokens.count == 200 * 500)
        #expect(dataset.train.tokens.allSatisfy { $0 >= 0 && $0 < 10000 })
        let recorded = try String(contentsOfFile: RealCorpus.archive + ".sha256", encoding: .utf8)
        #expect(recorded.hasPrefix(dataset.sourceSHA256))
        #expect(dataset.sourceSHA256 == (try RealCorpus.reviews.get().sha256))
    }

    /// The shipped subset is exactly the archive's 2500/2500 subset (the steps `load` takes:
    /// subset, then pad to 500), and regenerates byte-identically.
    @Test func embeddedDataIsTheArchiveSubset() throws {
        let reviews = try RealCorpus.reviews.get()
        let train = try Subset.balanced(reviews.train, size: 2500, split: .train, flag: "--train-size")
        let test = try Subset.balanced(reviews.test, size: 2500, split: .test, flag: "--test-size")
        let embedded = try DatasetLoader.load(.embedded, options: DataOptions())
        #expect(SequenceSet(reviews: train, seqLen: 500) == embedded.train)
        #expect(SequenceSet(reviews: test, seqLen: 500) == embedded.test)

        let resource = try FileBytes.read(try #require(EmbeddedData.resourceURL).path)
        #expect(try EmbeddedData.make(from: reviews) == resource)
        let contents = try EmbeddedData.decode(resource)
        #expect(contents.words == reviews.vocabulary?.words)
        #expect(contents.archiveSHA256 == reviews.sha256)
    }
}
