import Foundation

/// The commit of the source lyap was built from, when it can be known: the git work tree holding this file
/// (`#filePath`, fixed at compile time) asked at run time, else the `LYAP_COMMIT` environment variable
/// (for a binary moved away from its checkout), else nothing. Asking git never fails a run: no git, no
/// work tree, or no answer within the timeout all mean "unknown".
public struct SourceRevision: Codable, Sendable, Equatable {
    public var commit: String
    /// Whether tracked or untracked files differed from the commit (`git status --porcelain`); nil when the
    /// commit came from LYAP_COMMIT.
    public var dirty: Bool?

    public init(commit: String, dirty: Bool?) {
        self.commit = commit
        self.dirty = dirty
    }

    /// Of this build, computed once per process.
    public static let current: SourceRevision? = find(
        sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path,
        environment: ProcessInfo.processInfo.environment)

    public static func find(sourceDirectory: String, environment: [String: String], timeout: Double = 5) -> SourceRevision? {
        if FileManager.default.fileExists(atPath: sourceDirectory),
           let head = git(["rev-parse", "--verify", "HEAD"], in: sourceDirectory, timeout: timeout), head.status == 0 {
            let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty {
                let status = git(["status", "--porcelain"], in: sourceDirectory, timeout: timeout)
                return SourceRevision(commit: commit, dirty: status.flatMap { $0.status == 0 ? !$0.output.isEmpty : nil })
            }
        }
        if let commit = environment["LYAP_COMMIT"], !commit.isEmpty { return SourceRevision(commit: commit, dirty: nil) }
        return nil
    }

    /// `git -C dir ARGS` with optional locks off (status must not write the index); nil when git cannot be
    /// started or does not finish within `timeout` seconds (it is then terminated).
    static func git(_ args: [String], in dir: String, timeout: Double) -> (status: Int32, output: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir] + args
        var env = ProcessInfo.processInfo.environment
        env["GIT_OPTIONAL_LOCKS"] = "0"
        env["LC_ALL"] = "C"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        do { try p.run() } catch { return nil }
        // Read while it runs, so a long listing cannot fill the pipe and stall it.
        let collected = CollectedOutput()
        let reader = Thread { collected.set(out.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        guard done.wait(timeout: .now() + timeout) == .success else {
            p.terminate()
            return nil
        }
        guard let data = collected.wait(timeout: 1) else { return nil }
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A pipe's contents handed from the reading thread.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private let ready = DispatchSemaphore(value: 0)
    func set(_ d: Data) {
        lock.lock(); data = d; lock.unlock()
        ready.signal()
    }
    func wait(timeout: Double) -> Data? {
        guard ready.wait(timeout: .now() + timeout) == .success else { return nil }
        lock.lock(); defer { lock.unlock() }
        return data
    }
}
