import Foundation
import LyapIO

/// The IMDb subset shipped inside the package (`Resources/imdb-embedded.lyds`), so that `lyap` runs
/// with no download: 2500 train + 2500 test reviews chosen by the `Subset` rule from the full corpus,
/// ids from the full-corpus vocabulary with V = 10000, each review stored as its Keras-style sequence
/// (`[1] + ids`) truncated to its last 500 ids, unpadded.
///
/// File format, version 1, all integers little-endian:
///
///     offset 0   4 bytes  magic "LYDS"
///            4   u16      format version (1)
///            6   u16      compression (1 = zlib stream, RFC 1950)
///            8   u64      payload size in bytes, uncompressed
///           16   ...      the zlib-compressed payload, to the end of the file
///
///     payload:   u32 vocabulary size V, u32 maximum sequence length L
///                32 bytes SHA-256 of the archive the data was made from
///                u32 W, then W words (u16 byte count + UTF-8 bytes): the words of ids 3 ..< 3 + W
///                train section, then test section, each:
///                  u32 N; N x u8 label (0/1); N x u16 length (1...L); sum(length) x u16 id (< V)
///
/// `tools/make-embedded-data.sh` regenerates the file byte-identically (same zlib, level 9) and
/// prints the SHA-256 that `expectedSHA256` must hold.
public enum EmbeddedData {
    public static let expectedSHA256 = "2743103c58af531352b157434212aedb11d15df373f10d113653bb54d86d3f83"
    public static let vocabSize = 10000
    public static let maxLength = 500
    public static let trainCount = 2500
    public static let testCount = 2500
    static let formatVersion: UInt16 = 1

    public struct Contents: Sendable, Equatable {
        public var vocabSize: Int
        public var maxLength: Int
        /// SHA-256 (hex) of the archive the subset was made from.
        public var archiveSHA256: String
        /// `words[k]` has id `k + 3`.
        public var words: [String]
        public var train: [TokenizedReview]
        public var test: [TokenizedReview]

        public init(
            vocabSize: Int, maxLength: Int, archiveSHA256: String, words: [String], train: [TokenizedReview],
            test: [TokenizedReview]
        ) {
            self.vocabSize = vocabSize
            self.maxLength = maxLength
            self.archiveSHA256 = archiveSHA256
            self.words = words
            self.train = train
            self.test = test
        }
    }

    /// Builds the embedded subset from a corpus archive (or folder) and returns the file's bytes.
    public static func make(from path: String, progress: (@Sendable (String) -> Void)? = nil) throws(DataError) -> [UInt8] {
        var options = DataOptions()
        options.vocabSize = vocabSize
        return try make(from: try DatasetLoader.readReviews(.path(path), options: options, progress: progress))
    }

    /// `reviews`: the full corpus read with V = 10000.
    static func make(from reviews: DatasetLoader.Reviews) throws(DataError) -> [UInt8] {
        let train = try Subset.balanced(reviews.train, size: trainCount, split: .train, flag: "--train-size")
        let test = try Subset.balanced(reviews.test, size: testCount, split: .test, flag: "--test-size")
        func truncated(_ reviews: [TokenizedReview]) -> [TokenizedReview] {
            reviews.map { TokenizedReview(label: $0.label, ids: Array($0.ids.suffix(maxLength))) }
        }
        return encode(
            Contents(
                vocabSize: vocabSize, maxLength: maxLength, archiveSHA256: reviews.sha256,
                words: reviews.vocabulary?.words ?? [], train: truncated(train), test: truncated(test)))
    }

