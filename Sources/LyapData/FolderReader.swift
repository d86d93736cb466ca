import Foundation
import LyapIO

/// Reads an extracted corpus: the `aclImdb` folder itself, or a folder that contains `aclImdb/`.
///
/// Its `sourceSHA256` is the SHA-256 of a canonical listing of the review files read: one line
/// `<relative path>\t<size in bytes>\t<sha256 of the file>\n` per file, paths relative to the
/// aclImdb folder (`train/pos/0_9.txt`), lines sorted by path bytes. Other files do not count.
/// Symbolic links to review files are followed here (an archive's link members are skipped).
enum FolderReader {
    static func read(
        _ path: String, into collector: inout ReviewCollector, progress: (@Sendable (String) -> Void)?
    ) throws(DataError) -> String {
        let root = try corpusRoot(path)
        var listing: [(path: String, line: String)] = []
        var data: [UInt8] = []
        for (split, label, folder) in ReviewPath.classFolders {
            let names = try reviewNames(in: root + "/" + folder)
            for name in names {
                let relative = folder + "/" + name
                let file = root + "/" + relative
                data = try FileBytes.read(file)
                try data.withUnsafeBufferPointer { (text) throws(DataError) in
                    try collector.add(ReviewPath(split: split, label: label, name: name), text: text, displayPath: file)
                }
                listing.append((relative, "\(relative)\t\(data.count)\t\(SHA256.hexDigest(of: data))\n"))
                if collector.reviewCount % 10000 == 0 { progress?("\(path): \(collector.reviewCount) reviews read") }
            }
        }
        listing.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var hasher = SHA256()
        for entry in listing { hasher.update(entry.line.utf8) }
        return hasher.finalizeHex()
    }

    /// `path` if it has a train/ folder, else `path/aclImdb` if that does; all four class folders
    /// must exist there.
    private static func corpusRoot(_ path: String) throws(DataError) -> String {
        let base = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let root = FileBytes.kind(base + "/train") != .directory && FileBytes.kind(base + "/aclImdb") == .directory
            ? base + "/aclImdb" : base
        for (_, _, folder) in ReviewPath.classFolders where FileBytes.kind(root + "/" + folder) != .directory {
            throw DataError("\(path): no \(folder) folder (expected the aclImdb folder or a folder containing aclImdb/)")
        }
        return root
    }

    /// Names of the review files in a class folder (`*.txt`, not hidden), sorted by bytes.
    private static func reviewNames(in folder: String) throws(DataError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DataError("\(folder): cannot list the folder (\(error.localizedDescription))")
        }
        return names.filter { $0.hasSuffix(".txt") && !$0.hasPrefix(".") && FileBytes.kind(folder + "/" + $0) == .file }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
