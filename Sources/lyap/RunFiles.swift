import Foundation
import LyapCore
import LyapData
import LyapTraining

/// Reading a run's config.json and loading its data exactly as `lyap train` did: shared by train
/// (--resume), eval, analyze, audit and study.
enum RunFiles {
    /// config.json of a run; `flag` names the option the directory came from, for the error line.
    static func record(_ dir: RunDirectory, flag: String) throws -> RunRecord {
        guard FileManager.default.fileExists(atPath: dir.configPath) else {
            throw ConfigError("\(flag) \(dir.path): \(dir.configPath) not found (not a lyap run)")
        }
        do {
            return try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: dir.configPath)))
        } catch {
            throw ConfigError("\(dir.configPath): not a lyap run configuration (\(error))")
        }
    }

    /// The run's settings when `dir` holds a readable config.json, else nil (for defaults only).
    static func config(in dir: String?) -> RunConfig? {
        guard let dir, let d = try? Data(contentsOf: URL(fileURLWithPath: dir + "/config.json")) else { return nil }
        return (try? JSONDecoder().decode(RunRecord.self, from: d))?.config
    }

    /// The data set a run was trained on: same source, vocabulary, length, subsets, label noise and seed.
    static func data(for c: RunConfig) throws -> Dataset {
        var o = LyapData.DataOptions()
        o.vocabSize = c.model.vocab
        o.seqLen = c.seqLen
        o.trainSize = c.data.trainSize
        o.testSize = c.data.testSize
        o.labelNoise = c.data.labelNoise
        o.seed = c.seed
        o.conventions = try c.dataConventions()
        let source: DataSource = c.data.source == "embedded" ? .embedded : .path(c.data.source)
        let data = try DatasetLoader.load(source, options: o, progress: { info("\($0)") })
        if let want = c.conventions?.splitSHA256, data.splitSHA256 != want {
            throw ConfigError("--split \(c.conventions?.split ?? ""): content changed since the run started (sha256 \((data.splitSHA256 ?? "").prefix(12))..., recorded \(want.prefix(12))...)")
        }
        return data
    }
}
