#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading whole files with POSIX calls, so failures carry their errno text. The package's one whole-file
/// reader (LyapData's loaders read through it too).
public enum FileBytes {
    public struct Failure: Error {
        /// E.g. "No such file or directory".
        public let reason: String
        /// Whether it failed before reading (opening, or not a regular file) rather than while reading.
        public let opening: Bool
    }

    public static func contents(atPath path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: errnoText(errno), opening: true) }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: errnoText(errno), opening: true) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure(reason: "not a regular file", opening: true) }

        // The size is only a first guess; keep reading until end of file in case the file grows.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var count = 0
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 4096))) }
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw Failure(reason: errnoText(errno), opening: false)
            }
            if got == 0 { break }
            count += got
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
