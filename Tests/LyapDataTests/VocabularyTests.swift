import Testing
@testable import LyapData

@Suite struct VocabularyTests {
    @Test func idsFollowDescendingFrequencyAfterTheReservedIDs() {
        let v = Vocabulary(wordCounts: ["b": 3, "c": 5, "a": 3, "d": 1, "e": 2], size: 7)
        #expect(v.words == ["c", "a", "b", "e"])
        #expect(v.id(for: "c") == 3)
        #expect(v.id(for: "a") == 4)
        #expect(v.id(for: "e") == 6)
    }

    @Test func tiesAreBrokenByUTF8Bytes() {
        // Byte order, not String order: "Z" (0x5A) < "a" (0x61), and NFC "é" (C3 A9) > NFD "e\u{301}".
        let v = Vocabulary(wordCounts: ["a": 2, "Z": 2, "é": 2, "e\u{301}x": 2], size: 10)
        #expect(v.words.map { Array($0.utf8) } == [Array("Z".utf8), Array("a".utf8), Array("e\u{301}x".utf8), Array("é".utf8)])
    }

    @Test func keepsOnlyTheTopSizeMinusThreeWords() {
        let v = Vocabulary(wordCounts: ["w1": 9, "w2": 8, "w3": 7, "w4": 6], size: 5)
        #expect(v.words == ["w1", "w2"])
        #expect(v.id(for: "w3") == Vocabulary.outOfVocabularyID)
        #expect(v.id(for: "never-seen") == 2)
    }

    @Test func sequenceStartsWithTheStartToken() {
        let v = Vocabulary(trainingTexts: ["the cat", "the dog", "The end"], size: 10)
        #expect(v.words == ["the", "cat", "dog", "end"])
        #expect(v.sequence(for: "The unknown DOG") == [1, 3, 2, 5])
        #expect(v.sequence(for: "") == [1])
    }

    @Test func padsAndTruncatesAtTheFront() {
        let reviews = [
            TokenizedReview(label: 1, ids: [1, 5, 6]),
            TokenizedReview(label: 0, ids: [1, 3, 4, 5, 6, 7]),  // longer than L: loses its start token
            TokenizedReview(label: 1, ids: [1, 9, 8, 7]),
        ]
        let set = SequenceSet(reviews: reviews, seqLen: 4)
        #expect(set.count == 3)
        #expect(Array(set.row(0)) == [0, 1, 5, 6])
        #expect(Array(set.row(1)) == [4, 5, 6, 7])
        #expect(Array(set.row(2)) == [1, 9, 8, 7])
        #expect(set.labels == [1, 0, 1])
    }
}
