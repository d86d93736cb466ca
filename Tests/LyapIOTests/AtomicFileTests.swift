import Foundation
import Testing
@testable import LyapIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Atomic file writes")
struct AtomicFileTests {
    private func contents(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("writing over an existing file replaces all of it")
    func replacesExistingFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("metrics.csv")
        try AtomicFile.write(Array(repeating: 0x41, count: 10_000), to: path)
        try AtomicFile.write("short\n", to: path)
        #expect(try contents(path) == Array("short\n".utf8))
        try AtomicFile.write([], to: path)
        #expect(try contents(path).isEmpty)
        #expect(try dir.entries() == ["metrics.csv"])
    }

    @Test("a missing directory fails with the path and errno text, leaving nothing behind")
    func missingDirectory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("no-such-dir/out.json")
        #expect {
            try AtomicFile.write("{}", to: path)
        } throws: { error in
            let message = (error as? FileWriteError)?.message ?? ""
            return message.hasPrefix(path + ": ") && message.contains("No such file or directory")
        }
        #expect(try dir.entries().isEmpty)
    }

    @Test("when the target is a directory the rename fails and the temporary file is removed")
    func targetIsDirectory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("taken"), withIntermediateDirectories: false)
        #expect {
            try AtomicFile.write("data", to: dir.file("taken"))
        } throws: { error in
            ((error as? FileWriteError)?.message ?? "").contains("cannot rename temporary file over it")
        }
        #expect(try dir.entries() == ["taken"])
    }

    @Test("a failure after the temporary file is written leaves the old file and no temporary file")
    func failureBeforeRenameKeepsOldFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("ckpt.safetensors")
        try AtomicFile.write("old contents", to: path)
        #expect(throws: FileWriteError.self) {
            try AtomicFile.write(Array("new contents, longer".utf8), to: path, failBeforeRename: true)
        }
        #expect(try contents(path) == Array("old contents".utf8))
        #expect(try dir.entries() == ["ckpt.safetensors"])
    }

    // Root ignores directory permissions, so this case can only be exercised as another user.
    @Test("a read-only directory fails and keeps the old file", .enabled(if: geteuid() != 0, "running as root"))
    func readOnlyDirectory() throws {
        let dir = try TemporaryDirectory()
        defer {
            chmod(dir.path, 0o755)
            dir.remove()
        }
        let path = dir.file("config.json")
        try AtomicFile.write("old", to: path)
        #expect(chmod(dir.path, 0o555) == 0)
        #expect {
            try AtomicFile.write("new", to: path)
        } throws: { error in
            ((error as? FileWriteError)?.message ?? "").contains("Permission denied")
        }
        #expect(try contents(path) == Array("old".utf8))
        #expect(try dir.entries() == ["config.json"])
    }

    @Test("concurrent writers to one path leave one complete version and no temporary files")
    func concurrentWriters() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("shared.bin")
        let versions = (0..<8).map { writer in [UInt8](repeating: UInt8(writer), count: 64 * 1024 + writer) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for version in versions {
                group.addTask {
                    for _ in 0..<10 { try AtomicFile.write(version, to: path) }
                }
            }
            try await group.waitForAll()
        }
        #expect(versions.contains(try contents(path)))
        #expect(try dir.entries() == ["shared.bin"])
    }

    @Test("an empty path or a directory path is rejected")
    func invalidPaths() {
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: "") }
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: "/tmp/") }
    }
}
