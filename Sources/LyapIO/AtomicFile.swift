#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that a crash cannot tear: the bytes go to a temporary file in the same directory,
/// which is flushed to disk and then renamed over the target. Readers see the old file or the new one.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        try write(bytes, to: path, failBeforeRename: false)
    }

    public static func write(_ text: String, to path: String) throws(FileWriteError) {
        try write(Array(text.utf8), to: path)
    }

    /// `failBeforeRename` lets tests exercise the clean-up path after the temporary file is complete.
    static func write(_ bytes: [UInt8], to path: String, failBeforeRename: Bool) throws(FileWriteError) {
        func fail(_ step: String, _ code: Int32) -> FileWriteError {
            FileWriteError(message: "\(path): \(step): \(errnoText(code))")
        }
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw FileWriteError(message: "'\(path)': not a file path")
        }
        let location = PathParts(path)
        let tempPath = location.directoryPrefix + "." + location.shortName
            + ".tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw fail("cannot create temporary file in '\(location.directory)'", errno) }
        var fdOpen = true
        var renamed = false
        defer {
            if fdOpen { close(fd) }
            if !renamed { unlink(tempPath) }
        }

        if let code = writeAll(bytes, to: fd) { throw fail("write failed", code) }
        guard fsync(fd) == 0 else { throw fail("fsync failed", errno) }
        fdOpen = false
        guard close(fd) == 0 else { throw fail("close failed", errno) }
        if failBeforeRename { throw fail("injected failure before rename", EIO) }
        guard rename(tempPath, path) == 0 else { throw fail("cannot rename temporary file over it", errno) }
        renamed = true
        try syncDirectory(location.directory, path: path)
    }

    /// Makes the rename itself durable. Some file systems cannot fsync a directory (EINVAL);
    /// the rename has happened by then, so that case is not an error.
    private static func syncDirectory(_ directory: String, path: String) throws(FileWriteError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FileWriteError(message: "\(path): written, but cannot open directory '\(directory)' to fsync it: \(errnoText(errno))")
        }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL {
            throw FileWriteError(message: "\(path): written, but fsync of directory '\(directory)' failed: \(errnoText(errno))")
        }
    }

    /// Writes everything, retrying short writes and EINTR; returns errno on failure.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}

/// POSIX write(2); a free function because `AtomicFile.write` hides the global name inside the type.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The directory and file name of a path, as the temporary-file logic needs them.
private struct PathParts {
    /// "dir/" for "dir/name", "" for a bare "name", "/" for "/name".
    let directoryPrefix: String
    /// The directory to fsync: "." for a bare name.
    let directory: String
    /// The file name cut to 64 scalars, so the temporary name stays under NAME_MAX.
    let shortName: String

    init(_ path: String) {
        if let slash = path.lastIndex(of: "/") {
            directoryPrefix = String(path[...slash])
            directory = directoryPrefix == "/" ? "/" : String(path[..<slash])
            shortName = String(String.UnicodeScalarView(path[path.index(after: slash)...].unicodeScalars.prefix(64)))
        } else {
            directoryPrefix = ""
            directory = "."
            shortName = String(String.UnicodeScalarView(path.unicodeScalars.prefix(64)))
        }
    }
}
