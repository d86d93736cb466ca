import Foundation
import LyapCore

/// Runs the built `lyap` binary and captures what it prints.
struct CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var stderrLines: [Substring] { stderr.split(separator: "\n") }
    }

    static let binary: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lyap").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/lyap").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    /// The environment every command starts with: the Vulkan validation layer on (LYAP_VALIDATE=1), so
    /// any command that computes on Vulkan fails on any validation message (`ComputeBackend.checkValidation`).
    /// A test that wants it off passes `"LYAP_VALIDATE": "0"`.
    static let defaultEnvironment = ["LYAP_VALIDATE": "1"]

    static func run(_ args: [String], environment extra: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(defaultEnvironment) { $1 }.merging(extra) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently with the process so neither can fill up and block it.
        let errData = LockedData()
        let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.done { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errData.value, as: UTF8.self))
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ d: Data) { lock.lock(); data = d; finished = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// A temporary folder with a small random JSONL data set (V=40).
struct Scratch {
    let dir: String
    var jsonl: String { dir + "/data.jsonl" }

    /// Defaults: 21 training reviews of 1...14 tokens (what most tests were written against).
    init(trainReviews: Int = 21, maxTokens: Int = 14) throws {
        dir = NSTemporaryDirectory() + "lyap-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rng = LabRNG(seed: 5)
        var lines: [String] = []
        for (split, n) in [("train", trainReviews), ("test", 8)] {
            for i in 0..<n {
                let toks = (0..<(1 + rng.below(maxTokens))).map { _ in 3 + rng.below(37) }
                lines.append("{\"tokens\":[\(toks.map(String.init).joined(separator: ","))],\"label\":\(i % 2),\"split\":\"\(split)\"}")
            }
        }
        try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
    }

    /// Flags for a tiny model on the JSONL data.
    var small: [String] { ["--data", jsonl, "--vocab", "40", "--embed", "4", "--hidden", "5", "--seq-len", "12", "--batch", "5"] }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
