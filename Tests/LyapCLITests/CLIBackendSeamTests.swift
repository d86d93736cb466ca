import Foundation
import LyapTestSupport
import Testing
@testable import lyap

/// The backend seam: a third compute kind (LyapTestSupport's float64 oracle) added to the factory's list
/// trains and analyses through the commands themselves, in process, and gives what the built-in cpu
/// backend gives in float64, bit for bit.
@Suite(.serialized)
struct CLIBackendSeamTests {
    static func run(_ args: [String]) throws {
        if !ComputeBackend.kinds.contains(where: { $0.name == "oracle64" }) { ComputeBackend.kinds.append(OracleKind()) }
        var command = try Lyap.parseAsRoot(args)
        try command.run()
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// metrics.csv without its wall-clock `seconds` column.
    static func metrics(_ run: String) throws -> [[Substring]] {
        let lines = String(decoding: try bytes(run + "/metrics.csv"), as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let seconds = try #require(lines.first?.firstIndex(of: "seconds"))
        return lines.map { row in row.enumerated().filter { $0.offset != seconds }.map(\.element) }
    }

    @Test func aThirdKindTrainsAndAnalysesThroughTheCommandsLikeTheCPUOracle() throws {
        let s = try Scratch()
        defer { s.remove() }
        for backend in ["cpu", "oracle64"] {
            try Self.run(["train", "--out", s.dir + "/" + backend, "--epochs", "2", "--checkpoint-every", "1", "--precision", "float64",
                          "--backend", backend] + s.small)
            try Self.run(["analyze", "--checkpoint", s.dir + "/" + backend + "/checkpoints", "--json", s.dir + "/" + backend + ".json",
                          "--precision", "float64", "--backend", backend, "--drive", "12", "--steps", "200", "--transient", "50",
                          "--reviews", "5", "--exponents", "2"])
        }
        let file = try #require(JSONSerialization.jsonObject(with: Self.bytes(s.dir + "/oracle64/config.json")) as? [String: Any])
        #expect((file["config"] as? [String: Any])?["backend"] as? String == "oracle64")
        #expect(OracleAnalysis.calls > 0, "the analysis did not go through the oracle kind")
        for epoch in ["epoch-0001", "epoch-0002"] {
            let a = try Self.bytes(s.dir + "/cpu/checkpoints/\(epoch).safetensors")
            let b = try Self.bytes(s.dir + "/oracle64/checkpoints/\(epoch).safetensors")
            #expect(a == b, "\(epoch) differs")
        }
        #expect(try Self.metrics(s.dir + "/cpu") == Self.metrics(s.dir + "/oracle64"))
        // The analysis JSON names the checkpoints' paths: the same once the run folder's name is taken out.
        let cpu = String(decoding: try Self.bytes(s.dir + "/cpu.json"), as: UTF8.self).replacingOccurrences(of: s.dir + "/cpu/", with: "")
        let oracle = String(decoding: try Self.bytes(s.dir + "/oracle64.json"), as: UTF8.self).replacingOccurrences(of: s.dir + "/oracle64/", with: "")
        #expect(!cpu.isEmpty && cpu == oracle)
    }

    @Test func theThirdKindRefusesWhatItCannotComputeInOneLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(throws: (any Error).self) {
            try Self.run(["train", "--out", s.dir + "/r", "--epochs", "1", "--backend", "oracle64"] + s.small)
        }
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/r/metrics.csv"))
    }
}
