import Foundation
import LyapCore
import LyapData

/// A random pre-tokenized data set written as JSONL into a fresh temporary directory.
struct TestData {
    let dir: String
    let jsonl: String

    init(vocab: Int, train: Int, test: Int, maxLen: Int, seed: UInt64) throws {
        dir = NSTemporaryDirectory() + "lyap-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        jsonl = dir + "/data.jsonl"
        var rng = LabRNG(seed: seed, stream: "test-data")
        var lines: [String] = []
        for (split, n) in [("train", train), ("test", test)] {
            for i in 0..<n {
                let len = 1 + rng.below(maxLen)
                let label = i % 2
                // Label-dependent ids so the model has something to learn.
                let toks = (0..<len).map { _ in label == 1 && rng.below(3) == 0 ? 3 : 4 + rng.below(vocab - 4) }
                lines.append("{\"tokens\":[\(toks.map(String.init).joined(separator: ","))],\"label\":\(label),\"split\":\"\(split)\"}")
            }
        }
        try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
    }

    func load(vocab: Int, seqLen: Int, noise: Double = 0, seed: UInt64 = 0) throws -> Dataset {
        var o = DataOptions()
        o.vocabSize = vocab
        o.seqLen = seqLen
        o.labelNoise = noise
        o.seed = seed
        return try DatasetLoader.load(.path(jsonl), options: o)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
