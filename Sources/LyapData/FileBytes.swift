#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with errors that name the file.
enum FileBytes {
    static func read(_ path: String, into buffer: inout [UInt8]) throws(DataError) {
        guard let file = fopen(path, "rb") else { throw DataError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { fclose(file) }
        buffer.removeAll(keepingCapacity: true)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            buffer.append(contentsOf: chunk[0..<got])
            if got < chunk.count {
                if ferror(file) != 0 { throw DataError("\(path): read error") }
                return
            }
        }
    }

    static func read(_ path: String) throws(DataError) -> [UInt8] {
        var buffer: [UInt8] = []
        try read(path, into: &buffer)
        return buffer
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
