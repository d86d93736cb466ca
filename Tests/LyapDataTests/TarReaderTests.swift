import LyapIO
import Testing
@testable import LyapData

/// Writes tar members byte by byte, for header variants GNU tar does not produce on request.
struct TarBuilder {
    var bytes: [UInt8] = []

    /// `sizeField`: what the header's size field says (default: the data's size); `base256`: write
    /// the size in GNU's binary form.
    mutating func member(
        _ name: String, type: Character = "0", data: [UInt8] = [], sizeField: Int? = nil, base256: Bool = false,
        prefix: String = ""
    ) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        let size = sizeField ?? data.count
        if base256 {
            header[124] = 0x80
            for i in 0..<8 { header[135 - i] = UInt8(truncatingIfNeeded: size >> (8 * i)) }
        } else {
            put(String(String(size, radix: 8).reversed()).padding(toLength: 11, withPad: "0", startingAt: 0).reversedString, at: 124)
        }
        put("00000000000", at: 136)
        header[156] = type.asciiValue ?? 0x30
        put("ustar\u{0}00", at: 257)
        put(prefix, at: 345)
        put("        ", at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(String(sum, radix: 8).reversed()).padding(toLength: 6, withPad: "0", startingAt: 0).reversedString + "\u{0} ", at: 148)
        bytes += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func pax(_ type: Character, _ records: [(String, String)]) {
        var body: [UInt8] = []
        for (key, value) in records {
            let content = " \(key)=\(value)\n"
            var length = content.utf8.count + 1
            while String(length).utf8.count + content.utf8.count != length { length += 1 }
            body += Array("\(length)\(content)".utf8)
        }
        member("PaxHeader", type: type, data: body)
    }

    mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }
}

private extension String {
    var reversedString: String { String(reversed()) }
}

@Suite struct TarReaderTests {
    @Test func headerVariants() throws {
        var tar = TarBuilder()
        tar.pax("g", [("comment", "global headers (git archive writes one) are ignored")])
        tar.member("aclImdb/", type: "5")
        for folder in ["train/neg", "train/pos", "test/neg", "test/pos"] {
            tar.member("aclImdb/\(folder)/", type: "5")
            tar.member("aclImdb/\(folder)/0_5.txt", data: Array("plain \(folder)".utf8))
        }
        // pax path and size override the ustar fields (here a wrong name and a size of 0).
        tar.pax("x", [("path", "aclImdb/train/pos/pax_9.txt"), ("size", "10"), ("mtime", "1.5")])
        tar.member("aclImdb/train/pos/truncated-nam", data: Array("pax review".utf8), sizeField: 0)
        // A symlink whose size field is non-zero carries no data all the same.
        tar.member("aclImdb/train/pos/link_1.txt", type: "2", sizeField: 700)
        // GNU binary size, GNU long name, ustar prefix.
        tar.member("aclImdb/train/neg/binary_2.txt", data: Array("binary size".utf8), base256: true)
        let longName = "aclImdb/test/neg/" + String(repeating: "n", count: 120) + "_1.txt"
        tar.member("././@LongLink", type: "L", data: Array(longName.utf8) + [0])
        tar.member(String(longName.prefix(100)), data: Array("long gnu name".utf8))
        tar.member("3_8.txt", data: Array("prefixed name".utf8), prefix: "aclImdb/test/pos")
        // Ignored: macOS resource forks, other folders, other file types.
        tar.member("aclImdb/train/pos/._0_5.txt", data: [0xFF, 0xFE, 0x00])
        tar.member("aclImdb/train/unsup/0_0.txt", data: Array("unsup".utf8))
        tar.member("aclImdb/train/pos/fifo.txt", type: "6")
        tar.end()

        let folder = try TemporaryFolder()
        let archive = try folder.write("handmade.tar.gz", try gzipBytes(tar.bytes, in: folder, name: "handmade.tar"))
        let reviews = try DatasetLoader.readReviews(.path(archive), options: smallOptions(vocabSize: 50), progress: nil)
        let vocabulary = try #require(reviews.vocabulary)
        func texts(_ list: [TokenizedReview]) -> [String] {
            list.map { review in review.ids.dropFirst().map { vocabulary.words[Int($0) - 3] }.joined(separator: " ") }
        }
        // Canonical order: neg then pos, names by bytes ("0_5" < "binary_2" < "pax_9").
        #expect(texts(reviews.train) == ["plain train neg", "binary size", "plain train pos", "pax review"])
        #expect(reviews.test.map(\.label) == [0, 0, 1, 1])
        #expect(reviews.test.count == 4)
        #expect(reviews.sha256 == SHA256.hexDigest(of: try FileBytes.read(archive)))
    }

    @Test func badChecksumIsNotATarArchive() throws {
        var tar = TarBuilder()
        tar.member("aclImdb/train/pos/0_9.txt", data: Array("x".utf8))
        tar.end()
        tar.bytes[0] ^= 1  // name changed after the checksum was written
        let folder = try TemporaryFolder()
        let archive = try folder.write("bad.tar.gz", try gzipBytes(tar.bytes, in: folder, name: "bad.tar"))
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(archive), options: smallOptions()) }
            == "\(archive): not a tar archive (bad header checksum at byte 0 of the tar stream)")
    }

    @Test func truncatedMemberData() throws {
        var tar = TarBuilder()
        tar.member("aclImdb/train/pos/0_9.txt", data: Array("some words".utf8), sizeField: 5000)
        let folder = try TemporaryFolder()
        let archive = try folder.write("short.tar.gz", try gzipBytes(tar.bytes, in: folder, name: "short.tar"))
        #expect(dataErrorMessage { _ = try DatasetLoader.load(.path(archive), options: smallOptions()) }
            == "\(archive): the tar stream ends in the middle of a member (the archive is truncated)")
    }
}
