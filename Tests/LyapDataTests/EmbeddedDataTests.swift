import Foundation
import LyapIO
import Testing
@testable import LyapData

@Suite struct EmbeddedDataTests {
    @Test func resourceMatchesItsRecordedHash() throws {
        let url = try #require(EmbeddedData.resourceURL)
        let bytes = try FileBytes.read(url.path)
        #expect(SHA256.hexDigest(of: bytes) == EmbeddedData.expectedSHA256)
        #expect(bytes.count <= 8 << 20)
    }

    @Test func defaultLoadHasTheDocumentedShape() throws {
        let dataset = try DatasetLoader.load(.embedded, options: DataOptions())
        #expect(dataset.train.count == 2500 && dataset.test.count == 2500)
        #expect(dataset.train.labels.filter { $0 == 1 }.count == 1250)
        #expect(dataset.test.labels.filter { $0 == 1 }.count == 1250)
        #expect(dataset.train.labels.prefix(1250).allSatisfy { $0 == 0 })  // canonical order: neg, then pos
        #expect(dataset.vocabSize == 10000 && dataset.train.seqLen == 500)
        #expect(dataset.source == "embedded" && dataset.sourceSHA256 == EmbeddedData.expectedSHA256)
        #expect(dataset.description == "embedded IMDb subset: 2500 train / 2500 test, V=10000, L=500")
        for set in [dataset.train, dataset.test] {
            #expect(set.tokens.allSatisfy { $0 >= 0 && $0 < 10000 })
            for i in 0..<set.count {
                let row = set.row(i)
                let content = row.drop { $0 == 0 }
                #expect(!content.isEmpty && !content.contains(0), "row \(i) is pre-padded")
                if content.count < 500 { #expect(content.first == 1, "row \(i) keeps its start token") }
            }
        }
        // Long reviews were truncated at the front: some rows are full and lost their start token.
        #expect((0..<2500).contains { dataset.train.row($0).first.map { $0 > 1 } == true })
    }

    @Test func smallerVocabularyMapsHighIDsToOOV() throws {
        var options = DataOptions()
        let full = try DatasetLoader.load(.embedded, options: options)
        options.vocabSize = 5000
        let small = try DatasetLoader.load(.embedded, options: options)
        #expect(small.vocabSize == 5000)
        let expected = full.train.tokens.map { $0 >= 5000 ? 2 : $0 }
        #expect(small.train.tokens == expected)
        #expect(full.train.tokens.contains { $0 >= 5000 })
        #expect(small.test.tokens.allSatisfy { $0 < 5000 })
    }

    @Test func subsetsOfTheEmbeddedSubset() throws {
        var options = DataOptions()
        options.trainSize = 101
        options.testSize = 40
        options.seqLen = 64
        let dataset = try DatasetLoader.load(.embedded, options: options)
        #expect(dataset.train.count == 101 && dataset.train.labels.filter { $0 == 1 }.count == 51)
        #expect(dataset.test.count == 40 && dataset.test.labels.filter { $0 == 1 }.count == 20)
        #expect(try DatasetLoader.load(.embedded, options: options) == dataset)
    }

    @Test func optionsBeyondTheEmbeddedData() {
        var options = DataOptions()
        options.vocabSize = 20000
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.embedded, options: options) }?
            .hasPrefix("--vocab 20000 exceeds the embedded data's 10000 words") == true)
        options = DataOptions()
        options.seqLen = 600
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.embedded, options: options) }?
            .hasPrefix("--seq-len 600 exceeds the 500 ids per review") == true)
    }

    @Test func encodeDecodeRoundTripAndCorruption() throws {
        let contents = EmbeddedData.Contents(
            vocabSize: 50, maxLength: 6, archiveSHA256: SHA256.hexDigest(of: [1, 2, 3]), words: ["the", "café"],
            train: [TokenizedReview(label: 0, ids: [1, 3, 4]), TokenizedReview(label: 1, ids: [9, 49, 2, 3, 4, 5])],
            test: [TokenizedReview(label: 1, ids: [1])])
        let bytes = EmbeddedData.encode(contents)
        #expect(Array(bytes.prefix(4)) == Array("LYDS".utf8))
        #expect(try EmbeddedData.decode(bytes) == contents)
        #expect(EmbeddedData.encode(contents) == bytes)  // deterministic

        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0xFF
            let message = dataErrorMessage { _ = try EmbeddedData.decode(damaged) }
            #expect(message?.hasPrefix("embedded data resource is corrupt") == true, "byte \(position)")
        }
        for length in [0, 3, 15, 16, bytes.count - 1] {
            #expect(dataErrorMessage { _ = try EmbeddedData.decode(Array(bytes.prefix(length))) } != nil)
        }
    }
}
