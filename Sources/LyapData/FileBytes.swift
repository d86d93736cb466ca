import LyapIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads (LyapIO's reader) with errors that name the file, and the loaders' file-system questions.
enum FileBytes {
    static func read(_ path: String) throws(DataError) -> [UInt8] {
        do {
            return try LyapIO.FileBytes.contents(atPath: path)
        } catch {
            throw DataError("\(path): \(error.opening ? "cannot open" : "read error") (\(error.reason))")
        }
    }

    /// Up to `count` bytes from the start of the file ([] if it cannot be read).
    static func prefix(_ path: String, _ count: Int) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
        return Array(bytes[0..<got])
    }

    enum Kind { case missing, file, directory }

    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }
}
