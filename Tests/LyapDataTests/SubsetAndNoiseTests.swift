import LyapCore
import Testing
@testable import LyapData

/// A JSONL corpus whose reviews are identified by their single token: train neg 1000..., pos 3000...,
/// test neg 5000..., pos 7000... Holding the value keeps its temporary folder alive.
private struct SyntheticCorpus {
    let folder: TemporaryFolder
    var path: String { folder.path + "/synthetic.jsonl" }
}

private func syntheticCorpus(trainNeg: Int, trainPos: Int, testNeg: Int = 30, testPos: Int = 30) throws -> SyntheticCorpus {
    let folder = try TemporaryFolder()
    var lines: [String] = []
    // Interleave classes in the file to check that the loader groups negatives first.
    for i in 0..<max(trainNeg, trainPos) {
        if i < trainPos { lines.append(#"{"tokens":[\#(3000 + i)],"label":1,"split":"train"}"#) }
        if i < trainNeg { lines.append(#"{"tokens":[\#(1000 + i)],"label":0,"split":"train"}"#) }
    }
    for i in 0..<testNeg { lines.append(#"{"tokens":[\#(5000 + i)],"label":0,"split":"test"}"#) }
    for i in 0..<testPos { lines.append(#"{"tokens":[\#(7000 + i)],"label":1,"split":"test"}"#) }
    try folder.write("synthetic.jsonl", lines.joined(separator: "\n"))
    return SyntheticCorpus(folder: folder)
}

private func options(train: Int? = nil, test: Int? = nil, noise: Double = 0, seed: UInt64 = 0) -> DataOptions {
    var o = DataOptions()
    o.seqLen = 1
    o.trainSize = train
    o.testSize = test
    o.labelNoise = noise
    o.seed = seed
    return o
}

@Suite struct SubsetAndNoiseTests {
    @Test func fullSplitIsNegativesThenPositivesInLineOrder() throws {
        let corpus = try syntheticCorpus(trainNeg: 3, trainPos: 2)
        let dataset = try DatasetLoader.load(.path(corpus.path), options: options())
        #expect(dataset.train.tokens == [1000, 1001, 1002, 3000, 3001])
        #expect(dataset.train.labels == [0, 0, 0, 1, 1])
    }

    /// The documented rule, restated: one LabRNG(0x1AB, "subset-<split>"), negatives' permutation
    /// first, then positives'; n/2 negatives, the rest positive; kept in canonical order.
    @Test func subsetFollowsTheDocumentedRule() throws {
        let corpus = try syntheticCorpus(trainNeg: 40, trainPos: 60)
        let dataset = try DatasetLoader.load(.path(corpus.path), options: options(train: 21, test: 10))
        var rng = LabRNG(seed: 0x1AB, stream: "subset-train")
        let negatives = rng.permutation(40).prefix(10).sorted().map { Int32(1000 + $0) }
        let positives = rng.permutation(60).prefix(11).sorted().map { Int32(3000 + $0) }
        #expect(dataset.train.tokens == negatives + positives)
        #expect(dataset.train.labels == [UInt8](repeating: 0, count: 10) + [UInt8](repeating: 1, count: 11))

        var testRNG = LabRNG(seed: 0x1AB, stream: "subset-test")
        let testNeg = testRNG.permutation(30).prefix(5).sorted().map { Int32(5000 + $0) }
        let testPos = testRNG.permutation(30).prefix(5).sorted().map { Int32(7000 + $0) }
        #expect(dataset.test.tokens == testNeg + testPos)
    }

    @Test func subsetIsTheSameForEveryRunSeed() throws {
        let corpus = try syntheticCorpus(trainNeg: 40, trainPos: 60)
        let a = try DatasetLoader.load(.path(corpus.path), options: options(train: 20, test: 8, seed: 1))
        let b = try DatasetLoader.load(.path(corpus.path), options: options(train: 20, test: 8, seed: 99))
        #expect(a == b)
        #expect(Set(a.train.tokens).count == 20)
    }

    @Test func subsetLargerThanAvailableIsAnError() throws {
        let corpus = try syntheticCorpus(trainNeg: 2, trainPos: 2)
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(corpus.path), options: options(train: 7)) }
            == "--train-size 7 exceeds the 4 training reviews available")
        let skewed = try syntheticCorpus(trainNeg: 40, trainPos: 60)
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(skewed.path), options: options(train: 90)) }
            == "--train-size 90 needs 45 negative training reviews but only 40 are available")
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(skewed.path), options: options(test: 61)) }
            == "--test-size 61 exceeds the 60 test reviews available")
    }

    @Test func labelNoiseFlipsAboutPTimesNDeterministically() throws {
        let corpus = try syntheticCorpus(trainNeg: 1000, trainPos: 1000)
        let clean = try DatasetLoader.load(.path(corpus.path), options: options())
        let noisy = try DatasetLoader.load(.path(corpus.path), options: options(noise: 0.25, seed: 7))
        let differing = zip(clean.train.labels, noisy.train.labels).filter { $0 != $1 }.count
        #expect(noisy.flippedTrainLabels == differing)
        #expect(abs(differing - 500) < 80)  // 4 standard deviations of Binomial(2000, 0.25)
        #expect(noisy.train.tokens == clean.train.tokens)
        #expect(noisy.test == clean.test)
        #expect(noisy.description.hasSuffix(", \(differing) train labels flipped"))

        #expect(try DatasetLoader.load(.path(corpus.path), options: options(noise: 0.25, seed: 7)) == noisy)
        let other = try DatasetLoader.load(.path(corpus.path), options: options(noise: 0.25, seed: 8))
        #expect(other.train.labels != noisy.train.labels)

        var rng = LabRNG(seed: 7, stream: "label-noise")
        let expected = clean.train.labels.map { rng.nextUnitDouble() < 0.25 ? $0 ^ 1 : $0 }
        #expect(noisy.train.labels == expected)
    }

    @Test func labelNoiseAppliesAfterTheSubset() throws {
        let corpus = try syntheticCorpus(trainNeg: 100, trainPos: 100)
        let clean = try DatasetLoader.load(.path(corpus.path), options: options(train: 50))
        let noisy = try DatasetLoader.load(.path(corpus.path), options: options(train: 50, noise: 0.5, seed: 3))
        #expect(noisy.train.tokens == clean.train.tokens)
        #expect(noisy.flippedTrainLabels == zip(clean.train.labels, noisy.train.labels).filter { $0 != $1 }.count)
        #expect(noisy.flippedTrainLabels > 0)
    }
}