    public static func encode(_ contents: Contents) -> [UInt8] {
        var payload = ByteWriter()
        payload.u32(contents.vocabSize)
        payload.u32(contents.maxLength)
        payload.bytes(hexToBytes(contents.archiveSHA256))
        payload.u32(contents.words.count)
        for word in contents.words {
            payload.u16(word.utf8.count)
            payload.bytes(Array(word.utf8))
        }
        for reviews in [contents.train, contents.test] {
            payload.u32(reviews.count)
            for review in reviews { payload.bytes([review.label]) }
            for review in reviews { payload.u16(review.ids.count) }
            for review in reviews { for id in review.ids { payload.u16(Int(id)) } }
        }
        var file = ByteWriter()
        file.bytes(Array("LYDS".utf8))
        file.u16(Int(formatVersion))
        file.u16(1)
        file.u64(payload.data.count)
        file.bytes(Zlib.compress(payload.data))
        return file.data
    }

    public static func decode(_ bytes: [UInt8]) throws(DataError) -> Contents {
        func corrupt(_ why: String) -> DataError { DataError("embedded data resource is corrupt (\(why))") }
        var header = ByteReader(bytes)
        guard header.take(4).map({ Array($0) }) == Array("LYDS".utf8) else { throw corrupt("bad magic") }
        guard let version = header.u16(), version == Int(formatVersion) else { throw corrupt("unknown format version") }
        guard header.u16() == 1 else { throw corrupt("unknown compression") }
        guard let size = header.u64(), size <= 256 << 20 else { throw corrupt("bad payload size") }
        guard let payloadBytes = Zlib.decompress(Array(bytes[16...]), size: size) else { throw corrupt("zlib data") }
        var r = ByteReader(payloadBytes)
        guard let v = r.u32(), let maxLength = r.u32(), v > 3, v <= 65536, maxLength > 0,
            let sha = r.take(32), let wordCount = r.u32(), wordCount <= v - 3
        else { throw corrupt("header") }
        var words: [String] = []
        for _ in 0..<wordCount {
            guard let n = r.u16(), let word = r.take(n) else { throw corrupt("word list") }
            words.append(String(decoding: word, as: UTF8.self))
        }
        var splits: [[TokenizedReview]] = []
        for _ in 0..<2 {
            guard let n = r.u32(), let labels = r.take(n) else { throw corrupt("labels") }
            var lengths: [Int] = []
            for _ in 0..<n {
                guard let length = r.u16(), (1...maxLength).contains(length) else { throw corrupt("lengths") }
                lengths.append(length)
            }
            var reviews: [TokenizedReview] = []
            for (label, length) in zip(labels, lengths) {
                guard label <= 1, let raw = r.take(2 * length) else { throw corrupt("reviews") }
                var ids = [Int32](repeating: 0, count: length)
                for k in 0..<length {
                    ids[k] = Int32(raw[raw.startIndex + 2 * k]) | Int32(raw[raw.startIndex + 2 * k + 1]) << 8
                    guard ids[k] < v else { throw corrupt("token id \(ids[k]) >= \(v)") }
                }
                reviews.append(TokenizedReview(label: label, ids: ids))
            }
            splits.append(reviews)
        }
        guard r.isAtEnd else { throw corrupt("trailing bytes") }
        return Contents(
            vocabSize: v, maxLength: maxLength, archiveSHA256: SHA256.hex(Array(sha)), words: words,
            train: splits[0], test: splits[1])
    }

    /// The shipped resource, checked against `expectedSHA256`.
    static var resourceURL: URL? { Bundle.module.url(forResource: "imdb-embedded", withExtension: "lyds") }

    static func loadResource() throws(DataError) -> Contents {
        guard let url = resourceURL else {
            throw DataError("embedded data resource imdb-embedded.lyds is missing from the LyapData bundle")
        }
        let bytes = try FileBytes.read(url.path)
        let sha = SHA256.hexDigest(of: bytes)
        guard sha == expectedSHA256 else {
            throw DataError("embedded data resource is corrupt: \(url.path) has sha256 \(sha), expected \(expectedSHA256)")
        }
        return try decode(bytes)
    }

    private static func hexToBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return [UInt8](repeating: 0, count: 32) }
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        return (0..<32).map { nibble(digits[2 * $0]) << 4 | nibble(digits[2 * $0 + 1]) }
    }
}
