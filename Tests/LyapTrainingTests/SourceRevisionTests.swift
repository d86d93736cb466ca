import Foundation
import Testing
@testable import LyapTraining

/// Provenance: the commit (and dirtiness) of the source tree, else LYAP_COMMIT, else nothing.
struct SourceRevisionTests {
    static let gitAvailable = SourceRevision.git(["--version"], in: "/", timeout: 5)?.status == 0

    static func shell(_ args: [String], in dir: String) throws -> String {
        let r = try #require(SourceRevision.git(args, in: dir, timeout: 20))
        try #require(r.status == 0, "git \(args) failed")
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "lyap-rev-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(.enabled(if: gitAvailable, "git is not installed"))
    func aWorkTreeGivesItsCommitAndWhetherItIsDirty() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.shell(["init", "-q"], in: dir)
        try "a\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        _ = try Self.shell(["add", "a.txt"], in: dir)
        _ = try Self.shell(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "x"], in: dir)
        let head = try Self.shell(["rev-parse", "HEAD"], in: dir)
        // LYAP_COMMIT is only the fallback: the work tree wins.
        let env = ["LYAP_COMMIT": "not-this"]
        #expect(SourceRevision.find(sourceDirectory: dir, environment: env) == SourceRevision(commit: head, dirty: false))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        #expect(SourceRevision.find(sourceDirectory: dir + "/sub", environment: env) == SourceRevision(commit: head, dirty: false))
        try "b\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        #expect(SourceRevision.find(sourceDirectory: dir, environment: env) == SourceRevision(commit: head, dirty: true))
        _ = try Self.shell(["checkout", "-q", "a.txt"], in: dir)
        try "new\n".write(toFile: dir + "/untracked.txt", atomically: true, encoding: .utf8)
        #expect(SourceRevision.find(sourceDirectory: dir, environment: env) == SourceRevision(commit: head, dirty: true))
    }

    @Test func outsideAWorkTreeTheEnvironmentOrNothing() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(SourceRevision.find(sourceDirectory: dir, environment: ["LYAP_COMMIT": "abc123"]) == SourceRevision(commit: "abc123", dirty: nil))
        #expect(SourceRevision.find(sourceDirectory: dir + "/gone", environment: ["LYAP_COMMIT": "abc123"]) == SourceRevision(commit: "abc123", dirty: nil))
        #expect(SourceRevision.find(sourceDirectory: dir, environment: [:]) == nil)
        #expect(SourceRevision.find(sourceDirectory: dir, environment: ["LYAP_COMMIT": ""]) == nil)
    }

    /// A config.json written before provenance was recorded still decodes (no source, no command).
    @Test func oldRecordsDecode() throws {
        let old = #"{"lyap":"0.1.0","swift":"6.2","os":"Linux","cpu":"x"}"#
        let info = try JSONDecoder().decode(BuildInfo.self, from: Data(old.utf8))
        #expect(info.source == nil && info.lyap == "0.1.0")
    }
}
