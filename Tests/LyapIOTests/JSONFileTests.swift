import Foundation
import Testing
import LyapIO

@Suite("JSON files")
struct JSONFileTests {
    struct Config: Codable, Equatable {
        var hidden: Int
        var learningRate: Double
        var dataset: String
        var seeds: [UInt64]
    }

    @Test("written pretty-printed with sorted keys and a trailing newline, and read back")
    func writesSortedPrettyJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("config.json")
        let config = Config(hidden: 60, learningRate: 0.001, dataset: "imdb/train", seeds: [1, 2])
        try JSONFile.write(config, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
            {
              "dataset" : "imdb/train",
              "hidden" : 60,
              "learningRate" : 0.001,
              "seeds" : [
                1,
                2
              ]
            }

            """)
        #expect(try JSONFile.read(Config.self, from: path) == config)
    }

    @Test("a value JSON cannot hold is an error and writes nothing")
    func nanIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("summary.json")
        #expect {
            try JSONFile.write(["loss": Double.nan], to: path)
        } throws: { error in
            let message = (error as? FileWriteError)?.message ?? ""
            return message.hasPrefix("\(path): cannot encode JSON") && !message.contains("\n")
        }
        #expect(try dir.entries().isEmpty)
    }

    @Test("decoding errors name the file and the missing key on one line")
    func decodeErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("config.json")
        try AtomicFile.write(#"{"hidden": 60}"#, to: path)
        #expect {
            try JSONFile.read(Config.self, from: path)
        } throws: { error in
            let message = (error as? FileReadError)?.message ?? ""
            return message.hasPrefix("\(path): cannot decode JSON") && message.contains("missing key")
                && !message.contains("\n")
        }
    }
}
