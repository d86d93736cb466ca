/// Reads reviews straight out of a `.tar.gz` in the official aclImdb layout, without unpacking.
enum ArchiveReader {
    /// Refuses absurd sizes from a damaged header instead of trying to allocate them.
    static let maxReviewBytes = 64 << 20

    static func read(
        _ path: String, into collector: inout ReviewCollector, progress: (@Sendable (String) -> Void)?
    ) throws(DataError) -> String {
        let tar = TarReader(source: try GzipFileReader(path: path))
        var foldersSeen = [Bool](repeating: false, count: ReviewPath.classFolders.count)
        var data: [UInt8] = []
        while let entry = try tar.next() {
            if let folder = ReviewPath.classFolder(of: entry.path) { foldersSeen[folder] = true }
            guard entry.kind == .regularFile, let review = ReviewPath(entry.path) else {
                try tar.skipData()
                continue
            }
            guard entry.size <= maxReviewBytes else {
                throw DataError("\(path): \(entry.path): \(entry.size) bytes is too large for a review")
            }
            try tar.readData(into: &data)
            try data.withUnsafeBufferPointer { (text) throws(DataError) in
                try collector.add(review, text: text, displayPath: "\(path): \(entry.path)")
            }
            if collector.reviewCount % 10000 == 0 { progress?("\(path): \(collector.reviewCount) reviews read") }
        }
        let sha256 = try tar.finishHashing()
        for (i, folder) in ReviewPath.classFolders.enumerated() where !foldersSeen[i] {
            throw DataError("\(path): no \(folder.folder) folder in the archive")
        }
        return sha256
    }
}
