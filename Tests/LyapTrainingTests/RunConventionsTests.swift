import Foundation
import Testing
import LyapCore
import LyapData
@testable import LyapTraining

/// config.json's optional `conventions`: absent in every run written before them (decodes as today's),
/// and each piece decodes to the setting it names.
struct RunConventionsTests {
    static func config() -> RunConfig {
        RunConfig(model: ModelShape(vocab: 40, embed: 4, hidden: 5), seqLen: 12, batch: 5, epochs: 2, adam: AdamConfig(),
                  seed: 3, initPreset: .keras, initScale: 1, initFrom: nil, initFromSHA256: nil, shuffle: true,
                  checkpointEvery: 1, backend: "cpu", precision: .float32, threads: 2,
                  data: RunConfig.DataRecord(source: "embedded", sha256: "x", description: "d", trainSize: nil, testSize: nil,
                                             labelNoise: 0, flippedTrainLabels: 0, trainCount: 1, testCount: 1))
    }

    @Test func oldConfigDecodesAsToday() throws {
        let json = try JSONEncoder().encode(Self.config())
        #expect(!String(decoding: json, as: UTF8.self).contains("conventions"))
        let back = try JSONDecoder().decode(RunConfig.self, from: json)
        #expect(back.conventions == nil && back.padRow == .trained && back.loss == .logits)
        #expect(try back.dataConventions() == DataConventions())
    }

    @Test func everyPieceRoundTrips() throws {
        var c = Self.config()
        var r = RunConventions()
        r.protocol = "reproduction"
        r.tokenizer = .reproduction
        r.padding = .post
        r.split = "pooled:0.7"
        r.vocabularyFrom = .all
        r.padRow = .zero
        r.loss = .sigmoidBCE
        c.conventions = r
        c.initPreset = .reproduction
        let back = try JSONDecoder().decode(RunConfig.self, from: try JSONEncoder().encode(c))
        #expect(back == c)
        #expect(back.padRow == .zero && back.loss == .sigmoidBCE)
        let d = try back.dataConventions()
        #expect(d.tokenizer == .reproduction && d.padding == .post && d.split == .pooled(trainFraction: 0.7) && d.vocabularyFrom == .all)
        let text = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(text.contains("\"loss\":\"sigmoid-bce\"") && text.contains("\"initPreset\":\"reproduction\""))
    }
}
