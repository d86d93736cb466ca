import Foundation
@testable import LyapData

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("lyapdata-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` at `relative`, creating folders on the way; returns the full path.
    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String { try write(relative, Array(text.utf8)) }
}

/// Runs /bin/tar (GNU tar) with `arguments`; throws when it fails.
func runTar(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/tar")
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw DataError("tar \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
}

/// gzip-compresses `bytes` with /bin/gzip (through a file in `folder`).
func gzipBytes(_ bytes: [UInt8], in folder: TemporaryFolder, name: String) throws -> [UInt8] {
    let path = try folder.write(name, bytes)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-n", "-f", path]
    try process.run()
    process.waitUntilExit()
    return try FileBytes.read(path + ".gz")
}

/// The message of the DataError that `body` throws, nil if it does not throw; any other error
/// comes back as a message that no test expects.
func dataErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as DataError {
        return error.message
    } catch {
        return "unexpected non-DataError: \(error)"
    }
}

/// A small corpus in the official layout: texts chosen so that word counts are easy to follow.
enum SmallCorpus {
    static let longName = String(repeating: "r", count: 86) + "_7.txt"  // 18 + 92 bytes: > 100 in all
    static let files: [(String, String)] = [
        ("train/neg/0_1.txt", "Bad bad BAD movie.<br /><br />Boring plot."),
        ("train/neg/1_2.txt", "The plot was bad, the acting worse."),
        ("train/pos/0_9.txt", "A great movie! Great acting, great plot."),
        ("train/pos/\(longName)", "Great fun: I don't regret it."),
        ("test/neg/0_2.txt", "Awful. Unwatchable test-only words."),
        ("test/pos/0_8.txt", "Great great movie, loved the café scene."),
    ]
    static let extras: [(String, String)] = [
        ("README", "not a review"),
        ("imdb.vocab", "the\nand\n"),
        ("train/unsup/0_0.txt", "plot plot plot plot plot zebra"),
        ("train/labeledBow.feat", "1 0:9"),
    ]

    /// Writes the corpus under `folder/aclImdb` and returns the aclImdb path.
    @discardableResult
    static func write(in folder: TemporaryFolder, extraFiles: Bool = true) throws -> String {
        for (path, text) in files + (extraFiles ? extras : []) { try folder.write("aclImdb/" + path, text) }
        return folder.path + "/aclImdb"
    }
}

/// Options with small sizes for the small corpus.
func smallOptions(vocabSize: Int = 20, seqLen: Int = 8) -> DataOptions {
    var options = DataOptions()
    options.vocabSize = vocabSize
    options.seqLen = seqLen
    return options
}
