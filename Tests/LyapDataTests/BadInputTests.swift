import Foundation
import Testing
@testable import LyapData

@Suite struct BadInputTests {
    @Test func missingPath() {
        let path = "/nonexistent/lyap/aclImdb_v1.tar.gz"
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(path), options: DataOptions()) }
            == "\(path): no such file or folder")
    }

    @Test func archiveWithoutTrainPos() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        try FileManager.default.removeItem(atPath: root + "/train/pos")
        let archive = folder.path + "/x.tar.gz"
        try runTar(["czf", archive, "-C", folder.path, "aclImdb"])
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(archive), options: smallOptions()) }
            == "\(archive): no train/pos folder in the archive")
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: smallOptions()) }
            == "\(root): no train/pos folder (expected the aclImdb folder or a folder containing aclImdb/)")
    }

    @Test func classFolderWithoutReviews() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/test/neg") {
            try FileManager.default.removeItem(atPath: root + "/test/neg/" + name)
        }
        let archive = folder.path + "/x.tar.gz"
        try runTar(["czf", archive, "-C", folder.path, "aclImdb"])
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(archive), options: smallOptions()) }
            == "\(archive): test/neg holds no .txt reviews")
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: smallOptions()) }
            == "\(root): test/neg holds no .txt reviews")
    }

    @Test(arguments: [[UInt8](), Array(" \n\t\r\n".utf8), Array("\u{00A0}\u{2003} \n".utf8)])
    func emptyReview(content: [UInt8]) throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let file = try folder.write("aclImdb/train/pos/5_3.txt", content)
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: smallOptions()) }
            == "\(file): empty review")
    }

    @Test(arguments: [[0x47, 0x6F, 0xFF, 0x64], [0xC0, 0xAF], [0x61, 0xE2, 0x82], [0xED, 0xA0, 0x80]] as [[UInt8]])
    func notUTF8(content: [UInt8]) throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        let file = try folder.write("aclImdb/train/pos/12_7.txt", content)
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: smallOptions()) }
            == "\(file): not valid UTF-8")
        let archive = folder.path + "/x.tar.gz"
        try runTar(["czf", archive, "-C", folder.path, "aclImdb"])
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(archive), options: smallOptions()) }
            == "\(archive): aclImdb/train/pos/12_7.txt: not valid UTF-8")
    }

    @Test func notAnArchive() throws {
        let folder = try TemporaryFolder()
        let text = try folder.write("x.tar.gz", "plain text, not gzip")
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(text), options: smallOptions()) }?
            .hasPrefix("\(text): not a gzip archive, a folder or a .jsonl file") == true)

        // gzip, but the content is not tar
        let inner = try folder.write("notes.txt", String(repeating: "hello tar? ", count: 100))
        let gz = folder.path + "/notes.tar.gz"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c '\(inner)' > '\(gz)'"]
        try process.run()
        process.waitUntilExit()
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(gz), options: smallOptions()) }?
            .hasPrefix("\(gz): not a tar archive (bad header checksum") == true)
    }

    @Test func truncatedAndCorruptArchives() throws {
        let folder = try TemporaryFolder()
        try SmallCorpus.write(in: folder)
        let archive = folder.path + "/x.tar.gz"
        try runTar(["czf", archive, "-C", folder.path, "aclImdb"])
        let bytes = try FileBytes.read(archive)
        let cut = try folder.write("cut.tar.gz", Array(bytes[..<(bytes.count / 2)]))
        let message = dataErrorMessage { _ = try DatasetLoader.load(.path(cut), options: smallOptions()) }
        #expect(message?.hasPrefix("\(cut): ") == true && message?.contains("truncated") == true, "got \(message ?? "no error")")

        // Flipping bytes anywhere past the gzip header must give an error, never a crash.
        for position in stride(from: 12, to: bytes.count, by: max(1, bytes.count / 40)) {
            var damaged = bytes
            damaged[position] ^= 0x5A
            let path = try folder.write("damaged.tar.gz", damaged)
            let result = dataErrorMessage { _ = try DatasetLoader.load(.path(path), options: smallOptions()) }
            if let result { #expect(result.hasPrefix(path), "\(result)") }
        }
    }

    @Test func badOptions() throws {
        let folder = try TemporaryFolder()
        let root = try SmallCorpus.write(in: folder)
        func message(_ change: (inout DataOptions) -> Void) -> String? {
            var options = smallOptions()
            change(&options)
            return dataErrorMessage { _ = try DatasetLoader.load(.path(root), options: options) }
        }
        #expect(message { $0.labelNoise = 1.5 } == "--label-noise 1.5 must be in [0, 1)")
        #expect(message { $0.labelNoise = 1 } == "--label-noise 1.0 must be in [0, 1)")
        #expect(message { $0.labelNoise = -0.1 } == "--label-noise -0.1 must be in [0, 1)")
        #expect(message { $0.labelNoise = .nan } == "--label-noise nan must be in [0, 1)")
        #expect(message { $0.vocabSize = 3 }?.hasPrefix("--vocab 3 must be at least 4") == true)
        #expect(message { $0.seqLen = 0 } == "--seq-len 0 must be at least 1")
        #expect(message { $0.trainSize = 0 } == "--train-size 0 must be at least 1")
        #expect(message { $0.testSize = -2 } == "--test-size -2 must be at least 1")
        #expect(message { $0.trainSize = 7 } == "--train-size 7 exceeds the 4 training reviews available")
        #expect(message { $0.labelNoise = 0.5 } == nil)
    }
}
