import Foundation
import LyapIO
import Testing
@testable import LyapData

@Suite struct FolderAndArchiveTests {
    /// Train counts: bad 4, great 4, plot 3, acting 2, movie 2, the 2, then single words by bytes;
    /// unsup/ and test words must not count (unsup's "plot" x5 would make plot the top word).
    static let expectedTrainRows: [[Int32]] = [
        [0, 1, 3, 3, 3, 7, 10, 5],  // neg/0_1: bad bad bad movie boring plot
        [1, 8, 5, 16, 3, 8, 6, 17],  // neg/1_2: the plot was bad the acting worse
        [1, 9, 4, 7, 4, 6, 4, 5],  // pos/0_9: a great movie great acting great plot
        [0, 1, 4, 12, 13, 11, 15, 14],  // pos/rrr..._7: great fun i don't regret it
    ]
    static let expectedTestRows: [[Int32]] = [
        [0, 0, 1, 2, 2, 2, 2, 2],  // neg: awful unwatchable test only words (all unseen in train)
        [1, 4, 4, 7, 2, 8, 2, 2],  // pos: great great movie loved the café scene
    ]

    static func rows(_ set: SequenceSet) -> [[Int32]] { (0..<set.count).map { Array(set.row($0)) } }

    @Test func folderGivesTheExpectedSequences() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let dataset = try DatasetLoader.load(.path(root), options: smallOptions())
        #expect(Self.rows(dataset.train) == Self.expectedTrainRows)
        #expect(dataset.train.labels == [0, 0, 1, 1])
        #expect(Self.rows(dataset.test) == Self.expectedTestRows)
        #expect(dataset.test.labels == [0, 1])
        #expect(dataset.vocabSize == 20)
        #expect(dataset.source == root)
        #expect(dataset.flippedTrainLabels == 0)
        #expect(dataset.trainFileOrder == nil)  // no line order: --no-shuffle takes FixedOrder's permutation
        #expect(dataset.description == "\(root): 4 train / 2 test, V=20, L=8")
    }

    @Test func folderContainingAclImdbLoadsTheSame() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let direct = try DatasetLoader.load(.path(root), options: smallOptions())
        let parent = try DatasetLoader.load(.path(folder.path + "/"), options: smallOptions())
        #expect(parent.train == direct.train && parent.test == direct.test)
        #expect(parent.sourceSHA256 == direct.sourceSHA256)
    }

    @Test func smallVocabularyCutsRareWordsToOOV() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let dataset = try DatasetLoader.load(.path(root), options: smallOptions(vocabSize: 6))  // bad, great, plot
        #expect(Self.rows(dataset.train)[1] == [1, 2, 5, 2, 3, 2, 2, 2])
        #expect(dataset.train.tokens.allSatisfy { $0 < 6 })
    }

    /// The documented listing: "<relative path>\t<size>\t<sha256>\n" per review file, sorted by path.
    @Test func folderHashIsTheCanonicalListing() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let listing = SmallCorpus.files.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)\t\($0.1.utf8.count)\t\(SHA256.hexDigest(of: Array($0.1.utf8)))\n" }.joined()
        let dataset = try DatasetLoader.load(.path(root), options: smallOptions())
        #expect(dataset.sourceSHA256 == SHA256.hexDigest(of: Array(listing.utf8)))
        // Files outside the four class folders do not count.
        try folder.write("aclImdb/README", "changed")
        #expect(try DatasetLoader.load(.path(root), options: smallOptions()).sourceSHA256 == dataset.sourceSHA256)
    }

    @Test(arguments: [
        ["czf", "ARCHIVE", "-C", "FOLDER", "aclImdb"],  // GNU format (the default)
        ["--format=ustar", "-czf", "ARCHIVE", "-C", "FOLDER", "aclImdb"],  // long path split into prefix
        ["--format=pax", "-czf", "ARCHIVE", "-C", "FOLDER", "aclImdb"],
        ["czf", "ARCHIVE", "-C", "FOLDER/aclImdb", "train", "test", "README"],  // no leading aclImdb/
        ["czf", "ARCHIVE", "-C", "FOLDER/aclImdb", "."],  // "./train/pos/..."
    ])
    func archiveLoadsLikeTheFolder(tarArguments: [String]) throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let archive = folder.path + "/corpus.tar.gz"
        try runTar(tarArguments.map { $0.replacingOccurrences(of: "ARCHIVE", with: archive).replacingOccurrences(of: "FOLDER", with: folder.path) })
        let fromFolder = try DatasetLoader.load(.path(root), options: smallOptions())
        let fromArchive = try DatasetLoader.load(.path(archive), options: smallOptions())
        #expect(fromArchive.train == fromFolder.train)
        #expect(fromArchive.test == fromFolder.test)
        #expect(fromArchive.vocabSize == fromFolder.vocabSize)
        #expect(fromArchive.source == archive)
        #expect(fromArchive.trainFileOrder == nil)
        #expect(fromArchive.sourceSHA256 == SHA256.hexDigest(of: try FileBytes.read(archive)))
    }

    /// Names longer than any ustar field: GNU tar writes a ././@LongLink member, pax a "path" record.
    @Test(arguments: ["gnu", "pax"])
    func longNames(format: String) throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let longName = String(repeating: "long", count: 40) + "_8.txt"  // 166 bytes
        try folder.write("aclImdb/test/pos/" + longName, "great plot")
        let plain = folder.path + "/corpus.tar"
        try runTar(["--format=\(format)", "-cf", plain, "-C", folder.path, "aclImdb"])
        let marker = format == "gnu" ? "././@LongLink" : "path=aclImdb/test/pos/long"
        #expect(try FileBytes.read(plain).firstRange(of: Array(marker.utf8)) != nil, "the archive really uses \(marker)")

        let archive = folder.path + "/corpus.tar.gz"
        try runTar(["--format=\(format)", "-czf", archive, "-C", folder.path, "aclImdb"])
        let fromArchive = try DatasetLoader.load(.path(archive), options: smallOptions())
        let fromFolder = try DatasetLoader.load(.path(root), options: smallOptions())
        #expect(fromArchive.test.count == 3)
        #expect(fromArchive.train == fromFolder.train && fromArchive.test == fromFolder.test)
        // test/pos in name order: 0_8.txt, then long...: "[1] great plot" pre-padded.
        #expect(Array(fromArchive.test.row(2)) == [0, 0, 0, 0, 0, 1, 4, 5])
    }

    @Test func concatenatedGzipMembersAreOneStream() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let plain = folder.path + "/corpus.tar"
        try runTar(["-cf", plain, "-C", folder.path, "aclImdb"])
        let bytes = try FileBytes.read(plain)
        let half = bytes.count / 2
        let first = try gzipBytes(Array(bytes[..<half]), in: folder, name: "a")
        let second = try gzipBytes(Array(bytes[half...]), in: folder, name: "b")
        let archive = try folder.write("joined.tar.gz", first + second)
        let fromArchive = try DatasetLoader.load(.path(archive), options: smallOptions())
        let fromFolder = try DatasetLoader.load(.path(root), options: smallOptions())
        #expect(fromArchive.train == fromFolder.train && fromArchive.test == fromFolder.test)
    }
}
