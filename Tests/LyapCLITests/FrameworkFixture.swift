import Foundation
import LyapIO

/// One trajectory computed by a framework itself (Tests/Fixtures/frameworks/<convention>/<dtype>/, written by
/// tools/make-framework-fixtures.py): the data, the initial weights, the weights after each epoch, the losses.
struct FrameworkFixture {
    struct Meta: Decodable {
        struct Model: Decodable { let vocab, embed, hidden, seq_len, batch: Int }
        struct Adam: Decodable { let lr, beta1, beta2, eps: Double }
        let convention, framework, dtype: String
        let lyap_flags: [String]
        let model: Model
        let epochs: Int
        let adam: Adam
        let step_losses: [Double]
        let test_losses: [Double]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/frameworks").path

    let dir: String
    let meta: Meta
    var data: String { URL(fileURLWithPath: dir).deletingLastPathComponent().appendingPathComponent("data.jsonl").path }
    var initWeights: String { dir + "/init.safetensors" }
    func weights(epoch: Int) -> String { dir + "/epoch-\(epoch).safetensors" }

    init(_ convention: String, _ dtype: String) throws {
        dir = Self.root + "/" + convention + "/" + dtype
        meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/meta.json")))
    }

    /// `lyap train` over the fixture's data from its initial weights, in file order, a checkpoint every epoch,
    /// with the convention's own flags (meta.json's lyap_flags) unless `flags` replaces them.
    func trainArguments(out: String, precision: String, backend: String, flags: [String]? = nil) -> [String] {
        let m = meta.model
        return ["train", "--out", out, "--data", data, "--init", initWeights, "--no-shuffle",
                "--vocab", "\(m.vocab)", "--embed", "\(m.embed)", "--hidden", "\(m.hidden)", "--seq-len", "\(m.seq_len)",
                "--batch", "\(m.batch)", "--epochs", "\(meta.epochs)", "--checkpoint-every", "1", "--log-steps",
                "--lr", "\(meta.adam.lr)", "--beta1", "\(meta.adam.beta1)", "--beta2", "\(meta.adam.beta2)",
                "--precision", precision, "--backend", backend] + (flags ?? meta.lyap_flags)
    }

    /// Per tensor max|a - b| / max|b| of a lyap checkpoint against the fixture's weights after `epoch`, by
    /// PyTorch name; a fixture tensor that is all zeros must be matched exactly (reported as 0 or infinity).
    func relativeErrors(checkpoint: String, epoch: Int) throws -> [String: Double] {
        let lyap = try SafeTensorsFile.read(path: checkpoint), ref = try SafeTensorsFile.read(path: weights(epoch: epoch))
        var out: [String: Double] = [:]
        for (name, r) in ref.tensors {
            guard let t = lyap.tensors[name], t.shape == r.shape else { out[name] = .infinity; continue }
            let a = try t.asDoubles(), b = try r.asDoubles()
            let diff = zip(a, b).map { abs($0 - $1) }.max() ?? 0, scale = b.map(abs).max() ?? 0
            out[name] = scale > 0 ? diff / scale : (diff == 0 ? 0 : .infinity)
        }
        for name in lyap.tensors.keys where ref.tensors[name] == nil { out[name] = .infinity }
        return out
    }

    /// The losses lyap logged (steps.csv, metrics.csv's test_loss) against the framework's, as the largest
    /// relative difference.
    func lossError(run: String) throws -> Double {
        func column(_ path: String, _ name: String) throws -> [Double] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            guard let i = lines.first?.split(separator: ",").firstIndex(of: Substring(name)) else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
            }
            return lines.dropFirst().map { Double($0.split(separator: ",")[i]) ?? .nan }
        }
        let steps = try column(run + "/steps.csv", "loss"), tests = try column(run + "/metrics.csv", "test_loss")
        guard steps.count == meta.step_losses.count, tests.count == meta.test_losses.count else { return .infinity }
        return zip(steps + tests, meta.step_losses + meta.test_losses).map { abs($0 - $1) / abs($1) }.max() ?? .infinity
    }
}
